"""The submission's bounds through the API: 422 with the import's field messages,
nothing written (`tests/filings/test_import_bounds.py` has each bound)."""

import pytest

from filings.models import FilingApplication
from tests.api.conftest import sample

pytestmark = pytest.mark.django_db


def test_the_api_answers_422_with_the_fields_message(call, key):
    body = sample(reference="A/B", submitted_at="9999-01-01T00:00:00+08:00")
    response = call("post", "/filings", key[1], body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert [(e["path"], e["message"]) for e in response.json()["errors"]] == [
        (
            "reference",
            "may hold only letters, digits, '-', '_' and '.' (at least one letter or digit)",
        ),
        (
            "submitted_at",
            "is in the future; it may be at most 5 minutes ahead of the server's clock",
        ),
    ]
    assert not FilingApplication.objects.exists()
