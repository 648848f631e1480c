"""manage.py schema_snapshot: the live database's structure as one canonical JSON document."""

from __future__ import annotations

import json

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections
from django.utils.connection import ConnectionDoesNotExist

from ...predeploy import one_line
from ...snapshot import snapshot


class Command(BaseCommand):
    help = (
        "Print the live database's structure as one JSON document: tables, columns "
        "(normalised type, null), primary keys, foreign keys, unique constraints and "
        "indexes (by shape: generated names are dropped), checks, and the applied "
        "migrations. Identical schemas print identical JSON, so two environments can be "
        "compared (fab compare). Read-only. Exit 0, or 2 when the database cannot be read. "
        "Example: manage.py schema_snapshot --database default"
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default="default", help="Database alias (default: default)."
        )

    def handle(self, *args, **options):
        alias = options["database"]
        try:
            connection = connections[alias]
            document = {"ok": True, "database": alias, **snapshot(connection)}
        except ConnectionDoesNotExist:
            known = ", ".join(connections) or "none"
            self._fail(alias, f"unknown database alias {alias!r}; DATABASES has: {known}")
        except (ImproperlyConfigured, DatabaseError, NotImplementedError) as error:
            self._fail(alias, one_line(error))
        self.stdout.write(json.dumps(document, indent=2, sort_keys=True))

    def _fail(self, alias: str, detail: str) -> None:
        self.stdout.write(json.dumps({"ok": False, "database": alias, "error": detail}))
        raise SystemExit(2)
