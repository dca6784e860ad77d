"""The addresses where the SMS vendors' gateways push delivery receipts:
`/sms/receipts/<vendor>/<SMS_RECEIPT_SECRET>/` (docs/sms-receipts.md).

Each vendor posts a JSON array of reports and expects its own answer: Alibaba Cloud
`{"code": 0, "msg": "接收成功"}`, Tencent Cloud `{"result": 0, "errmsg": "OK"}`. Both
push again when the answer is not a 200 (Alibaba Cloud after 1, 5 and 10 minutes),
so a fault of ours answers 503 and the receipts come back; taking a receipt twice is
harmless (`verification.receipts`). A wrong secret, or none set, is 404 like any
address that does not exist: the secret in the URL is what makes the sender the
gateway. Reports for texts that are not ours are answered as taken, and logged.
"""

import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from verification import receipts
from verification.sms import aliyun, tencent
from verification.sms.base import CodeRow, Receipt

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Vendor:
    """How one vendor pushes: what one report is, its codes, how it wants answers."""

    parse: Callable[[Any], Receipt]
    codes: tuple[CodeRow, ...]
    answer: Callable[[str], dict[str, Any]]  # "" when taken, else why not


VENDORS = {
    "aliyun": Vendor(
        aliyun.receipt_from_push,
        aliyun.RECEIPT_CODES,
        lambda why: {"code": 1, "msg": why} if why else {"code": 0, "msg": "接收成功"},
    ),
    "tencent": Vendor(
        tencent.receipt_from_push,
        tencent.RECEIPT_CODES,
        lambda why: (
            {"result": 1, "errmsg": why} if why else {"result": 0, "errmsg": "OK"}
        ),
    ),
}


def _secret_matches(given: str) -> bool:
    expected = settings.SMS_RECEIPT_SECRET
    # Compared in constant time, as bytes (a str comparison refuses non-ASCII).
    return bool(expected) and hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode()
    )


def _body(request: HttpRequest) -> bytes | None:
    """The request's body, or None when it is longer than SMS_RECEIPT_MAX_BYTES
    (read no further than that, whatever Content-Length says)."""
    limit = settings.SMS_RECEIPT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


def _reports(body: bytes) -> list[Any]:
    """The pushed array of reports. Raises ValueError when it is not one."""
    try:
        pushed = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("the body is not JSON") from None
    if not isinstance(pushed, list):
        raise ValueError("the body is not a JSON array of reports")
    return pushed


@csrf_exempt
def push(request: HttpRequest, vendor: str, secret: str) -> JsonResponse:
    """Take a vendor's push of delivery receipts."""
    if vendor not in VENDORS or not _secret_matches(secret):
        raise Http404
    answer = VENDORS[vendor].answer
    if request.method != "POST":
        response = JsonResponse(answer("POST only"), status=405)
        response["Allow"] = "POST"
        return response
    body = _body(request)
    if body is None:
        return JsonResponse(answer("the push is too large"), status=413)
    try:
        reports = _reports(body)
    except ValueError as exc:
        return JsonResponse(answer(str(exc)), status=400)
    if len(reports) > settings.SMS_RECEIPT_MAX_REPORTS:
        return JsonResponse(answer("too many reports in one push"), status=413)
    taken, refused = [], 0
    for report in reports:
        try:
            taken.append(VENDORS[vendor].parse(report))
        except ValueError:
            refused += 1
    if reports and not taken:
        return JsonResponse(answer("no report could be read"), status=400)
    try:
        outcomes = receipts.take_all(taken, VENDORS[vendor].codes)
    except DatabaseError:
        logger.exception("Delivery receipts from %s could not be recorded", vendor)
        # The vendor pushes again; what was recorded is not recorded twice.
        return JsonResponse(answer("try again later"), status=503)
    logger.info(
        "Delivery receipts from %s: %s; %s reports unreadable",
        vendor,
        dict(outcomes),
        refused,
    )
    return JsonResponse(answer(""), json_dumps_params={"ensure_ascii": False})
