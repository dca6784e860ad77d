"""URL configuration."""

from django.contrib import admin
from django.urls import include, path

from icpportal.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("captcha/", include("captcha.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("portal.urls")),
]
