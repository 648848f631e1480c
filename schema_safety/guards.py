"""Guards for repair SQL: run the statements only where the database still has the drift.

A repair migration is committed once and applied to every database of the project, drifted or
not. So each group of statements is wrapped in a test of the catalog, in the backend's own SQL:
a ``DO`` block on PostgreSQL, a prepared statement on MySQL/MariaDB, ``IF NOT EXISTS`` on
SQLite (which has no conditional DDL beyond creating tables and indexes).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import guards_details

PG_SCHEMA = "table_schema = current_schema()"
MY_SCHEMA = "TABLE_SCHEMA = DATABASE()"
MY_FLAG = "@repair_drifted"
MY_SQL = "@repair_sql"
SQLITE_CREATES = ("CREATE TABLE ", "CREATE INDEX ", "CREATE UNIQUE INDEX ")


@dataclass(frozen=True)
class Probe:
    """Something the catalog may hold: ``present`` says which way the guard wants it."""

    what: str  # table | column | nullable | name | foreign_key | unique, or guards_details.WHATS
    table: str
    name: str = ""  # a column, an index or constraint name, or unique's columns: "a,b" sorted
    present: bool = True
    definition: str = ""  # what a *_differs probe compares with, as verify_schema printed it


def guard(vendor: str, probes: list[Probe], statements: list[str]) -> tuple[list[str], bool]:
    """The statements to write, and whether they are guarded (False: they run everywhere)."""
    if vendor == "postgresql":
        return [_postgresql(probes, statements)], True
    if vendor == "mysql":
        return _mysql(probes, statements), True
    return _sqlite(probes, statements)


def _literal(value: str) -> str:
    """A standard SQL string literal (PostgreSQL's standard_conforming_strings)."""
    return "'" + value.replace("'", "''") + "'"


def _my_literal(value: str) -> str:
    """A MySQL string literal: backslashes escape there."""
    return _literal(value.replace("\\", "\\\\"))


def _postgresql(probes: list[Probe], statements: list[str]) -> str:
    condition = " AND ".join(_polarity(p, _pg_exists(p)) for p in probes)
    body = "".join(f"        {statement};\n" for statement in statements)
    return f"DO $repair$\nBEGIN\n    IF {condition} THEN\n{body}    END IF;\nEND\n$repair$"


def _pg_exists(probe: Probe) -> str:
    if probe.what in guards_details.WHATS:
        return guards_details.postgresql(probe, _literal)
    table, name = _literal(probe.table), _literal(probe.name)
    columns = f"information_schema.columns WHERE {PG_SCHEMA} AND table_name = {table}"
    if probe.what == "table":
        tables = f"information_schema.tables WHERE {PG_SCHEMA} AND table_name = {table}"
        return f"EXISTS (SELECT 1 FROM {tables})"
    if probe.what == "column":
        return f"EXISTS (SELECT 1 FROM {columns} AND column_name = {name})"
    if probe.what == "nullable":
        return f"EXISTS (SELECT 1 FROM {columns} AND column_name = {name} AND is_nullable = 'YES')"
    if probe.what == "unique":
        columns = ", ".join(_literal(c) for c in probe.name.split(","))
        return (
            "EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = "
            f"to_regclass(quote_ident({table})) AND i.indisunique AND i.indpred IS NULL "
            'AND i.indexprs IS NULL AND ARRAY(SELECT a.attname::text COLLATE "C" '
            "FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid "
            f"AND a.attnum = ANY (i.indkey) ORDER BY 1) = ARRAY[{columns}]::text[])"
        )
    if probe.what == "foreign_key":
        return (
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_attribute a "
            "ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) "
            f"WHERE k.contype = 'f' AND k.conrelid = to_regclass(quote_ident({table})) "
            f"AND a.attname = {name})"
        )
    return (
        "EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        f"ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = {name}) "
        "OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_namespace n "
        f"ON n.oid = k.connamespace WHERE n.nspname = current_schema() AND k.conname = {name})"
    )


def _mysql(probes: list[Probe], statements: list[str]) -> list[str]:
    condition = " AND ".join(_polarity(p, _my_exists(p)) for p in probes)
    written = [f"SET {MY_FLAG} = (SELECT {condition})"]
    for statement in statements:
        written += [
            f"SET {MY_SQL} = IF({MY_FLAG}, {_my_literal(statement)}, 'DO 0')",
            f"PREPARE repair_statement FROM {MY_SQL}",
            "EXECUTE repair_statement",
            "DEALLOCATE PREPARE repair_statement",
        ]
    return written


def _my_exists(probe: Probe) -> str:
    if probe.what in guards_details.WHATS:
        return guards_details.mysql(probe, _my_literal)
    table, name = _my_literal(probe.table), _my_literal(probe.name)
    where = f"{MY_SCHEMA} AND TABLE_NAME = {table}"
    if probe.what == "table":
        return f"EXISTS (SELECT 1 FROM information_schema.TABLES WHERE {where})"
    if probe.what == "column":
        columns = f"information_schema.COLUMNS WHERE {where}"
        return f"EXISTS (SELECT 1 FROM {columns} AND COLUMN_NAME = {name})"
    if probe.what == "nullable":
        return (
            f"EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE {where} "
            f"AND COLUMN_NAME = {name} AND IS_NULLABLE = 'YES')"
        )
    if probe.what == "unique":
        return (
            f"EXISTS (SELECT 1 FROM information_schema.STATISTICS WHERE {where} "
            "AND NON_UNIQUE = 0 GROUP BY INDEX_NAME HAVING "
            f"GROUP_CONCAT(COLUMN_NAME ORDER BY COLUMN_NAME SEPARATOR ',') = {name})"
        )
    if probe.what == "foreign_key":
        return (
            f"EXISTS (SELECT 1 FROM information_schema.KEY_COLUMN_USAGE WHERE {where} "
            f"AND COLUMN_NAME = {name} AND REFERENCED_TABLE_NAME IS NOT NULL)"
        )
    return (
        f"(EXISTS (SELECT 1 FROM information_schema.STATISTICS WHERE {where} "
        f"AND INDEX_NAME = {name}) OR EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS "
        f"WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = {table} "
        f"AND CONSTRAINT_NAME = {name}))"
    )


def _polarity(probe: Probe, exists: str) -> str:
    return exists if probe.present else f"NOT ({exists})"


def _sqlite(probes: list[Probe], statements: list[str]) -> tuple[list[str], bool]:
    """IF NOT EXISTS where every statement creates what a probe wants absent; else unguarded."""
    creates_only = all(p.what in ("table", "name") and not p.present for p in probes)
    if not (creates_only and all(s.startswith(SQLITE_CREATES) for s in statements)):
        return statements, False
    guarded = []
    for statement in statements:
        prefix = next(p for p in SQLITE_CREATES if statement.startswith(p))
        guarded.append(f"{prefix}IF NOT EXISTS {statement.removeprefix(prefix)}")
    return guarded, True
