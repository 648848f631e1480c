"""Minimal settings for the ``zoo`` test app (makemigrations, migrate).

Run with ``tests/`` and the repository root on PYTHONPATH, for example
``PYTHONPATH=tests:. DJANGO_SETTINGS_MODULE=zoo_settings django-admin migrate``.
DATABASE_URL picks the backend (default: an in-memory SQLite database).
"""

import os

import dj_database_url

SECRET_KEY = "zoo-tests-only"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "zoo",
]

# Shapes some backends cannot build; the zoo declares them on purpose.
SILENCED_SYSTEM_CHECKS = [
    "models.W036",  # conditional unique constraint (MySQL/MariaDB)
    "models.W037",  # index condition ignored (MySQL/MariaDB)
    "models.W040",  # index INCLUDE ignored (all but PostgreSQL)
    "models.W043",  # expression index (MariaDB)
    "models.W044",  # expression unique constraint (MariaDB)
]

DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite://:memory:"))}
