"""The console's case-work pages: the work queue, and the filing page's forms for
claiming, assigning, notes, follow-ups and macros.

Each form posts here and comes back to the page it came from with a message; the work
itself is `console.casework`'s.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from console import (
    casework,
    customers,
    desk,
    escalations,
    labels,
    presence,
    queue,
    search,
    story,
    timeline,
)
from console.models import FollowUp, Macro
from filings import conflicts
from filings.models import FilingApplication, PolicyKey, Provider, Province
from filings.privacy import mask_code, show_mobile
from infra import scope
from infra.times import BEIJING

VIEW = "filings.view_filingapplication"


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Internal note"),
        max_length=casework.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy(
            "Seen by staff only, never by applicants or providers. Write mobile and "
            "certificate numbers masked."
        ),
    )


class FollowUpForm(forms.Form):
    due_at = forms.SplitDateTimeField(
        label=gettext_lazy("Call back at (Beijing time)"), widget=AdminSplitDateTime
    )
    note = forms.CharField(
        label=gettext_lazy("What for"),
        max_length=casework.FOLLOW_UP_NOTE_MAX,
        required=False,
    )


def agents(filing=None):
    """The staff who can work cases, for the supervisor's "assign to" list: of the
    reader's team, and who can read `filing` (the administration's staff and the
    filing's provider's)."""
    User = get_user_model()
    work = Q(groups__permissions__codename="work_cases") | Q(
        user_permissions__codename="work_cases"
    )
    return (
        scope.staff_in_scope(User.objects.filter(is_active=True, is_staff=True))
        .filter(work | Q(is_superuser=True))
        .filter(
            Q()
            if filing is None
            else Q(membership__isnull=True)
            | Q(membership__provider__isnull=True)
            | Q(membership__provider_id=filing.provider_id)
        )
        .distinct()
        .order_by("username")
    )


class AssignForm(forms.Form):
    agent: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Assign to"), queryset=None, empty_label=None
    )

    def __init__(self, *args, filing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents(filing)
        self.fields["agent"].label_from_instance = lambda u: u.get_username()


class QueueFilterForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), required=False)
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False)
    provider = forms.ChoiceField(label=gettext_lazy("Provider"), required=False)
    policy = forms.ChoiceField(label=gettext_lazy("Policy"), required=False)
    owner = forms.ChoiceField(
        label=gettext_lazy("Owner"), required=False, choices=queue.OWNERS
    )
    sandbox = forms.BooleanField(
        label=gettext_lazy("Include the providers' sandbox"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _("All"))]
        self.fields["reason"].choices = anything + queue.REASONS
        self.fields["province"].choices = anything + [
            (p.code, p.local_name) for p in Province.objects.all()
        ]
        self.fields["provider"].choices = anything + [
            (p.code, p.local_name) for p in Provider.objects.all()
        ]
        self.fields["policy"].choices = anything + list(PolicyKey.choices)

    def filters(self):
        """The filters asked for; a value that is not among a filter's choices is
        left out (that filter shows "All"), the others still apply."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data  # the fields that are valid, even if one is not
        return {name: data.get(name) or "" for name in self.fields}


def offered_macros(user):
    """The macros the filing page and the queue offer `user`, each with the steps
    its role does not allow (it is shown, but cannot be run)."""
    found = []
    for macro in Macro.objects.filter(is_active=True).prefetch_related("steps"):
        steps = list(macro.steps.all())
        found.append(
            {
                "macro": macro,
                "steps": [str(s.get_action_display()) for s in steps],
                "missing": casework.missing_permissions(macro, user, steps),
            }
        )
    return found


def filing_case_context(filing, user):
    """What the filing page's case-work section shows."""
    case = getattr(filing, "case", None)  # None when nobody ever claimed it
    now = timezone.now()
    owner = case.owner if case else None
    return {
        "owner": owner,
        "owner_label": labels.staff_label(owner) if owner else "",
        "is_mine": owner is not None and owner.pk == user.pk,
        "can_work": user.has_perm(casework.WORK),
        "can_assign": user.has_perm(casework.ASSIGN),
        "note_form": NoteForm(auto_id="note_%s"),
        "follow_up_form": FollowUpForm(auto_id="follow_up_%s"),
        "assign_form": AssignForm(auto_id="assign_%s", filing=filing)
        if user.has_perm(casework.ASSIGN)
        else None,
        "follow_ups": [
            {"follow_up": f, "when": timeline.beijing(f.due_at), "due": f.due_at <= now}
            for f in casework.open_follow_ups(filing)
        ],
        "macros": offered_macros(user) if user.has_perm(casework.WORK) else [],
    }


def _back(request, filing):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse("admin:filings_filingapplication_change", args=[filing.pk]))


def filing_case_action(request, filing_id, do):
    """One case-work form on the filing page: claim, release, assign, note,
    follow-up, follow-up done, macro."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    filing = get_object_or_404(
        FilingApplication.objects.select_related("provider", "subject__leader"),
        pk=filing_id,
    )
    handlers = {
        "claim": _claim,
        "release": _release,
        "assign": _assign,
        "note": _note,
        "follow-up": _follow_up,
        "follow-up-done": _follow_up_done,
        "macro": _macro,
    }
    if do not in handlers:
        raise Http404
    try:
        said = handlers[do](request, filing)
    except casework.CaseRefused as exc:
        messages.error(request, str(exc))
    else:
        if said:
            messages.success(request, said)
    return _back(request, filing)


def _claim(request, filing):
    casework.claim(filing, request.user)
    return _("You have this filing now.")


def _release(request, filing):
    casework.release(filing, request.user)
    return _("Nobody has this filing now.")


def _assign(request, filing):
    form = AssignForm(request.POST, filing=filing)
    if not form.is_valid():
        raise casework.CaseRefused(_("Choose whom to assign the filing to."))
    agent = form.cleaned_data["agent"]
    casework.assign(filing, agent, request.user)
    return _("%(who)s has this filing now.") % {"who": labels.staff_label(agent)}


def _note(request, filing):
    form = NoteForm(request.POST)
    if not form.is_valid():
        raise casework.CaseRefused(" ".join(form.errors.get("text", [])))
    casework.add_note(filing, request.user, form.cleaned_data["text"])
    return _("Note added.")


def _follow_up(request, filing):
    form = FollowUpForm(request.POST)
    with timezone.override(BEIJING):  # the form says Beijing time, whatever TIME_ZONE
        valid = form.is_valid()
    if not valid:
        errors = [m for field in form.errors.values() for m in field]
        raise casework.CaseRefused(
            " ".join(errors) or _("Enter the date and the time.")
        )
    data = form.cleaned_data
    follow_up = casework.set_follow_up(
        filing, request.user, data["due_at"], data["note"]
    )
    return _("Follow-up set for %(when)s (Beijing time).") % {
        "when": timeline.beijing(follow_up.due_at)
    }


def _follow_up_done(request, filing):
    follow_up = FollowUp.objects.filter(
        pk=request.POST.get("follow_up") or 0, filing=filing
    ).first()
    if follow_up is None:
        raise casework.CaseRefused(_("That follow-up is not on this filing."))
    casework.finish_follow_up(follow_up, request.user)
    return _("Follow-up done.")


def _macro(request, filing):
    macro = Macro.objects.filter(
        pk=request.POST.get("macro") or 0, is_active=True
    ).first()
    if macro is None:
        raise casework.CaseRefused(_("Choose a macro."))
    done = casework.run_macro(macro, filing, request.user)
    return _("%(macro)s: %(done)s.") % {
        "macro": macro.local_name,
        "done": "; ".join(str(d) for d in done),
    }


def presence_view(request, filing_id):
    """The filing page's heartbeat (POST): the reader is on the filing now. Answers
    who else is on it, as the page shows it."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    if not FilingApplication.objects.filter(pk=filing_id).exists():
        raise Http404
    presence.beat(filing_id, request.user)
    others = presence.others_on(filing_id, request.user)
    return JsonResponse(
        {
            "others": [labels.staff_label(u) for u in others],
            "sentence": presence_sentence(others),
        }
    )


def presence_sentence(others):
    """Who else is on the filing, as the page says it; "" when nobody is."""
    if not others:
        return ""
    return ngettext(
        "%(who)s also has this filing open now.",
        "%(who)s also have this filing open now.",
        len(others),
    ) % {"who": presence.names(others)}


def queue_view(request, admin_site):
    """The work queue: GET shows it; POST runs a macro on the selected rows."""
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    if request.method == "POST":
        return _run_on_selected(request)
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    found = queue.build(request.user, page=page, **filters)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **admin_site.each_context(request),
        "title": _("Work queue"),
        "form": form,
        "page": found,
        "query": query.urlencode(),
        "now": timezone.now(),
        "deadline_hours": queue.deadline_hours(),
        "macros": offered_macros(request.user)
        if request.user.has_perm(casework.WORK)
        else [],
        "can_work": request.user.has_perm(casework.WORK),
        "rows": _rows_context(found.rows, request.user),
        "my_requests": desk.agent_answers(request.user),
        "requests_waiting": escalations.waiting().count()
        if request.user.has_perm(escalations.ANSWER)
        else None,
    }
    return TemplateResponse(request, "admin/queue.html", context)


def _rows_context(rows, user):
    present = presence.others_by_filing([row.filing_id for row in rows], user)
    return [
        {
            **_row_context(row, user),
            "present": [labels.staff_label(u) for u in present.get(row.filing_id, [])],
        }
        for row in rows
    ]


def _row_context(row, user):
    filing = row.filing
    return {
        "row": row,
        "filing": filing,
        "url": reverse("admin:filings_filingapplication_change", args=[filing.pk]),
        "time_left": story.time_left_text(row.deadline) if row.deadline else "—",
        "owner": labels.staff_label(row.owner) if row.owner else _("Nobody"),
        "mine": row.owner is not None and row.owner.pk == user.pk,
    }


def _run_on_selected(request):
    back = redirect(request.get_full_path())
    macro = Macro.objects.filter(
        pk=request.POST.get("macro") or 0, is_active=True
    ).first()
    ids = [
        int(v) for v in request.POST.getlist("filing") if v.isascii() and v.isdigit()
    ]
    if macro is None or not ids:
        messages.error(request, _("Choose a macro and at least one filing."))
        return back
    if len(ids) > queue.PER_PAGE:
        messages.error(
            request,
            _("Select at most %(n)d filings at a time.") % {"n": queue.PER_PAGE},
        )
        return back
    filings = FilingApplication.objects.select_related("provider").filter(pk__in=ids)
    done, refused = 0, []
    for filing in filings:
        try:
            casework.run_macro(macro, filing, request.user)
        except casework.CaseRefused as exc:
            refused.append(f"{filing.provider.local_name} {filing.reference}: {exc}")
        else:
            done += 1
    if done:
        messages.success(
            request,
            ngettext(
                "%(macro)s: %(count)d filing done.",
                "%(macro)s: %(count)d filings done.",
                done,
            )
            % {"macro": macro.local_name, "count": done},
        )
    for text in refused[:20]:
        messages.error(request, text)
    return back


def search_view(request, admin_site):
    """The desk's search: `q`, whatever the customer reads out or the screen shows."""
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    term = request.GET.get("q", "")[: search.LONGEST_TERM]
    found = search.search(term) if term.strip() else None
    context = {
        **admin_site.each_context(request),
        "title": _("Search"),
        "term": term,
        "found": found,
        "rows": [
            {
                "found": item,
                "url": reverse(
                    "admin:filings_filingapplication_change", args=[item.filing.pk]
                ),
                "status": item.filing.get_status_display(),
            }
            for item in (found.filings if found else [])
        ],
        "people": [
            {
                "found": item,
                "mobile": show_mobile(item.person.mobile, request.user),
                "filings": [
                    {
                        "reference": f.reference,
                        "livemode": f.livemode,
                        "url": reverse(
                            "admin:filings_filingapplication_change", args=[f.pk]
                        ),
                    }
                    for f in item.filings
                ],
            }
            for item in (found.people if found else [])
        ],
    }
    return TemplateResponse(request, "admin/search.html", context)


def customer_view(request, admin_site, *, person_id=None, subject_id=None):
    """A customer page: one person's (by their mobile) or one entity's (by its
    certificate number) records across filings."""
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    found = (
        customers.person(person_id)
        if person_id is not None
        else customers.entity(subject_id)
    )
    if found is None:
        raise Http404
    change = "admin:filings_filingapplication_change"
    context = {
        **admin_site.each_context(request),
        "title": found.name,
        "customer": found,
        # An entity with a filing in flight: a new one is refused at submission.
        "in_flight": next(
            (f for f in found.filings if f.status in conflicts.IN_FLIGHT), None
        )
        if subject_id is not None
        else None,
        "filings": [
            {"filing": f, "url": reverse(change, args=[f.pk])} for f in found.filings
        ],
        "verifications": [
            {
                "v": v,
                "roles": labels.roles_text(v.roles),
                "mobile": show_mobile(v.mobile, request.user),
            }
            for v in found.verifications
        ],
        "texts": [
            {
                "t": t,
                "when": timeline.beijing(t.created_at),
                "state": timeline.text_state(t),
                "text": mask_code(t.text),
            }
            for t in found.texts
        ],
        "attempts": [
            {
                "a": a,
                "when": timeline.beijing(a.created_at, with_seconds=True),
                "outcome": a.get_reason_display(),
                "where": labels.channel_label(a.channel),
            }
            for a in found.attempts
        ],
        "notes": [
            {"n": n, "when": timeline.beijing(n.created_at)} for n in found.notes
        ],
        "follow_ups": [
            {"f": f, "when": timeline.beijing(f.due_at)} for f in found.follow_ups
        ],
    }
    return TemplateResponse(request, "admin/customer.html", context)
