"""The staff pages: everyone's own account (their login history and second factor),
and the supervisors' page of their team, where they make logins, give one-time
passwords, switch logins off and on, and reset a colleague's second factor.

An administration supervisor manages everyone; a provider's supervisors manage
their own team alone (another team's member is not found: infra.scope).
"""

import itertools
from dataclasses import dataclass

from axes.models import AccessFailureLog, AccessLog
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from console import second_factor, staff
from console.models import StaffEvent, StaffMembership
from filings.models import Provider
from infra import scope, times

MANAGE = "console.manage_staff"
HISTORY_LENGTH = 50


@dataclass
class HistoryRow:
    when: object
    what: str
    address: str


def history(user, limit=HISTORY_LENGTH):
    """`user`'s last logins and what happened to their login, newest first: time,
    what (logged in, wrong password, refused while locked out, second factor...),
    and the client address."""
    name = user.get_username()
    logins = [
        HistoryRow(row.attempt_time, str(_("Logged in")), row.ip_address or "—")
        for row in AccessLog.objects.filter(username=name).order_by("-attempt_time")[
            :limit
        ]
    ]
    failures = [
        HistoryRow(
            row.attempt_time,
            str(_("Refused: locked out") if row.locked_out else _("Wrong password")),
            row.ip_address or "—",
        )
        for row in AccessFailureLog.objects.filter(username=name).order_by(
            "-attempt_time"
        )[:limit]
    ]
    events = [
        HistoryRow(
            row.created_at,
            _event_text(row),
            row.address or "—",
        )
        for row in StaffEvent.objects.filter(staff_member=user).select_related("by")[
            :limit
        ]
    ]
    rows = sorted(
        itertools.chain(logins, failures, events), key=lambda r: r.when, reverse=True
    )[:limit]
    for row in rows:
        row.when = times.beijing_text(row.when, with_seconds=True)
    return rows


def _event_text(event):
    text = str(event.get_kind_display())
    if event.by_id and event.by_id != event.staff_member_id:
        text += " · " + str(_("by %(who)s") % {"who": event.by.get_username()})
    return text


def account_view(request, admin_site):
    """The reader's own account: their login history and their second factor."""
    user = request.user
    context = {
        **admin_site.each_context(request),
        "title": _("My account"),
        "member": user,
        "team": _team_name(user),
        "role": staff.role_of(user),
        "has_second_factor": second_factor.has_one(user),
        "recovery_left": second_factor.recovery_codes_left(user),
        "rows": history(user),
    }
    return TemplateResponse(request, "admin/account.html", context)


def _team_name(user):
    provider_id = scope.provider_of(user)
    if provider_id is None:
        return _("The administration")
    return Provider._base_manager.get(pk=provider_id).local_name


class NewStaffForm(forms.Form):
    username = forms.CharField(label=_("Login name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=list(staff.ROLE_LABELS.items()))
    team = forms.ChoiceField(label=_("Team"), required=False)

    def __init__(self, *args, administration=False, **kwargs):
        super().__init__(*args, **kwargs)
        if administration:
            self.fields["team"].choices = [("", _("The administration"))] + [
                (p.code, p.local_name) for p in Provider.objects.order_by("code")
            ]
        else:
            del self.fields["team"]


def team_members():
    """The staff logins the reader manages: their team (everyone's for the
    administration), by name."""
    User = get_user_model()
    return (
        scope.staff_in_scope(User.objects.filter(is_staff=True))
        .select_related("membership__provider")
        .prefetch_related("groups")
        .order_by("username")
    )


def staff_view(request, admin_site):
    """The supervisors' page of their team: every login, and a new one."""
    if not request.user.has_perm(MANAGE):
        raise PermissionDenied
    administration = scope.provider_of(request.user) is None
    form = NewStaffForm(request.POST or None, administration=administration)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        code = data.get("team") or None
        if not administration:
            code = Provider._base_manager.get(pk=scope.provider_of(request.user)).code
        try:
            member, one_time = staff.create_staff(
                data["username"],
                data["role"],
                provider_code=code,
                by=request.user,
                request=request,
            )
        except staff.StaffRefused as exc:
            form.add_error("username", str(exc))
        else:
            _say_one_time_password(request, member, one_time)
            return redirect("admin:staff_member", member_id=member.pk)
    members = team_members()
    with_second_factor = second_factor.users_with_one(members)
    rows = [
        {
            "member": member,
            "team": _membership_team(member),
            "role": staff.role_of(member),
            "second_factor": member.pk in with_second_factor,
            "last_login": times.beijing_text(member.last_login),
        }
        for member in members
    ]
    context = {
        **admin_site.each_context(request),
        "title": _("Staff"),
        "form": form,
        "rows": rows,
    }
    return TemplateResponse(request, "admin/staff.html", context)


def _membership_team(member):
    try:
        provider = member.membership.provider
    except StaffMembership.DoesNotExist:
        provider = None
    return provider.local_name if provider else _("The administration")


# The one-time password just given, kept in the session (on the server, unlike the
# messages, which travel in a signed cookie) until the member's page shows it once.
ONE_TIME = "icpportal-one-time-password"


def _say_one_time_password(request, member, one_time):
    request.session[ONE_TIME] = {"member": member.pk, "password": one_time}


def _shown_one_time_password(request, member):
    given = request.session.pop(ONE_TIME, None)
    if not isinstance(given, dict) or given.get("member") != member.pk:
        return ""
    return _(
        "The one-time password of “%(who)s” is %(password)s. Give it to them "
        "yourself; it is shown only now, and must be changed at their first login."
    ) % {"who": member.get_username(), "password": given.get("password", "")}


ACTIONS = {"one_time_password", "reset_second_factor", "deactivate", "reactivate"}


def staff_member_view(request, admin_site, member_id):
    """One member of the reader's team: their login history and the supervisor's
    actions on their login."""
    if not request.user.has_perm(MANAGE):
        raise PermissionDenied
    member = get_object_or_404(team_members(), pk=member_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ACTIONS:
            messages.error(request, _("Choose what to do."))
        elif member == request.user:
            messages.error(request, _("Ask another supervisor to do this for you."))
        elif not may_act_on(request.user, member):
            # a new password for them would be the way to their powers
            messages.error(
                request,
                _("Only someone who may do all they may can change this login."),
            )
        else:
            _act(request, member, action)
        return redirect("admin:staff_member", member_id=member.pk)
    context = {
        **admin_site.each_context(request),
        "title": member.get_username(),
        "member": member,
        "team": _membership_team(member),
        "role": staff.role_of(member),
        "has_second_factor": second_factor.has_one(member),
        "recovery_left": second_factor.recovery_codes_left(member),
        "rows": history(member),
        "one_time_password": _shown_one_time_password(request, member),
        "can_act": member != request.user and may_act_on(request.user, member),
    }
    return TemplateResponse(request, "admin/staff_member.html", context)


def may_act_on(supervisor, member):
    """Whether `supervisor` may change `member`'s login: not a superuser's unless a
    superuser, nor anyone's who holds a permission the supervisor lacks."""
    if supervisor.is_superuser:
        return True
    if member.is_superuser:
        return False
    return member.get_all_permissions() <= supervisor.get_all_permissions()


def _act(request, member, action):
    who = {"who": member.get_username()}
    if action == "one_time_password":
        one_time = staff.give_one_time_password(member, request.user, request)
        _say_one_time_password(request, member, one_time)
    elif action == "reset_second_factor":
        second_factor.reset(member, request.user, request)
        messages.success(
            request,
            _(
                "The second factor of “%(who)s” is reset: they set it up again at "
                "their next login."
            )
            % who,
        )
    else:
        staff.set_active(member, action == "reactivate", request.user, request)
        if action == "reactivate":
            messages.success(request, _("“%(who)s” can log in again.") % who)
        else:
            messages.success(request, _("“%(who)s” can no longer log in.") % who)
