"""manage.py migration_plan: what `migrate` would do with this code, as one JSON document."""

from __future__ import annotations

import json

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections
from django.utils.connection import ConnectionDoesNotExist

from ...plan import PlanError, build_plan
from ...predeploy import one_line


class Command(BaseCommand):
    help = (
        "Print one JSON document describing what `migrate` would do with this code on the "
        "live database: the migrations and their operations, the dangerous ones and why, "
        "whether all are reversible (strategy: reverse migrations, or restore backup), where "
        "each app stands before and after, and size estimates of the tables touched. "
        "Read-only. Exit 0 plan computed (dangerous or not), 1 broken migration history, "
        "2 usage or connection error. "
        "Example: manage.py migration_plan --target content:0002"
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default="default", help="Database alias (default: default)."
        )
        parser.add_argument(
            "--target",
            dest="targets",
            action="extend",
            nargs="+",
            default=[],
            metavar="APP_LABEL:MIGRATION",
            help="Migrate to this migration (a unique prefix, or zero) instead of every leaf.",
        )

    def handle(self, *args, **options):
        document, code = _plan(options["database"], options["targets"])
        self.stdout.write(json.dumps(document, indent=2))
        if code:
            raise SystemExit(code)


def _plan(alias: str, targets: list[str]) -> tuple[dict, int]:
    try:
        return build_plan(connections[alias], targets).as_json(), 0
    except ConnectionDoesNotExist:
        known = ", ".join(connections) or "none"
        return _error(alias, f"unknown database alias {alias!r}; DATABASES has: {known}"), 2
    except PlanError as error:
        return _error(alias, str(error)), error.exit_code
    except (DatabaseError, ImproperlyConfigured) as error:
        return _error(alias, f"cannot read database {alias!r}: {one_line(error)}"), 2


def _error(alias: str, message: str) -> dict:
    return {"ok": False, "database": alias, "error": message}
