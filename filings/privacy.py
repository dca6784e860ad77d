"""Masking personal data for display, unless the viewer may see it.

`PersonalDataMiddleware` remembers the current request; `show_mobile` and
`show_certificate` then mask unless that request's user holds
`filings.view_personal_data`. Outside a request (commands, tasks) they mask.
"""

import re
from contextvars import ContextVar

from stdnum.cn import uscc

from filings.validators import fold_width

PERMISSION = "filings.view_personal_data"
_current_request = ContextVar("icpportal_current_request", default=None)
# The code follows "验证码为" in every text this system sends (verification.messages).
CODE_IN_TEXT_RE = re.compile(r"(验证码[为是:：]?\s*)\d{6}(?!\d)")


def mask_mobile(mobile):
    """138****8000: the carrier prefix and the last four digits stay visible."""
    if not mobile:
        return ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return f"{mobile[:3]}{'*' * (len(mobile) - 7)}{mobile[-4:]}"


def mask_certificate(number):
    """**************002X: only the last four characters stay visible."""
    if not number:
        return ""
    visible = min(4, len(number) // 2)
    return "*" * (len(number) - visible) + number[len(number) - visible :]


def mask_code(text):
    """A text message with its verification code replaced by ******."""
    return CODE_IN_TEXT_RE.sub(r"\1******", text or "")


def can_see_personal_data(user=None):
    """Whether `user` (default: the current request's user) may see unmasked data."""
    if user is None:
        request = _current_request.get()
        user = getattr(request, "user", None)
    return bool(
        user is not None and user.is_authenticated and user.has_perm(PERMISSION)
    )


def show_mobile(mobile, user=None):
    return mobile if can_see_personal_data(user) else mask_mobile(mobile)


def show_certificate(number, user=None):
    return number if can_see_personal_data(user) else mask_certificate(number)


class PersonalDataMiddleware:
    """Makes the request available to the masking helpers while it is handled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


# Free text the console keeps (notes, follow-ups) must never hold a full mobile or
# certificate number: it is shown to every staff member and exported as written.
_SQUEEZE_RE = re.compile(r"(?<=[0-9+])[\s\-‐‑‒–—―.()（）]+(?=[0-9])")
_MOBILE_IN_TEXT_RE = re.compile(r"(?<![0-9])(?:\+?86|0086)?(1[3-9][0-9]{9})(?![0-9])")
_RESIDENT_ID_IN_TEXT_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9A-Z])")
_USCC_IN_TEXT_RE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUW-Y]{18}(?![0-9A-Z])")


def personal_numbers_in(text, known=()):
    """Which kinds of full personal number `text` holds: a subset of {"mobile",
    "certificate"}.

    Finds mainland mobiles (with or without +86, spaced or dashed, in full-width
    digits), 18-character resident ID numbers and valid unified social credit codes,
    and any of `known` (the filing's own certificate numbers and mobiles) written out.
    Masked numbers (138****8000) pass.
    """
    squeezed = _SQUEEZE_RE.sub("", fold_width(text or "")).upper()
    found = set()
    if _MOBILE_IN_TEXT_RE.search(squeezed):
        found.add("mobile")
    if _RESIDENT_ID_IN_TEXT_RE.search(squeezed) or any(
        uscc.is_valid(m) for m in _USCC_IN_TEXT_RE.findall(squeezed)
    ):
        found.add("certificate")
    for number in known:
        number = (number or "").upper()
        if len(number) >= 6 and number in squeezed:
            found.add(
                "mobile" if _MOBILE_IN_TEXT_RE.fullmatch(number) else "certificate"
            )
    return found
