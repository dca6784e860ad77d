"""The application's URLs plus /bench/bare/: a view that does nothing, served through
the same middleware, as the yardstick for the verify throughput."""

from django.http import HttpResponse
from django.urls import path

from icpportal.urls import urlpatterns as application


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *application]
