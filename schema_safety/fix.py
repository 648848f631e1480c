"""verify_schema --fix: write the migrations that repair the drift. Never touches the database.

First the migrations makemigrations would write for models changed without
one; then, per app whose history lies (migrations recorded as applied, schema
absent), one repair migration of ``RepairModel`` operations, which check the
live schema when applied and leave the migration state as it is.
"""

from __future__ import annotations

import os
from io import StringIO

from django.core.management import call_command
from django.db.migrations import Migration
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.writer import MigrationWriter

from .operations import REPAIRABLE, RepairModel
from .problems import Problem

HISTORY_LIES = "History lies"


def write_fixes(connection, app_configs, result, *, dry_run: bool):
    """Yield one line per migration written (or that would be written)."""
    labels = [config.label for config in app_configs]
    yield from _missing_migrations(labels, dry_run)
    repairs = _repairs_by_app(result.problems)
    if not repairs:
        return
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for app_label, models in sorted(repairs.items()):
        if app_label not in loader.migrated_apps:
            yield f"{app_label}: no migrations module; cannot write a repair migration\n"
            continue
        yield _write_repair(loader, app_label, models, dry_run)
    for problem in result.problems:
        if problem.kind == "type_mismatch" and HISTORY_LIES in (problem.hint or ""):
            yield (
                f"not repaired: {problem.message}; write an AlterField/RunSQL migration "
                f"by hand (changing a type may rewrite the table)\n"
            )


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


def _repairs_by_app(problems: list[Problem]) -> dict[str, dict[str, dict[str, str]]]:
    """app -> model -> renames, for problems whose story is "history lies"."""
    repairs: dict[str, dict[str, dict[str, str]]] = {}
    for problem in problems:
        story = problem.hint or ""
        if problem.kind not in REPAIRABLE or HISTORY_LIES not in story or not problem.app:
            continue
        renames = repairs.setdefault(problem.app, {}).setdefault(problem.model, {})
        old = _renamed_from(problem, problems)
        if old:
            renames[old] = problem.column
    return repairs


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


def _write_repair(loader, app_label: str, models: dict[str, dict[str, str]], dry_run: bool):
    leaves = loader.graph.leaf_nodes(app_label)
    number = max((MigrationAutodetector.parse_number(name) or 0) for _, name in leaves) + 1
    migration = Migration(f"{number:04d}_schema_safety_repair", app_label)
    migration.dependencies = list(leaves)
    migration.operations = [
        RepairModel(model, renames=renames or None) for model, renames in sorted(models.items())
    ]
    writer = MigrationWriter(migration)
    if not dry_run:
        os.makedirs(os.path.dirname(writer.path), exist_ok=True)
        with open(writer.path, "w", encoding="utf-8") as handle:
            handle.write(writer.as_string())
    prefix = "would write" if dry_run else "wrote"
    models_text = ", ".join(sorted(models))
    return f"{prefix}: {writer.path} (repair of {models_text}; applies only where drifted)\n"
