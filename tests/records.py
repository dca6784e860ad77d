"""Builders for provider import records (the `import_filings` JSON format)."""

import itertools
import json

from tests.factories import mobile, resident_id, uscc_code

_serials = itertools.count(1000)

POLICY_PROVINCE = {
    "pilot-2017": "gs",
    "provincial-2019": "sd",
    "miit-2020": "bj",
    "miit-current": "bj",
}


def person(name="张三", **overrides):
    serial = next(_serials)
    data = {
        "name": name,
        "certificate_type": "resident_id",
        "certificate_number": resident_id(serial),
        "mobile": mobile(serial),
    }
    data.update(overrides)
    return data


def website(administrator=None, **overrides):
    serial = next(_serials)
    data = {
        "kind": "website",
        "name": f"示例网站{serial}",
        "domains": [f"example{serial}.cn"],
        "administrator": administrator or person("李四"),
    }
    data.update(overrides)
    return data


def app(administrator=None, **overrides):
    serial = next(_serials)
    data = {
        "kind": "app",
        "name": f"示例应用{serial}",
        "app_identifier": f"cn.example.app{serial}",
        "platforms": ["android"],
        "signing_md5": f"{serial:032x}",
        "administrator": administrator or person("王五"),
    }
    data.update(overrides)
    return data


def record(
    filing_type="first_filing",
    change_scope=None,
    policy="miit-current",
    leader=None,
    services=None,
    **overrides,
):
    serial = next(_serials)
    data = {
        "provider": "aliyun",
        "reference": f"ALI-{serial:06d}",
        "province": POLICY_PROVINCE.get(policy, "bj"),
        "type": filing_type,
        "change_scope": change_scope,
        "policy": policy,
        "subject": {
            "name": f"示例科技有限公司{serial}",
            "nature": "enterprise",
            "certificate_type": "uscc",
            "certificate_number": uscc_code(serial),
            "leader": leader or person(),
        },
        "services": [website()] if services is None else services,
    }
    data.update(overrides)
    return data


def own_subject(data):
    """A copy of import record `data` for another subject (its own certificate)."""
    copied = json.loads(json.dumps(data))
    serial = next(_serials)
    copied["subject"]["certificate_number"] = uscc_code(serial)
    for service in copied["services"]:
        if service.get("domains"):
            service["domains"] = [f"own{serial}.{name}" for name in service["domains"]]
    return copied


def write_import_file(tmp_path, records, name="filings.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"filings": records}, ensure_ascii=False), "utf-8")
    return str(path)
