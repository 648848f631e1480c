"""Repairs of a column's drift made behind Django's back: an auto key that lost its identity
or AUTO_INCREMENT, a sequence set back, a database default no model declares (see
repairs_hidden.py)."""

from __future__ import annotations

from .guards import Probe
from .repairs import Repair


def _alter_column(connection, table: str, changes: str) -> str:
    editor = connection.schema_editor(collect_sql=True, atomic=False)
    return editor.sql_alter_column % {"table": editor.quote_name(table), "changes": changes}


def drop_default(connection, table: str, column: str) -> Repair:
    editor = connection.schema_editor(collect_sql=True, atomic=False)
    changes = editor.sql_alter_column_no_default % {"column": editor.quote_name(column)}
    statement = _alter_column(connection, table, changes)
    probe = Probe("default", table, column)
    return Repair(f"drop the database default of {table}.{column}", (statement,), (probe,))


def auto(connection, table: str, field) -> Repair:
    """The identity (PostgreSQL) or AUTO_INCREMENT (MySQL) Django creates for an auto key,
    its sequence set past the highest key."""
    editor = connection.schema_editor(collect_sql=True, atomic=False)
    quote, column = editor.quote_name, field.column
    if connection.vendor == "mysql":
        statements = (
            f"ALTER TABLE {quote(table)} MODIFY {quote(column)} "
            f"{field.db_type(connection)} NOT NULL",
        )
    else:
        no_default = editor.sql_alter_column_no_default % {"column": quote(column)}
        statements = (
            _alter_column(connection, table, no_default),
            editor.sql_add_identity % {"table": quote(table), "column": quote(column)},
            _setval(connection, table, column),
        )
    probe = Probe("auto", table, column, present=False)
    what = "AUTO_INCREMENT" if connection.vendor == "mysql" else "identity"
    return Repair(f"give {table}.{column} back its {what}", statements, (probe,))


def sequence(connection, table: str, column: str) -> Repair:
    probe = Probe("auto", table, column)
    statement = _setval(connection, table, column)
    return Repair(
        f"set the sequence of {table}.{column} past its highest value", (statement,), (probe,)
    )


def _setval(connection, table: str, column: str) -> str:
    """PL/pgSQL: the sequence past the highest key, never back (a value handed out stays so)."""
    quote = connection.ops.quote_name
    sequence = f"pg_get_serial_sequence({literal(quote(table))}, {literal(column)})"
    return (
        f"PERFORM setval({sequence}::regclass, greatest(max({quote(column)}), "
        f"pg_sequence_last_value({sequence}::regclass))) FROM {quote(table)}"
    )


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
