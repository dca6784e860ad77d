"""ICP numbers, assigned when a filing is approved.

A subject's number is the province's abbreviation, "ICP备", the year and a serial
unique in that province and year, then "号": 京ICP备2026000001号. Each website adds
-N and each app -NA (京ICP备2026000001号-1, 京ICP备2026000001号-1A).
"""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from filings.models import (
    FilingApplication,
    FilingStatus,
    FilingType,
    IcpNumberCounter,
    Province,
    Service,
    ServiceKind,
)

# Types whose approval puts websites/apps on record; changes and cancellations keep
# or remove numbers but never issue new ones.
NUMBERED_TYPES: set[str] = {
    FilingType.FIRST_FILING,
    FilingType.ADD_SERVICE,
    FilingType.ADD_ACCESS,
}


def subject_number(abbreviation: str, year: int, serial: int) -> str:
    return f"{abbreviation}ICP备{year}{serial:06d}号"


def _next_serial(province: Province, year: int) -> int:
    for _ in range(3):
        try:
            with transaction.atomic():
                counter, _ = IcpNumberCounter.objects.select_for_update().get_or_create(
                    province=province, year=year
                )
                counter.last_serial += 1
                counter.save(update_fields=["last_serial"])
                return counter.last_serial
        except IntegrityError:  # another approval created the counter first
            continue
    raise RuntimeError("could not reserve an ICP serial")


def _existing_subject_number(filing: FilingApplication) -> str | None:
    """The number an earlier approved filing of the same subject already holds."""
    return (
        FilingApplication.objects.filter(
            status=FilingStatus.APPROVED,
            province_id=filing.province_id,
            subject__certificate_number=filing.subject.certificate_number,
        )
        .exclude(icp_number="")
        .values_list("icp_number", flat=True)
        .first()
    )


def _suffix_numbers(base: str) -> tuple[int, int]:
    """Highest website and app suffix already used under `base`."""
    websites, apps = [0], [0]
    for number in Service.objects.filter(icp_number__startswith=f"{base}-").values_list(
        "icp_number", flat=True
    ):
        suffix = number[len(base) + 1 :]
        if suffix.endswith("A") and suffix[:-1].isdigit():
            apps.append(int(suffix[:-1]))
        elif suffix.isdigit():
            websites.append(int(suffix))
    return max(websites), max(apps)


def number_services(
    base: str, services: Iterable[Service], website: int = 0, app: int = 0
) -> list[Service]:
    """Give each service without a number the next -N (website) or -NA (app) under
    `base`, counting on from `website` and `app`. Returns the services numbered."""
    numbered = []
    for service in services:
        if service.icp_number:
            continue
        if service.kind == ServiceKind.APP:
            app += 1
            service.icp_number = f"{base}-{app}A"
        else:
            website += 1
            service.icp_number = f"{base}-{website}"
        numbered.append(service)
    return numbered


def assign(filing: FilingApplication, year: int) -> dict[str, Any]:
    """Give an approved filing (locked by the caller) its numbers; returns them."""
    if filing.filing_type not in NUMBERED_TYPES:
        return {}
    base = _existing_subject_number(filing) or subject_number(
        filing.province.abbreviation, year, _next_serial(filing.province, year)
    )
    filing.icp_number = base
    website, app = _suffix_numbers(base)
    numbered = number_services(base, filing.services.order_by("id"), website, app)
    for service in numbered:
        service.save(update_fields=["icp_number"])
    return {
        "subject": base,
        "services": {service.pk: service.icp_number for service in numbered},
    }
