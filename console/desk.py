"""The support desk's pages around the filing page: asking a supervisor and the
supervisors' list of requests, and counting the answer scripts agents copy.

Each form posts here and comes back to the page it came from with a message; the
work itself is `console.escalations`' and `console.scripts`'.
"""

import datetime
import io

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console import casework, escalations, labels, scripts, team, timeline
from console.models import AnswerScript, Escalation, EscalationStatus, MacroAction
from filings import spreadsheets
from filings.models import FilingApplication
from filings.privacy import show_mobile
from infra import times
from infra.times import BEIJING
from verification.models import Verification

VIEW = "filings.view_filingapplication"


class AskForm(forms.Form):
    """What the filing page's "Ask a supervisor" sends. Hours count only for an
    extension; a person only for the overrides that act on one."""

    action = forms.ChoiceField(choices=MacroAction.choices)
    verification = forms.IntegerField(required=False, min_value=1)
    hours = forms.CharField(required=False, max_length=8)
    rejection_reason = forms.CharField(required=False, max_length=40)
    reason = forms.CharField(
        label=gettext_lazy("Why you ask"), max_length=escalations.REASON_MAX
    )

    def clean_hours(self):
        if self.data.get("action") != MacroAction.EXTEND_DEADLINE:
            return None
        hours = self.cleaned_data["hours"].strip()
        if not (hours.isascii() and hours.isdigit() and 1 <= int(hours) <= 336):
            raise forms.ValidationError(_("Say by how many hours (1 to 336)."))
        return int(hours)

    def problem(self):
        """The first thing wrong, as the agent reads it."""
        if "action" in self.errors:
            return _("Choose an override.")
        if "verification" in self.errors:
            return _("That person does not belong to this filing.")
        if "hours" in self.errors:
            return self.errors["hours"][0]
        if "rejection_reason" in self.errors:
            return _("Choose the rejection reason.")
        if "reason" in self.errors and not self.data.get("reason", "").strip():
            return _("Write why you ask, then send the request.")
        return " ".join(self.errors.get("reason", [])) or _("Choose an override.")


def _filing_page(filing):
    return redirect(reverse("admin:filings_filingapplication_change", args=[filing.pk]))


def escalation_ask(request, filing_id):
    """An agent asks a supervisor for an override (POST from the filing page)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    filing = get_object_or_404(FilingApplication, pk=filing_id)
    form = AskForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.problem())
        return _filing_page(filing)
    data = form.cleaned_data
    verification = None
    if data["verification"] and data["action"] in escalations.FOR_PEOPLE:
        verification = Verification.objects.filter(
            pk=data["verification"], filing=filing
        ).first()
        if verification is None:
            messages.error(request, _("That person does not belong to this filing."))
            return _filing_page(filing)
    try:
        escalations.ask(
            filing,
            request.user,
            data["action"],
            data["reason"],
            verification=verification,
            hours=data["hours"],
            rejection_reason=data["rejection_reason"],
        )
    except casework.CaseRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Your request went to the supervisors. Their answer will be on your "
                "work queue."
            ),
        )
    return _filing_page(filing)


def escalations_view(request, admin_site):
    """The supervisors' list of requests waiting for an answer."""
    if not request.user.has_perm(escalations.ANSWER):
        raise PermissionDenied
    rows = [
        {
            "escalation": e,
            "url": reverse(
                "admin:filings_filingapplication_change", args=[e.filing_id]
            ),
            "asked_by": labels.staff_label(e.asked_by),
            "asked_at": timeline.beijing(e.asked_at),
            "details": details(e),
            "what": request_label(e),
        }
        for e in escalations.waiting()[:200]
    ]
    context = {
        **admin_site.each_context(request),
        "title": _("Requests for a supervisor"),
        "rows": rows,
    }
    return TemplateResponse(request, "admin/escalations.html", context)


def request_label(escalation):
    """What was asked for, as the filing page's button names it when one person is
    named ("Mark a person verified"), as the macro step names it when everyone is."""
    if escalation.verification_id:
        return {
            MacroAction.RESEND_CODE: _("Resend a verification code"),
            MacroAction.MARK_VERIFIED: _("Mark a person verified"),
        }.get(escalation.action, escalation.get_action_display())
    return escalation.get_action_display()


def details(escalation):
    """The person or the hours the request names, as staff read them."""
    if escalation.verification_id:
        return show_mobile(escalation.verification.mobile)
    if escalation.hours:
        return _("by %(hours)d hours") % {"hours": escalation.hours}
    return _("everyone pending") if escalation.action in escalations.FOR_PEOPLE else ""


def escalation_answer(request, escalation_id, answer):
    """A supervisor approves or declines a request (POST from their list)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if answer not in ("approve", "decline"):
        raise Http404
    if not request.user.has_perm(escalations.ANSWER):
        raise PermissionDenied
    escalation = get_object_or_404(
        Escalation.objects.select_related("filing__provider"), pk=escalation_id
    )
    name = f"{escalation.filing.provider.local_name} {escalation.filing.reference}"
    try:
        if answer == "approve":
            done = escalations.approve(escalation, request.user)
            messages.success(
                request,
                _("Approved and done on %(filing)s: %(done)s.")
                % {"filing": name, "done": done.done or done.get_action_display()},
            )
        else:
            escalations.decline(
                escalation, request.user, request.POST.get("answer", "")
            )
            messages.success(request, _("Declined: %(filing)s.") % {"filing": name})
    except casework.CaseRefused as exc:
        messages.error(request, f"{name}: {exc}")
    return redirect(reverse("admin:escalations"))


def agent_answers(user):
    """An agent's own requests for their queue: waiting, approved, declined."""
    return [
        {
            "escalation": e,
            "url": reverse(
                "admin:filings_filingapplication_change", args=[e.filing_id]
            ),
            "answered_by": labels.staff_label(e.answered_by) if e.answered_by else "",
            "answered_at": timeline.beijing(e.answered_at) if e.answered_at else "",
            "waiting": e.status == EscalationStatus.PENDING,
            "what": request_label(e),
        }
        for e in escalations.of_agent(user)
    ]


class TeamPeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=AdminDateWidget)
    end = forms.DateField(label=gettext_lazy("To"), widget=AdminDateWidget)

    def period(self):
        """The days asked for, or the last 7 when none are, kept within the last ten
        years up to today, at most `team.LONGEST`, the end not before the start."""
        today = timezone.localtime(timezone=BEIJING).date()
        earliest = today - datetime.timedelta(days=3653)
        start, end = today - datetime.timedelta(days=6), today
        if self.is_bound and self.is_valid():
            start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        start, end = (min(max(day, earliest), today) for day in (start, end))
        end = max(start, end)
        if end - start > team.LONGEST - datetime.timedelta(days=1):
            start = end - team.LONGEST + datetime.timedelta(days=1)
        return start, end


def team_view(request, admin_site):
    """The supervisors' report of their team's days, on screen or as CSV."""
    if not request.user.has_perm(casework.ASSIGN):
        raise PermissionDenied
    form = TeamPeriodForm(request.GET or None)
    start, end = form.period()
    if not form.is_bound:
        form = TeamPeriodForm(initial={"start": start, "end": end})
    rows = team.report(start, end)
    if request.GET.get("format") == "csv":
        buffer = io.StringIO()
        spreadsheets.writer(buffer).writerows(team.csv_rows(rows))
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="team-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
        )
        return response
    context = {
        **admin_site.each_context(request),
        "title": _("Team report"),
        "form": form,
        "shown": _("Shown: %(start)s to %(end)s (Beijing days).")
        % {"start": start.isoformat(), "end": end.isoformat()},
        "rows": [{"row": row, "median": _median_text(row.median)} for row in rows],
        "csv_query": f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}&format=csv",
        "media": form.media,
    }
    return TemplateResponse(request, "admin/team.html", context)


def _median_text(median):
    return times.duration_text(median) if median is not None else "—"


def script_used(request, script_id, filing_id):
    """An agent copied an answer script on a filing's page (POST, by the copy
    button's script): one use is counted."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm(casework.WORK):
        raise PermissionDenied  # reading the console is not answering a customer
    script = get_object_or_404(AnswerScript, pk=script_id, is_active=True)
    filing = get_object_or_404(FilingApplication, pk=filing_id)
    scripts.count_use(script, filing, request.user)
    return JsonResponse({"counted": True})
