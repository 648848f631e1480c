"""Critical relationships: named foreign keys that must hold, end to end.

``content.Asset.resource`` holds when the field exists on the model and is a
relation, its column exists, a foreign key constraint points at the target's
table and column, and no row points at a target that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist

from .problems import ERROR, Problem
from .schema import Schema


@dataclass(frozen=True)
class Outcome:
    relationship: str
    ok: bool
    message: str

    def as_json(self) -> dict:
        return {"relationship": self.relationship, "ok": self.ok, "message": self.message}


class BadSpec(ValueError):
    """A relationship name that is not app_label.Model.field."""


def resolve(spec: str, apps):
    """The model field a spec names; BadSpec with the reason otherwise."""
    parts = spec.split(".")
    if len(parts) != 3:
        raise BadSpec(f"{spec!r} is not app_label.Model.field")
    app_label, model_name, field_name = parts
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise BadSpec(f"{spec}: model {app_label}.{model_name} is not installed") from None
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        raise BadSpec(f"{spec}: {model_name} has no field {field_name!r}") from None
    if not (field.many_to_one or field.one_to_one) or not field.concrete:
        raise BadSpec(f"{spec}: {model_name}.{field_name} is not a foreign key")
    return field


def check(spec: str, apps, live: Schema, cursor, quote) -> Outcome:
    try:
        field = resolve(spec, apps)
    except BadSpec as error:
        return Outcome(spec, False, str(error))
    table, column = field.model._meta.db_table, field.column
    target = field.target_field
    target_table, target_column = target.model._meta.db_table, target.column
    live_table = live.tables.get(table)
    if live_table is None:
        return Outcome(spec, False, f"table {table} does not exist")
    if column not in live_table.columns:
        return Outcome(spec, False, f"column {table}.{column} does not exist")
    if target_table not in live.tables:
        return Outcome(spec, False, f"target table {target_table} does not exist")
    if field.db_constraint and not any(
        key.columns == (column,)
        and key.target_table == target_table
        and key.target_columns == (target_column,)
        and key.valid
        for key in live_table.foreign_keys
    ):
        return Outcome(
            spec, False, f"no valid foreign key {table}.{column} -> {target_table}({target_column})"
        )
    orphans = count_orphans(cursor, quote, table, column, target_table, target_column)
    if orphans:
        return Outcome(
            spec,
            False,
            f"{orphans} row(s) of {table} point at a missing {target_table} through {column}",
        )
    return Outcome(spec, True, f"{table}.{column} -> {target_table}({target_column}), no orphans")


def count_orphans(cursor, quote, table, column, target_table, target_column) -> int:
    """Rows whose key has no target: a count, never the rows themselves."""
    cursor.execute(
        f"SELECT COUNT(*) FROM {quote(table)} c WHERE c.{quote(column)} IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {quote(target_table)} t "
        f"WHERE t.{quote(target_column)} = c.{quote(column)})"
    )
    return cursor.fetchone()[0]


def as_problem(outcome: Outcome, apps) -> Problem:
    parts = outcome.relationship.split(".")
    app, model, table = (parts[0], parts[1], None) if len(parts) == 3 else (None, None, None)
    column = None
    try:
        field = resolve(outcome.relationship, apps)
        table, column = field.model._meta.db_table, field.column
    except BadSpec:
        pass
    return Problem(
        "critical_relationship",
        ERROR,
        table or outcome.relationship,
        f"critical relationship {outcome.relationship} does not hold: {outcome.message}",
        app=app,
        model=model,
        column=column,
    )
