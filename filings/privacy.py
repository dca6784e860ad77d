"""Masking personal data for display, unless the viewer may see it.

`PersonalDataMiddleware` remembers the current request; `show_mobile` and
`show_certificate` then mask unless that request's user holds
`filings.view_personal_data`. Outside a request (commands, tasks) they mask.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc

from filings.validators import MOBILE_RE, fold_width

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

PERMISSION = "filings.view_personal_data"
_current_request: ContextVar[HttpRequest | None] = ContextVar(
    "icpportal_current_request", default=None
)
LOOKUP_SALT = "icpportal.filings.lookup"
# The code follows "验证码为" in every text this system sends (verification.messages).
CODE_IN_TEXT_RE = re.compile(r"(验证码[为是:：]?\s*)\d{6}(?!\d)")


def mask_mobile(mobile: str | None) -> str:
    """138****8000: the carrier prefix and the last four digits stay visible."""
    if not mobile:
        return ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return f"{mobile[:3]}{'*' * (len(mobile) - 7)}{mobile[-4:]}"


def mask_certificate(number: str | None) -> str:
    """**************002X: only the last four characters stay visible."""
    if not number:
        return ""
    visible = min(4, len(number) // 2)
    return "*" * (len(number) - visible) + number[len(number) - visible :]


def mask_code(text: str | None) -> str:
    """A text message with its verification code replaced by ******."""
    return CODE_IN_TEXT_RE.sub(r"\1******", text or "")


def can_see_personal_data(user: "User | AnonymousUser | None" = None) -> bool:
    """Whether `user` (default: the current request's user) may see unmasked data."""
    if user is None:
        request = _current_request.get()
        user = getattr(request, "user", None)
    return bool(
        user is not None and user.is_authenticated and user.has_perm(PERMISSION)
    )


def show_mobile(mobile: str, user: "User | AnonymousUser | None" = None) -> str:
    return mobile if can_see_personal_data(user) else mask_mobile(mobile)


def show_certificate(number: str, user: "User | AnonymousUser | None" = None) -> str:
    return number if can_see_personal_data(user) else mask_certificate(number)


class PersonalDataMiddleware:
    """Makes the request available to the masking helpers while it is handled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


# Free text the console keeps (notes, follow-ups) must never hold a full mobile or
# certificate number: it is shown to every staff member and exported as written.
# People write numbers in many ways, and some on purpose to get one past the check, so
# the text is first read as a person would read it (`_readings`), then searched.
#
# Between two letters or digits, any run of characters that are neither (spaces,
# dashes, slashes, underscores, dots, colons...) is read as a gap, written "|": a
# number is looked for across gaps, starting where a group of digits starts and
# ending where one ends, so "138 1234 5678" and "1 138-1234-5678" both hold a
# mobile. A run of two or more "*" is not a gap: 138****8000 is how the console asks
# for a number to be written, and must not join the digits round it.
_GAP = "|"
_GAP_RE = re.compile(r"(?<=[0-9A-Za-z])[\W_]+(?=[0-9A-Za-z])")
# Format characters, dropped: zero-width spaces and joiners, soft hyphen, BOM,
# direction marks.
_INVISIBLE_CATEGORY = "Cf"
# l, I, O and o read as 1 and 0 where they stand for digits: a run of them (gaps
# between them allowed) next to a digit or one gap away from one, touching no other
# Latin letter; so "133l2345678", "l38 1234 5678" and "5 l O O 7" are numbers, but
# "call 138..." and "No. 5" keep their letters.
_LOOKALIKES = r"[lIOo](?:\|?[lIOo])*"
_LOOKALIKE_RE = re.compile(
    rf"(?:(?<=[0-9])|(?<=[0-9]\|)){_LOOKALIKES}(?![A-Za-z])"
    rf"|(?<![A-Za-z]){_LOOKALIKES}(?=\|?[0-9])"
)
_LOOKALIKE_DIGITS = str.maketrans("lIOo", "1100")


def _spaced(*classes: str) -> str:
    """A pattern of one-character `classes`, with an optional gap between any two."""
    return r"\|?".join(classes)


_DIGITS: list[str] = ["[0-9]"]
_TWO_MORE_DIGITS = r"(?:\|?[0-9]\|?[0-9])?"
_MOBILE_IN_TEXT_RE = re.compile(
    r"(?<![0-9])(?:(?:0086|86)\|?)?"
    rf"(?=({_spaced('1', '[3-9]', *_DIGITS * 9)})(?![0-9]))"
)
_RESIDENT_ID_IN_TEXT_RE = re.compile(  # also Hong Kong/Macao/Taiwan residence permits
    rf"(?<![0-9])(?=({_spaced(*_DIGITS * 17, '[0-9X]')})(?![0-9A-Z]))"
)
_USCC_ALPHABET = "[0-9A-HJ-NP-RTUW-Y]"
_USCC_IN_TEXT_RE = re.compile(
    rf"(?<![0-9A-Z])(?=({_spaced(*_DIGITS * 8, *[_USCC_ALPHABET] * 10)})"
    r"(?![0-9A-Z]))"
)
_NO_I_OR_O = "[A-HJ-NP-Z]"
# Passports (E or G and 8 digits; the newer E, a letter and 7 digits), permits to
# Hong Kong and Macao (C and 8 digits, or C, a letter and 7 digits; the permits of
# their residents, H or M and 8 or 10 digits), permits to Taiwan (T and 8 digits).
# A bare 8-digit number is most often a date (20261206), an amount or an order
# number, so a Taiwan residents' permit (8 or 10 digits) counts only when named
# within a few characters before it (台胞证, 台湾通行证, 大陆通行证, MTP).
_LETTERED_NUMBERS_RE = re.compile(
    "|".join(
        rf"(?<![0-9A-Z])(?={_spaced(*classes)}{more}(?![0-9]))"
        for classes, more in (
            (["[EG]", *_DIGITS * 8], ""),
            (["E", _NO_I_OR_O, *_DIGITS * 7], ""),
            (["C", *_DIGITS * 8], ""),
            (["C", _NO_I_OR_O, *_DIGITS * 7], ""),
            (["[HM]", *_DIGITS * 8], _TWO_MORE_DIGITS),
            (["T", *_DIGITS * 8], ""),
        )
    )
)
_TAIWAN_PERMIT_RE = re.compile(
    r"(?:台胞证|台湾通行证|大陆通行证|MTP)[^0-9]{0,6}?"
    rf"{_spaced(*_DIGITS * 8)}{_TWO_MORE_DIGITS}(?![0-9])"
)


# Chinese numerals, as a number is read aloud or written out (幺 is 1 on the phone),
# and the Cyrillic and Greek letters that look like the Latin look-alikes above.
_READ_AS: dict[str, str] = {
    **dict.fromkeys("零〇", "0"),
    **{c: str(n) for n, c in enumerate("一二三四五六七八九", start=1)},
    **{c: str(n) for n, c in enumerate("壹贰叁肆伍陆柒捌玖", start=1)},
    "幺": "1",
    **dict.fromkeys("ОΟ", "O"),
    **dict.fromkeys("оο", "o"),
    **dict.fromkeys("ІΙ", "I"),
    **dict.fromkeys("ӏ", "l"),
}


def _ascii_digit(character: str) -> str:
    """A digit of any script (or a Chinese numeral) as its ASCII digit, a Cyrillic
    or Greek look-alike as its Latin letter; any other character as it is."""
    if character.isascii():
        return character
    if character in _READ_AS:
        return _READ_AS[character]
    value = unicodedata.digit(character, None)
    return character if value is None else str(value)


def _readings(text: str | None) -> list[str]:
    """`text` as a person reads it, in upper case with gaps marked: first with its
    letters as written, then with look-alike letters read as digits.

    NFKC (full-width forms, circled digits), every Unicode decimal digit (Arabic-
    Indic, Devanagari...) as its ASCII digit, zero-width characters and soft
    hyphens dropped, and each gap between letters and digits written as "|"."""
    folded = fold_width(text or "")
    plain = "".join(
        _ascii_digit(c)
        for c in folded
        if unicodedata.category(c) != _INVISIBLE_CATEGORY
    )
    plain = _GAP_RE.sub(lambda m: m.group() if "**" in m.group() else _GAP, plain)
    lookalikes = _LOOKALIKE_RE.sub(
        lambda m: m.group().translate(_LOOKALIKE_DIGITS), plain
    )
    return [reading.upper() for reading in dict.fromkeys((plain, lookalikes))]


def _plausible_resident_id(number: str) -> bool:
    """An 18-character number with a right check character and a real birth date:
    only such a number, written with gaps, counts as a resident ID (dates and
    times written together would otherwise make 18 digits)."""
    try:
        ric.get_birth_date(number)
    except stdnum_exceptions.ValidationError:
        return False
    return ric.calc_check_digit(number) == number[-1]


def _kinds_in(reading: str) -> set[str]:
    """The kinds of full personal number in one of `_readings`."""
    found = set()
    if _MOBILE_IN_TEXT_RE.search(reading):
        found.add("mobile")
    for match in _RESIDENT_ID_IN_TEXT_RE.finditer(reading):
        written = match.group(1)
        if _GAP not in written or _plausible_resident_id(written.replace(_GAP, "")):
            found.add("certificate")
    if any(
        uscc.is_valid(m.group(1).replace(_GAP, ""))
        for m in _USCC_IN_TEXT_RE.finditer(reading)
    ):
        found.add("certificate")
    if _LETTERED_NUMBERS_RE.search(reading) or _TAIWAN_PERMIT_RE.search(reading):
        found.add("certificate")
    return found


def personal_numbers_in(text: str | None, known: Iterable[str | None] = ()) -> set[str]:
    """Which kinds of full personal number `text` holds: a subset of {"mobile",
    "certificate"}.

    Finds mainland mobiles (with or without +86 or 0086), resident ID numbers,
    valid unified social credit codes, passport and travel permit numbers, and any
    of `known` (the filing's own certificate numbers and mobiles) written out;
    however written: full-width or in any script's digits, with any separators
    (zero-width ones too) between the groups, with l, I, O or o for 1 and 0.
    Masked numbers (138****8000), dates, times, amounts and ICP numbers pass.
    """
    found = set()
    for reading in _readings(text):
        found |= _kinds_in(reading)
        joined = reading.replace(_GAP, "")
        for number in known:
            number = (number or "").upper()
            if len(number) >= 6 and number in joined:
                found.add("mobile" if MOBILE_RE.match(number) else "certificate")
    return found


def lookup_key(number: str) -> str:
    """The keyed hash (HMAC-SHA256) a full mobile or certificate number is looked up
    by: the support desk's search finds people and entities by it, so the number it
    was given is compared without being written into a query. Keyed like the
    verification codes (VERIFICATION_CODE_SECRET, else SECRET_KEY); after the key
    changes, `manage.py rehash_lookup_keys` writes every key again."""
    secret = settings.VERIFICATION_CODE_SECRET or settings.SECRET_KEY
    return salted_hmac(
        LOOKUP_SALT, number.strip().upper(), secret=secret, algorithm="sha256"
    ).hexdigest()
