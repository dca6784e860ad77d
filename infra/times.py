"""Beijing time, the only time anyone reads: how staff read a moment and a length of
time, and how an answer to a provider writes one."""

import datetime
from typing import overload

from django.utils.formats import date_format
from django.utils.translation import gettext as _

BEIJING = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")


@overload
def rfc3339(moment: datetime.datetime) -> str: ...
@overload
def rfc3339(moment: None) -> None: ...
def rfc3339(moment: datetime.datetime | None) -> str | None:
    """`moment` as every answer to a provider writes a time (filings, events,
    webhook payloads): RFC 3339 in Beijing time, to the millisecond, with its
    offset: 2026-12-06T22:15:16.026+08:00. None stays None."""
    if moment is None:
        return None
    return moment.astimezone(BEIJING).isoformat(timespec="milliseconds")


def beijing_text(moment: datetime.datetime | None, with_seconds: bool = False) -> str:
    """A moment as staff read it: Beijing time, the date in the active language's
    format, to the minute (or the second); "—" for none."""
    if moment is None:
        return "—"
    local = moment.astimezone(BEIJING)
    return f"{date_format(local.date(), 'Y-m-d')} {local:%H:%M}" + (
        f":{local:%S}" if with_seconds else ""
    )


def duration_text(delta: datetime.timedelta) -> str:
    """A timedelta (its absolute value) as staff read it: '3 h 20 min', '2 d 4 h',
    '5 min' or 'under a minute' (never '0 min ago')."""
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if not minutes:
        return _("under a minute")
    return _("%(m)d min") % {"m": minutes}
