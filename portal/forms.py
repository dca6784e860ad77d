"""The applicant forms, with the MIIT page's field messages."""

import secrets
import unicodedata

from captcha.conf import settings as captcha_settings
from captcha.fields import CaptchaField
from captcha.models import CaptchaStore
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.validators import normalize_mobile

MESSAGES = {
    "code_required": _("The SMS verification code cannot be empty."),
    "code_invalid": _("The SMS verification code is 6 digits."),
    "mobile_required": _("The mobile number cannot be empty."),
    "mobile_not_digits": _("The mobile number must be numeric."),
    "mobile_invalid": _("Please enter a correct mobile number."),
    "cert_required": _("The certificate number cannot be empty."),
    "cert_invalid": _(
        "Enter the last 6 characters of the certificate number (letters or digits)."
    ),
    "reference_required": _("The filing reference cannot be empty."),
    "captcha_required": _("Enter the characters shown in the picture."),
    "captcha_invalid": _("The characters from the picture are wrong."),
    "null_characters": _("Remove the invalid characters."),
}
# Generous for spaces and a +86 prefix; anything longer is not a mobile number.
MAX_INPUT = 32


def _folded(value):
    """Full-width forms to ASCII, white space removed."""
    return "".join(unicodedata.normalize("NFKC", value).split())


class SingleUseCaptchaField(CaptchaField):
    """The graphic captcha, checked and used up by one DELETE.

    The package's own check reads the challenge and then deletes it (and first purges
    every expired one), so two requests racing with one solved captcha could both
    pass. Here the DELETE that matches the answer is the check: only one request can
    delete the row. Expired challenges are purged by the deadline sweep.
    """

    def clean(self, value):
        forms.MultiValueField.clean(self, value)
        key, answer = value[0], (value[1] or "").strip().lower()
        value[1] = ""
        if captcha_settings.CAPTCHA_TEST_MODE and answer == "passed":
            _delete_challenge(key)
            return value
        if not _delete_challenge(key, answer):
            _delete_challenge(key)  # one attempt per picture, right or wrong
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


def _delete_challenge(key, answer=None):
    """Delete the challenge `key` (only if `answer` solves it and it is live, when
    given); return whether a row went. One plain DELETE: the queryset's delete
    collects related objects first, and a challenge has none."""
    meta = CaptchaStore._meta
    quote = connection.ops.quote_name

    def column(name):
        return quote(meta.get_field(name).column)

    sql = (
        f"DELETE FROM {quote(meta.db_table)} "  # noqa: S608
        f"WHERE {column('hashkey')} = %s"
    )
    params = [key]
    if answer is not None:
        sql += f" AND {column('response')} = %s AND {column('expiration')} > %s"
        expiration = meta.get_field("expiration")
        params += [answer, expiration.get_db_prep_value(timezone.now(), connection)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount > 0


def _captcha_field():
    field = SingleUseCaptchaField(
        label=_("Captcha"),
        error_messages={
            "required": MESSAGES["captcha_required"],
            "invalid": MESSAGES["captcha_invalid"],
        },
    )
    field.widget.widgets[1].attrs["aria-label"] = _("Characters in the picture")
    return field


class ApplicantForm(forms.Form):
    """Common parts: the one-time submission token and the captcha."""

    submission = forms.CharField(widget=forms.HiddenInput, required=False)
    # Declared once: each form gets its own copy, as of every declared field.
    captcha = _captcha_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission", secrets.token_urlsafe(16))

    @staticmethod
    def text_field(label, required, invalid, autocomplete, inputmode="text"):
        """A short text input whose errors are the MIIT page's messages."""
        return forms.CharField(
            label=label,
            max_length=MAX_INPUT,
            strip=True,
            error_messages={
                "required": MESSAGES[required],
                "max_length": MESSAGES[invalid],
                "null_characters_not_allowed": MESSAGES["null_characters"],
            },
            widget=forms.TextInput(
                attrs={"autocomplete": autocomplete, "inputmode": inputmode}
            ),
        )

    def clean_mobile(self):
        try:
            return normalize_mobile(self.cleaned_data["mobile"])
        except ValidationError as exc:
            key = "mobile_not_digits" if exc.code == "not_digits" else "mobile_invalid"
            raise ValidationError(MESSAGES[key], code=exc.code) from exc

    def clean_cert_last6(self):
        value = _folded(self.cleaned_data["cert_last6"]).upper()
        if len(value) != 6 or not value.isascii() or not value.isalnum():
            raise ValidationError(MESSAGES["cert_invalid"], code="invalid")
        return value


class VerifyForm(ApplicantForm):
    code = ApplicantForm.text_field(
        _("SMS verification code"),
        "code_required",
        "code_invalid",
        "one-time-code",
        "numeric",
    )
    mobile = ApplicantForm.text_field(
        _("Mobile number"), "mobile_required", "mobile_invalid", "tel", "tel"
    )
    cert_last6 = ApplicantForm.text_field(
        _("Last 6 characters of the certificate number"),
        "cert_required",
        "cert_invalid",
        "off",
    )
    field_order = ["code", "mobile", "cert_last6", "captcha"]

    def clean_code(self):
        value = _folded(self.cleaned_data["code"])
        if len(value) != 6 or not value.isascii() or not value.isdigit():
            raise ValidationError(MESSAGES["code_invalid"], code="invalid")
        return value


class ResendForm(ApplicantForm):
    mobile = VerifyForm.base_fields["mobile"]
    cert_last6 = VerifyForm.base_fields["cert_last6"]
    field_order = ["mobile", "cert_last6", "captcha"]


class LookupForm(ApplicantForm):
    reference = forms.CharField(
        label=_("Filing reference (from your access provider)"),
        max_length=64,
        error_messages={
            "required": MESSAGES["reference_required"],
            "null_characters_not_allowed": MESSAGES["null_characters"],
        },
    )
    mobile = VerifyForm.base_fields["mobile"]
    cert_last6 = VerifyForm.base_fields["cert_last6"]
    field_order = ["reference", "mobile", "cert_last6", "captcha"]
