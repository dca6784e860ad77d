"""Free text is searched for full personal numbers however they are disguised:
separators of any kind (zero-width ones too), digits of any script, look-alike
letters for 1 and 0, a spaced unified social credit code, passport and travel
permit numbers; masked numbers, dates, times, amounts and ICP numbers pass."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from filings.privacy import personal_numbers_in

MOBILE = "13312345678"


@pytest.mark.parametrize(
    "text",
    [
        "133_1234_5678",
        "133/1234/5678",
        "133|1234|5678",
        "133，1234，5678",
        "133\u200b1234\u200b5678",  # zero-width space
        "133\u200c1234\u200c5678",  # zero-width non-joiner
        "133\u200d1234\u200d5678",  # zero-width joiner
        "133\u20601234\u20605678",  # word joiner
        "133\ufeff1234\ufeff5678",  # zero-width no-break space
        "133\u00ad1234\u00ad5678",  # soft hyphen
        "133\u00a01234\u00a05678",  # no-break space
        "١٣٣١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "۱۳۳۱۲۳۴۵۶۷۸",  # extended Arabic-Indic digits
        "१३३१२३४५६७८",  # Devanagari digits
        "๑๓๓๑๒๓๔๕๖๗๘",  # Thai digits
        "𝟏𝟑𝟑𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖",  # mathematical bold digits
        "133l2345678",
        "133I2345678",
        "l3312345678",
        "133 l234 5678",
        "客户电话l3312345678",
        "1331234567l 谢谢",
        "+86 133-1234-5678",
        "1 133 1234 5678",  # a digit in front does not hide it
        "133 1234 5678 9",  # nor one behind
        "一三八零零一三八零零零",  # Chinese numerals
        "一三八〇〇一三八〇〇〇",
        "壹叁捌零零壹叁捌零零零",  # the banker's numerals
        "幺三八零零幺三八零零零",  # 幺, as 1 is read on the phone
        "138零零13八000",  # mixed
        "138ОО138ООО",  # Cyrillic O
        "138ΟΟ138ΟΟΟ",  # Greek O
    ],
)
def test_a_disguised_mobile_is_found(text):
    assert "mobile" in personal_numbers_in(f"客户手机 {text} 打不通")


@pytest.mark.parametrize("text", ["13800000000", "138OOOOOOOO", "138ooooOOOO"])
def test_o_for_zero_in_a_mobile(text):
    assert personal_numbers_in(text) == {"mobile"}


@pytest.mark.parametrize(
    "text",
    [
        "六二零一零二一九八五零三一二零四一九",  # a resident ID in Chinese numerals
        "信用代码 9111 0108 MA01 KP5X 3R",
        "信用代码 91110108-MA01KP5X-3R",
        "uscc 91110108 ma01 kp5x 3r",
        "护照 E12345678",
        "护照 G12345678",
        "passport e1234 5678",
        "护照 EA1234567",
        "护照 EB 123 4567",
        "港澳通行证 C12345678",
        "港澳通行证 CA1234567",
        "回乡证 H12345678",
        "回乡证 M1234567801",
        "往来台湾通行证 T12345678",
        "台胞证 12345678",
        "台胞证号码：1234 5678",
        "台湾通行证 1234567801",
        "MTP 12345678",
        "身份证 110101 1990 0307 4514",
        "身份证 ١١٠١٠١١٩٩٠٠٣٠٧٤٥١٤",
        "居住证 810000 1990 0307 4518",  # Hong Kong residents' residence permit
    ],
)
def test_a_certificate_number_is_found(text):
    assert "certificate" in personal_numbers_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "客户 138****8000 已核验",
        "138****8000，12-06 14:30 回电",
        "约好 2026-12-06 14:30 回电",
        "2026-12-06 14:30 / 2026-12-07 15:00",
        "2026/12/06 13:05 ~ 13:50",
        "2026年12月6日 14时30分",
        "13:30-18:00，共 4.5 小时",
        "京ICP备12345678号-1",
        "ICP备2026000123号",
        "订单 20261206，金额 1,380.50 元",
        "退款 -200 元，共 3 笔",
        "台湾客户，订单 12345678",  # 8 digits not named as a permit
        "证件尾号 4514",
        "ALI-001003 于 12-06 14:30 提交",
        "call me at 5 o'clock, no. 12",
        "I called 3 times",
        "look at row 2026",
        "一二三四五六七八九十",  # numerals in words, not a number
        "第一次打不通，第二次接了，三天后再打",
        "二〇二六年十二月六日",
        "Отдел продаж",  # Cyrillic words keep their letters
    ],
)
def test_ordinary_text_passes(text):
    assert personal_numbers_in(text) == set()


# Every Unicode script's digits: the code points of their zeros (0-9 follow).
DIGIT_ZEROS = [
    c
    for c in range(0x110000)
    if unicodedata.category(chr(c)) == "Nd" and unicodedata.decimal(chr(c)) == 0
]
LOOKALIKES = {"1": ["l", "I"], "0": ["O", "o"]}
SEPARATORS = [
    "",
    "",
    "_",
    "/",
    ".",
    "-",
    " ",
    "\u00a0",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    " - ",
    "。",
]


@st.composite
def digit_written(draw, digit):
    """One digit, in some script's digits or as a look-alike letter."""
    if digit in LOOKALIKES and draw(st.booleans()):
        return draw(st.sampled_from(LOOKALIKES[digit]))
    return chr(draw(st.sampled_from(DIGIT_ZEROS)) + int(digit))


@st.composite
def disguised(draw, number):
    digits = [draw(digit_written(d)) for d in number]
    separators = [draw(st.sampled_from(SEPARATORS)) for _ in digits[1:]]
    return digits[0] + "".join(
        s + d for s, d in zip(separators, digits[1:], strict=True)
    )


@st.composite
def disguised_mobiles(draw):
    number = draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "86 ", "(+86)"]))
    before = draw(st.sampled_from(["", "电话", "call ", "手机：", "tel:"]))
    after = draw(st.sampled_from(["", " 谢谢", "，请回电", " thanks"]))
    return f"{before}{prefix}{draw(disguised(number))}{after}"


@settings(max_examples=200, deadline=None)
@given(text=disguised_mobiles())
def test_any_disguise_of_a_mobile_is_found(text):
    assert "mobile" in personal_numbers_in(text)


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def spaced_usccs(draw):
    head = draw(st.from_regex(r"[1-9][0-9]{7}", fullmatch=True))
    body = "".join(
        draw(st.lists(st.sampled_from(USCC_ALPHABET), min_size=9, max_size=9))
    )
    number = head + body + uscc.calc_check_digit(head + body)
    assert uscc.is_valid(number)
    if draw(st.booleans()):
        number = number.lower()
    separators = [draw(st.sampled_from(SEPARATORS)) for _ in number[1:]]
    written = number[0] + "".join(
        s + c for s, c in zip(separators, number[1:], strict=True)
    )
    return draw(st.sampled_from(["", "信用代码 ", "USCC: "])) + written


@settings(max_examples=200, deadline=None)
@given(text=spaced_usccs())
def test_any_spacing_of_a_credit_code_is_found(text):
    assert "certificate" in personal_numbers_in(text)
