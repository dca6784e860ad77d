"""The application's URLs plus /bench/bare/ (a view that does nothing, served through
the same middleware: the yardstick) and /bench/otp/ (the django-otp peer)."""

from django.http import HttpResponse
from django.urls import path

from bench.peers import otp_verify
from icpportal.urls import urlpatterns as application


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("bench/otp/", otp_verify), *application]
