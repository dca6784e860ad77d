"""What the OpenAPI document says beyond what the endpoints' types give: the
submission body (the import format, which the import's own checks validate), the
problem answers, and the headers."""

DESCRIPTION = (
    "The access providers' door to the ICP filing SMS verification simulator. "
    "Every request carries one provider's key (`Authorization: Bearer <key>`) and sees "
    "only that provider's filings. Errors are RFC 9457 problem details "
    "(`application/problem+json`), in the language of `Accept-Language` (zh-hans by "
    "default, or en). Times are ISO 8601 in Beijing time. A simulator, not affiliated "
    "with MIIT."
)

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {
            "type": "string",
            "description": "For a submission the administration refuses: the "
            "coded reason (subject_in_flight, domain_filed_by_other_subject).",
        },
        "errors": {
            "type": "array",
            "description": "For an invalid filing: the field paths and messages "
            "of `import_filings`.",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {
                    "path": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
_MEANINGS = {
    400: "The request cannot be read: a body that is not JSON, JSON nested too "
    "deep, a character that is not text, a NUL.",
    401: "No key, or not a live key.",
    404: "No filing (or webhook endpoint, or event) of yours has this reference.",
    409: "A filing with this reference exists, or the move does not fit its status, "
    "or the subject has a filing in flight (`code`: subject_in_flight); or the "
    "webhook endpoint is disabled, or the event is being sent to it now.",
    422: "Invalid input; `errors` names the fields. A filing naming a domain another "
    "subject's filing (approved or in flight) holds (`code`: domain_filed_by_other_subject). For a "
    "webhook endpoint: an address that is not https://, or leads to a loopback, "
    "private or link-local network, or an unknown event type.",
    403: "A live key: test clocks are the sandbox's, for test keys only.",
    413: "The body is larger than the server takes (2.5 MB by default).",
    429: "This key is over its throttle; see Retry-After.",
}


def _problems(*statuses):
    responses = {}
    # Any request may be unreadable (400) or too large (413), whatever it is for.
    for status in sorted({400, 401, 413, 429, *statuses}):
        response = {
            "description": _MEANINGS[status],
            "content": {"application/problem+json": {"schema": _PROBLEM_REF}},
        }
        if status == 429:
            response["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait.",
                    "schema": {"type": "integer"},
                }
            }
        responses[str(status)] = response
    return {"responses": responses}


_TEXT = {"type": "string"}
_PERSON = {
    "type": "object",
    "required": ["name", "certificate_type", "certificate_number", "mobile"],
    "properties": {
        "name": _TEXT,
        "certificate_type": {
            "type": "string",
            "enum": [
                "resident_id",
                "uscc",
                "passport",
                "hk_macao_permit",
                "taiwan_permit",
                "hmt_residence_permit",
                "foreign_permanent_residence",
            ],
        },
        "certificate_number": _TEXT,
        "mobile": {"type": "string", "examples": ["13800138000"]},
        "emergency_mobile": _TEXT,
    },
}
FILING_RECORD = {
    "title": "FilingRecord",
    "type": "object",
    "description": "One filing in the import format (the manual, commands: `import_filings`). "
    "`provider` may be left out: it is the key's.",
    "required": ["reference", "province", "type", "subject", "services"],
    "properties": {
        "provider": _TEXT,
        "reference": {"type": "string", "maxLength": 64},
        "province": {"type": "string", "examples": ["bj"]},
        "type": {
            "type": "string",
            "enum": [
                "first_filing",
                "add_service",
                "add_access",
                "change",
                "cancel_subject",
                "cancel_service",
                "cancel_access",
            ],
        },
        "change_scope": {
            "type": ["string", "null"],
            "enum": ["", "subject", "service", "both", None],
        },
        "policy": {
            "type": ["string", "null"],
            "description": "Left out or null: the policy in force where and when "
            "the filing is submitted.",
            "enum": [
                "pilot-2017",
                "provincial-2019",
                "miit-2020",
                "miit-current",
                None,
            ],
        },
        "submitted_at": {"type": "string", "format": "date-time"},
        "subject": {
            "type": "object",
            "required": [
                "name",
                "nature",
                "certificate_type",
                "certificate_number",
                "leader",
            ],
            "properties": {
                "name": _TEXT,
                "nature": _TEXT,
                "certificate_type": _TEXT,
                "certificate_number": _TEXT,
                "leader": _PERSON,
            },
        },
        "services": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind", "name", "administrator"],
                "properties": {
                    "kind": {"type": "string", "enum": ["website", "app"]},
                    "name": _TEXT,
                    "domains": {"type": "array", "items": _TEXT},
                    "app_identifier": _TEXT,
                    "platforms": {
                        "type": "array",
                        "items": {
                            "type": "string",
                            "enum": ["android", "ios", "harmonyos"],
                        },
                        "description": "An app's platforms (required for an app).",
                    },
                    "signing_md5": {
                        "type": "string",
                        "description": "An app's signing certificate MD5: 32 hex "
                        "digits, colons allowed (required for an app).",
                    },
                    "administrator": _PERSON,
                },
            },
        },
    },
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send the same key with the same body to get the first answer "
    "again; 1 to 255 characters.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}

SUBMIT = {
    "parameters": [_IDEMPOTENCY],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/FilingRecord"}
            }
        },
    },
    **_problems(400, 409, 422),
}
LIST = _problems(422)
READ = _problems(404)
WITHDRAW = _problems(404, 409, 422)
ENDPOINT_CREATE = _problems(422)
ENDPOINT_LIST = _problems()
ENDPOINT_READ = _problems(404, 422)
ENDPOINT_CHANGE = _problems(404, 422)
ENDPOINT_SEND_AGAIN = _problems(404, 409, 422)
EVENTS = _problems(422)
TEST_CLOCK_CREATE = _problems(403, 422)
TEST_CLOCK_READ = _problems(403, 404)
TEST_CLOCK_ADVANCE = _problems(403, 404, 409, 422)


def finish(schema):
    """The generated document, with the problem and record schemas it refers to."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["FilingRecord"] = FILING_RECORD
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            # ninja documents its own 422 as JSON; ours are problem details
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status) != "200" and str(status) != "201" and content:
                    response["content"] = {
                        "application/problem+json": {"schema": _PROBLEM_REF}
                    }
    return schema
