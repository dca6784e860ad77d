"""URL configuration: where each app's pages are mounted."""

from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path

from api.views import api, no_such_address
from demo import views as demo_views
from icpportal.health import healthz
from portal import captcha_pictures

# Error pages in the site's layout; 503 while the database is unreachable.
handler400 = "icpportal.faults.bad_request"
handler403 = "icpportal.faults.permission_denied"
handler404 = "icpportal.faults.page_not_found"
handler500 = "icpportal.faults.server_error"


def favicon(request):
    """Browsers ask for /favicon.ico when a page (a file download, say) names none;
    the address is looked up per request, as the static files' manifest exists only
    after collectstatic."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # A staff page of the demo, under the console's address.
    path("admin/demo/time-travel/", demo_views.time_travel, name="demo-time-travel"),
    path(
        "admin/demo/time-travel/back/",
        demo_views.back_to_now,
        name="demo-back-to-now",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Any other address under /api/ (a reference holding "/", say): a problem too.
    re_path(r"^api/", no_such_address),
    # The captcha's picture at 1×, 2× and 3×, drawn for the screen (before the
    # library's own, which crops its 2× picture).
    path("captcha/image/<slug:key>/", captcha_pictures.captcha_image),
    path(
        "captcha/image/<slug:key>@<int:scale>/",
        captcha_pictures.captcha_image,
        name="captcha-image-scaled",
    ),
    path("captcha/", include("captcha.urls")),
    # The SMS gateways push their delivery receipts here (gateways.views).
    path("sms/receipts/", include("gateways.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("demo.urls")),
    path("", include("portal.urls")),
]
