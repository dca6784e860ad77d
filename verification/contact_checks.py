"""The administration's checks of contact details after approval (专项核查,
"联系方式自助核验"): the contacts of an approved filing confirm their mobile with a
texted code within a correction window; a check not done by its deadline is missed
and flagged for access removal, which staff confirm.

The MIIT publishes no page text for this check: the texts and the verify page's
answers are the simulator's own words, and say so. Every step is one transaction
on the locked filing row, with its audit event (and so its provider event and
webhook): opened, a contact confirmed, passed, missed, access removed.
"""

import contextlib
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filings import transitions
from filings.models import EventType, FilingApplication, FilingStatus, Role
from filings.privacy import mask_mobile
from infra import times
from infra.rates import CACHE_ERRORS
from verification import codes, messages, moves
from verification.models import (
    ContactCheck,
    ContactCheckCampaign,
    ContactCheckPerson,
    ContactCheckStatus,
    SmsKind,
)

# Wrong codes a contact may type before their code stops working (staff reopen).
FAILURE_LIMIT = 5

S = ContactCheckStatus


class CheckRefused(Exception):
    """A check that cannot be opened, or an access that cannot be removed, now."""


def why_not_open(filing: FilingApplication) -> str:
    """Why no check may be opened on `filing` now, in words; "" when one may."""
    if filing.status != FilingStatus.APPROVED:
        return _("Only an approved filing is checked; this one is “%(status)s”.") % {
            "status": filing.get_status_display()
        }
    held = set(
        ContactCheck.objects.filter(
            filing=filing, status__in=(S.OPEN, S.MISSED)
        ).values_list("status", flat=True)
    )
    if S.OPEN in held:
        return _("A contact check of this filing is open already.")
    if S.MISSED in held:
        return _(
            "This filing's last contact check was missed: it is flagged for "
            "access removal."
        )
    return ""


def missed_check(filing: FilingApplication) -> ContactCheck | None:
    """The filing's missed check, flagged for access removal, if any."""
    return ContactCheck.objects.filter(filing=filing, status=S.MISSED).first()


def why_not_remove(filing: FilingApplication) -> str:
    """Why the access of `filing` may not be removed now, in words; "" when it may."""
    if filing.status != FilingStatus.APPROVED or missed_check(filing) is None:
        return _("Only after a missed contact check.")
    return ""


def remove_access_of(
    filing: FilingApplication, *, actor: transitions.Actor, reason: str
) -> FilingApplication:
    """Remove the access of `filing` for its missed check; CheckRefused if none."""
    check = missed_check(filing)
    if check is None:
        raise CheckRefused(_("Only after a missed contact check."))
    return remove_access(check, actor=actor, reason=reason)


# Whether any check is open, cached: the verify page asks on every request, and
# most of the time none is (a campaign is a rare event). Opening one sets it.
ANY_OPEN_KEY = "contact_checks:any_open"
ANY_OPEN_SECONDS = 300


def any_open() -> bool:
    """Whether some contact check may be open (True when the cache cannot say)."""
    try:
        known = cache.get(ANY_OPEN_KEY)
    except CACHE_ERRORS:
        return True
    if known is None:
        known = ContactCheck.objects.filter(status=S.OPEN).exists()
        with contextlib.suppress(*CACHE_ERRORS):
            cache.set(ANY_OPEN_KEY, known, ANY_OPEN_SECONDS)
    return bool(known)


def _note_open() -> None:
    with contextlib.suppress(*CACHE_ERRORS):
        cache.set(ANY_OPEN_KEY, True, ANY_OPEN_SECONDS)


def _window() -> datetime.timedelta:
    return datetime.timedelta(days=settings.CONTACT_CHECK_WINDOW_DAYS)


def check_text(
    filing: FilingApplication, code: str, deadline: datetime.datetime
) -> str:
    """The text of a contact check's code: the simulator's own words."""
    return (
        f"【ICP备案联系方式核验·模拟】您的ICP备案{filing.icp_number or filing.reference}"
        f"正在进行联系方式核验，验证码为{code}。请于北京时间"
        f"{times.beijing_text(deadline)}前访问 {messages.verification_page_url(filing)} "
        f"输入手机号码、验证码和证件号码后6位完成核验，逾期未核验的备案将被注销接入。"
        f"工信部未公布此核验的页面文字，本短信为培训模拟系统的文案。"
    )


def _text_contacts(
    check: ContactCheck, filing: FilingApplication, deadline: datetime.datetime
) -> list[list[str]]:
    """Give each contact of `filing` a code for `check` and text it; returns each
    contact's roles."""
    roles: list[list[str]] = []
    # Every contact, whatever the policy asked to verify; one mobile is one.
    contacts = moves.people_by_mobile(filing, {Role.LEADER, Role.ADMINISTRATOR})
    for mobile, contact in contacts.items():
        code = codes.generate_code()
        ContactCheckPerson.objects.create(
            contact_check=check,
            mobile=mobile,
            roles=sorted(contact.roles),
            certificate_hashes=codes.certificate_hashes(contact.certificate_numbers),
            code_hash=codes.hash_code(code),
        )
        roles.append(sorted(contact.roles))
        codes.queue_sms(
            kind=SmsKind.CONTACT_CHECK_CODE,
            sender=messages.code_sender(filing.policy, mobile),
            recipient=mobile,
            text=check_text(filing, code, deadline),
            filing=filing,
        )
    return roles


def _open_locked(
    filing: FilingApplication,
    actor: transitions.Actor,
    now: datetime.datetime,
    campaign: ContactCheckCampaign | None,
    reason: str = "",
) -> ContactCheck:
    if why := why_not_open(filing):
        raise CheckRefused(why)
    deadline = campaign.deadline if campaign else now + _window()
    check = ContactCheck.objects.create(
        filing=filing, campaign=campaign, opened_at=now, deadline=deadline
    )
    # At once, not on commit: a rolled-back check only costs a lookup until the
    # flag expires, where a late flag could hide a check's code from the page.
    _note_open()
    roles = _text_contacts(check, filing, deadline)
    moves.record_event(
        filing,
        actor,
        EventType.CONTACT_CHECK_OPENED,
        reason=reason,
        data={
            "contact_check": check.pk,
            "deadline": times.rfc3339(deadline),
            "roles": roles,
            **({"campaign": campaign.pk} if campaign else {}),
        },
    )
    return check


def open_check(
    filing: FilingApplication,
    *,
    actor: transitions.Actor,
    now: datetime.datetime | None = None,
    campaign: ContactCheckCampaign | None = None,
    reason: str = "",
) -> ContactCheck:
    """Open a check of `filing`'s contact details: each contact is texted a code to
    confirm on the verify page by the deadline (the campaign's, or now plus
    CONTACT_CHECK_WINDOW_DAYS). CheckRefused unless the filing is approved and has
    no open check."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            FilingApplication.objects.select_for_update(of=("self",))
            .select_related("subject__leader", "province")
            .get(pk=filing.pk)
        )
        return _open_locked(locked, actor, now, campaign, reason)


@dataclass
class CampaignReport:
    campaign: ContactCheckCampaign
    opened: int = 0
    skipped: int = 0  # an open check already, or no longer approved


def open_campaign(
    name: str,
    *,
    province: str,
    actor: transitions.Actor,
    now: datetime.datetime | None = None,
    limit: int | None = None,
) -> CampaignReport:
    """Open a campaign: a check of every approved filing of `province` (at most
    `limit`, oldest approval first) with one correction deadline for all.
    CheckRefused, and no campaign kept, when it would check none. `name` may be
    empty: the console then names it by its province and time."""
    now = now or timezone.now()
    campaign = ContactCheckCampaign.objects.create(
        name=name, province_id=province, opened_at=now, deadline=now + _window()
    )
    report = CampaignReport(campaign)
    approved = FilingApplication.objects.filter(
        province_id=province, status=FilingStatus.APPROVED
    ).order_by("updated_at", "pk")
    if limit is not None:
        approved = approved[:limit]
    for filing in approved.iterator(chunk_size=500):
        try:
            open_check(filing, actor=actor, now=now, campaign=campaign)
        except CheckRefused:
            report.skipped += 1
        else:
            report.opened += 1
    if not report.opened:
        campaign.delete()  # nothing to count: no campaign
        raise CheckRefused(
            _("No approved filing to check: none, or each has a check already.")
        )
    return report


class Confirmed:
    """What the verify page says to a contact check's contact (simulator's words)."""

    DONE = "done"  # this contact confirmed; everyone has
    WAIT = "wait"  # this contact confirmed; others have still to
    WRONG = "wrong"  # wrong code or digits for an open check
    LOCKED = "locked"  # too many wrong codes: ask the provider


def _close(check: ContactCheck, status: str, now: datetime.datetime) -> None:
    check.status, check.closed_at = status, now
    check.save(update_fields=["status", "closed_at"])


def confirm(
    mobile: str,
    code: str,
    cert_last6: str,
    now: datetime.datetime | None = None,
    *,
    only_if_right: bool = False,
) -> str | None:
    """A contact types their code on the verify page: the `Confirmed` answer, or
    None when the mobile has no open check (the page's own answer stands).

    `only_if_right`: answer only a right code (confirmed, or locked out), counting
    nothing and answering None otherwise; the page asks so first, before the
    filings' own verification, which would count a contact check's code as a
    wrong one."""
    now = now or timezone.now()
    if not any_open():
        return None
    waiting = ContactCheckPerson.objects.filter(
        mobile=mobile,
        confirmed_at__isnull=True,
        contact_check__status=S.OPEN,
        contact_check__deadline__gt=now,
    )
    with transaction.atomic():
        # The filings first, as every other step locks them: no deadlock.
        filing_ids = sorted(
            set(waiting.values_list("contact_check__filing_id", flat=True))
        )
        if not filing_ids:
            return None
        list(
            FilingApplication.objects.select_for_update()
            .filter(pk__in=filing_ids)
            .order_by("pk")
        )
        people = list(
            waiting.select_for_update(of=("self",)).select_related("contact_check")
        )
        if not people:
            return None
        for person in people:
            if codes.code_matches(person.code_hash, code) and (
                codes.certificate_matches(person.certificate_hashes, cert_last6)
            ):
                if person.failed_attempts >= FAILURE_LIMIT:
                    return Confirmed.LOCKED
                return _confirmed(person, now)
        if only_if_right:
            return None
        for person in people:
            person.failed_attempts += 1
            person.save(update_fields=["failed_attempts"])
        if all(p.failed_attempts >= FAILURE_LIMIT for p in people):
            return Confirmed.LOCKED
        return Confirmed.WRONG


def _confirmed(person: ContactCheckPerson, now: datetime.datetime) -> str:
    check = person.contact_check
    filing = FilingApplication.objects.get(pk=check.filing_id)  # locked by confirm
    person.confirmed_at = now
    person.save(update_fields=["confirmed_at"])
    actor = transitions.APPLICANT
    moves.record_event(
        filing,
        actor,
        EventType.CONTACT_CONFIRMED,
        data={"contact_check": check.pk, "roles": person.roles},
    )
    if check.people.filter(confirmed_at__isnull=True).exists():
        return Confirmed.WAIT
    _close(check, S.CONFIRMED, now)
    moves.record_event(
        filing,
        transitions.SYSTEM,
        EventType.CONTACT_CHECK_CONFIRMED,
        data={"contact_check": check.pk},
    )
    return Confirmed.DONE


def mark_missed(now: datetime.datetime | None = None, *, limit: int = 1000) -> int:
    """Mark the open checks past their deadline missed (flagged for access removal);
    the deadline sweep runs it. Returns how many."""
    now = now or timezone.now()
    missed = 0
    overdue = ContactCheck.objects.filter(status=S.OPEN, deadline__lte=now).order_by(
        "deadline", "pk"
    )[:limit]
    for check in overdue:
        with transaction.atomic():
            filing = FilingApplication.objects.select_for_update().get(
                pk=check.filing_id
            )
            locked = ContactCheck.objects.select_for_update().get(pk=check.pk)
            if locked.status != S.OPEN:
                continue
            _close(locked, S.MISSED, now)
            waiting = [
                mask_mobile(p.mobile)
                for p in locked.people.filter(confirmed_at__isnull=True)
            ]
            moves.record_event(
                filing,
                transitions.SYSTEM,
                EventType.CONTACT_CHECK_MISSED,
                data={"contact_check": locked.pk, "not_confirmed": waiting},
            )
            missed += 1
    return missed


def remove_access(
    check: ContactCheck, *, actor: transitions.Actor, reason: str
) -> FilingApplication:
    """Staff confirm the access removal of a missed check: the filing is cancelled
    (event "access removed") and the check closed as such."""

    def close_check(locked: FilingApplication) -> dict[str, int]:
        held = ContactCheck.objects.select_for_update().get(pk=check.pk)
        if held.status != S.MISSED:
            raise moves.IllegalTransition(
                locked,
                EventType.ACCESS_REMOVED,
                "its contact check is not missed; only a missed check removes access.",
            )
        _close(held, S.ACCESS_REMOVED, timezone.now())
        return {"contact_check": held.pk}

    return moves.remove_access(
        check.filing, actor=actor, reason=reason, apply=close_check
    )


# What the verify page says to a contact check's contact: (banner style, Chinese,
# English). No MIIT page text exists for this check; these words say so.
SIMULATOR_NOTE_ZH = "（模拟器文案：工信部未公布此核验的页面文字）"
SIMULATOR_NOTE_EN = (
    " (The simulator's words: the MIIT publishes no page text for this check.)"
)
ANSWERS = {
    Confirmed.DONE: (
        "success",
        "联系方式核验成功，您的备案联系方式已确认。",
        "Your contact details are confirmed.",
    ),
    Confirmed.WAIT: (
        "success",
        "您的手机号码已确认，还需备案的其他联系人完成核验。",
        "Your mobile is confirmed; the filing's other contacts have still to "
        "confirm theirs.",
    ),
    Confirmed.WRONG: (
        "danger",
        "联系方式核验的验证码或证件号码后6位不正确，请核对后重新输入。",
        "The contact check's code or certificate digits are wrong; check them "
        "and try again.",
    ),
    Confirmed.LOCKED: (
        "danger",
        "联系方式核验的验证码错误次数过多，请联系您的接入商。",
        "Too many wrong codes for the contact check; contact your access provider.",
    ),
}


def answer_text(key: str, language: str) -> tuple[str, str]:
    """(banner style, sentence) for a `Confirmed` answer in `language`."""
    style, zh, en = ANSWERS[key]
    if language.startswith("en"):
        return style, en + SIMULATOR_NOTE_EN
    return style, zh + SIMULATOR_NOTE_ZH
