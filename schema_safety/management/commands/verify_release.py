"""manage.py verify_release: what a deploy verifies after migrating, in one Django process."""

from __future__ import annotations

import io
import json

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, SystemCheckError
from django.db import DatabaseError

from ... import conf
from ...verify import verify
from .verify_schema import connection_for, database_error


class Command(BaseCommand):
    help = (
        "Verify a release after migrating, with its code: the schema (as verify_schema "
        "--format json, every app, the settings' critical relationships) and Django's system "
        "checks (check --deploy, failing at ERROR). Prints "
        '{"ok", "schema": <verify_schema document>, "system_checks": {"ok", "detail"}}. '
        "Exit 0 both pass, 1 one does not, 2 the database cannot be read."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default="default", help="Database alias (default: default)."
        )

    def handle(self, *args, **options):
        connection = connection_for(options["database"])
        relationships = list(dict.fromkeys(conf.critical_relationships()))
        try:
            result = verify(connection, list(apps.get_app_configs()), relationships, all_apps=True)
        except ImproperlyConfigured as error:
            raise CommandError(str(error), returncode=2) from None
        except DatabaseError as error:
            raise CommandError(database_error(connection, error), returncode=2) from None
        checks = _system_checks()
        document = {
            "ok": result.ok() and checks["ok"],
            "schema": result.as_json(),
            "system_checks": checks,
        }
        self.stdout.write(json.dumps(document, indent=2))
        if not document["ok"]:
            raise SystemExit(1)


def _system_checks() -> dict:
    """``check --deploy`` at ERROR level: passed, or the last line of what it said."""
    output = io.StringIO()
    try:
        call_command("check", deploy=True, fail_level="ERROR", stdout=output, stderr=output)
    except SystemCheckError as error:
        return {"ok": False, "detail": "; ".join(_errors(str(error))) or "system checks failed"}
    return {"ok": True, "detail": ""}


def _errors(report: str) -> list[str]:
    """The lines under ``ERRORS:`` in Django's system check report."""
    errors, inside = [], False
    for line in report.splitlines():
        if line.strip() == "ERRORS:":
            inside = True
        elif inside and not line.strip():
            break
        elif inside:
            errors.append(line.strip())
    return errors
