"""The training gateway: the demo phone's outbox behind a gateway that a supervisor
can make misbehave, per carrier or for all: texts delivered late, a share of them
lost, delivered twice, or a carrier down.

It wraps the database backend as an SMS backend (`SMS_BACKEND`), so the engine's own
delivery runs: a carrier that is down refuses the text and the engine retries it and
finally gives up; a text the gateway takes gets a delivery report as a real carrier's
would be (`verification.tasks.record_delivery_report`), at once or, for a late one,
when it is due (`push_due_reports`, run on each request in demo mode and by time
travel). Outside demo mode it is a plain outbox that misbehaves in no way.
"""

import contextlib
import contextvars
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from demo.models import Behaviour, GatewayRule, PlannedReport
from verification import messages, sms
from verification.models import DeliveryFailure
from verification.sms.base import BaseSmsBackend
from verification.sms.database import DatabaseBackend
from verification.tasks import ReportRefused, record_delivery_report

PATH = "demo.gateway.TrainingGateway"
DELIVERED = "DELIVRD"
LOST = "UNDELIV"


@dataclass
class Plan:
    """How the gateway treats a text: a rule's settings, without its record."""

    behaviour: str = Behaviour.NORMAL
    delay_minutes: int = 10
    lost_percent: int = 100
    only: str = ""  # a scenario's: the one mobile it applies to


# A plan for every text, set while a training scenario is built: its misbehaviour
# is the scenario's, whatever the supervisor set for everyone else's texts.
_scenario_plan = contextvars.ContextVar("scenario_plan", default=None)


@contextlib.contextmanager
def behaving(behaviour, **settings_of_plan):
    """Treat every text sent in the block this way, or with `only` every text to
    that mobile, the others normally (training scenarios)."""
    token = _scenario_plan.set(Plan(behaviour, **settings_of_plan))
    try:
        yield
    finally:
        _scenario_plan.reset(token)


def in_use():
    """Whether the configured SMS backend is the training gateway, in demo mode."""
    return settings.DEMO_MODE and sms.backend_path() == PATH


def _lost(rule):
    """Whether the next text under a "lost" rule is lost: exactly the rule's share
    of them are (of 4 texts at 50 %, the 2nd and the 4th)."""
    with transaction.atomic():
        GatewayRule.objects.filter(pk=rule.pk).update(texts_seen=F("texts_seen") + 1)
        seen = GatewayRule.objects.values_list("texts_seen", flat=True).get(pk=rule.pk)
    share = rule.lost_percent
    return seen * share // 100 > (seen - 1) * share // 100


def plan_for(recipient):
    """(behaviour, plan, lost) for a text to `recipient`: the scenario's plan while
    one is built, else the rule of the recipient's carrier, else the rule for every
    carrier, else normal delivery."""
    scenario = _scenario_plan.get()
    if scenario is not None:
        if scenario.only and scenario.only != recipient:
            return Behaviour.NORMAL, Plan(), False
        lost = scenario.behaviour == Behaviour.LOST and scenario.lost_percent >= 100
        return scenario.behaviour, scenario, lost
    carrier = messages.host_carrier(recipient)
    rules = {
        r.carrier: r for r in GatewayRule.objects.filter(carrier__in=[carrier, ""])
    }
    rule = rules.get(carrier) or rules.get("")
    if rule is None:
        return Behaviour.NORMAL, Plan(), False
    lost = rule.behaviour == Behaviour.LOST and _lost(rule)
    return rule.behaviour, rule, lost


class TrainingGateway(BaseSmsBackend):
    """The database outbox behind a gateway that misbehaves as a supervisor set."""

    label = _("Training gateway (demo phone)")
    is_outbox = True

    def __init__(self):
        self.outbox = DatabaseBackend()

    @property
    def reports_delivery(self):
        return settings.DEMO_MODE

    def send(self, message):
        """Take the text (or refuse it for a carrier that is down) and report on it
        as the carrier would."""
        gateway_id = self.outbox.send(message) or f"TRN{message.pk:09d}"
        if not settings.DEMO_MODE:
            return gateway_id
        behaviour, plan, lost = plan_for(message.recipient)
        now = timezone.now()
        if behaviour == Behaviour.DOWN:
            carrier = messages.host_carrier(message.recipient)
            raise sms.SmsSendError(
                f"{carrier}: carrier network unreachable (training gateway)",
                retryable=True,
                failure=DeliveryFailure.CARRIER_DOWN,
            )
        if behaviour == Behaviour.DELAYED:
            PlannedReport.objects.create(
                message=message,
                due_at=now + datetime.timedelta(minutes=plan.delay_minutes),
                delivered=True,
                code=DELIVERED,
            )
            return gateway_id
        if lost:
            record_delivery_report(message, delivered=False, code=LOST, when=now)
        else:
            copies = 2 if behaviour == Behaviour.DUPLICATED else 1
            record_delivery_report(
                message, delivered=True, code=DELIVERED, when=now, copies=copies
            )
        return gateway_id


def push_due_reports(now=None):
    """Send the delivery reports that are due by `now` (a text delivered late
    arrives); returns how many. Each is stamped with its own due time."""
    now = now or timezone.now()
    pushed = 0
    for planned in PlannedReport.objects.filter(due_at__lte=now).select_related(
        "message"
    ):
        with transaction.atomic():
            taken = PlannedReport.objects.filter(pk=planned.pk).delete()[0]
            if not taken:
                continue  # another request sent it
            try:
                record_delivery_report(
                    planned.message,
                    delivered=planned.delivered,
                    code=planned.code,
                    when=planned.due_at,
                    copies=planned.copies,
                )
            except ReportRefused:
                continue
            pushed += 1
    return pushed
