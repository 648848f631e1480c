"""manage.py verify_schema: does the live database match the models?"""

from __future__ import annotations

import json
import os

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.utils.connection import ConnectionDoesNotExist

from ... import conf, critical
from ...report import render_text
from ...verify import verify


class Command(BaseCommand):
    help = (
        "Compare the live database schema with the models: missing or extra tables and "
        "columns, types, nullability, keys, foreign keys, unique constraints, indexes, checks "
        "and critical relationships. Exit 0 ok, 1 problems, 2 usage or connection error. "
        "-v0 prints nothing but errors (and the JSON document with --format json)."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default="default", help="Database alias (default: default)."
        )
        parser.add_argument(
            "--app",
            action="append",
            dest="apps",
            metavar="LABEL",
            default=[],
            help="Only this app (repeatable). Default: every installed app.",
        )
        parser.add_argument(
            "--critical",
            action="append",
            default=[],
            metavar="APP.MODEL.FIELD",
            help="A relationship that must hold (repeatable), in addition to "
            "SCHEMA_SAFETY['CRITICAL_RELATIONSHIPS'].",
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="text: a table per database table (default); json: one JSON document on "
            "stdout, at every verbosity.",
        )
        parser.add_argument(
            "--fail-on",
            choices=["error", "warning"],
            default="error",
            help="Which severity makes the command fail (default: error).",
        )
        parser.add_argument(
            "--fix",
            action="store_true",
            help="Write the migrations that repair the drift (never touches the database).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="With --fix: print what would be written, write nothing.",
        )

    def handle(self, *args, **options):
        check_usage(options)
        connection = connection_for(options["database"])
        app_configs = self._app_configs(options["apps"])
        try:
            named = conf.critical_relationships() + options["critical"]
            relationships = list(dict.fromkeys(named))  # one check each, named twice or not
            result = verify(connection, app_configs, relationships, all_apps=not options["apps"])
        except ImproperlyConfigured as error:
            raise CommandError(str(error), returncode=2) from None
        except DatabaseError as error:
            raise CommandError(database_error(connection, error), returncode=2) from None
        if options["fix"]:
            self._fix(connection, app_configs, result, options)
        self._report(result, options)
        if not result.ok(options["fail_on"]):
            raise SystemExit(1)

    def _app_configs(self, labels):
        if not labels:
            return list(apps.get_app_configs())
        try:
            return [apps.get_app_config(label) for label in labels]
        except LookupError as error:
            raise CommandError(
                f"{error}; pass an app label from INSTALLED_APPS", returncode=2
            ) from None

    def _report(self, result, options):
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_json(options["fail_on"]), indent=2))
            return
        if options["verbosity"] == 0:
            return
        color = not options.get("no_color") and not os.environ.get("NO_COLOR")
        color = color and (options.get("force_color") or self.stdout.isatty())
        self.stdout.write(render_text(result, color=color, fail_on=options["fail_on"]), ending="")

    def _fix(self, connection, app_configs, result, options):
        from ...fix import write_fixes

        stream = self.stderr if options["format"] == "json" else self.stdout
        for line in write_fixes(connection, app_configs, result, dry_run=options["dry_run"]):
            if line.startswith("not repaired"):
                self.stderr.write(line, ending="")
            elif options["verbosity"] > 0:
                stream.write(line, ending="")


def check_usage(options) -> None:
    """Options that make no sense together, or name what does not exist: exit 2."""
    if options["dry_run"] and not options["fix"]:
        raise CommandError("--dry-run only goes with --fix", returncode=2)
    for spec in options["critical"]:
        try:
            critical.resolve(spec, apps)
        except critical.BadSpec as error:
            raise CommandError(
                f"--critical {error}; name a foreign key as app_label.Model.field", returncode=2
            ) from None


def connection_for(alias: str):
    """The connection for a DATABASES alias, or a usage error (exit 2) naming those there are."""
    try:
        return connections[alias]
    except ConnectionDoesNotExist:
        known = ", ".join(connections) or "none"
        raise CommandError(
            f"unknown database alias {alias!r}; DATABASES has: {known}", returncode=2
        ) from None


def database_error(connection, error) -> str:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"cannot read database {connection.alias!r} ({connection.vendor}): {first}"
