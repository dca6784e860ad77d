"""Where is my filing: roles verified or pending, masked numbers, time left."""

import pytest

from tests.portal.helpers import post_form, verify_data
from tests.verification.helpers import last6, submitted_filing

pytestmark = pytest.mark.django_db


def lookup(client, filing, person):
    return post_form(
        client,
        "/where/",
        {
            "reference": filing.reference,
            "mobile": person.mobile,
            "cert_last6": last6(person),
        },
    ).content.decode()


def test_shows_roles_statuses_masked_numbers_and_time_left(client):
    filing, leader, admin = submitted_filing()
    post_form(client, "/verify/", verify_data(leader))
    html = lookup(client, filing, admin)
    assert filing.reference in html
    assert "待短信核验" in html
    assert "剩余时间" in html and "23小时" in html
    assert f"{leader.mobile[:3]}****{leader.mobile[-4:]}" in html
    assert f"{admin.mobile[:3]}****{admin.mobile[-4:]}" in html
    assert "主体负责人" in html and "网站/APP负责人" in html
    assert "已核验" in html and "待核验" in html
    # no other person's data: no full number, name or certificate of the leader,
    # and the administrator's own number only in the form they typed it into
    for secret in (leader.mobile, leader.name, leader.certificate_number, admin.name):
        assert secret not in html
    assert html.count(admin.mobile) == 1
    assert f'value="{admin.mobile}"' in html


def test_wrong_details_find_nothing(client):
    filing, leader, admin = submitted_filing()
    other, other_leader, _ = submitted_filing()
    html = post_form(
        client,
        "/where/",
        {
            "reference": filing.reference,
            "mobile": other_leader.mobile,
            "cert_last6": last6(other_leader),
        },
    ).content.decode()
    assert "没有与该订单号、手机号和证件号码相符的备案申请" in html
    assert other_leader.mobile[:3] + "****" not in html


def test_lookup_is_throttled(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "lookup_per_ip": "1/h"}
    filing, leader, _ = submitted_filing()
    lookup(client, filing, leader)
    html = lookup(client, filing, leader)
    assert 'data-throttled="true"' in html
