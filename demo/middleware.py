"""The demo's clock is read, and the training gateway's late delivery reports
arrive, with each request."""

from django.conf import settings

from demo import gateway, timetravel


def demo_clock(get_response):
    """In demo mode, run the request at the demo's time, which supervisors' time
    travel moves (one small query). Outside demo mode it does nothing."""

    def middleware(request):
        if settings.DEMO_MODE:
            timetravel.load_clock()
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
