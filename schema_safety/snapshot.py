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
            }
            for column in sorted(table.columns.values(), key=lambda c: c.name)
        ],
        "primary_key": list(table.primary_key),
        "foreign_keys": _sorted(
            {
                "columns": list(fk.columns),
                "target_table": fk.target_table,
                "target_columns": list(fk.target_columns),
            }
            for fk in table.foreign_keys
        ),
        "indexes": _sorted(describe_index(index) for index in table.indexes if not index.primary),
        "checks": _sorted({"columns": sorted(check.columns)} for check in table.checks),
    }


def describe_index(index: Index) -> dict:
    """An index or unique constraint by shape; expression parts are ``null`` columns."""
    return {
        "columns": list(index.columns),
        "orders": list(index.orders) or ["ASC"] * len(index.columns),
        "unique": index.unique,
        "partial": index.partial,
        "opclasses": [name for name in index.opclasses],
        "include": list(index.include),
    }


def applied_migrations(connection) -> dict[str, list[str]]:
    """The migrations the recorder holds as applied, by app, in name order."""
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _sorted(items) -> list[dict]:
    return sorted(items, key=lambda item: repr(sorted(item.items())))
