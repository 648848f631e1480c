"""verify_schema --fix: write the migrations that repair the drift. Never touches the database.

First the migrations makemigrations would write for models changed without one; then, per app
whose history lies (migrations recorded as applied, schema absent), one repair migration of
plain ``RunSQL`` operations: Django's own DDL for the migration state, each guarded by a test
of the catalog (guards.py) so it changes nothing where the schema already matches. RunSQL
never moves the migration state, and reversing it leaves the repaired schema, which is what
the state said all along. The migration needs nothing but Django. Drift made behind Django's
back (a sequence, an identity, a default, a check, index or foreign key printed otherwise) is
repaired in the same migration (repairs_hidden.py), or declined with a note.
"""

from __future__ import annotations

import os
from io import StringIO

from django.core.management import call_command
from django.db import migrations
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.writer import MigrationWriter

from . import repairs, repairs_hidden
from .guards import guard
from .problems import Problem

HISTORY_LIES = "History lies"
HEADER = """
# Written by `manage.py verify_schema --fix`: repairs where the database drifted from its
# migrations ({what}). {how}
"""
GUARDED = """Each RunSQL first reads the catalog and alters only what
# drifted, so it changes nothing elsewhere. It never moves the migration state, and reversing
# it keeps the repaired schema (the state never said the drift existed)."""
UNGUARDED = """SQLite cannot test its schema before altering it: apply
# this migration to the database it was written from only (reversing it brings the drift back)."""


def write_fixes(connection, app_configs, result, *, dry_run: bool):
    """Yield one line per migration written (or that would be written), or not repaired."""
    labels = [config.label for config in app_configs]
    yield from _missing_migrations(labels, dry_run)
    drift = _drift_by_app(result.problems)
    if drift:
        yield from _repairs(connection, drift, result.problems, dry_run)
    for problem in result.problems:
        if problem.kind == "type_mismatch" and HISTORY_LIES in (problem.hint or ""):
            yield (
                f"not repaired: {problem.message}; write an AlterField/RunSQL migration "
                f"by hand (changing a type may rewrite the table)\n"
            )


def _repairs(connection, drift, problems: list[Problem], dry_run: bool):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    state_apps = loader.project_state().apps
    for app_label, models in sorted(drift.items()):
        if app_label not in loader.migrated_apps:
            yield f"{app_label}: no migrations module; cannot write a repair migration\n"
            continue
        found = {
            state_apps.get_model(app_label, name): drifted
            for name, drifted in sorted(models.items())
        }
        planned, notes = _planned(connection, found, problems)
        yield from notes
        if planned:
            operations = [operation for operation, _, _ in planned]
            guarded = all(ok for _, ok, _ in planned)
            yield _write(loader, app_label, sorted(models), operations, guarded, dry_run)
            yield from (f"  - {description}\n" for _, _, description in planned)


def _planned(connection, found, problems: list[Problem]):
    """(RunSQL, guarded, description) per repair of the drifted models, and what is not repaired."""
    planned, notes = [], []
    for model, drifted in found.items():
        hidden = [p for p in drifted if repairs_hidden.wanted(p)]
        classic = [p for p in drifted if not repairs_hidden.wanted(p)]
        renames = _renames(classic, problems)
        model_repairs, model_notes = repairs.for_model(connection, model, classic, renames)
        hidden_repairs, hidden_notes = repairs_hidden.for_model(connection, model, hidden)
        notes += model_notes + hidden_notes
        for repair in model_repairs + hidden_repairs:
            operation, guarded = _run_sql(connection, model, repair)
            planned.append((operation, guarded, repair.description))
    return planned, notes


def _run_sql(connection, model, repair: repairs.Repair):
    """The repair as a RunSQL, and whether it is guarded.

    Guarded, reversing keeps the repair (the state never said the drift existed); unguarded,
    reversing brings the drift back, so that applying it again works.
    """
    sql, guarded = guard(connection.vendor, list(repair.probes), list(repair.statements))
    undo = migrations.RunSQL.noop if guarded else list(repair.undo)
    hints = {"model_name": model._meta.model_name}
    return migrations.RunSQL(sql, undo, hints=hints), guarded


def _missing_migrations(labels, dry_run: bool):
    out = StringIO()
    call_command("makemigrations", *labels, dry_run=dry_run, stdout=out, verbosity=1)
    text = out.getvalue()
    if "No changes detected" in text:
        return
    prefix = "would write" if dry_run else "wrote"
    for line in text.splitlines():
        if line.strip().endswith(".py") or line.strip().startswith("-"):
            yield f"{prefix}: {line.strip()}\n"


def _drift_by_app(problems: list[Problem]) -> dict[str, dict[str, list[Problem]]]:
    """app -> model -> the problems a repair can fix: those whose story is "history lies",
    and those made behind Django's back (repaired, or declined with a note)."""
    drift: dict[str, dict[str, list[Problem]]] = {}
    for problem in problems:
        lies = problem.kind in repairs.REPAIRABLE and HISTORY_LIES in (problem.hint or "")
        if (lies or repairs_hidden.wanted(problem)) and problem.app:
            drift.setdefault(problem.app, {}).setdefault(problem.model, []).append(problem)
    return drift


def _renames(model_problems: list[Problem], problems: list[Problem]) -> dict[str, str]:
    """old column -> column the model expects, where the old one is a likely rename."""
    renames = {}
    for problem in model_problems:
        old = _renamed_from(problem, problems)
        if old:
            renames[old] = problem.column
    return renames


def _renamed_from(problem: Problem, problems: list[Problem]) -> str | None:
    if problem.kind != "missing_column":
        return None
    for other in problems:
        if (
            other.kind == "extra_column"
            and other.table == problem.table
            and f"old name of {problem.table}.{problem.column}." in (other.hint or "")
        ):
            return other.column
    return None


def _write(loader, app_label: str, models: list[str], operations, guarded: bool, dry_run: bool):
    leaves = loader.graph.leaf_nodes(app_label)
    number = max((MigrationAutodetector.parse_number(name) or 0) for _, name in leaves) + 1
    migration = migrations.Migration(f"{number:04d}_schema_safety_repair", app_label)
    migration.dependencies = list(leaves)
    migration.operations = operations
    writer = MigrationWriter(migration)
    what = ", ".join(models)
    if not dry_run:
        os.makedirs(os.path.dirname(writer.path), exist_ok=True)
        with open(writer.path, "w", encoding="utf-8") as handle:
            handle.write(_with_header(writer.as_string(), what, guarded))
    prefix = "would write" if dry_run else "wrote"
    where = "applies only where drifted" if guarded else "for this database only (SQLite)"
    return f"{prefix}: {writer.path} (repair of {what}; {where})\n"


def _with_header(text: str, what: str, guarded: bool) -> str:
    first, _, rest = text.partition("\n")
    header = HEADER.format(what=what, how=GUARDED if guarded else UNGUARDED)
    return first + header + rest
