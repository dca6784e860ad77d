"""Test keys beside live keys: a test key's filings are the providers' sandbox
(`livemode: false`), which a live key never sees, nor the staff's queue, funnel,
filing list and export, nor a real gateway; and the live filings are never a test
key's."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from console import funnel
from filings.models import FilingApplication, Provider, ProviderEvent
from integrations import keys, webhooks
from integrations.models import WebhookDelivery
from tests.api.conftest import sample
from tests.console.test_queue import reasons_of
from tests.verification import gateways
from verification.models import SmsMessage

pytestmark = pytest.mark.django_db


def test_the_command_makes_either_kind_of_key(reference_data):
    out = io.StringIO()
    call_command("create_api_key", "aliyun", "--name", "CI", "--test", stdout=out)
    test = out.getvalue().splitlines()
    assert test[0].startswith("Test API key (the sandbox) “CI” for aliyun")
    assert test[-1].startswith("icp_test_")
    out = io.StringIO()
    call_command("create_api_key", "aliyun", "--name", "CI", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("icp_live_")
    assert keys.authenticate(test[-1]).livemode is False


def test_a_test_keys_filing_is_the_sandboxs_and_the_live_key_never_sees_it(
    call, key, test_key
):
    made = call("post", "/filings", test_key[1], sample("SBX-1"))
    assert made.status_code == 201
    assert made.json()["livemode"] is False
    assert FilingApplication.objects.get(reference="SBX-1").livemode is False

    assert call("get", "/filings/SBX-1", key[1]).status_code == 404
    assert call("get", "/filings", key[1]).json()["filings"] == []
    live = call("post", "/filings", key[1], sample("LIVE-1"))
    assert live.json()["livemode"] is True
    assert call("get", "/filings/LIVE-1", test_key[1]).status_code == 404
    listed = call("get", "/filings", test_key[1]).json()["filings"]
    assert [f["reference"] for f in listed] == ["SBX-1"]


def test_the_sandbox_may_reuse_a_live_reference_and_subject(call, key, test_key):
    body = sample("SAME-1")
    assert call("post", "/filings", key[1], body).status_code == 201
    # The same reference, the same subject in flight, the same domains: the
    # sandbox conflicts with nothing live.
    again = call("post", "/filings", test_key[1], body)
    assert again.status_code == 201
    assert call("post", "/filings", test_key[1], body).status_code == 409


def test_the_sandbox_is_never_texted_through_a_real_gateway(
    call, test_key, settings, django_capture_on_commit_callbacks
):
    gateway = gateways.serve_aliyun(settings)
    settings.SMS_BACKEND = "aliyun"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            made = call("post", "/filings", test_key[1], sample("SBX-2"))
    finally:
        gateway.stop()
    assert made.status_code == 201
    assert gateway.received == []
    texts = SmsMessage.objects.filter(filing__reference="SBX-2")
    assert texts and {t.status for t in texts} == {"sent"}
    assert {t.backend for t in texts} == {"verification.sms.sandbox.SandboxGateway"}


def test_the_staff_do_not_see_the_sandbox_unless_they_ask(
    call, test_key, agent, client, login
):
    call("post", "/filings", test_key[1], sample("SBX-3"))
    filing = FilingApplication.objects.get(reference="SBX-3")
    FilingApplication.objects.filter(pk=filing.pk).update(
        verification_deadline=timezone.now() + timezone.timedelta(hours=1)
    )
    assert reasons_of(agent, filing) is None
    assert reasons_of(agent, filing, sandbox=True) is not None

    today = timezone.localdate()
    assert funnel.compute(today, today).total.stages["sent"] == 0

    login(agent)
    listed = client.get("/admin/filings/filingapplication/").content.decode()
    assert "SBX-3" not in listed
    asked = client.get("/admin/filings/filingapplication/?mode=sandbox")
    assert "SBX-3" in asked.content.decode()
    export = client.get("/admin/filings/filingapplication/export/")
    assert "SBX-3" not in b"".join(export.streaming_content).decode()


def test_webhooks_go_to_the_endpoints_of_the_filings_mode(
    call, key, test_key, settings, dns
):
    aliyun = Provider.objects.get(code="aliyun")
    live = webhooks.create_endpoint(
        aliyun, "https://hooks.example.com/live", api_key=key[0]
    )
    sandbox = webhooks.create_endpoint(
        aliyun, "https://hooks.example.com/test", api_key=test_key[0]
    )
    assert sandbox.livemode is False
    call("post", "/filings", key[1], sample("LIVE-2"))
    call("post", "/filings", test_key[1], sample("SBX-4"))
    webhooks.dispatch()

    def references(endpoint):
        return {
            d.event.filing.reference
            for d in WebhookDelivery.objects.filter(endpoint=endpoint)
        }

    assert references(live) == {"LIVE-2"}
    assert references(sandbox) == {"SBX-4"}
    event = ProviderEvent.objects.filter(filing__reference="SBX-4").first()
    assert webhooks.event_body(event)["livemode"] is False

    # The event feed and the endpoint list are each key's own.
    settings.EVENT_FEED_SETTLE_SECONDS = 0
    feed = call("get", "/events", test_key[1]).json()["events"]
    assert {e["data"]["filing"] for e in feed} == {"SBX-4"}
    assert [e["id"] for e in call("get", "/webhooks", key[1]).json()] == [
        f"we_{live.pk}"
    ]
