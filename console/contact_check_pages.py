"""The campaigns of contact checks and their funnel: how many filings were checked,
contacts texted and confirmed, checks passed, still open, missed and removed."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from console import timeline
from verification.models import (
    ContactCheck,
    ContactCheckCampaign,
    ContactCheckPerson,
    ContactCheckStatus,
)

VIEW = "filings.view_filingapplication"
SHOWN = 100

S = ContactCheckStatus


def funnel(campaign_ids):
    """{campaign id: {stage: count}} for the campaigns: two grouped queries."""
    checks = (
        ContactCheck.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id")
        .annotate(
            checked=Count("id"),
            open=Count("id", filter=Q(status=S.OPEN)),
            passed=Count("id", filter=Q(status=S.CONFIRMED)),
            missed=Count("id", filter=Q(status=S.MISSED)),
            removed=Count("id", filter=Q(status=S.ACCESS_REMOVED)),
        )
        .order_by()
    )
    people = (
        ContactCheckPerson.objects.filter(contact_check__campaign_id__in=campaign_ids)
        .values("contact_check__campaign_id")
        .annotate(
            texted=Count("id"),
            confirmed=Count("id", filter=Q(confirmed_at__isnull=False)),
        )
        .order_by()
    )
    counts = {pk: {} for pk in campaign_ids}
    for row in checks:
        counts[row.pop("campaign_id")].update(row)
    for row in people:
        counts[row.pop("contact_check__campaign_id")].update(row)
    return counts


def campaigns_view(request, admin_site):
    """The campaigns, newest first, each with its funnel (a provider's staff see
    their own filings' part of each)."""
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    campaigns = list(ContactCheckCampaign.objects.select_related("province")[:SHOWN])
    counts = funnel([c.pk for c in campaigns])
    stages = [
        ("checked", _("Filings checked")),
        ("texted", _("Contacts texted")),
        ("confirmed", _("Contacts confirmed")),
        ("passed", _("Checks passed")),
        ("open", _("Still open")),
        ("missed", _("Missed, awaiting access removal")),
        ("removed", _("Access removed")),
    ]
    rows = [
        {
            "campaign": campaign,
            "name": campaign.name
            or _("%(province)s, opened %(when)s")
            % {
                "province": campaign.province.local_name if campaign.province else "—",
                "when": timeline.beijing(campaign.opened_at),
            },
            "opened": timeline.beijing(campaign.opened_at),
            "deadline": timeline.beijing(campaign.deadline),
            "stages": [
                (label, counts[campaign.pk].get(key, 0)) for key, label in stages
            ],
        }
        for campaign in campaigns
    ]
    context = {
        **admin_site.each_context(request),
        "title": _("Contact check campaigns"),
        "rows": rows,
    }
    return TemplateResponse(request, "admin/contact_checks.html", context)
