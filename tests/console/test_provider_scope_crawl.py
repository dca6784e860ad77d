"""A provider's staff read nothing of another provider's. With a filing of provider B
seeded, and everything that hangs off it, each role of provider A fetches every
console address found from the URL resolver (every changelist, change page, history,
custom page, export and JSON answer), with A's objects, B's objects and none: no
answer holds B's reference, names, masked numbers or records, and every address of
one of B's objects answers 404 (a form posted to it too). The administration's
login, crawling the same way, finds B's records: the crawl can fail."""

import datetime

import pytest
from axes.models import AccessLog
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from console import casework, scripts
from console.models import AnswerScript, Escalation, Presence
from console.staff import create_staff
from filings.models import Provider
from filings.privacy import mask_certificate, mask_mobile
from infra.scope import scope_condition
from integrations.keys import create_key
from integrations.models import WebhookAttempt, WebhookDelivery
from integrations.webhooks import create_endpoint, dispatch
from tests.api.conftest import dns  # noqa: F401 - a fixture, asked for below
from tests.factories import FilingFactory, MacroFactory, PersonFactory, ServiceFactory
from tests.verification.helpers import channel_for
from verification import actions, moves

pytestmark = pytest.mark.django_db

# What ends the session rather than reads anything.
NOT_CRAWLED = {"logout"}
MISSING = 987654321


def seed(code, mobiles, words):
    """A provider's filing and everything hanging off it; returns its objects."""
    provider = Provider.objects.get(code=code)
    agent, _ = create_staff(f"{code}-agent", "agent", provider_code=code, password="x")
    leader = PersonFactory(name=f"{words}负责人", mobile=mobiles[0])
    administrator = PersonFactory(name=f"{words}管理员", mobile=mobiles[1])
    filing = FilingFactory(
        provider=provider,
        reference=f"{code.upper()}-REF-7731",
        subject__leader=leader,
        subject__name=f"{words}科技有限公司",
        services=[],
    )
    filing.services.add(
        ServiceFactory(
            subject=filing.subject, administrator=administrator, name=f"{words}网站"
        )
    )
    endpoint = create_endpoint(provider, f"https://hooks.example.com/icp-{code}")
    key = create_key(provider, f"{code} key")[0]
    filing = moves.submit_filing(filing)
    actions.verify(channel_for(filing), leader.mobile, "000000", "000000")
    casework.claim(filing, agent)
    casework.add_note(filing, agent, f"{words}客户来电")
    casework.set_follow_up(
        filing, agent, timezone.now() + datetime.timedelta(hours=2), f"{words}回电"
    )
    dispatch()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    WebhookAttempt.objects.create(
        delivery=delivery,
        started_at=timezone.now(),
        latency_ms=5,
        status_code=500,
        error=f"{words} failure",
    )
    verification = filing.verifications.first()
    escalation = Escalation.objects.create(
        filing=filing,
        action="mark_verified",
        verification=verification,
        reason=f"{words}请求",
        asked_by=agent,
    )
    Presence.objects.create(filing=filing, user=agent, seen_at=timezone.now())
    script = AnswerScript.objects.create(
        provider=provider,
        key_kind="situation",
        key="waiting",
        title_zh=f"{words}答复",
        title_en=f"{words} answer",
        text_zh="请查收短信。",
        text_en="Read the text.",
    )
    scripts.count_use(script, filing, agent)
    macro = MacroFactory(provider=provider, name_en=f"{words} macro")
    AccessLog.objects.create(
        username=agent.username, ip_address="10.9.8.7", user_agent="crawl"
    )
    markers = [
        filing.reference,
        leader.name,
        administrator.name,
        filing.subject.name,
        f"{words}网站",
        f"{words}客户来电",
        f"{words}回电",
        f"{words}请求",
        f"{words}答复",
        f"{words} answer",
        f"{words} macro",
        f"{words} failure",
        f"{code} key",
        f"/icp-{code}",
        agent.username,
        mask_mobile(leader.mobile),
        mask_mobile(administrator.mobile),
        mask_certificate(leader.certificate_number),
    ]
    return {
        "provider": provider,
        "filing": filing,
        "person": leader,
        "subject": filing.subject,
        "escalation": escalation,
        "script": script,
        "macro": macro,
        "key": key,
        "endpoint": endpoint,
        "delivery": delivery,
        "agent": agent,
        "markers": markers,
    }


@pytest.fixture
def providers(request):
    request.getfixturevalue("dns")  # webhook addresses resolved from a table
    mine = seed("aliyun", ["13800007731", "18600007731"], "甲方")
    other = seed("tencent", ["13900004482", "18900004482"], "乙方")
    return mine, other


def routes():
    """(URL name, parameter names) of every console address, from the resolver."""
    found = []

    def walk(patterns, params):
        for pattern in patterns:
            own = set(getattr(pattern.pattern, "converters", {}) or ())
            own |= set(pattern.pattern.regex.groupindex)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, params | own)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.append((pattern.name, params | own))

    for top in get_resolver().url_patterns:
        if isinstance(top, URLResolver) and top.namespace == "admin":
            walk(top.url_patterns, set())
    assert len(found) > 100
    return found


def ids_of(side):
    """The custom pages' parameters naming one provider's records."""
    return {
        "filing_id": side["filing"].pk,
        "person_id": side["person"].pk,
        "subject_id": side["subject"].pk,
        "escalation_id": side["escalation"].pk,
        "script_id": side["script"].pk,
        "member_id": side["agent"].pk,
    }


def addresses(mine, other):
    """Every console address to fetch: (url, for one of B's objects the same address
    of an object that does not exist, else None)."""
    theirs, ours = ids_of(other), ids_of(mine)
    slugs = {"do": "note", "answer": "approve"}
    registered = {m._meta.app_label for m in admin.site._registry}
    for name, params in routes():
        if name in NOT_CRAWLED:
            continue
        view = f"admin:{name}"
        if not params:
            yield reverse(view), None
        elif params == {"app_label"}:
            for label in sorted(registered):
                yield reverse(view, kwargs={"app_label": label}), None
        elif params in ({"object_id"}, {"id"}):
            model = next(
                m
                for m in admin.site._registry
                if name.startswith(f"{m._meta.app_label}_{m._meta.model_name}_")
            )
            for obj, is_theirs in owned_objects(model, mine, other):
                twin = reverse(view, args=[MISSING]) if is_theirs else None
                yield reverse(view, args=[obj.pk]), twin
        elif params == {"content_type_id", "object_id"}:
            for model in admin.site._registry:
                for obj, is_theirs in owned_objects(model, mine, other):
                    ct = ContentType.objects.get_for_model(model).pk
                    twin = reverse(view, args=[ct, MISSING]) if is_theirs else None
                    yield reverse(view, args=[ct, obj.pk]), twin
        else:
            unknown = params - set(ours) - set(slugs)
            assert not unknown, f"the crawl cannot fill {unknown} of {name}"
            kwargs = {p: ours.get(p, slugs.get(p)) for p in params}
            yield reverse(view, kwargs=kwargs), None
            kwargs = {p: theirs.get(p, slugs.get(p)) for p in params}
            missing = {p: MISSING if p in theirs else slugs[p] for p in params}
            yield reverse(view, kwargs=kwargs), reverse(view, kwargs=missing)


def owned_objects(model, mine, other):
    """(object, whether it is B's) for the pages of `model`: one of A's (or shared)
    and one of B's alone for a provider's record, one row of shared data."""
    rows = model._base_manager.order_by("pk")
    if getattr(model, "scoped_by", None) is None:
        first = rows.first()
        return [(first, False)] if first is not None else []
    ours = scope_condition(model, mine["provider"].pk)
    theirs = scope_condition(model, other["provider"].pk)
    found = [(rows.filter(ours).first(), False)]
    found.append((rows.filter(theirs).exclude(ours).first(), True))
    return [(obj, is_theirs) for obj, is_theirs in found if obj is not None]


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def fetch(client, url):
    """GET `url`, or POST an empty form to it where GET is not allowed."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def crawl(client, mine, other):
    """Fetch every address; returns [(url, status, B's markers found, for B's
    object the status of the same address of a missing one)]."""
    seen = []
    searches = [other["filing"].reference, other["person"].mobile]
    for url, twin in addresses(mine, other):
        response = fetch(client, url)
        text = body_of(response)
        found = [m for m in other["markers"] if m in text]
        missing = fetch(client, twin).status_code if twin else None
        seen.append((url, response.status_code, found, missing))
        if url.endswith("/") and response.status_code == 200 and not twin:
            for term in searches:
                searched = client.get(url, {"q": term})
                # the term typed is echoed in the search box; nothing else may be
                text = body_of(searched).replace(term, "")
                found = [m for m in other["markers"] if m in text]
                seen.append((f"{url}?q={term}", searched.status_code, found, None))
    return seen


@pytest.mark.parametrize("role", ["agent", "supervisor", "auditor"])
def test_a_providers_staff_read_nothing_of_another_providers(client, providers, role):
    mine, other = providers
    user, _ = create_staff(f"a-{role}", role, provider_code="aliyun", password="x")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    seen = crawl(client, mine, other)
    assert len(seen) > 150
    assert [(url, status) for url, status, _found, _t in seen if status >= 500] == []
    assert [(url, found) for url, _status, found, _t in seen if found] == []
    # B's objects are not found: a 404, or what a missing object answers (the
    # role may not use that page at all: the same 403 either way)
    theirs = [(url, status, missing) for url, status, _f, missing in seen if missing]
    assert len(theirs) > 30
    assert [t for t in theirs if t[1] != t[2] or t[1] not in (403, 404)] == []
    assert sum(status == 404 for _url, status, _m in theirs) > 20
    # and A's own records are there to read
    assert any(
        mine["filing"].reference in body_of(client.get(url))
        for url in ["/admin/filings/filingapplication/", "/admin/queue/?view=all"]
    )


def test_the_administrations_login_reads_every_providers(client, providers):
    mine, other = providers
    user, _ = create_staff("admin-supervisor", "supervisor", password="x")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    seen = crawl(client, mine, other)
    leaked = {m for _url, _status, found, _t in seen for m in found}
    assert other["filing"].reference in leaked
    assert f"{'乙方'} macro" in leaked
    theirs = [status for _url, status, _found, missing in seen if missing]
    assert theirs.count(200) > 20
