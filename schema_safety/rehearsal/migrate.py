"""The pending migrations applied to the scratch database, one failure at a time.

A data migration (RunPython) meets empty tables there. When its code raises anything but a
database error about the schema (``ProgrammingError``, ``OperationalError``: a missing table
or column), the copied tables' missing rows are the likely cause: the migration is reported
"not rehearsed: needs rows", applied again with its RunPython skipped (its schema operations
still run), and the rehearsal goes on.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import OperationalError, ProgrammingError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations.special import RunPython

from ..plan import phases

SCHEMA_ERRORS = (ProgrammingError, OperationalError)


class InRunPython(Exception):
    """A RunPython function raised ``__cause__``."""


@dataclass
class Applied:
    rehearsed: list[str] = field(default_factory=list)
    needs_rows: dict[str, str] = field(default_factory=dict)  # migration -> what it raised
    failed: tuple[str, str] | None = None  # (migration, error): it would fail live too
    # (migration, error): applied again without its RunPython, it failed on what its first try
    # left (MySQL cannot roll DDL back): the migrations from there on are not rehearsed
    unfinished: tuple[str, str] | None = None
    deferred: bool = False  # post-deploy migrations were left for the second phase

    def as_json(self) -> list[dict]:
        steps = [{"migration": m, "outcome": "rehearsed"} for m in self.rehearsed]
        steps += [
            {"migration": m, "outcome": "needs_rows", "detail": d}
            for m, d in self.needs_rows.items()
        ]
        return steps


def apply_pending(connection, applied: Applied, before_go_live: bool = False) -> Applied:
    """Migrate ``connection`` (the scratch database) to the project's leaf migrations, or
    ``before_go_live``: all but the post-deploy ones (``schema_safety.plan.phases``)."""
    current = {}

    def progress(action, migration=None, fake=False):
        if action == "apply_start":
            current["migration"] = f"{migration.app_label}.{migration.name}"
        elif action == "apply_success" and current["migration"] not in applied.needs_rows:
            applied.rehearsed.append(current["migration"])

    while True:
        executor = MigrationExecutor(connection, progress)
        targets = executor.loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        if before_go_live:
            later = phases.post_deploy(executor.loader, [(m.app_label, m.name) for m, _ in plan])
            plan = [(m, back) for m, back in plan if (m.app_label, m.name) not in later]
            applied.deferred = bool(later)
        if not plan:
            return applied
        try:
            with python_skipped(applied.needs_rows, current):
                executor.migrate(targets, plan=plan)
            return applied
        except Exception as error:  # noqa: BLE001 - every failure is reported, none raised
            where = current.get("migration", "?")
            cause = error.__cause__ if isinstance(error, InRunPython) else None
            data = cause is not None and not isinstance(cause, SCHEMA_ERRORS)
            if data and where not in applied.needs_rows:
                applied.needs_rows[where] = f"RunPython raised {described(cause)}"
                continue
            if where in applied.needs_rows:
                applied.unfinished = (where, described(cause or error))
            else:
                applied.failed = (where, described(cause or error))
            return applied


@contextmanager
def python_skipped(skipped: dict[str, str], current: dict):
    """RunPython runs, its exceptions marked; in a migration of ``skipped``, it is a no-op."""
    original = RunPython.database_forwards

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if current.get("migration") in skipped:
            return None
        try:
            return original(self, app_label, schema_editor, from_state, to_state)
        except Exception as error:
            raise InRunPython() from error

    RunPython.database_forwards = database_forwards
    try:
        yield
    finally:
        RunPython.database_forwards = original


def described(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
