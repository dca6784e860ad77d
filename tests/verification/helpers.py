"""Helpers for engine tests: submitted filings, and codes read from the SMS outbox."""

import re

from tests.factories import FilingFactory, PersonFactory, ServiceFactory
from verification import actions, moves
from verification.models import SmsKind, SmsMessage

CODE_RE = re.compile(r"验证码为(\d{6})")
PROVINCE_FOR = {"pilot-2017": "gs", "provincial-2019": "sd"}


def channel_for(filing):
    if filing.policy in PROVINCE_FOR:
        return actions.Channel(filing.province_id)
    return actions.CENTRAL


def submitted_filing(policy="miit-current", *, same_person=False, now=None, **kwargs):
    """A first filing (leader + one website administrator) submitted under `policy`."""
    province = PROVINCE_FOR.get(policy, "bj")
    leader = PersonFactory()
    admin = leader if same_person else PersonFactory()
    filing = FilingFactory(
        policy=policy,
        subject__leader=leader,
        subject__province_id=province,
        services=[],
    )
    filing.services.add(ServiceFactory(subject=filing.subject, administrator=admin))
    filing = moves.submit_filing(filing, now=now, **kwargs)
    return filing, leader, admin


def latest_code(mobile):
    """The code in the newest verification SMS to `mobile`."""
    message = (
        SmsMessage.objects.filter(recipient=mobile, kind=SmsKind.VERIFICATION_CODE)
        .order_by("-id")
        .first()
    )
    return CODE_RE.search(message.text).group(1)


def last6(person):
    return person.certificate_number[-6:]


def verify_person(filing, person, code=None, **kwargs):
    return actions.verify(
        channel_for(filing),
        person.mobile,
        code or latest_code(person.mobile),
        last6(person),
        **kwargs,
    )
