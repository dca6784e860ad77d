"""Reference data: the 31 provinces and the access providers."""

import datetime

from django.db import migrations

PILOT = datetime.date(2017, 12, 18)
WAVE_2 = datetime.date(2018, 9, 10)
WAVE_3 = datetime.date(2018, 9, 24)
CENTRAL = datetime.date(2020, 8, 17)

# code, Chinese name, English name, ICP abbreviation, legacy pilot host, provincial start
PROVINCES = [
    ("bj", "北京市", "Beijing", "京", "", None),
    ("tj", "天津市", "Tianjin", "津", "tjcainfo", PILOT),
    ("he", "河北省", "Hebei", "冀", "", None),
    ("sx", "山西省", "Shanxi", "晋", "", WAVE_3),
    ("nm", "内蒙古自治区", "Inner Mongolia", "蒙", "", WAVE_3),
    ("ln", "辽宁省", "Liaoning", "辽", "", None),
    ("jl", "吉林省", "Jilin", "吉", "", None),
    ("hl", "黑龙江省", "Heilongjiang", "黑", "", WAVE_3),
    ("sh", "上海市", "Shanghai", "沪", "", None),
    ("js", "江苏省", "Jiangsu", "苏", "", None),
    ("zj", "浙江省", "Zhejiang", "浙", "", WAVE_2),
    ("ah", "安徽省", "Anhui", "皖", "", WAVE_3),
    ("fj", "福建省", "Fujian", "闽", "", WAVE_2),
    ("jx", "江西省", "Jiangxi", "赣", "", None),
    ("sd", "山东省", "Shandong", "鲁", "", WAVE_3),
    ("ha", "河南省", "Henan", "豫", "", WAVE_3),
    ("hb", "湖北省", "Hubei", "鄂", "", WAVE_3),
    ("hn", "湖南省", "Hunan", "湘", "", WAVE_3),
    ("gd", "广东省", "Guangdong", "粤", "", None),
    ("gx", "广西壮族自治区", "Guangxi", "桂", "", WAVE_2),
    ("hi", "海南省", "Hainan", "琼", "hncainfo", PILOT),
    ("cq", "重庆市", "Chongqing", "渝", "", WAVE_2),
    ("sc", "四川省", "Sichuan", "蜀", "", WAVE_2),
    ("gz", "贵州省", "Guizhou", "黔", "", None),
    ("yn", "云南省", "Yunnan", "滇", "", WAVE_2),
    ("xz", "西藏自治区", "Tibet", "藏", "xzcainfo", PILOT),
    ("sn", "陕西省", "Shaanxi", "陕", "", WAVE_2),
    ("gs", "甘肃省", "Gansu", "陇", "gscainfo", PILOT),
    ("qh", "青海省", "Qinghai", "青", "qhcainfo", PILOT),
    ("nx", "宁夏回族自治区", "Ningxia", "宁", "nxcainfo", PILOT),
    ("xj", "新疆维吾尔自治区", "Xinjiang", "新", "xjcainfo", PILOT),
]

PROVIDERS = [
    ("aliyun", "阿里云", "Alibaba Cloud"),
    ("jdcloud", "京东云", "JD Cloud"),
    ("tencent", "腾讯云", "Tencent Cloud"),
    ("huawei", "华为云", "Huawei Cloud"),
]


def load(apps, schema_editor):
    Province = apps.get_model("filings", "Province")
    Provider = apps.get_model("filings", "Provider")
    for code, name_zh, name_en, abbreviation, legacy_host, pilot_start in PROVINCES:
        Province.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "abbreviation": abbreviation,
                "legacy_host": legacy_host,
                "pilot_start": pilot_start,
                "current_policy": "miit-current",
                "policy_since": CENTRAL,
            },
        )
    for code, name_zh, name_en in PROVIDERS:
        Provider.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en}
        )


class Migration(migrations.Migration):
    dependencies = [("filings", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
