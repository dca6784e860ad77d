"""The OpenAPI 3.1 document and the docs page, served from this site's own static
files."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/api/v1/filings",
        "/api/v1/filings/{reference}",
        "/api/v1/filings/{reference}/withdraw",
        "/api/v1/webhooks",
        "/api/v1/webhooks/{endpoint_id}",
        "/api/v1/webhooks/{endpoint_id}/rotate-secret",
        "/api/v1/webhooks/{endpoint_id}/attempts",
        "/api/v1/webhooks/{endpoint_id}/send-again",
        "/api/v1/events",
        "/api/v1/test-clocks",
        "/api/v1/test-clocks/{clock_id}",
        "/api/v1/test-clocks/{clock_id}/advance",
    }
    submit = document["paths"]["/api/v1/filings"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/FilingRecord"
    }
    assert set(submit["responses"]) >= {"201", "400", "401", "409", "422", "429"}
    assert "application/problem+json" in submit["responses"]["422"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in submit["parameters"])
    register = document["paths"]["/api/v1/webhooks"]["post"]
    assert set(register["responses"]) >= {"201", "401", "422"}
    created = register["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/EndpointCreated"}
    assert "secret" in document["components"]["schemas"]["EndpointCreated"]["required"]


def test_the_docs_page_uses_no_cdn(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in html and "/static/ninja/" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_the_operation_ids_stay_as_published(client):
    """Generated clients name their methods after the ids: splitting the views into
    routers must not rename them."""
    document = client.get("/api/v1/openapi.json").json()
    ids = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    assert ids == {
        f"api_views_{name}"
        for name in (
            "submit_filing",
            "list_filings",
            "read_filing",
            "withdraw_filing",
            "create_webhook",
            "list_webhooks",
            "read_webhook",
            "change_webhook",
            "delete_webhook",
            "rotate_webhook_secret",
            "list_webhook_attempts",
            "send_webhook_again",
            "list_events",
            "create_test_clock",
            "read_test_clock",
            "advance_test_clock",
        )
    }
