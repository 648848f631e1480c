from django.apps import AppConfig


class ZooConfig(AppConfig):
    name = "zoo"
    label = "zoo"
    default_auto_field = "django.db.models.BigAutoField"
