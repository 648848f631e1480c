"""URL configuration: the admin and a health check."""

from django.contrib import admin
from django.urls import path

from .views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
