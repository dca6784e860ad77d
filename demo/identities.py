"""Made-up people, companies and domains for the demo: names from common surnames,
valid resident ID and unified social credit numbers (python-stdnum checks them),
mobiles on real prefixes, each drawn once."""

import datetime

from stdnum.cn import ric, uscc

from filings.models import (
    Person,
)
from filings.privacy import lookup_key

PROVINCE_NUMBERS = {
    "bj": 11, "tj": 12, "he": 13, "sx": 14, "nm": 15, "ln": 21, "jl": 22, "hl": 23,
    "sh": 31, "js": 32, "zj": 33, "ah": 34, "fj": 35, "jx": 36, "sd": 37, "ha": 41,
    "hb": 42, "hn": 43, "gd": 44, "gx": 45, "hi": 46, "cq": 50, "sc": 51, "gz": 52,
    "yn": 53, "xz": 54, "sn": 61, "gs": 62, "qh": 63, "nx": 64, "xj": 65,
}  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华建文斌宇浩然欣怡涵萱诺晨阳雪梅佳琪思远志鹏海燕晓东红"
BRANDS = [
    "云帆",
    "星河",
    "蓝海",
    "瑞丰",
    "恒信",
    "华创",
    "睿思",
    "泰和",
    "嘉禾",
    "鼎盛",
    "博远",
    "新纪元",
    "天行",
    "汇通",
    "凌云",
    "锦程",
    "卓越",
    "优品",
    "易达",
    "智联",
]
INDUSTRIES = [
    "科技",
    "网络",
    "信息技术",
    "电子商务",
    "文化传媒",
    "教育咨询",
    "软件",
    "数据服务",
    "旅游",
    "物流",
]
WORDS = [
    "cloud",
    "star",
    "blue",
    "sky",
    "river",
    "peak",
    "bright",
    "future",
    "smart",
    "link",
    "data",
    "shop",
    "travel",
    "learn",
    "media",
    "soft",
    "net",
    "hub",
]
TLDS = ["cn", "com.cn", "com", "net", "net.cn"]
# Mobile prefixes of every carrier, with the virtual operators' ranges.
MOBILE_PREFIXES = [
    "134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159",
    "182", "183", "184", "187", "188", "198",  # China Mobile
    "130", "131", "132", "155", "156", "166", "185", "186",  # China Unicom
    "133", "153", "173", "177", "180", "181", "189", "199",  # China Telecom
    "192",  # China Broadnet
    "1700", "1703", "1704", "162", "165", "167", "171",  # virtual operators
]  # fmt: skip


def _region_codes():
    """Per province, city-level region codes that python-stdnum accepts."""
    found = {}
    for code, number in PROVINCE_NUMBERS.items():
        good = []
        for suffix in ("0100", "0102", "0103", "0104", "0105", "0200", "0000"):
            base = f"{number}{suffix}19900101001"
            try:
                valid = ric.is_valid(base + ric.calc_check_digit(base + "0"))
            except (
                KeyError
            ):  # python-stdnum's region table lacks a field for some codes
                valid = False
            if valid:
                good.append(f"{number}{suffix}")
        found[code] = good or ["110102"]
    return found


class Identities:
    """Draws the demo's people from `rng`: each mobile once, resident IDs with region
    codes that existed in the birth year."""

    def __init__(self, rng, provinces):
        self.rng = rng
        self.provinces = provinces
        self.regions = _region_codes()
        # A region code is valid only for birth years when it existed (python-stdnum).
        self.region_years = {}
        self.mobiles = set()

    def name(self):
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(SURNAMES) + given

    def mobile(self):
        while True:
            prefix = self.rng.choice(MOBILE_PREFIXES)
            number = prefix + "".join(
                self.rng.choice("0123456789") for _ in range(11 - len(prefix))
            )
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def resident_id(self, province):
        """A valid number; region codes also have to have existed in the birth year."""
        for _ in range(50):
            region = self.rng.choice(self.regions[province])
            born = datetime.date(1960, 1, 1) + datetime.timedelta(
                days=self.rng.randrange(16000)
            )
            base = f"{region}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            number = base + ric.calc_check_digit(base + "0")
            key = (region, born.year)
            if key not in self.region_years:
                try:
                    self.region_years[key] = ric.is_valid(number)
                except KeyError:  # python-stdnum's table lacks a field for some
                    self.region_years[key] = False
            if self.region_years[key]:
                return number
        raise RuntimeError(f"no valid resident ID found for {province}")

    def uscc_code(self, province):
        body = "".join(
            self.rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9)
        )
        base = f"91{PROVINCE_NUMBERS[province]}0100{body}"[:17]
        return base + uscc.calc_check_digit(base)

    def person(self, province):
        certificate_number, mobile = self.resident_id(province), self.mobile()
        return Person(
            name=self.name(),
            certificate_type="resident_id",
            certificate_number=certificate_number,
            mobile=mobile,
            emergency_mobile=self.mobile(),
            mobile_key=lookup_key(mobile),
            certificate_key=lookup_key(certificate_number),
        )

    def company(self, province):
        city = self.provinces[province].name_zh.rstrip("省市").replace("自治区", "")[:2]
        return f"{city}{self.rng.choice(BRANDS)}{self.rng.choice(INDUSTRIES)}有限公司"

    def domain(self):
        return (
            f"{self.rng.choice(WORDS)}{self.rng.choice(WORDS)}{self.rng.randrange(10000)}"
            f".{self.rng.choice(TLDS)}"
        )
