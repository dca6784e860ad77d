"""The demo's clock is read, the training gateway's late delivery reports arrive,
and the simulated administration decides the reviews that are due, with each
request."""

import threading
import time

from django.conf import settings
from django.utils import timezone

from demo import gateway, timetravel
from verification import administration

# The simulated administration looks at most this often (seconds) from requests.
REVIEWS_EVERY = 60
REVIEWS_PER_LOOK = 50
_reviews_lock = threading.Lock()
_reviews_looked_at = [float("-inf")]


def demo_clock(get_response):
    """In demo mode, run the request at the demo's time, which supervisors' time
    travel moves (one small query). Outside demo mode it does nothing."""

    def middleware(request):
        if settings.DEMO_MODE:
            timetravel.load_clock()
        return get_response(request)

    return middleware


def simulated_reviews(get_response):
    """In demo mode with the simulated administration on, decide the reviews that
    are due at the demo's time, at most once a minute per process: the demo runs no
    scheduler, and its clock lives in the process (`timetravel`). Outside demo mode
    it does nothing (the deadline sweep decides them, `process_reviews`)."""

    def middleware(request):
        if settings.DEMO_MODE and settings.SIMULATED_ADMINISTRATION:
            now = time.monotonic()
            if now - _reviews_looked_at[0] >= REVIEWS_EVERY and (
                _reviews_lock.acquire(blocking=False)
            ):
                try:
                    _reviews_looked_at[0] = now
                    administration.process_reviews(
                        timezone.now(), limit=REVIEWS_PER_LOOK
                    )
                finally:
                    _reviews_lock.release()
        return get_response(request)

    return middleware


def gateway_reports(get_response):
    """In demo mode, with the training gateway, send the delivery reports that are
    due before the request is answered: a text delivered late is on the demo phone
    and the console from its due time on. Outside demo mode it does nothing."""

    def middleware(request):
        if gateway.in_use():
            gateway.push_due_reports()
        return get_response(request)

    return middleware
