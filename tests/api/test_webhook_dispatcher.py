"""One dispatcher for many commits: while one is queued and has not started, a commit
queues none of its own (the shared cache says so), and every event is still
delivered; with a cache of one process, or the cache away, each commit queues one."""

import logging

import pytest
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult

from filings.models import Provider
from integrations import tasks
from tests.api.conftest import run_worker
from tests.factories import FilingFactory
from tests.infra.test_cache_client import redis_up
from verification import moves

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_cache(settings):
    if not redis_up():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "infra.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/12",
        }
    }
    cache.delete(tasks.DISPATCH_QUEUED_KEY)
    yield
    cache.delete(tasks.DISPATCH_QUEUED_KEY)


def submit_two():
    aliyun = Provider.objects.get(code="aliyun")
    for _ in range(2):
        moves.submit_filing(FilingFactory(provider=aliyun))


def dispatchers():
    return DBTaskResult.objects.filter(task_path__endswith=".dispatch_events").count()


def test_commits_share_the_dispatcher_that_is_queued(shared_cache, worker_receiver):
    submit_two()
    assert dispatchers() == 1
    run_worker()
    assert [p["type"] for p in worker_receiver.received] == ["filing.submitted"] * 2
    assert not worker_receiver.refused
    # the dispatcher has started since: the next commit queues one of its own
    moves.submit_filing(FilingFactory(provider=Provider.objects.get(code="aliyun")))
    assert dispatchers() == 2
    run_worker()
    assert len(worker_receiver.received) == 3


def test_with_a_cache_of_one_process_each_commit_queues_its_own(worker_receiver):
    submit_two()  # the workers cannot see this process's memory
    assert dispatchers() == 2
    run_worker()
    assert len(worker_receiver.received) == 2


def test_with_the_cache_away_each_commit_queues_its_own(
    settings, worker_receiver, caplog
):
    settings.CACHES = {
        "default": {
            "BACKEND": "infra.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens: refused at once
        }
    }
    with caplog.at_level(logging.WARNING, logger="integrations.tasks"):
        submit_two()
    assert dispatchers() == 2
    assert "a dispatcher queued per commit" in caplog.text
    run_worker()
    assert len(worker_receiver.received) == 2


def test_a_dispatcher_that_could_not_be_queued_leaves_no_mark(
    shared_cache, worker_receiver, monkeypatch
):
    class QueueAway:
        @staticmethod
        def enqueue():
            raise RuntimeError("the task queue is away")

    with monkeypatch.context() as patched:
        patched.setattr(tasks, "dispatch_events", QueueAway)
        with pytest.raises(RuntimeError):
            tasks.events_committed()
    submit_two()  # the first of these commits queues a dispatcher again
    assert dispatchers() == 1
