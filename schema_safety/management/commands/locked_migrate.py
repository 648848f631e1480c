"""manage.py locked_migrate: ``migrate`` under a database advisory lock, each statement giving
up waiting for a table lock after ``--lock-timeout`` (retried), reported as JSON."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from schema_safety import lock_holders, lock_timeouts

LOCK_KEY = 7_305_726_173  # PostgreSQL advisory lock key: "schema_safety migrate"
LOCK_NAME = "schema_safety_migrate"  # MySQL/MariaDB GET_LOCK name


class Command(BaseCommand):
    help = (
        "Run migrate (all apps, or one app to a target, forwards or backwards) holding a "
        "database advisory lock (PostgreSQL pg_advisory_lock, MySQL GET_LOCK), so that two "
        "deploys never migrate at once. Every statement, RunSQL and RunPython included, gives "
        "up waiting for a table lock after --lock-timeout seconds instead of queueing the "
        "site behind it; a migration stopped so is retried when that left nothing behind. "
        "Prints {ok, applied, reversed, attempts, elapsed_ms} as JSON."
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
            "--wait",
            type=int,
            default=60,
            help="Seconds to wait for another migrate to finish (default 60).",
        )
        parser.add_argument(
            "--lock-timeout",
            type=float,
            default=5.0,
            help="Seconds a statement may wait for a table lock; 0: no limit (default 5).",
        )
        parser.add_argument(
            "--lock-retries",
            type=int,
            default=3,
            help="Retries of a migration stopped by --lock-timeout, waits growing (default 3).",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        alias = options["database"]
        connection = connections[alias]
        targets = [_target(text) for text in options["targets"]]
        limits = Limits(options["lock_timeout"], options["lock_retries"])
        if limits.seconds < 0 or limits.retries < 0:
            raise CommandError("--lock-timeout and --lock-retries must be >= 0", returncode=2)
        try:
            before = _applied(connection)
            with _advisory_lock(connection, options["wait"]):
                attempts = _migrate_giving_way(connection, alias, targets, limits)
            after = _applied(connection)
        except (DatabaseError, CommandError) as error:
            self.stdout.write(json.dumps({"ok": False, "error": _one_line(error)}))
            raise SystemExit(1) from None
        report = {
            "ok": True,
            "applied": sorted(after - before),
            "reversed": sorted(before - after),
            "attempts": attempts,
            "elapsed_ms": int((time.monotonic() - started) * 1000),
        }
        self.stdout.write(json.dumps(report))


@dataclass(frozen=True)
class Limits:
    seconds: float  # lock_timeout of every statement, 0: none
    retries: int  # of a migration stopped by it


def _migrate_giving_way(connection, alias: str, targets, limits: Limits) -> int:
    """Migrate; a migration stopped by the lock timeout is retried (the ones before it stay
    applied) while that left nothing behind. Returns the attempts it took."""
    pauses = [0.0, *lock_timeouts.waits(limits.retries)]
    with (
        lock_timeouts.session(connection, limits.seconds) as statements,
        lock_holders.watching(connection, alias) as holders,
    ):
        for attempt, pause in enumerate(pauses, start=1):
            time.sleep(pause)
            try:
                _migrate(alias, targets)
                return attempt
            except DatabaseError as error:
                if not lock_timeouts.stopped_by_timeout(connection, error):
                    raise
                if statements.left_behind or attempt == len(pauses):
                    message = _gave_up(
                        connection, targets, limits, attempt, statements.left_behind, holders()
                    )
                    raise CommandError(message) from None
                statements.writes = 0  # rolled back with the transaction
    raise AssertionError("unreachable")


def _gave_up(connection, targets, limits: Limits, attempts: int, left: bool, held) -> str:
    waiting = _next_migration(connection, targets) or "a migration"
    why = (
        "not retried: it had already changed the schema (a non-atomic migration, or DDL "
        "MySQL commits at once)"
        if left
        else f"after {attempts} attempt{'s' if attempts > 1 else ''}"
    )
    holders = "; ".join(held) if held else "no blocking session seen (it ended meanwhile?)"
    return (
        f"{waiting} gave up waiting for a table lock after {limits.seconds:g} s "
        f"(lock_timeout), {why}; held by: {holders}; end that session, or wait until it "
        f"is done, then try again"
    )


def _next_migration(connection, targets) -> str | None:
    try:
        executor = MigrationExecutor(connection)
        wanted = [(app, None if name == "zero" else name) for app, name in targets]
        plan = executor.migration_plan(wanted or executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return None
    return f"{plan[0][0].app_label}.{plan[0][0].name}" if plan else None


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
