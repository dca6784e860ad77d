"""The staff's second factor (django-otp): after the password, a six-digit code from
an authenticator app (TOTP), or one of ten recovery codes, each good once.

A login without a second factor sets one up before anything else when
STAFF_SECOND_FACTOR is on (always outside demo mode): the page draws the app's QR
code here, as SVG (nothing leaves the server), and asks for a first code; then it
shows the recovery codes, once. A login with one must give a code after each
password login. A supervisor may reset a colleague's, who then sets it up again;
every set-up, reset, refused code and recovery code used is a `StaffEvent`.
"""

import base64
import re
from urllib.parse import quote

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from console import staff
from console.models import StaffEventKind
from infra import times

RECOVERY_CODES = 10
WRONG_CODE = _("That code is not right. Type the newest code your app shows.")
# What a session that still owes its second factor may reach.
BEFORE_CODE = {"second_factor", "logout", "jsi18n"}
BEFORE_SET_UP = {"second_factor_enrol", "logout", "jsi18n"}
# The session's note that this login has no second factor (asked once a session
# where none is required: the demo, the tests).
NONE_SET_UP = "icpportal-no-second-factor"


def has_one(user):
    """Whether `user` has set up a second factor."""
    return django_otp.user_has_device(user, confirmed=True)


def users_with_one(users):
    """The ids of `users` (a queryset) who have set up a second factor, in one
    query: the app's devices (the recovery codes come with one)."""
    return set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list(
            "user_id", flat=True
        )
    )


def next_step(request, url_name):
    """Where a logged-in staff member must go before `url_name`: the code page, the
    set-up page, or nowhere (None)."""
    user = request.user
    verified = getattr(user, "is_verified", None)
    if not user.is_authenticated or (verified is not None and verified()):
        return None
    required = settings.STAFF_SECOND_FACTOR
    if not required and request.session.get(NONE_SET_UP):
        return None
    if has_one(user):
        if url_name in BEFORE_CODE:
            return None
        return _to("admin:second_factor", request)
    if not required:
        request.session[NONE_SET_UP] = True
        return None
    if url_name in BEFORE_SET_UP or request.session.get(staff.MUST_CHANGE):
        return None  # the one-time password is changed first
    return _to("admin:second_factor_enrol", request)


def _to(name, request):
    return redirect(f"{reverse(name)}?next={quote(request.get_full_path(), safe='/')}")


def qr_svg(device):
    """The QR code of the device's key (`otpauth://`), as inline SVG markup."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def pending_device(user):
    """The authenticator app being set up for `user` (made on the first view)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(
        user=user, name="authenticator app", confirmed=False
    )


def _clean(code):
    return re.sub(r"[\s-]", "", code or "").lower()


def finish_set_up(request, device, code):
    """Confirm the app being set up with its first `code`; returns the recovery codes
    (shown once), or None for a wrong code. Replaces any earlier second factor."""
    if not device.verify_token(_clean(code)):
        return None
    user = request.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        recovery = StaticDevice.objects.create(user=user, name="recovery codes")
        codes = [StaticToken.random_token() for _n in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(
            [StaticToken(device=recovery, token=code) for code in codes]
        )
        staff.record(user, StaffEventKind.ENROLLED, request)
    django_otp.login(request, device)
    request.session.pop(NONE_SET_UP, None)
    return codes


def check_code(request, code):
    """Log the session's second factor in with `code` (an app's code or a recovery
    code); returns None, or why not (a wrong code, or too many just now)."""
    user, code = request.user, _clean(code)
    waiting = None
    for device in django_otp.devices_for_user(user, confirmed=True):
        allowed, why = device.verify_is_allowed()
        if not allowed:
            waiting = (why or {}).get("locked_until") or waiting
            continue
        if code and device.verify_token(code):
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                staff.record(user, StaffEventKind.RECOVERY_USED, request)
            return None
    staff.record(user, StaffEventKind.CODE_REFUSED, request)
    if waiting is not None:
        return _(
            "After a wrong code each try waits longer: try again after %(when)s "
            "(Beijing time)."
        ) % {"when": times.beijing_text(waiting, with_seconds=True)}
    return WRONG_CODE


def recovery_codes_left(user):
    """How many recovery codes `user` has not used."""
    return StaticToken.objects.filter(device__user=user).count()


def reset(member, by, request=None):
    """A supervisor's reset of `member`'s second factor: they set it up again at
    their next page (audited)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=member).delete()
        StaticDevice.objects.filter(user=member).delete()
        staff.record(member, StaffEventKind.RESET, request, by=by)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class ReplaceForm(CodeForm):
    """Replacing a second factor asks for the password too."""

    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("admin:index")


def code_view(request, admin_site):
    """After the password: the code from the app, or a recovery code."""
    if not has_one(request.user):
        return redirect("admin:second_factor_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = check_code(request, form.cleaned_data["code"])
        if problem is None:
            return redirect(_next(request))
        form.add_error("code", problem)
    context = {
        **admin_site.each_context(request),
        "title": _("Second factor"),
        "form": form,
        "next": _next(request),
    }
    return TemplateResponse(request, "admin/second_factor.html", context)


def set_up_view(request, admin_site):
    """Set up (or replace) the second factor: the QR code, then a first code, then
    the recovery codes, shown once."""
    device = pending_device(request.user)
    replacing = has_one(request.user)
    form = (ReplaceForm if replacing else CodeForm)(request.POST or None)
    codes = None
    if request.method == "POST" and form.is_valid():
        if replacing and not request.user.check_password(form.cleaned_data["password"]):
            # whoever found the session open may not put their own phone in
            form.add_error("password", _("That is not your password."))
        else:
            codes = finish_set_up(request, device, form.cleaned_data["code"])
            if codes is None:
                form.add_error("code", WRONG_CODE)
    key = base64.b32encode(device.bin_key).decode()
    context = {
        **admin_site.each_context(request),
        "title": _("Set up the second factor"),
        "form": form,
        "qr": qr_svg(device) if codes is None else "",
        "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
        "codes": codes,
        "replacing": replacing and codes is None,
        "required": settings.STAFF_SECOND_FACTOR,
        "next": _next(request),
    }
    return TemplateResponse(request, "admin/second_factor_set_up.html", context)
