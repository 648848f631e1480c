"""Which migration operations hurt a live database, and why, in short human phrases."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import router
from django.db.migrations import operations as ops
from django.db.models import NOT_PROVIDED, CheckConstraint

from .model import INDEX_ROWS, Operation, Risk
from .state import Context, db_type, named
from .tables import renamed, touched

RENAMES = "renames what the running code still reads"
IRREVERSIBLE = "irreversible data migration"
DROPS = (ops.RemoveField, ops.DeleteModel)  # reversible by Django, but not their data
REWRITING_VENDORS = {"postgresql", "mysql"}
VARCHAR = re.compile(r"^(?:varchar|character varying)(?:\((\d+)\))?$")


def inspect(operation, ctx: Context) -> Operation:
    """Describe ``operation`` as it would run forwards from ``ctx.state``."""
    if isinstance(operation, ops.SeparateDatabaseAndState):
        return _separate(operation, ctx)
    tables = touched(operation, ctx)
    risks = _rule(operation)(operation, ctx) if _in_database(operation, ctx) else []
    # A table this plan creates is empty and unread by the running code: nothing to lose.
    risks = [risk for risk in risks if risk.table is None or risk.table not in ctx.created]
    _track_created(operation, tables, ctx)
    # Reversing a drop brings the column or table back empty: its data is only in the backup.
    drops_data = isinstance(operation, DROPS) and bool(risks)
    reversible = operation.reversible and not drops_data
    return Operation(type(operation).__name__, operation.describe(), reversible, risks, tables)


def backwards(operation, ctx: Context) -> Operation:
    """Describe ``operation`` as ``migrate`` would unapply it: always a danger."""
    found = inspect(operation, ctx)
    risks = [Risk(f"migrates backwards: undoes {found.description.lower()}")]
    if not operation.reversible:
        risks.append(Risk("cannot be reversed: migrate will fail"))
    elif not found.reversible:
        risks.append(Risk("brings it back empty: its data is only in the backup"))
    found.risks = risks
    return found


def _track_created(operation, tables: list[str], ctx: Context) -> None:
    creates = isinstance(operation, ops.CreateModel)
    creates = creates or (isinstance(operation, ops.AddField) and operation.field.many_to_many)
    renames = isinstance(operation, ops.RenameModel | ops.AlterModelTable)
    if creates or (renames and tables and tables[0] in ctx.created):
        ctx.created.update(tables)


def _separate(operation, ctx: Context) -> Operation:
    inner = Context(ctx.app_label, ctx.state.clone(), ctx.connection, ctx.created)
    found = []
    for database_operation in operation.database_operations:
        found.append(inspect(database_operation, inner))
        database_operation.state_forwards(ctx.app_label, inner.state)
    tables = sorted({table for item in found for table in item.tables})
    return Operation(
        type(operation).__name__,
        operation.describe(),
        all(item.reversible for item in found),
        [risk for item in found for risk in item.risks],
        tables,
    )


def _in_database(operation, ctx: Context) -> bool:
    if isinstance(operation, ops.RunPython | ops.RunSQL):
        return router.allow_migrate(ctx.connection.alias, ctx.app_label, **operation.hints)
    model = getattr(operation, "model_name_lower", None) or getattr(operation, "name_lower", None)
    return model is None or ctx.in_database(model)


def _rule(operation) -> Callable[..., list[Risk]]:
    for cls in type(operation).__mro__:
        if cls in RULES:
            return RULES[cls]
    return lambda operation, ctx: []


def _add_field(operation, ctx: Context) -> list[Risk]:
    field = named(operation.field, operation.name)
    table = ctx.table(operation.model_name_lower)
    if field.many_to_many or field.null:
        return []
    if field.has_default() or field.db_default is not NOT_PROVIDED:
        return []
    if getattr(field, "generated", False):
        return []
    reason = f"adds NOT NULL column {field.column} without a default: fails on a table with rows"
    return [Risk(f"{reason}, locks {table}", table)]


def _remove_field(operation, ctx: Context) -> list[Risk]:
    field = ctx.field(operation.model_name_lower, operation.name)
    table = ctx.table(operation.model_name_lower)
    if field is None:
        return []
    if field.many_to_many:
        m2m = ctx.m2m_table(operation.model_name_lower, field)
        return [Risk(f"drops table {m2m}", m2m)] if m2m else []
    return [Risk(f"drops column {field.column} of table {table}", table)]


def _alter_field(operation, ctx: Context) -> list[Risk]:
    old = ctx.field(operation.model_name_lower, operation.name)
    if old is None or old.many_to_many:
        return []
    new = named(operation.field, operation.name)
    table = ctx.table(operation.model_name_lower)
    risks = []
    if old.column != new.column:
        risks.append(Risk(f"renames column {old.column} of {table}: {RENAMES}", table))
    old_type, new_type = db_type(old, ctx.connection), db_type(new, ctx.connection)
    if ctx.vendor in REWRITING_VENDORS and old_type and new_type and rewrites(old_type, new_type):
        detail = f"column {new.column} changes from {old_type} to {new_type}"
        risks.append(Risk(f"rewrites table {table} ({detail})", table))
    if old.null and not new.null:
        reason = f"adds NOT NULL on {new.column}: scans {table} under an exclusive lock"
        risks.append(Risk(reason, table))
    return risks


def rewrites(old: str, new: str) -> bool:
    """Simple rule: a type change rewrites, except widening a varchar or varchar -> text."""
    if old == new:
        return False
    was = VARCHAR.match(old)
    if was and new == "text":
        return False
    now = VARCHAR.match(new)
    if not (was and now):
        return True
    if now.group(1) is None:
        return False
    return was.group(1) is None or int(now.group(1)) < int(was.group(1))


def _rename_field(operation, ctx: Context) -> list[Risk]:
    old = ctx.field(operation.model_name_lower, operation.old_name)
    if old is None:
        return []
    new = named(old, operation.new_name)
    table = ctx.table(operation.model_name_lower)
    if old.column == new.column:
        return []
    return [Risk(f"renames column {old.column} of {table} to {new.column}: {RENAMES}", table)]


def _renamed_table(operation, ctx: Context) -> list[Risk]:
    old, new = renamed(operation, ctx)
    if old is None or old == new:
        return []
    return [Risk(f"renames table {old} to {new}: {RENAMES}", old)]


def _delete_model(operation, ctx: Context) -> list[Risk]:
    table = ctx.table(operation.name_lower)
    return [Risk(f"drops table {table}", table)] if table else []


def _add_index(operation, ctx: Context) -> list[Risk]:
    table = ctx.table(operation.model_name_lower)
    online = type(operation).__name__.endswith(("Concurrently", "NotValid"))
    if ctx.vendor != "postgresql" or online:
        return []
    if isinstance(getattr(operation, "constraint", None), CheckConstraint):
        reason = f"validates every row of {table}, blocking writes"
    else:
        reason = f"builds an index on {table}, blocking writes"
    return [Risk(reason, table, min_rows=INDEX_ROWS)]


def _run_code(operation, ctx: Context) -> list[Risk]:
    return [] if operation.reversible else [Risk(IRREVERSIBLE)]


RULES: dict[type, Callable[..., list[Risk]]] = {
    ops.AddField: _add_field,
    ops.RemoveField: _remove_field,
    ops.AlterField: _alter_field,
    ops.RenameField: _rename_field,
    ops.RenameModel: _renamed_table,
    ops.AlterModelTable: _renamed_table,
    ops.DeleteModel: _delete_model,
    ops.AddIndex: _add_index,
    ops.AddConstraint: _add_index,
    ops.RunPython: _run_code,
    ops.RunSQL: _run_code,
}
