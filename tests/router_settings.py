"""Test settings: two databases; a router keeps the zoo app on "zoo", everything else on default."""

import os

import dj_database_url
from project_settings import *  # noqa: F403

DATABASES = {
    "default": dj_database_url.parse(os.environ["DATABASE_URL"]),
    "zoo": dj_database_url.parse(os.environ["ZOO_DATABASE_URL"]),
}
DATABASE_ROUTERS = ["router_settings.ZooRouter"]


class ZooRouter:
    def allow_migrate(self, db, app_label, **hints):
        return (db == "zoo") == (app_label == "zoo")
