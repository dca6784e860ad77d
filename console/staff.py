"""Staff logins and whom they belong to: the administration or one access provider's
support team (`StaffMembership`), in one of the three roles (the staff groups).

`create_staff` makes a login; without a password it draws a one-time password that
must be changed at the first login: the console lets such a login reach nothing but
the password change until it is done (`console.sites`).
"""

import re
import secrets
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from console.models import StaffEvent, StaffEventKind, StaffMembership
from filings.models import Provider
from infra import scope
from infra.proxies import request_client_address

ROLES = {"agent": "Support agent", "supervisor": "Supervisor", "auditor": "Auditor"}
ROLE_LABELS = {
    "agent": _("Support agent"),
    "supervisor": _("Supervisor"),
    "auditor": _("Auditor"),
}
# The session's mark of a login that must change its password before anything else.
MUST_CHANGE = "icpportal-must-change-password"
# When the session last used the console (real time, in seconds), renewed at most
# once a minute so that a page view rarely writes the session.
LAST_SEEN = "icpportal-last-seen"
RENEW_AFTER = 60
# What a login name may be: plain letters, so that no two names look alike.
LOGIN_NAME = re.compile(r"[A-Za-z0-9.@+_-]{2,150}")


class StaffRefused(Exception):
    """The login cannot be made as asked; the message says why."""


def create_staff(  # noqa: PLR0913 - the login's own fields
    username, role, *, provider_code=None, password=None, by=None, request=None
):
    """Make the staff login `username` in `role` ("agent", "supervisor", "auditor")
    for the provider with `provider_code`, or for the administration when None.
    Returns (user, one-time password or None)."""
    if role not in ROLES:
        raise StaffRefused(
            _("Unknown role “%(role)s”; one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(ROLES)}
        )
    provider = None
    if provider_code is not None:
        provider = Provider.objects.filter(code=provider_code).first()
        if provider is None:
            known = ", ".join(Provider.objects.values_list("code", flat=True))
            raise StaffRefused(
                _("No access provider “%(code)s”; the codes are: %(known)s.")
                % {"code": provider_code, "known": known}
            )
    if not LOGIN_NAME.fullmatch(username or ""):
        raise StaffRefused(
            _(
                "A login name is 2 to 150 letters a to z, digits and the characters "
                "@ . + - _ (no spaces)."
            )
        )
    User = get_user_model()
    # one name, whatever its case: "Wang" beside "wang" would be told apart by nobody
    if User.objects.filter(username__iexact=username).exists():
        raise StaffRefused(
            _("The login “%(name)s” exists already.") % {"name": username}
        )
    one_time = None if password else secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User.objects.create_user(
            username, password=password or one_time, is_staff=True
        )
        user.groups.add(Group.objects.get(name=ROLES[role]))
        StaffMembership.objects.create(
            user=user, provider=provider, must_change_password=one_time is not None
        )
        record(user, StaffEventKind.CREATED, request, by=by)
    return user, one_time


def record(member, kind, request=None, *, by=None):
    """Keep a `StaffEvent` of `member` (a kind of StaffEventKind), in their team."""
    membership = StaffMembership._base_manager.filter(user=member).first()
    StaffEvent.objects.create(
        staff_member=member,
        provider_id=membership.provider_id if membership else None,
        kind=kind,
        by=by,
        address=request_client_address(request) if request is not None else None,
    )


def give_one_time_password(member, by, request=None):
    """A supervisor gives `member` a new one-time password (returned, shown once):
    every session of theirs ends, and the next login must change it."""
    one_time = secrets.token_urlsafe(12)
    with transaction.atomic():
        member.set_password(one_time)
        member.save(update_fields=["password"])
        StaffMembership._base_manager.update_or_create(
            user=member, defaults={"must_change_password": True}
        )
        record(member, StaffEventKind.PASSWORD_RESET, request, by=by)
    return one_time


def set_active(member, active, by, request=None):
    """Switch `member`'s login off (every session of theirs ends at its next page)
    or on again."""
    with transaction.atomic():
        member.is_active = active
        member.save(update_fields=["is_active"])
        kind = StaffEventKind.REACTIVATED if active else StaffEventKind.DEACTIVATED
        record(member, kind, request, by=by)


def role_of(user):
    """The name of `user`'s role (their staff group), in the reader's language."""
    names = {group.name for group in user.groups.all()}
    for key, group in ROLES.items():
        if group in names:
            return ROLE_LABELS[key]
    return _("Administrator") if user.is_superuser else _("No role")


def must_change_password(user):
    """Whether `user` logs in with a one-time password still to be changed."""
    membership = StaffMembership.objects.filter(user=user).first()
    return membership is not None and membership.must_change_password


def password_changed(user):
    """`user` chose their own password: the one-time one is gone."""
    StaffMembership.objects.filter(user=user).update(must_change_password=False)


def idle_too_long(request, *, renew=True, now=None):
    """Whether the logged-in staff member behind `request` has not used the console
    for STAFF_IDLE_MINUTES; renews their mark otherwise, unless the request is not the
    person's doing (`renew=False`: a page's own heartbeat)."""
    if not request.user.is_authenticated:
        return False
    now = time.time() if now is None else now
    last = request.session.get(LAST_SEEN)
    if isinstance(last, int | float) and now - last > settings.STAFF_IDLE_MINUTES * 60:
        return True
    if not isinstance(last, int | float) or (renew and now - last > RENEW_AFTER):
        request.session[LAST_SEEN] = now
    return False


class StaffBackend(ModelBackend):
    """Django's login by name and password, whose user carries the access provider
    they are staff of (`infra.scope.provider_of`), read with the user in one query."""

    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("membership")
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        return with_provider(user)

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username, password, **kwargs)
        return with_provider(user) if user is not None else None


def with_provider(user):
    """`user`, marked with the id of the provider they are staff of: None for the
    administration's staff, and for a login made before staff belonged anywhere."""
    try:
        provider_id = user.membership.provider_id
    except StaffMembership.DoesNotExist:
        provider_id = None
    setattr(user, scope.SCOPE_ATTRIBUTE, provider_id)
    return user
