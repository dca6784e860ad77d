"""URL configuration: the admin now; the portal pages arrive with their apps."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
