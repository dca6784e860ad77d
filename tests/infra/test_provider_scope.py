"""The provider scope: within it, every record that belongs to a provider is read
for that provider alone, through the default managers, related records included;
tasks run unscoped; a stream is read within the scope of the page that made it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.tasks import task

from filings.models import FilingApplication, Person, Provider
from infra import scope
from tests.verification.helpers import submitted_filing
from verification.models import SmsMessage, Verification

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    """A submitted filing of Alibaba Cloud's and one of Tencent Cloud's."""
    mine, leader, _ = submitted_filing()
    theirs, their_leader, _ = submitted_filing()
    tencent = Provider.objects.get(code="tencent")
    FilingApplication.objects.filter(pk=theirs.pk).update(provider=tencent)
    theirs.refresh_from_db()
    return mine, leader, theirs, their_leader


def test_within_a_scope_only_that_providers_records_are_read(two):
    mine, leader, theirs, their_leader = two
    with scope.provider_scope(mine.provider_id):
        assert list(FilingApplication.objects.all()) == [mine]
        assert {v.filing_id for v in Verification.objects.all()} == {mine.pk}
        assert {m.filing_id for m in SmsMessage.objects.all()} == {mine.pk}
        assert set(Person.objects.all()) >= {leader}
        assert their_leader not in set(Person.objects.all())
        assert list(Provider.objects.all()) == [mine.provider]
        with pytest.raises(FilingApplication.DoesNotExist):
            FilingApplication.objects.get(pk=theirs.pk)
        # a record read without the scope: its related records are still scoped
        assert theirs.verifications.count() == 0
    # out of the scope: everyone's
    assert FilingApplication.objects.count() == 2
    assert theirs.verifications.count() == 2


def test_a_person_named_by_both_providers_is_read_by_both(two):
    mine, leader, theirs, _ = two
    theirs.subject.leader = leader
    theirs.subject.save()
    for filing in (mine, theirs):
        with scope.provider_scope(filing.provider_id):
            assert Person.objects.filter(pk=leader.pk).exists()


calls = []


@task
def count_filings():
    calls.append(FilingApplication.objects.count())


def test_a_task_run_at_once_inside_a_scope_runs_unscoped(two):
    mine, *_ = two
    calls.clear()
    with scope.provider_scope(mine.provider_id):
        count_filings.enqueue()
        assert FilingApplication.objects.count() == 1
    assert calls == [2]


def test_a_stream_is_read_in_the_scope_it_was_made_in(two):
    mine, *_ = two

    def rows():
        yield str(FilingApplication.objects.count())

    streamed = scope.kept_in_scope(rows(), mine.provider_id)
    assert list(streamed) == ["1"]


def test_a_login_whose_backend_does_not_say_whose_staff_it_is_is_refused(
    django_user_model,
):
    user = django_user_model.objects.create_user("bare", is_staff=True)
    with pytest.raises(ImproperlyConfigured):
        scope.provider_of(user)
    assert scope.provider_of(AnonymousUser()) is None  # the applicants: everyone's
