import copy
import json
import socket
import zlib
from pathlib import Path

import pytest
from django.core.management import call_command

from filings.models import Provider
from integrations import keys, webhooks
from tests.api.receiver import Receiver
from tests.console.conftest import agent, login, supervisor  # noqa: F401 - shared fixtures
from tests.factories import uscc_code

SAMPLES = json.loads(
    (Path(__file__).resolve().parents[2] / "samples" / "filings.json").read_text()
)["filings"]


def sample(reference="API-0001", index=0, subject_serial=None, **changes):
    """A valid submission body: a sample filing (samples/), renamed, its subject's
    certificate and its domains drawn from the reference (or `subject_serial`): two
    references are two subjects, which a subject's one filing in flight at a time
    allows."""
    body = copy.deepcopy(SAMPLES[index])
    body.pop("provider", None)
    body["reference"] = reference
    serial = subject_serial
    if serial is None:
        serial = zlib.crc32(f"{index}:{reference}".encode())
    body["subject"]["certificate_number"] = uscc_code(serial)
    # and its domains its own: a domain belongs to one subject's filings
    for service in body["services"]:
        if service.get("domains"):
            service["domains"] = [f"s{serial}.{name}" for name in service["domains"]]
    body.update(changes)
    return body


@pytest.fixture
def key(db):
    """(ApiKey, key) of Alibaba Cloud."""
    return keys.create_key(Provider.objects.get(code="aliyun"), "ICP console")


@pytest.fixture
def test_key(db):
    """(ApiKey, key) of Alibaba Cloud's sandbox: a test key."""
    return keys.create_key(
        Provider.objects.get(code="aliyun"), "integration tests", livemode=False
    )


def sandbox_body(reference, mobile, suffix=""):
    """A submission whose one person (leader and every administrator) has `mobile`
    (a magic one, say), its subject's name ending in `suffix`."""
    body = sample(reference)
    if suffix:
        body["subject"]["name"] += f" {suffix}"
    leader = body["subject"]["leader"]
    leader["mobile"] = mobile
    for service in body["services"]:
        service["administrator"] = dict(leader)
    return body


@pytest.fixture
def sandbox_receiver(settings, test_key):
    """A receiver on loopback for the sandbox's events (an endpoint made with the
    test key), checking every signature."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    made = Receiver().start()
    made.secret = webhooks.create_endpoint(
        Provider.objects.get(code="aliyun"), made.url, api_key=test_key[0]
    ).secret
    yield made
    made.stop()


@pytest.fixture
def other_key(db):
    """(ApiKey, key) of JD Cloud."""
    return keys.create_key(Provider.objects.get(code="jdcloud"), "JD console")


@pytest.fixture
def call(client):
    """call(method, path, key, body=None, **headers) -> response."""

    def request(method, path, key, body=None, **headers):
        if key:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        data = json.dumps(body) if body is not None else None
        return getattr(client, method)(
            f"/api/v1{path}", data=data, content_type="application/json", **headers
        )

    return request


# A public address for the resolver below to answer; no test sends anything to it
# (the documentation ranges, 203.0.113.0/24 and the like, are not global).
PUBLIC = "93.184.215.14"


@pytest.fixture
def dns(monkeypatch):
    """A resolver that answers from a table: no lookup leaves the machine."""
    table = {"hooks.example.com": [PUBLIC]}

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ip = socket.inet_pton(
                socket.AF_INET6 if ":" in host else socket.AF_INET, host
            )
        except OSError:
            ip = None
        addresses = [host] if ip else table.get(host)
        if addresses is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in addresses
        ]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def database_tasks(settings, reference_data):
    """Tasks queued in the database, for `run_worker` to run."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def worker_receiver(settings, database_tasks):
    """A receiver on loopback with Alibaba Cloud's endpoint (every event), for
    deliveries made by the task worker."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    made = Receiver().start()
    aliyun = Provider.objects.get(code="aliyun")
    made.secret = webhooks.create_endpoint(aliyun, made.url).secret
    yield made
    if made.server:
        made.stop()


def run_worker():
    """Run the queued tasks that are due, as `db_worker` does, until none is left."""
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )
