from django.apps import AppConfig


class SchemaSafetyConfig(AppConfig):
    name = "schema_safety"
    verbose_name = "Schema safety"
