"""URL configuration: where each app's pages are mounted."""

from django.contrib import admin
from django.urls import include, path

from demo import views as demo_views
from icpportal.health import healthz

# The plain bilingual error page; 503 while the database is unreachable.
handler500 = "icpportal.faults.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # A staff page of the demo, under the console's address.
    path("admin/demo/time-travel/", demo_views.time_travel, name="demo-time-travel"),
    path("admin/", admin.site.urls),
    path("captcha/", include("captcha.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("demo.urls")),
    path("", include("portal.urls")),
]
