"""The peer a Django developer would pick for the same job, served by the verify bench
under the same gunicorn, database and cache: django-otp's `OTPTokenForm` checking a
6-digit token of an email device for an identifier, in a minimal view.

The identifier is the mobile of the verify bench's person (the user's name); the
token is that person's code. (django-otp is the console's second factor too; its e-mail
device is installed for the bench only.)
"""

import datetime

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils import timezone
from django_otp.forms import OTPTokenForm
from django_otp.plugins.otp_email.models import EmailDevice


def otp_verify(request):
    """POST mobile and code: "ok", "wrong" or "unknown", as django-otp decides."""
    if request.method != "POST":
        return HttpResponse("POST mobile and code", status=405)
    user = get_user_model().objects.filter(username=request.POST.get("mobile")).first()
    if user is None:
        return HttpResponse("unknown")
    form = OTPTokenForm(
        user, request, data={"otp_device": "", "otp_token": request.POST.get("code")}
    )
    return HttpResponse("ok" if form.is_valid() else "wrong")


def seed(people, batch=5000):
    """A user per person of the verify bench, each with an email device whose pending
    token is that person's code, valid for a day."""
    User = get_user_model()
    valid_until = timezone.now() + datetime.timedelta(days=1)
    for start in range(1, people + 1, batch):
        stop = min(start + batch, people + 1)
        users = User.objects.bulk_create(
            User(username=str(13800000000 + p), password="!")  # noqa: S106 - unusable
            for p in range(start, stop)
        )
        EmailDevice.objects.bulk_create(
            EmailDevice(
                user=user,
                name="email",
                confirmed=True,
                token=f"{int(user.username) - 13800000000:06d}",
                valid_until=valid_until,
            )
            for user in users
        )
