from django.urls import path

from demo import views

urlpatterns = [
    path("demo/", views.demo_home, name="demo-home"),
    path("demo/phone/", views.demo_phone, name="demo-phone"),
    path("demo/training/", views.training_home, name="demo-training"),
    path("demo/training/<int:pk>/", views.training_run, name="demo-training-run"),
    path(
        "demo/training/trainees/<int:pk>/",
        views.training_trainee,
        name="demo-training-trainee",
    ),
]
