"""The training gateway's late delivery reports arrive with the next request."""

from demo import gateway


def gateway_reports(get_response):
    """In demo mode, with the training gateway, send the delivery reports that are
    due before the request is answered: a text delivered late is on the demo phone
    and the console from its due time on. Outside demo mode it does nothing."""

    def middleware(request):
        if gateway.in_use():
            gateway.push_due_reports()
        return get_response(request)

    return middleware
