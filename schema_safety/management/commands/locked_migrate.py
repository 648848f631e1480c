"""manage.py locked_migrate: ``migrate`` under a database advisory lock, reported as JSON."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

LOCK_KEY = 7_305_726_173  # PostgreSQL advisory lock key: "schema_safety migrate"
LOCK_NAME = "schema_safety_migrate"  # MySQL/MariaDB GET_LOCK name


class Command(BaseCommand):
    help = (
        "Run migrate (all apps, or one app to a target, forwards or backwards) holding a "
        "database advisory lock (PostgreSQL pg_advisory_lock, MySQL GET_LOCK), so that two "
        "deploys never migrate at once. Prints {ok, applied, reversed, elapsed_ms} as JSON."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "targets",
            nargs="*",
            metavar="APP:MIGRATION",
            help="Targets, e.g. content:0002_asset_description or content:zero.",
        )
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--lock-timeout",
            type=int,
            default=60,
            help="Seconds to wait for another migrate to finish (default 60).",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        connection = connections[options["database"]]
        targets = [_target(text) for text in options["targets"]]
        try:
            before = _applied(connection)
            with _advisory_lock(connection, options["lock_timeout"]):
                _migrate(options["database"], targets)
            after = _applied(connection)
        except (DatabaseError, CommandError) as error:
            self.stdout.write(json.dumps({"ok": False, "error": _one_line(error)}))
            raise SystemExit(1) from None
        report = {
            "ok": True,
            "applied": sorted(after - before),
            "reversed": sorted(before - after),
            "elapsed_ms": int((time.monotonic() - started) * 1000),
        }
        self.stdout.write(json.dumps(report))


def _target(text: str) -> tuple[str, str]:
    app, sep, name = text.partition(":")
    if not sep or not app or not name:
        raise CommandError(f"target {text!r} is not APP:MIGRATION", returncode=2)
    return app, name


def _migrate(alias: str, targets: list[tuple[str, str]]) -> None:
    quiet = {"database": alias, "interactive": False, "verbosity": 0, "stdout": StringIO()}
    if not targets:
        call_command("migrate", **quiet)
    for app, name in targets:
        call_command("migrate", app, name, **quiet)


def _applied(connection) -> set[str]:
    recorder = MigrationRecorder(connection)
    return {f"{app}.{name}" for app, name in recorder.applied_migrations()}


@contextmanager
def _advisory_lock(connection, timeout: int):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = %s", [f"{timeout}s"])
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            cursor.execute("SET lock_timeout = DEFAULT")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    elif connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT GET_LOCK(%s, %s)", [LOCK_NAME, timeout])
            if cursor.fetchone()[0] != 1:
                raise CommandError(f"another migrate holds {LOCK_NAME} after {timeout} s")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT RELEASE_LOCK(%s)", [LOCK_NAME])
    else:
        yield  # SQLite: one writer at a time already; the deploy lock serialises deploys


def _one_line(error: BaseException) -> str:
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    return text or type(error).__name__
