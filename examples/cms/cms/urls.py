"""URL configuration: the admin, a health check, the release, and the content."""

from content.views import assets
from django.contrib import admin
from django.urls import path

from .views import healthz, version

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("version", version, name="version"),
    path("assets", assets, name="assets"),
    path("admin/", admin.site.urls),
]
