"""Every public form: odd but valid input is accepted; bad input gets a field
message, never a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import FilingFactory, PersonFactory
from tests.portal.helpers import banner, post_form
from tests.verification.helpers import last6, latest_code, submitted_filing
from verification import moves

pytestmark = pytest.mark.django_db

FORMS = {
    "/verify/": {"code": "123456", "mobile": "13800138000", "cert_last6": "00002X"},
    "/p/gs/verify/": {
        "code": "123456",
        "mobile": "13800138000",
        "cert_last6": "00002X",
    },
    "/resend/": {"mobile": "13800138000", "cert_last6": "00002X"},
    "/where/": {"reference": "ALI-1", "mobile": "13800138000", "cert_last6": "00002X"},
}

BAD_VALUES = {
    "empty": "",
    "letters": "abcdef",
    "five digits": "12345",
    "seven digits": "1234567",
    "ten kilobytes": "1" * 10_240,
    "NUL byte": "123\x00456",
    "mixed scripts": "١٢٣٤٥٦",  # Arabic-Indic digits
    "Cyrillic lookalike": "13800138ООО",
}
MESSAGES = {
    "code": {
        "短信验证码不能为空",
        "短信验证码为6位数字",
        "请删除无效字符",
    },
    "mobile": {
        "手机号不能为空",
        "手机号为数字值",
        "请输入正确的手机号",
        "请删除无效字符",
    },
    "cert_last6": {
        "证件号不能为空",
        "请输入证件号码后6位（字母或数字）",
        "请删除无效字符",
    },
}


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (url, field)
        for url, fields in FORMS.items()
        for field in fields
        if field in MESSAGES
    ],
)
@pytest.mark.parametrize("label", list(BAD_VALUES))
def test_bad_input_gets_a_field_message(client, url, field, label):
    value = BAD_VALUES[label]
    if field == "cert_last6" and label == "letters":
        value = "ABCDEFG"  # six letters are a valid certificate tail; seven are not
    response = post_form(client, url, {**FORMS[url], field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in html
    assert any(message in html for message in MESSAGES[field]), (url, field, label)


@pytest.mark.parametrize(
    "mobile",
    [
        "+86 {m}",
        "0086{m}",
        "{a} {b} {c}",
        "{a}-{b}-{c}",
        "+86-{a}-{b}-{c}",
        "FULLWIDTH",
    ],
)
def test_odd_but_valid_input_verifies(client, mobile):
    filing, leader, _ = submitted_filing()
    m = leader.mobile
    if mobile == "FULLWIDTH":
        typed = "".join(chr(ord(c) + 0xFEE0) for c in m)
    else:
        typed = mobile.format(m=m, a=m[:3], b=m[3:7], c=m[7:])
    code = latest_code(m)
    full_width_code = "".join(chr(ord(c) + 0xFEE0) for c in code)
    page = post_form(
        client,
        "/verify/",
        {
            "code": f" {full_width_code} ",
            "mobile": typed,
            "cert_last6": last6(leader).lower(),
        },
    )
    assert banner(page)[0] == 31


def test_lower_case_x_on_the_page(client):

    leader = PersonFactory(certificate_number="11010519491231002X")
    moves.submit_filing(FilingFactory(subject__leader=leader))
    page = post_form(
        client,
        "/verify/",
        {
            "code": latest_code(leader.mobile),
            "mobile": leader.mobile,
            "cert_last6": "31002x",
        },
    )
    assert banner(page)[0] == 31


def test_missing_fields_and_garbage_tokens_are_not_errors(client):
    response = client.post(
        "/verify/",
        {"submission": "\x00" * 5, "captcha_0": "\x00", "captcha_1": "x" * 5000},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "短信验证码不能为空" in html and "手机号不能为空" in html


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    url=st.sampled_from(list(FORMS)),
    values=st.fixed_dictionaries(
        {
            "code": st.text(max_size=40),
            "mobile": st.text(max_size=40),
            "cert_last6": st.text(max_size=40),
            "reference": st.text(max_size=80),
        }
    ),
)
def test_any_input_is_answered_without_a_server_error(client, url, values):
    response = post_form(client, url, values, token="", follow=True)
    assert response.status_code == 200


def test_odd_but_valid_input_on_resend_and_lookup(client):
    filing, leader, _ = submitted_filing()
    m = leader.mobile
    odd_mobile = "００８６ " + " ".join([m[:3], m[3:7], m[7:]])
    odd_cert = "".join(chr(ord(c) + 0xFEE0) for c in last6(leader).lower())
    page = post_form(client, "/resend/", {"mobile": odd_mobile, "cert_last6": odd_cert})
    assert banner(page)[0] == 101
    html = post_form(
        client,
        "/where/",
        {
            "reference": f" {filing.reference} ",
            "mobile": odd_mobile,
            "cert_last6": odd_cert,
        },
    ).content.decode()
    assert "lookup-result" in html
