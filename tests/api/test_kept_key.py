"""`create_api_key --keep-in FILE` (make demo): the key is kept in a file only its
owner reads and printed again on the next run while it is live; a revoked or
foreign one is replaced."""

import io
import stat

import pytest
from django.core.management import call_command

from filings.models import Provider
from integrations import keys

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue().splitlines()[-1]


def test_the_key_is_kept_and_printed_again(tmp_path):
    kept = tmp_path / "key"
    first = run("aliyun", "--name", "Demo key", "--keep-in", str(kept))
    assert kept.read_text().strip() == first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert run("aliyun", "--name", "Demo key", "--keep-in", str(kept)) == first
    assert keys.authenticate(first) is not None


def test_a_revoked_or_foreign_key_is_replaced(tmp_path):
    kept = tmp_path / "key"
    first = run("aliyun", "--name", "Demo key", "--keep-in", str(kept))
    keys.revoke(keys.authenticate(first))
    second = run("aliyun", "--name", "Demo key", "--keep-in", str(kept))
    assert second != first and kept.read_text().strip() == second
    _, other = keys.create_key(Provider.objects.get(code="jdcloud"), "Demo key")
    kept.write_text(other)
    third = run("aliyun", "--name", "Demo key", "--keep-in", str(kept))
    assert third not in (other, second)
    assert keys.authenticate(third).provider.code == "aliyun"
