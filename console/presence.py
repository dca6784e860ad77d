"""Who else is on a filing: the filing page renews its reader's presence every
`HEARTBEAT_SECONDS` (short polling, no websockets), and the page, the queue and the
resend's confirmation read who else was seen lately.

A person counts as present while their last heartbeat is younger than `FRESH`
(three heartbeats), so a closed tab, a sleeping laptop or a lost connection drops out
within a minute and a half without anyone having to say goodbye.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from console.labels import staff_label
from console.models import WORK_CASES, Presence
from filings.privacy import show_mobile
from infra import times
from verification.models import Verification, VerificationStatus

HEARTBEAT_SECONDS = 30
FRESH = datetime.timedelta(seconds=3 * HEARTBEAT_SECONDS)
# A resend within this long of the last code stops the code the person may be typing.
RECENT_CODE = datetime.timedelta(minutes=5)


def beat(filing_id, user, *, now=None):
    """Record that `user` has the filing's page open now: one statement, whoever
    else beats at the same moment."""
    now = now or timezone.now()
    Presence.objects.bulk_create(
        [Presence(filing_id=filing_id, user=user, seen_at=now)],
        update_conflicts=True,
        unique_fields=["filing", "user"],
        update_fields=["seen_at"],
    )


def forget_stale(user, *, now=None):
    """Drop `user`'s presence on the filings they have left (older than `FRESH`):
    each person keeps a row only for the pages they have open, not one for every
    filing they ever read."""
    now = now or timezone.now()
    Presence.objects.filter(user=user, seen_at__lt=now - FRESH).delete()


def others_on(filing_id, user, *, now=None):
    """The other staff on the filing now, longest there first."""
    return others_by_filing([filing_id], user, now=now).get(filing_id, [])


def others_by_filing(filing_ids, user, *, now=None):
    """{filing id: [other staff present]} for the filings given, in one query."""
    now = now or timezone.now()
    rows = (
        Presence.objects.filter(filing_id__in=filing_ids, seen_at__gte=now - FRESH)
        .exclude(user=user)
        .select_related("user")
        .order_by("seen_at", "id")
    )
    found = {}
    for row in rows:
        found.setdefault(row.filing_id, []).append(row.user)
    return found


def names(users):
    """The staff present, as staff read them."""
    return ", ".join(staff_label(u) for u in users)


def resend_warnings(filings, chosen, user, *, now=None):
    """Why a resend now may hurt, one sentence each: another agent is on the filing,
    or a code went to the person a moment ago and they may be typing it. `chosen` is
    the one person picked, or None for everyone pending."""
    now = now or timezone.now()
    ids = [f.pk for f in filings]
    warnings = []
    present_by_filing = others_by_filing(ids, user, now=now)
    for filing in filings:
        # those who may act on it: an auditor reading along sends nothing
        present = [
            u for u in present_by_filing.get(filing.pk, []) if u.has_perm(WORK_CASES)
        ]
        if present:
            warnings.append(
                ngettext(
                    "%(who)s also has %(reference)s open now.",
                    "%(who)s also have %(reference)s open now.",
                    len(present),
                )
                % {"who": names(present), "reference": filing.reference}
            )
    people = [chosen] if chosen is not None else _pending_with_recent_code(ids, now)
    for verification in people:
        issued = verification.code_issued_at
        if issued and now - issued < RECENT_CODE:
            warnings.append(
                _(
                    "A code went to %(mobile)s %(ago)s ago; they may be typing it now, "
                    "and a new code stops it working."
                )
                % {
                    "mobile": show_mobile(verification.mobile),
                    "ago": times.duration_text(now - issued),
                }
            )
    return warnings


def _pending_with_recent_code(filing_ids, now):
    return list(
        Verification.objects.filter(
            filing_id__in=filing_ids,
            status=VerificationStatus.PENDING,
            code_issued_at__gte=now - RECENT_CODE,
        ).order_by("id")
    )
