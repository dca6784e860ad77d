from django.urls import path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("resend/", views.ResendView.as_view(), name="resend"),
    path("p/<slug:province>/", views.province_home, name="province-home"),
    path(
        "p/<slug:province>/verify/", views.VerifyView.as_view(), name="province-verify"
    ),
    path(
        "p/<slug:province>/resend/", views.ResendView.as_view(), name="province-resend"
    ),
    path("provinces/", views.province_directory, name="provinces"),
    path("where/", views.lookup, name="lookup"),
]
