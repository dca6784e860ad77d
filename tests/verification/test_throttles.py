"""Throttles on verify and resend: limits engage, and the defaults are safe."""

import logging
import math

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from filings import policies
from infra import rates
from tests.verification.helpers import last6, latest_code, submitted_filing
from verification import actions
from verification.models import Attempt, Verification

pytestmark = pytest.mark.django_db


def test_default_limits_keep_a_guess_under_one_in_a_thousand(settings):
    """An attacker who knows the mobile and the certificate digits makes at most
    limit x (windows overlapping the longest validity) verify attempts at one mobile;
    each matches the 6-digit code with probability 1/10**6."""
    rate = rates.parse_rate(settings.RATELIMITS["verify_per_mobile"])
    longest = max(p.window.total_seconds() for p in policies.POLICIES.values())
    attempts = rate.limit * (math.ceil(longest / rate.seconds) + 1)
    assert attempts / 10**6 <= 1 / 1000
    # and the five-failure rule alone allows only five wrong guesses per code issue
    assert max(p.failure_limit for p in policies.POLICIES.values()) / 10**6 <= 1 / 1000


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/h", (10, 3600)),
        ("5/15m", (5, 900)),
        ("30 / d", (30, 86400)),
        ("1/s", (1, 1)),
    ],
)
def test_parse_rate(text, rate):
    assert rates.parse_rate(text) == rates.Rate(*rate)


@pytest.mark.parametrize("text", ["", "10", "ten/h", "10/w", "/h"])
def test_bad_rate_is_a_clear_configuration_error(text):
    with pytest.raises(ImproperlyConfigured, match="N/period"):
        rates.parse_rate(text)


def test_per_mobile_limit_on_verify(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "verify_per_mobile": "3/h"}
    filing, leader, _ = submitted_filing()
    outcomes = [
        actions.verify(
            actions.CENTRAL, leader.mobile, "000000", "000000", ip=f"10.0.0.{i}"
        )
        for i in range(5)
    ]
    assert [o.status for o in outcomes] == [2, 2, 2, None, None]
    assert outcomes[3].throttled.scope == "mobile"
    assert 0 < outcomes[3].throttled.retry_after <= 3601
    assert outcomes[3].text().startswith("操作过于频繁，请")
    assert outcomes[3].text("en").startswith("Too many attempts. Please try again in")
    # throttled requests are recorded but do not count as failures
    assert (
        Verification.objects.get(filing=filing, mobile=leader.mobile).failed_attempts
        == 3
    )
    assert Attempt.objects.filter(reason="throttled_mobile", status=None).count() == 2
    # even the right code waits for the window
    right = actions.verify(
        actions.CENTRAL, leader.mobile, latest_code(leader.mobile), last6(leader)
    )
    assert right.status is None


def test_per_ip_limit_on_verify(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "verify_per_ip": "4/h"}
    outcomes = [
        actions.verify(
            actions.CENTRAL, f"1380013{i:04d}", "123456", "123456", ip="192.0.2.1"
        )
        for i in range(6)
    ]
    assert [o.status for o in outcomes] == [4, 4, 4, 4, None, None]
    assert outcomes[-1].throttled.scope == "ip"
    other_ip = actions.verify(
        actions.CENTRAL, "13800139999", "123456", "123456", ip="192.0.2.2"
    )
    assert other_ip.status == 4


def test_resend_limits(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "resend_per_mobile": "2/h"}
    filing, leader, _ = submitted_filing("provincial-2019")
    channel = actions.Channel("sd")
    outcomes = [actions.resend(channel, leader.mobile, last6(leader)) for _ in range(3)]
    assert [o.status for o in outcomes] == [101, 101, None]


def test_limits_can_be_switched_off(settings):
    settings.RATELIMIT_ENABLED = False
    settings.RATELIMITS = {**settings.RATELIMITS, "verify_per_ip": "1/h"}
    outcomes = [
        actions.verify(
            actions.CENTRAL, "13800138000", "123456", "123456", ip="192.0.2.1"
        )
        for _ in range(3)
    ]
    assert [o.status for o in outcomes] == [4, 4, 4]


def test_switching_off_logs_a_warning_at_start_up(settings, caplog):
    settings.RATELIMIT_ENABLED = False
    with caplog.at_level(logging.WARNING, logger="verification.apps"):
        apps.get_app_config("verification").ready()
    assert "RATELIMIT_ENABLED is false" in caplog.text
