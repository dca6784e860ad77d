"""10,000 guesses at one pending mobile through the HTTP form, from several addresses."""

import random

import pytest

from filings.models import FilingApplication
from tests.console.conftest import make_staff
from tests.verification.helpers import last6, latest_code, submitted_filing
from verification.models import Attempt, SmsMessage, Verification

pytestmark = pytest.mark.django_db
GUESSES = 10_000
ADDRESSES = [f"203.0.113.{n}" for n in range(1, 9)]


def test_brute_force_gets_nowhere(client):
    filing, leader, _ = submitted_filing()
    real_code = latest_code(leader.mobile)
    rng = random.Random(2026)
    statuses = set()
    for index in range(GUESSES):
        guess = f"{rng.randrange(10**6):06d}"
        if guess == real_code:
            guess = f"{(int(guess) + 1) % 10**6:06d}"
        client.post(
            "/verify/",
            {
                "code": guess,
                "mobile": leader.mobile,
                "cert_last6": last6(leader),  # the worst case: the attacker knows them
                "captcha_0": "k",
                "captcha_1": "PASSED",
            },
            REMOTE_ADDR=ADDRESSES[index % len(ADDRESSES)],
        )
    statuses = set(Attempt.objects.values_list("status", flat=True))
    # zero successes
    assert not {3, 31, 20} & statuses
    assert not Verification.objects.filter(status="verified").exists()
    # the five-failure rule engaged: the verification failed and the filing went back
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    assert (verification.status, verification.failed_attempts) == ("failed", 5)
    assert FilingApplication.objects.get(pk=filing.pk).status == "returned"
    # the throttles engaged: almost every request was turned away before any lookup
    throttled = Attempt.objects.filter(status__isnull=True).count()
    assert throttled > GUESSES * 0.99
    assert Attempt.objects.count() == GUESSES
    # the real owner is told, by text message
    notice = SmsMessage.objects.filter(
        recipient=leader.mobile, kind="notification"
    ).latest("id")
    assert "连续5次输入错误已失败" in notice.text
    # and staff see it on the filing page
    staff = make_staff("supervisor", "Supervisor")
    client.force_login(staff)
    page = client.get(
        f"/admin/filings/filingapplication/{filing.pk}/change/"
    ).content.decode()
    assert "连续失败 5 次，核验失败，备案申请已退回接入商" in page
    assert "因尝试过于频繁被暂时限制" in page  # the throttled tries, in words
