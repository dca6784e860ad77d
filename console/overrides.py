"""Staff overrides on filings, as admin actions on the filing page and the list.

Each action shows a confirmation page that asks for a reason (and whatever else the
action needs), then runs the same domain functions as the rest of the system, one
filing at a time: those write the audit event with the staff user; here each success
also gets an admin LogEntry, and the staff member is told how many succeeded and why
the others did not.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console import presence, timeline
from console.models import WORK_CASES
from filings import review_outcomes
from filings.models import EventType, FilingStatus, Role
from filings.privacy import personal_numbers_in, show_mobile
from filings.validators import normalize_mobile
from verification import contact_checks, moves, staff_actions
from verification import messages as miit
from verification.models import Verification, VerificationStatus

BOTH = [ActionLocation.CHANGE_FORM, ActionLocation.CHANGE_LIST]
FORM_ONLY = [ActionLocation.CHANGE_FORM]
MAX_BULK = 500
REFUSALS = (
    contact_checks.CheckRefused,
    moves.IllegalTransition,
    staff_actions.StaffActionRefused,
    ValueError,
    ValidationError,
)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Recorded in the filing's audit trail with your name."),
    )

    def __init__(self, *args, filings=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filings = filings
        self.user = user

    def clean_reason(self):
        """The audit trail is read by every staff member and kept for good: a
        reason never holds a full mobile or certificate number (notes' rule)."""
        reason = self.cleaned_data["reason"]
        if personal_numbers_in(reason):
            raise forms.ValidationError(
                _(
                    "This holds a full mobile or certificate number. The reason is "
                    "kept in the audit trail for every staff member to read: write "
                    "a mobile masked, like 138****8000, and only a certificate "
                    "number's last four characters."
                )
            )
        return reason


def _verification_label(verification):
    roles = " + ".join(str(Role(role).label) for role in verification.roles)
    return f"{roles} · {show_mobile(verification.mobile)}"


def pending_choices(verifications):
    """[(id, label)] of the people still to verify, as the forms list them."""
    return [
        (v.pk, _verification_label(v))
        for v in verifications
        if v.status == VerificationStatus.PENDING
    ]


class VerificationChoiceForm(ReasonForm):
    """A reason and one pending verification of the (single) filing."""

    verification_required = True

    def __init__(self, *args, filings=None, **kwargs):
        super().__init__(*args, filings=filings, **kwargs)
        pending = Verification.objects.filter(
            filing__in=filings, status=VerificationStatus.PENDING
        ).order_by("id")
        field = forms.ModelChoiceField(
            label=_("Person"),
            queryset=pending,
            required=self.verification_required,
            empty_label=None if self.verification_required else _("Everyone pending"),
        )
        field.label_from_instance = _verification_label
        self.fields["verification"] = field
        self.order_fields(["verification", "reason"])


class ResendForm(VerificationChoiceForm):
    """A resend, with a second look when it may hurt: another agent is on the filing,
    or a code went out a moment ago (`console.presence.resend_warnings`)."""

    verification_required = False
    anyway = forms.BooleanField(
        label=_("Send a new code anyway"),
        required=False,
        help_text=_("Only when you have read the warning above."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings = presence.resend_warnings(self.filings or [], None, self.user)
        if not self.warnings:
            del self.fields["anyway"]

    def clean(self):
        data = super().clean()
        if "verification" not in data or not self.warnings:
            return data
        warnings = presence.resend_warnings(
            self.filings, data["verification"], self.user
        )
        if warnings and not data.get("anyway"):
            raise ValidationError(
                _("Nothing was sent. Read why below, then tick “%(anyway)s”.")
                % {"anyway": self.fields["anyway"].label}
            )
        return data


def rejection_choices():
    """[(code, words)] of the catalogue's rejection reasons, in the active language."""
    return [
        (code, outcome.text)
        for code, outcome in review_outcomes.REJECTION_REASONS.items()
    ]


class RejectForm(ReasonForm):
    """The administration's reason, picked from the catalogue; the free text is the
    decider's note."""

    rejection_reason = forms.ChoiceField(
        label=_("Rejection reason"),
        choices=rejection_choices,
        help_text=_("The provider reads this reason and what to fix."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False
        self.fields["reason"].label = _("Note (optional)")
        self.order_fields(["rejection_reason", "reason"])


class ChangeMobileForm(VerificationChoiceForm):
    new_mobile = forms.CharField(label=_("New mobile number"), max_length=32)

    def clean_new_mobile(self):
        return normalize_mobile(self.cleaned_data["new_mobile"])


class ExtendForm(ReasonForm):
    hours = forms.IntegerField(
        label=_("Extend by (hours)"), min_value=1, max_value=336, initial=24
    )


def _location(request):
    if f"{ActionLocation.CHANGE_FORM.value}-action" in request.POST:
        return ActionLocation.CHANGE_FORM
    return ActionLocation.CHANGE_LIST


@dataclass(frozen=True)
class Override:
    """An override as the console offers it: its action name, its title, the form
    that confirms it, and `apply(filing, data, actor)`, the move it makes."""

    name: str
    title: object
    form_class: type
    apply: object


def run_action(modeladmin, request, queryset, override):
    """Confirm `override`, then apply it to each selected filing."""
    name, title = override.name, override.title
    form_class, apply = override.form_class, override.apply
    location = _location(request)
    if (
        location == ActionLocation.CHANGE_LIST
        and request.POST.get("select_across") == "1"
    ):
        modeladmin.message_user(
            request,
            _("Select the filings one by one; overrides do not apply to every result."),
            messages.ERROR,
        )
        return None
    filings = list(queryset.select_related("provider")[: MAX_BULK + 1])
    if len(filings) > MAX_BULK:
        modeladmin.message_user(
            request,
            _("Select at most %(n)d filings at a time.") % {"n": MAX_BULK},
            messages.ERROR,
        )
        return None
    if location == ActionLocation.CHANGE_FORM and len(filings) == 1:
        presence.beat(filings[0].pk, request.user)  # confirming is being on it
    if "confirm" in request.POST:
        form = form_class(request.POST, filings=filings, user=request.user)
        if form.is_valid():
            _apply_all(modeladmin, request, filings, form.cleaned_data, title, apply)
            return None
    else:
        form = form_class(filings=filings, user=request.user)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.opts,
        "filings": filings,
        "form": form,
        "action_name": name,
        "action_field": (
            f"{ActionLocation.CHANGE_FORM.value}-action"
            if location == ActionLocation.CHANGE_FORM
            else "action"
        ),
        "select_across_field": (
            f"{ActionLocation.CHANGE_FORM.value}-select_across"
            if location == ActionLocation.CHANGE_FORM
            else "select_across"
        ),
        "checkbox_name": ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/filings/confirm_action.html", context)


def _apply_all(modeladmin, request, filings, data, title, apply):
    actor = moves.Actor.staff(request.user)
    done, refused = [], []
    for filing in filings:
        try:
            note = apply(filing, data, actor)
        except REFUSALS as exc:
            refused.append((filing, refusal_text(filing, exc)))
            continue
        done.append(filing)
        message = f"{title}: {data['reason']}"
        if note:
            message = f"{message} ({note})"
        modeladmin.log_change(request, filing, message)
    if done:
        modeladmin.message_user(
            request,
            ngettext(
                "%(title)s: %(count)d filing done.",
                "%(title)s: %(count)d filings done.",
                len(done),
            )
            % {"title": title, "count": len(done)},
            messages.SUCCESS,
        )
    if refused:
        modeladmin.message_user(
            request,
            ngettext(
                "%(title)s: %(count)d filing refused.",
                "%(title)s: %(count)d filings refused.",
                len(refused),
            )
            % {"title": title, "count": len(refused)},
            messages.ERROR,
        )
        for filing, reason in refused[:20]:
            modeladmin.message_user(
                request,
                f"{filing.provider.local_name} {filing.reference}: {reason}",
                messages.ERROR,
            )


def refusal_text(filing, exc):
    """Why an override was refused, in the staff member's language."""
    if isinstance(exc, moves.IllegalTransition):
        current = exc.filing if exc.filing is not None else filing
        return _("Not possible while the filing is “%(status)s”.") % {
            "status": current.get_status_display()
        }
    if isinstance(exc, staff_actions.NotResendable):
        return str(
            _(
                "Nobody on this filing is waiting for a code, or its deadline has "
                "passed."
            )
        )
    if isinstance(exc, (staff_actions.StaffActionRefused, contact_checks.CheckRefused)):
        return str(exc)
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(_("The override was refused: %(detail)s")) % {"detail": exc}


def _pending(filing, chosen):
    if chosen is not None:
        if chosen.filing_id != filing.pk:
            raise staff_actions.StaffActionRefused(
                _("That person does not belong to this filing.")
            )
        return [chosen]
    pending = list(filing.verifications.filter(status=VerificationStatus.PENDING))
    if not pending:
        raise staff_actions.StaffActionRefused(
            _("Nobody on this filing is waiting for a code (it is “%(status)s”).")
            % {"status": filing.get_status_display()}
        )
    return pending


def _resend(filing, data, actor):
    sent = [
        staff_actions.staff_resend(v, actor.user, data["reason"])
        for v in _pending(filing, data.get("verification"))
    ]
    return ngettext("%(n)d code sent", "%(n)d codes sent", len(sent)) % {"n": len(sent)}


def _mark_verified(filing, data, actor):
    status = staff_actions.staff_mark_verified(
        _pending(filing, data["verification"])[0], actor.user, data["reason"]
    )
    if status == miit.VERIFIED_ALL:
        return str(_("everyone has verified; the filing went to review"))
    return str(_("others are still to verify"))


def _mark_everyone_verified(filing, data, actor):
    said = ""
    for verification in _pending(filing, None):
        said = _mark_verified(filing, {**data, "verification": verification}, actor)
    return said


def _change_mobile(filing, data, actor):
    staff_actions.staff_change_mobile(
        _pending(filing, data["verification"])[0],
        data["new_mobile"],
        actor.user,
        data["reason"],
    )
    return str(_("a new code went to the new number"))


def _extend(filing, data, actor):
    moved = moves.extend_deadline(
        filing, hours=data["hours"], actor=actor, reason=data["reason"]
    )
    return _("new deadline %(when)s (Beijing time)") % {
        "when": timeline.beijing(moved.verification_deadline)
    }


def _return(filing, data, actor):
    moves.return_filing(filing, actor=actor, reason=data["reason"])


def _cancel(filing, data, actor):
    moves.cancel_filing(filing, actor=actor, reason=data["reason"])


def _approve(filing, data, actor):
    approved = moves.approve_filing(filing, actor=actor, reason=data["reason"])
    return approved.icp_number or None


def _reject(filing, data, actor):
    code = data.get("rejection_reason")
    if not code:
        raise ValidationError(
            _(
                "A rejection needs its reason from the list: use the Reject button "
                "on the filing page."
            ),
            code="rejection_reason_missing",
        )
    moves.reject_filing(filing, actor=actor, code=code, reason=data.get("reason") or "")
    return _("rejected for “%(reason)s”") % {
        "reason": str(review_outcomes.rejection(code).text).rstrip(".。")
    }


def _open_contact_check(filing, data, actor):
    check = contact_checks.open_check(filing, actor=actor, reason=data["reason"])
    return _("correction deadline %(when)s (Beijing time)") % {
        "when": timeline.beijing(check.deadline)
    }


def _remove_access(filing, data, actor):
    contact_checks.remove_access_of(filing, actor=actor, reason=data["reason"])


def _make(name, title, form_class, apply, permission, locations):
    @admin.action(permissions=[permission], description=title, location=locations)
    def action(modeladmin, request, queryset):
        return run_action(
            modeladmin, request, queryset, Override(name, title, form_class, apply)
        )

    action.__name__ = name
    return action


resend_code = _make(
    "resend_code", _("Resend a verification code"), ResendForm, _resend, "resend", BOTH
)
extend_deadline = _make(
    "extend_deadline", _("Extend the deadline"), ExtendForm, _extend, "extend", BOTH
)
mark_verified = _make(
    "mark_verified",
    _("Mark a person verified"),
    VerificationChoiceForm,
    _mark_verified,
    "override",
    FORM_ONLY,
)
change_mobile = _make(
    "change_mobile",
    _("Change a person's mobile and re-send the code"),
    ChangeMobileForm,
    _change_mobile,
    "override",
    FORM_ONLY,
)
return_to_provider = _make(
    "return_to_provider",
    _("Return to the provider"),
    ReasonForm,
    _return,
    "return",
    BOTH,
)
cancel = _make("cancel", _("Cancel"), ReasonForm, _cancel, "cancel", BOTH)
approve = _make("approve", _("Approve"), ReasonForm, _approve, "decide", BOTH)
reject = _make("reject", _("Reject"), RejectForm, _reject, "decide", BOTH)
open_contact_check = _make(
    "open_contact_check",
    _("Open a contact check"),
    ReasonForm,
    _open_contact_check,
    "decide",
    BOTH,
)
remove_access = _make(
    "remove_access",
    _("Remove the access (missed contact check)"),
    ReasonForm,
    _remove_access,
    "decide",
    BOTH,
)

ALL = [
    resend_code,
    extend_deadline,
    mark_verified,
    change_mobile,
    return_to_provider,
    cancel,
    approve,
    reject,
    open_contact_check,
    remove_access,
]


# What a macro step runs (console.casework.run_macro), by the step's action: the
# same functions as the buttons, acting on everyone pending where a button asks whom.
MACRO_STEPS = {
    "resend_code": _resend,
    "extend_deadline": _extend,
    "mark_verified": _mark_everyone_verified,
    "return_to_provider": _return,
    "cancel": _cancel,
    "approve": _approve,
    "reject": _reject,
}


def run_named(name, filing, data, actor):
    """Run the override called `name` on `filing` as `actor`, with `data` (the
    reason, and the person or the hours where the override asks): the function the
    button and the macro step of that name run."""
    if name == "mark_verified" and data.get("verification") is not None:
        return _mark_verified(filing, data, actor)
    return MACRO_STEPS[name](filing, data, actor)


# The overrides an agent may ask a supervisor for.
ASKABLE = frozenset(MACRO_STEPS)


# The filing page's buttons: what each does, and why it cannot be used now.
PERMISSION_OF = {
    "resend_code": "filings.resend_code",
    "extend_deadline": "filings.extend_deadline",
    "mark_verified": "filings.override_verification",
    "change_mobile": "filings.override_verification",
    "return_to_provider": "filings.return_filing",
    "cancel": "filings.cancel_filing",
    "approve": "filings.decide_filing",
    "reject": "filings.decide_filing",
    "open_contact_check": "filings.decide_filing",
    "remove_access": "filings.decide_filing",
}


def _what_it_does(name):
    return {
        "resend_code": _(
            "Texts a new code to one person or to everyone still pending; the old "
            "code stops working. Not counted against the applicant's cap."
        ),
        "extend_deadline": _(
            "Moves the verification deadline later by the hours you choose."
        ),
        "mark_verified": _(
            "Records a person as verified after you confirmed who they are another way."
        ),
        "change_mobile": _(
            "Replaces a person's mobile number and texts the new number a fresh code."
        ),
        "return_to_provider": _(
            "Sends the filing back to the provider; open verifications are closed."
        ),
        "cancel": _("Closes the filing for good; open verifications are closed."),
        "approve": _("Approves the filing and gives it its ICP numbers."),
        "reject": _("Rejects the filing; it is closed."),
        "open_contact_check": _(
            "Texts each contact of the approved filing a code to confirm their "
            "mobile on the verify page within the correction window."
        ),
        "remove_access": _(
            "Cancels the approved filing whose contact check was missed: its "
            "access is removed."
        ),
    }[name]


def why_unavailable(name, filing, verifications, now):
    """Why the override cannot be used on `filing` now, or "" when it can."""
    pending = FilingStatus.PENDING_VERIFICATION
    status = filing.get_status_display()
    if name in ("resend_code", "extend_deadline", "mark_verified", "change_mobile"):
        if filing.status != pending:
            return _(
                "Only a filing waiting for verification; this one is “%(status)s”."
            ) % {"status": status}
        if name == "extend_deadline":
            return ""
        if not any(v.status == VerificationStatus.PENDING for v in verifications):
            return _("Nobody on this filing is still waiting for a code.")
        if filing.verification_deadline and filing.verification_deadline <= now:
            return _("The deadline has passed; extend it first.")
        return ""
    if name in ("open_contact_check", "remove_access"):
        return _contact_check_unavailable(name, filing)
    event = {
        "return_to_provider": EventType.RETURNED,
        "cancel": EventType.CANCELLED,
        "approve": EventType.APPROVED,
        "reject": EventType.REJECTED,
    }[name]
    if event not in moves.allowed_events(filing.status):
        return _("Not possible while the filing is “%(status)s”.") % {"status": status}
    return ""


def _contact_check_unavailable(name, filing):
    if name == "open_contact_check":
        return contact_checks.why_not_open(filing)
    return contact_checks.why_not_remove(filing)


def buttons(filing, verifications, user, now):
    """The overrides for the filing page, each with what it does and, when it
    cannot be used, why."""
    rows = []
    for action in ALL:
        name = action.__name__
        why = why_unavailable(name, filing, verifications, now)
        # What the role lacks, a supervisor may do on request (console.escalations);
        # a new mobile is typed by whoever changes it, so it is not asked for.
        askable = False
        if not why and not user.has_perm(PERMISSION_OF[name]):
            why = _("Your role does not allow this; ask a supervisor.")
            askable = name in ASKABLE and user.has_perm(WORK_CASES)
        elif (
            not why
            and name == "extend_deadline"
            and user.has_perm(WORK_CASES)
            and not user.has_perm("filings.extend_deadline_beyond_limit")
        ):
            askable = True  # past the agent's own limits, a supervisor extends
        rows.append(
            {
                "name": name,
                "label": action.short_description,
                "does": _what_it_does(name),
                "why_not": why,
                "askable": askable,
                "asks_person": name in ("resend_code", "mark_verified"),
                "asks_hours": name == "extend_deadline",
                "asks_rejection_reason": name == "reject",
            }
        )
    return rows
