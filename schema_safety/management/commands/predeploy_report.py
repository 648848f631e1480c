"""manage.py predeploy_report: every database-side pre-deploy answer as one JSON document."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils.connection import ConnectionDoesNotExist

from ...predeploy import collect, one_line, unreachable


class Command(BaseCommand):
    help = (
        "Print one JSON document answering every database-side pre-deploy question: "
        "connectivity, schema (as verify_schema), migrations (unapplied, applied but missing "
        "on disk, conflicts), critical relationships, active superusers, database size. "
        "Read-only. Exit 0 all ok, 1 a check failed, 2 the database cannot be reached. "
        "Example: manage.py predeploy_report --database default"
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default="default", help="Database alias (default: default)."
        )
        parser.add_argument(
            "--critical",
            action="append",
            default=[],
            metavar="APP.MODEL.FIELD",
            help="A relationship that must hold, in addition to the settings'.",
        )

    def handle(self, *args, **options):
        alias = options["database"]
        try:
            report = collect(connections[alias], options["critical"])
        except ConnectionDoesNotExist:
            known = ", ".join(connections) or "none"
            detail = f"unknown database alias {alias!r}; DATABASES has: {known}"
            report = unreachable(alias, "", detail)
        except ImproperlyConfigured as error:  # e.g. the database driver is not installed
            report = unreachable(alias, _vendor(alias), one_line(error))
        self.stdout.write(json.dumps(report.as_json(), indent=2))
        if report.exit_code:
            raise SystemExit(report.exit_code)


def _vendor(alias: str) -> str:
    return settings.DATABASES[alias].get("ENGINE", "").rsplit(".", 1)[-1]
