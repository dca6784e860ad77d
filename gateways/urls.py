from django.urls import path

from gateways import views

urlpatterns = [
    path("<str:vendor>/<str:secret>/", views.push, name="sms-receipts"),
]
