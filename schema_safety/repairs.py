"""What a repair migration runs, per drifted model: Django's own DDL, and when to run it.

The SQL is what Django's schema editor would run for the migration state's model (collected,
not executed); each group comes with the probes that tell, when the migration is applied,
whether that database has the drift (guards.py turns them into SQL).
"""

from __future__ import annotations

from dataclasses import dataclass

from .guards import Probe
from .problems import Problem

REPAIRABLE = (
    "missing_table",
    "missing_column",
    "null_mismatch",
    "missing_foreign_key",
    "missing_unique",
    "missing_index",
    "missing_check",
)


@dataclass(frozen=True)
class Repair:
    """Statements that repair one problem, the probes that say the drift is there, and the
    statements that bring the drift back (for a backend that cannot test before it alters)."""

    description: str
    statements: tuple[str, ...]
    probes: tuple[Probe, ...]
    undo: tuple[str, ...] = ()


def for_model(connection, model, problems: list[Problem], renames: dict[str, str]):
    """The repairs of ``model`` (a migration-state model), and notes on what is not repaired."""
    table = model._meta.db_table
    repairs = [_rename(connection, table, old, new) for old, new in sorted(renames.items())]
    notes = []
    order = {kind: i for i, kind in enumerate(REPAIRABLE)}
    for problem in sorted(problems, key=lambda p: order[p.kind]):
        if problem.kind == "missing_column" and problem.column in renames.values():
            continue
        repair = _repair(connection, model, problem)
        if repair is None:
            notes.append(f"not repaired: {problem.message}; write a migration by hand\n")
        else:
            repairs.append(repair)
    return repairs, notes


def _rename(connection, table: str, old: str, new: str) -> Repair:
    return Repair(
        f"rename {table}.{old} back to {new}, keeping its data",
        (_rename_sql(connection, table, old, new),),
        (Probe("column", table, old), Probe("column", table, new, present=False)),
        (_rename_sql(connection, table, new, old),),
    )


def _rename_sql(connection, table: str, old: str, new: str) -> str:
    editor = connection.schema_editor(collect_sql=True, atomic=False)
    return editor.sql_rename_column % {
        "table": editor.quote_name(table),
        "old_column": editor.quote_name(old),
        "new_column": editor.quote_name(new),
    }


def _repair(connection, model, problem: Problem) -> Repair | None:
    meta = model._meta
    table, field = meta.db_table, _field_for(meta, problem.column)
    if problem.kind == "missing_table":
        run = collect(connection, lambda editor: editor.create_model(model))
        undo = collect(connection, lambda editor: editor.delete_model(model))
        probe = Probe("table", table, present=False)
        return Repair(f"create table {table}", run, (probe,), undo)
    if field is None and problem.kind in ("missing_column", "null_mismatch", "missing_foreign_key"):
        return None
    if problem.kind == "missing_column":
        run = collect(connection, lambda editor: editor.add_field(model, field))
        undo = collect(connection, lambda editor: editor.remove_field(model, field))
        probe = Probe("column", table, field.column, present=False)
        return Repair(f"add column {table}.{field.column}", run, (probe,), undo)
    if problem.kind == "null_mismatch":
        return _nullability(connection, model, field)
    if problem.kind == "missing_foreign_key":
        return _foreign_key(connection, model, field)
    return _named(connection, model, problem)


def _nullability(connection, model, field) -> Repair:
    old = field.clone()
    old.null = not field.null
    old.set_attributes_from_name(field.name)
    old.model = model
    run = collect(connection, lambda editor: editor.alter_field(model, old, field, strict=False))
    undo = collect(connection, lambda editor: editor.alter_field(model, field, old, strict=False))
    table = model._meta.db_table
    probe = Probe("nullable", table, field.column, present=not field.null)
    null = "NULL" if field.null else "NOT NULL"
    return Repair(f"make {table}.{field.column} {null}", run, (probe,), undo)


def _foreign_key(connection, model, field) -> Repair | None:
    if connection.vendor == "sqlite":
        return None  # SQLite cannot add a foreign key to an existing table
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        sql = str(editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s"))
    table = model._meta.db_table
    probe = Probe("foreign_key", table, field.column, present=False)
    return Repair(f"add the foreign key of {table}.{field.column}", (sql,), (probe,))


def _named(connection, model, problem: Problem) -> Repair | None:
    """An index, unique or check constraint of the model's Meta, or a field's unique or index."""
    meta = model._meta
    name = (problem.expected or "").split(" ")[0]
    index = next((i for i in meta.indexes if i.name == name), None)
    if index is not None:
        run = collect(connection, lambda editor: editor.add_index(model, index))
        undo = collect(connection, lambda editor: editor.remove_index(model, index))
        return _creates(meta.db_table, index.name, run, undo)
    constraint = next((c for c in meta.constraints if c.name == name), None)
    if constraint is not None:
        run = collect(connection, lambda editor: editor.add_constraint(model, constraint))
        undo = collect(connection, lambda editor: editor.remove_constraint(model, constraint))
        return _creates(meta.db_table, constraint.name, run, undo)
    columns = [c.strip() for c in (problem.column or "").split(",")]
    fields = [f for f in (_field_for(meta, c) for c in columns) if f is not None]
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        statement = _field_statement(editor, model, problem.kind, fields)
    if statement is None:
        return None
    name = str(statement.parts["name"]).strip('"`')
    undo = (f"DROP INDEX {connection.ops.quote_name(name)}",)  # run where unguarded: SQLite
    if problem.kind != "missing_unique":
        return _creates(meta.db_table, name, (str(statement),), undo)
    # Unique by what it covers: its name depends on how it was made (inline, or added later).
    covers = ",".join(sorted(field.column for field in fields))
    probe = Probe("unique", meta.db_table, covers, present=False)
    return Repair(f"create {name} on {meta.db_table}", (str(statement),), (probe,), undo)


def _field_statement(editor, model, kind: str, fields: list):
    """A field's unique or index. Not a field's check (``>= 0``): the database named it when
    the table was created, so no guard could tell it is there, and it is left to a note."""
    if kind == "missing_unique" and fields:
        return editor._create_unique_sql(model, fields)
    if kind == "missing_index" and fields:
        return editor._create_index_sql(model, fields=fields)
    return None


def _creates(table: str, name: str, statements, undo=()) -> Repair:
    probe = Probe("name", table, name, present=False)
    return Repair(f"create {name} on {table}", tuple(statements), (probe,), tuple(undo))


def collect(connection, action) -> tuple[str, ...]:
    """The statements Django's schema editor would run for ``action``, without running them."""
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        action(editor)
    return tuple(sql.strip().removesuffix(";") for sql in editor.collected_sql)


def _field_for(meta, column: str | None):
    for field in meta.local_concrete_fields:
        if field.column == column:
            return field
    return None
