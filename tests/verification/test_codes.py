"""Codes: six digits, stored only as a keyed hash, unique among pending ones."""

import pytest

from tests.verification.helpers import latest_code, submitted_filing
from verification import codes
from verification.models import Verification

pytestmark = pytest.mark.django_db


def test_codes_are_six_digits_and_vary():
    drawn = {codes.generate_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in drawn)
    assert len(drawn) > 190


def test_only_a_keyed_hash_is_stored():
    filing, leader, _ = submitted_filing()
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    code = latest_code(leader.mobile)
    assert len(verification.code_hash) == 64
    assert verification.code_hash == codes.hash_code(code)
    assert code not in verification.code_hash
    assert verification.code_issued_at is not None


def test_the_hash_depends_on_the_secret(settings):
    settings.VERIFICATION_CODE_SECRET = ""
    from_secret_key = codes.hash_code("123456")
    settings.VERIFICATION_CODE_SECRET = "another-secret"
    assert codes.hash_code("123456") != from_secret_key
    with_own_secret = codes.hash_code("123456")
    settings.SECRET_KEY = "changed"  # no effect once the code secret is set
    assert codes.hash_code("123456") == with_own_secret


def test_code_matches_is_exact():
    digest = codes.hash_code("012345")
    assert codes.code_matches(digest, "012345")
    assert not codes.code_matches(digest, "12345")
    assert not codes.code_matches("", "012345")


def test_a_new_code_never_equals_a_pending_one(monkeypatch):
    draws = iter(["111111", "111111", "111111", "222222"])
    monkeypatch.setattr(codes, "generate_code", lambda: next(draws))
    first, leader_a, _ = submitted_filing(same_person=True)
    second, leader_b, _ = submitted_filing(same_person=True)
    assert latest_code(leader_a.mobile) == "111111"
    assert latest_code(leader_b.mobile) == "222222"


def test_an_expired_code_may_be_drawn_again(monkeypatch):
    draws = iter(["333333", "333333"])
    monkeypatch.setattr(codes, "generate_code", lambda: next(draws))
    first, leader_a, _ = submitted_filing(same_person=True)
    Verification.objects.filter(filing=first).update(status="expired")
    submitted_filing(same_person=True)
    assert Verification.objects.filter(code_hash=codes.hash_code("333333")).count() == 2
