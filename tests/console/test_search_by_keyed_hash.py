"""A full mobile or certificate number is looked up by its keyed hash: the number
never appears in a query; after the key changes, `rehash_lookup_keys` writes the
keys again and the search finds the same people."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from console import search
from filings import lookup_keys
from filings.models import Person, Subject
from filings.privacy import lookup_key
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


def test_a_full_mobile_is_never_written_into_a_query():
    filing, leader, _ = submitted_filing()
    with CaptureQueriesContext(connection) as queries:
        found = search.search(leader.mobile)
    assert [p.person.pk for p in found.people] == [leader.pk]
    assert filing.pk in [f.filing.pk for f in found.filings]
    people_queries = [q["sql"] for q in queries if "filings_person" in q["sql"]]
    assert any(lookup_key(leader.mobile) in sql for sql in people_queries)
    assert not any(leader.mobile in sql for sql in people_queries)


def test_a_full_certificate_number_is_never_written_into_a_query():
    filing, _, _ = submitted_filing()
    number = filing.subject.certificate_number
    with CaptureQueriesContext(connection) as queries:
        found = search.search(number.lower())
    assert filing.pk in [f.filing.pk for f in found.filings]
    assert not any(number in q["sql"] for q in queries)


def test_after_the_key_changes_the_keys_are_written_again(settings):
    _, leader, _ = submitted_filing()
    settings.VERIFICATION_CODE_SECRET = "a-new-key-for-codes-and-lookups-0123456789"
    assert search.search(leader.mobile).people == []  # the old keys no longer match
    call_command("rehash_lookup_keys", verbosity=0)
    assert [p.person.pk for p in search.search(leader.mobile).people] == [leader.pk]


def test_rows_written_before_the_keys_get_them():
    submitted_filing()
    Person.objects.update(mobile_key="", certificate_key="")
    Subject.objects.update(certificate_key="")
    people, subjects = lookup_keys.rehash(Person.objects.all(), Subject.objects.all())
    assert (people, subjects) == (Person.objects.count(), Subject.objects.count())
    assert not Person.objects.filter(mobile_key="").exists()
    person = Person.objects.first()
    assert person.certificate_key == lookup_key(person.certificate_number)


def test_the_database_computes_the_keys_as_python_does():
    """On PostgreSQL the keys are written by pgcrypto; they must be the same."""
    _, leader, _ = submitted_filing()
    before = lookup_key(leader.mobile)
    Person.objects.update(mobile_key="")
    lookup_keys.rehash(Person.objects.all(), Subject.objects.all())
    assert Person.objects.get(pk=leader.pk).mobile_key == before
