"""The data migration loads the 31 provinces and the access providers of domain.md."""

import datetime

import pytest

from filings.models import Provider, Province

pytestmark = pytest.mark.django_db

PILOT_2017 = {"tj", "gs", "xz", "nx", "hi", "xj", "qh"}
WAVE_2018_09_10 = {"zj", "sc", "fj", "sn", "cq", "gx", "yn"}
WAVE_2018_09_24 = {"sd", "ha", "ah", "hn", "sx", "hl", "nm", "hb"}


def test_thirty_one_provinces_with_unique_abbreviations():
    provinces = list(Province.objects.all())
    assert len(provinces) == 31
    assert len({p.abbreviation for p in provinces}) == 31


@pytest.mark.parametrize(
    ("code", "name_zh", "name_en", "abbreviation", "legacy_host"),
    [
        ("bj", "北京市", "Beijing", "京", ""),
        ("gs", "甘肃省", "Gansu", "陇", "gscainfo"),
        ("hi", "海南省", "Hainan", "琼", "hncainfo"),
        ("hn", "湖南省", "Hunan", "湘", ""),
        ("sc", "四川省", "Sichuan", "蜀", ""),
        ("xj", "新疆维吾尔自治区", "Xinjiang", "新", "xjcainfo"),
    ],
)
def test_province_rows(code, name_zh, name_en, abbreviation, legacy_host):
    province = Province.objects.get(code=code)
    assert (province.name_zh, province.name_en) == (name_zh, name_en)
    assert province.abbreviation == abbreviation
    assert province.legacy_host == legacy_host


def test_rollout_dates():
    starts = {p.code: p.pilot_start for p in Province.objects.all()}
    assert {
        c for c, d in starts.items() if d == datetime.date(2017, 12, 18)
    } == PILOT_2017
    assert {
        c for c, d in starts.items() if d == datetime.date(2018, 9, 10)
    } == WAVE_2018_09_10
    assert {
        c for c, d in starts.items() if d == datetime.date(2018, 9, 24)
    } == WAVE_2018_09_24
    assert sum(1 for d in starts.values() if d is None) == 31 - 22


def test_legacy_hosts_only_for_the_pilot_provinces():
    with_host = set(
        Province.objects.exclude(legacy_host="").values_list("code", flat=True)
    )
    assert with_host == PILOT_2017


def test_every_province_is_on_the_current_central_policy():
    assert set(Province.objects.values_list("current_policy", flat=True)) == {
        "miit-current"
    }


def test_providers():
    assert {"aliyun", "jdcloud", "tencent", "huawei"} <= set(
        Provider.objects.values_list("code", flat=True)
    )
