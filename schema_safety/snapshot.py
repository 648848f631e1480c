"""A canonical description of a live database: what two environments compare.

Everything is described by shape, never by name: constraint and index names are
generated (``content_asset_resource_id_5c1f3b2a_fk_resource_id``) and differ between
databases built the same way, so they are dropped. Lists are sorted, so identical
schemas give identical JSON.
"""

from __future__ import annotations

from django.db.migrations.recorder import MigrationRecorder

from .introspection import normalize_type, read_schema
from .schema import Index, Table


def snapshot(connection) -> dict:
    """``{"vendor", "tables": {name: {...}}, "views", "migrations": {app: [name, ...]}}``."""
    schema = read_schema(connection)
    return {
        "vendor": schema.vendor,
        "tables": {
            name: describe_table(schema.tables[name], connection) for name in sorted(schema.tables)
        },
        "views": sorted(schema.views),
        "migrations": applied_migrations(connection),
    }


def describe_table(table: Table, connection) -> dict:
    return {
        "columns": [
            {
                "name": column.name,
                "type": normalize_type(connection, column.type),
                "null": column.null,
                # As the database prints them; auto: fed by an identity/sequence/AUTO_INCREMENT.
                "default": column.default,
                "auto": column.auto,
                "collation": column.collation,
            }
            for column in sorted(table.columns.values(), key=lambda c: c.name)
        ],
        "primary_key": list(table.primary_key),
        "foreign_keys": _sorted(
            {
                "columns": list(fk.columns),
                "target_table": fk.target_table,
                "target_columns": list(fk.target_columns),
                "on_delete": fk.on_delete,
                "on_update": fk.on_update,
                "deferral": fk.deferral,
            }
            for fk in table.foreign_keys
        ),
        "indexes": _sorted(describe_index(index) for index in table.indexes if not index.primary),
        "checks": _sorted(
            {"columns": sorted(check.columns), "definition": check.printed}
            for check in table.checks
        ),
        "sequence_behind": _sequence_behind(table),
    }


def _sequence_behind(table: Table) -> bool:
    """The sequence of an auto key hands out a value at or below the highest key."""
    sequence = table.sequence
    if sequence is None or sequence.highest is None or sequence.next_value is None:
        return False
    return sequence.next_value <= sequence.highest


def describe_index(index: Index) -> dict:
    """An index or unique constraint by shape; expression parts are ``null`` columns."""
    return {
        "columns": list(index.columns),
        "orders": list(index.orders) or ["ASC"] * len(index.columns),
        "unique": index.unique,
        "partial": index.partial,
        "opclasses": [name for name in index.opclasses],
        "include": list(index.include),
        "method": index.method,
        "deferral": index.deferral,
        "definition": index.definition,  # partial and expression indexes: from USING on
    }


def applied_migrations(connection) -> dict[str, list[str]]:
    """The migrations the recorder holds as applied, by app, in name order."""
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _sorted(items) -> list[dict]:
    return sorted(items, key=lambda item: repr(sorted(item.items())))
