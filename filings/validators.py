"""Normalising and validating what people type: mobiles, certificates, domains.

Each `normalize_*` function returns the canonical form or raises a Django
`ValidationError` with a message that says what is wrong.
"""

import datetime
import functools
import re
import unicodedata
from collections.abc import Callable

import idna
import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc

from filings.models import CertificateType

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Separators people put inside numbers: spaces (incl. ideographic), dashes, dots, brackets.
NUMBER_SEPARATORS_RE = re.compile(r"[\s\-‐‑‒–—―.()（）]")

PERSONAL_CERTIFICATE_TYPES = frozenset(CertificateType.values) - {CertificateType.USCC}


def fold_width(value: str) -> str:
    """Full-width digits, letters and signs to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", value)


@functools.lru_cache(maxsize=4096)
def _is_assigned_mobile(digits: str) -> bool:
    """Whether 11 digits are in an assigned mobile range. Remembered: a request
    checks the same number in the form and again in the engine."""
    return phonenumbers.is_valid_number(phonenumbers.parse(digits, "CN"))


def normalize_mobile(value: object) -> str:
    """A mainland China mobile number as 11 digits.

    Accepts `+86`, `0086` and `86` prefixes, spaces, dashes and full-width digits.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("Enter a mobile number."), code="required")
    text = NUMBER_SEPARATORS_RE.sub("", fold_width(value))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    else:
        if len(text) == 13 and text.startswith("86"):
            text = text[2:]
    if not text.isascii() or not text.isdigit():
        raise ValidationError(
            _("A mobile number contains digits only."), code="not_digits"
        )
    if not MOBILE_RE.match(text):
        raise ValidationError(
            _("Enter a valid mainland China mobile number (11 digits starting 13–19)."),
            code="invalid",
        )
    if not _is_assigned_mobile(text):
        raise ValidationError(
            _("%(number)s is not an assigned mainland China mobile range."),
            code="unassigned",
            params={"number": text},
        )
    return text


def _check_ric_check_digit(number: str) -> None:
    if ric.calc_check_digit(number) != number[-1]:
        raise ValidationError(
            _("The check digit (last character) is wrong."), code="checksum"
        )


def _check_birth_date(number: str) -> None:
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(
            _("Characters 7–14 are not a valid date of birth."), code="birth_date"
        ) from exc


def _resident_id(number: str) -> str:
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits, then a digit or X."),
            code="format",
        )
    try:
        return ric.validate(number)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(
            _("The check digit (last character) is wrong."), code="checksum"
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("The region code or date of birth is not valid."), code="invalid"
        ) from exc


def _uscc(number: str) -> str:
    if not re.fullmatch(r"[0-9A-HJ-NP-RTUW-Y]{18}", number):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters (digits and capital "
                "letters except I, O, Z, S, V)."
            ),
            code="format",
        )
    try:
        return uscc.validate(number)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(
            _("The check character (last character) is wrong."), code="checksum"
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("This is not a valid unified social credit code."), code="invalid"
        ) from exc


def _passport(number: str) -> str:
    if not re.fullmatch(r"[A-Z0-9]{6,20}", number) or not re.search(r"\d", number):
        raise ValidationError(
            _("A passport number has 6 to 20 letters and digits."), code="format"
        )
    return number


def _hk_macao_permit(number: str) -> str:
    if not re.fullmatch(r"[HM]\d{8}(\d{2})?", number):
        raise ValidationError(
            _(
                "A Hong Kong/Macao travel permit number is H or M followed by 8 or 10 digits."
            ),
            code="format",
        )
    return number


def _taiwan_permit(number: str) -> str:
    if not re.fullmatch(r"\d{8}(\d{2})?", number):
        raise ValidationError(
            _("A Taiwan travel permit number has 8 or 10 digits."), code="format"
        )
    return number


def _hmt_residence_permit(number: str) -> str:
    if not re.fullmatch(r"(810000|820000|830000)\d{11}[\dX]", number):
        raise ValidationError(
            _(
                "A Hong Kong/Macao/Taiwan residence permit number has 18 characters "
                "starting 810000, 820000 or 830000."
            ),
            code="format",
        )
    _check_birth_date(number)
    _check_ric_check_digit(number)
    return number


def _foreign_permanent_residence(number: str) -> str:
    if re.fullmatch(r"[A-Z]{3}\d{12}", number):
        return number  # the 2017 format: nationality code and 12 digits
    if re.fullmatch(r"9\d{16}[\dX]", number):
        _check_birth_date(number)
        _check_ric_check_digit(number)
        return number  # the 2023 format, built like a resident ID
    raise ValidationError(
        _(
            "A foreign permanent resident ID is 3 letters and 12 digits, or 18 "
            "characters starting with 9."
        ),
        code="format",
    )


CERTIFICATE_VALIDATORS: dict[str, Callable[[str], str]] = {
    CertificateType.RESIDENT_ID: _resident_id,
    CertificateType.USCC: _uscc,
    CertificateType.PASSPORT: _passport,
    CertificateType.HK_MACAO_PERMIT: _hk_macao_permit,
    CertificateType.TAIWAN_PERMIT: _taiwan_permit,
    CertificateType.HMT_RESIDENCE_PERMIT: _hmt_residence_permit,
    CertificateType.FOREIGN_PERMANENT_RESIDENCE: _foreign_permanent_residence,
}


def normalize_certificate(certificate_type: str, value: object) -> str:
    """The canonical (upper-case, no separators) certificate number, validated."""
    if certificate_type not in CERTIFICATE_VALIDATORS:
        raise ValidationError(
            _("Unknown certificate type %(type)r; expected one of %(types)s."),
            code="certificate_type",
            params={
                "type": certificate_type,
                "types": ", ".join(CertificateType.values),
            },
        )
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("Enter the certificate number."), code="required")
    number = NUMBER_SEPARATORS_RE.sub("", fold_width(value)).upper()
    return CERTIFICATE_VALIDATORS[certificate_type](number)


def _shown(value: str) -> str:
    """A value as an error message quotes it: escaped when it holds a line break or
    another control character, so the message stays on one line."""
    text = value.strip()
    return text if text.isprintable() else repr(text)


def normalize_domain(value: object) -> str:
    """A domain name in its ASCII form; Unicode names are converted with IDNA 2008."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("Enter a domain name."), code="required")
    text = fold_width(value.strip()).rstrip(".")
    if "://" in text or "/" in text:
        raise ValidationError(
            _(
                "Enter a bare domain name such as example.cn, without http:// or a path."
            ),
            code="url",
        )
    try:
        ascii_name = idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValidationError(
            _("%(domain)s is not a valid domain name: %(reason)s"),
            code="invalid",
            params={"domain": _shown(value), "reason": exc},
        ) from exc
    labels = ascii_name.split(".")
    if len(labels) < 2:
        raise ValidationError(
            _("%(domain)s needs a top-level domain, as in example.cn."),
            code="no_tld",
            params={"domain": _shown(value)},
        )
    if labels[-1].isdigit():
        raise ValidationError(
            _("%(domain)s looks like an IP address, not a domain name."),
            code="ip_address",
            params={"domain": _shown(value)},
        )
    return ascii_name


SIGNING_MD5_RE = re.compile(r"^[0-9a-f]{32}$")


def normalize_signing_md5(value: object) -> str:
    """The MD5 of an app's signing certificate: 32 hex digits, with or without the
    colons or spaces the stores show them with; stored lower-case, bare."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            _("Enter the MD5 of the app's signing certificate."), code="required"
        )
    text = re.sub(r"[:\s]", "", fold_width(value.strip())).lower()
    if not SIGNING_MD5_RE.match(text):
        raise ValidationError(
            _(
                "A signing certificate's MD5 is 32 hexadecimal digits, "
                "e.g. 3A:5F:...:9C (16 pairs)."
            ),
            code="invalid",
        )
    return text


APP_IDENTIFIER_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")


def normalize_app_identifier(value: object) -> str:
    """An app's package name / bundle ID in reverse-domain form, e.g. cn.example.shop."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("Enter the app identifier."), code="required")
    text = value.strip()
    if len(text) > 255 or not APP_IDENTIFIER_RE.match(text):
        raise ValidationError(
            _(
                "An app identifier looks like cn.example.shop (letters, digits, _ and dots)."
            ),
            code="invalid",
        )
    return text
