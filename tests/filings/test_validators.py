"""Normalising and validating mobiles, certificates, domains and app identifiers."""

import pytest
from django.core.exceptions import ValidationError

from filings import validators
from tests.factories import resident_id, uscc_code


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+8613800138000",
        "+86 138 0013 8000",
        "0086-138-0013-8000",
        "8613800138000",
        "138-0013-8000",
        "１３８００１３８０００",  # full-width digits
        "＋８６ １３８００１３８０００",
        " 13800138000 ",
        "(+86) 138.0013.8000",
    ],
)
def test_mobile_normalised(raw):
    assert validators.normalize_mobile(raw) == "13800138000"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        (None, "required"),
        ("1380013800", "invalid"),  # 10 digits
        ("138001380001", "invalid"),  # 12 digits
        ("12800138000", "invalid"),  # 12x is not a mobile range
        ("23800138000", "invalid"),
        ("1380013800a", "not_digits"),
        ("١٣٨٠٠١٣٨٠٠٠", "not_digits"),  # Arabic-Indic digits are not ASCII digits
        ("+1 13800138000", "not_digits"),
    ],
)
def test_mobile_rejected(raw, code):
    with pytest.raises(ValidationError) as info:
        validators.normalize_mobile(raw)
    assert info.value.code == code


def test_mobile_range_phonenumbers_does_not_know_is_rejected():
    with pytest.raises(ValidationError) as info:
        validators.normalize_mobile("14012345678")
    assert info.value.code == "unassigned"


@pytest.mark.parametrize(
    ("certificate_type", "raw", "expected"),
    [
        ("resident_id", "11010519491231002x", "11010519491231002X"),
        ("resident_id", "110105 1949 1231 002X", "11010519491231002X"),
        ("resident_id", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("uscc", "91110000600037341l", "91110000600037341L"),
        ("passport", "e12345678", "E12345678"),
        ("hk_macao_permit", "H12345678", "H12345678"),
        ("hk_macao_permit", "m1234567801", "M1234567801"),
        ("taiwan_permit", "12345678", "12345678"),
        ("taiwan_permit", "1234567890", "1234567890"),
        ("foreign_permanent_residence", "USA123456789012", "USA123456789012"),
    ],
)
def test_certificate_accepted(certificate_type, raw, expected):
    assert validators.normalize_certificate(certificate_type, raw) == expected


def _with_check_digit(base17):
    from stdnum.cn import ric

    return base17 + ric.calc_check_digit(base17 + "0")


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_hmt_residence_permit_accepted(prefix):
    number = _with_check_digit(prefix + "19900101001")
    assert validators.normalize_certificate("hmt_residence_permit", number) == number


def test_new_foreign_permanent_residence_accepted():
    number = _with_check_digit("93300019900101001")
    assert (
        validators.normalize_certificate("foreign_permanent_residence", number)
        == number
    )


@pytest.mark.parametrize(
    ("certificate_type", "raw", "code"),
    [
        ("resident_id", "110105194912310021", "checksum"),
        ("resident_id", "11010519491231002", "format"),
        ("resident_id", "1101051949123100XX", "format"),
        ("resident_id", "", "required"),
        ("uscc", "91110000600037341X", "checksum"),
        ("uscc", "9111000060003734", "format"),
        ("passport", "E12", "format"),
        ("passport", "ABCDEFGH", "format"),
        ("hk_macao_permit", "X12345678", "format"),
        ("hk_macao_permit", "H1234567", "format"),
        ("taiwan_permit", "1234567", "format"),
        ("hmt_residence_permit", "110105194912310021", "format"),
        ("hmt_residence_permit", "810000199001010010", "checksum"),
        ("hmt_residence_permit", "810000199013010011", "birth_date"),
        ("foreign_permanent_residence", "US123456789012", "format"),
        ("driving_licence", "123456", "certificate_type"),
    ],
)
def test_certificate_rejected(certificate_type, raw, code):
    with pytest.raises(ValidationError) as info:
        validators.normalize_certificate(certificate_type, raw)
    assert info.value.code == code


def test_factories_make_valid_certificates():
    for serial in range(50):
        assert validators.normalize_certificate("resident_id", resident_id(serial))
        assert validators.normalize_certificate("uscc", uscc_code(serial))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("example.cn", "example.cn"),
        ("EXAMPLE.CN", "example.cn"),
        ("www.example.com.cn.", "www.example.com.cn"),
        ("示例.中国", "xn--fsq092h.xn--fiqs8s"),
        ("ｅｘａｍｐｌｅ．ｃｎ", "example.cn"),
        ("xn--fsq092h.xn--fiqs8s", "xn--fsq092h.xn--fiqs8s"),
    ],
)
def test_domain_accepted(raw, expected):
    assert validators.normalize_domain(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("localhost", "no_tld"),
        ("http://example.cn", "url"),
        ("example.cn/path", "url"),
        ("-bad.cn", "invalid"),
        ("ex ample.cn", "invalid"),
        ("a..cn", "invalid"),
        ("under_score.cn", "invalid"),
        ("192.168.1.1", "ip_address"),
        ("a" * 64 + ".cn", "invalid"),
        (".".join(["a" * 60] * 5), "invalid"),  # over 253 characters
    ],
)
def test_domain_rejected(raw, code):
    with pytest.raises(ValidationError) as info:
        validators.normalize_domain(raw)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("\r0", "0 "), ("0\x0b", "0 "), ("a\nb.cn", "'a\\nb.cn'"), ("a\rb", "'a\\rb'")],
)
def test_a_refused_domain_is_quoted_on_one_line(raw, shown):
    with pytest.raises(ValidationError) as info:
        validators.normalize_domain(raw)
    message = info.value.messages[0]
    assert len(message.splitlines()) == 1
    assert message.startswith(shown)  # inner control characters escaped


@pytest.mark.parametrize("raw", ["cn.example.shop", "com.Example.App_2"])
def test_app_identifier_accepted(raw):
    assert validators.normalize_app_identifier(raw) == raw


@pytest.mark.parametrize("raw", ["", "shop", "cn..shop", "1cn.shop", "cn.example-shop"])
def test_app_identifier_rejected(raw):
    with pytest.raises(ValidationError):
        validators.normalize_app_identifier(raw)
