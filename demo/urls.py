from django.urls import path

from demo import views

urlpatterns = [
    path("demo/", views.demo_home, name="demo-home"),
    path("demo/phone/", views.demo_phone, name="demo-phone"),
]
