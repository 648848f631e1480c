"""Size estimates of tables, read from the catalog: never a scan of a user table."""

from __future__ import annotations

from collections.abc import Callable, Sequence

Size = dict  # {"rows": int | None, "bytes": int | None}

POSTGRESQL = """
SELECT t.name, c.reltuples::bigint, pg_total_relation_size(c.oid)
FROM unnest(%s::text[]) AS t(name)
JOIN pg_class c ON c.oid = to_regclass(quote_ident(t.name))
"""
MYSQL = """
SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({placeholders})
"""
SQLITE_HAS_STATS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
SQLITE = "SELECT tbl, stat FROM sqlite_stat1 WHERE tbl IN ({placeholders})"


def estimate(cursor, vendor: str, tables: Sequence[str]) -> dict[str, Size]:
    """Rows and bytes of each table, as the server estimates them; None where unknown.

    PostgreSQL: ``reltuples`` (None before the first ANALYZE) and ``pg_total_relation_size``;
    MySQL: ``information_schema.TABLES``; SQLite: ``sqlite_stat1`` rows when ANALYZE ran.
    """
    if not tables:
        return {}
    found = READERS.get(vendor, _nothing)(cursor, list(tables))
    return {table: found.get(table, {"rows": None, "bytes": None}) for table in sorted(tables)}


def _postgresql(cursor, tables: list[str]) -> dict[str, Size]:
    cursor.execute(POSTGRESQL, [tables])
    return {
        name: {"rows": rows if rows >= 0 else None, "bytes": size}
        for name, rows, size in cursor.fetchall()
    }


def _mysql(cursor, tables: list[str]) -> dict[str, Size]:
    cursor.execute(MYSQL.format(placeholders=_placeholders(tables)), tables)
    return {
        name: {"rows": _int(rows), "bytes": _int(size)} for name, rows, size in cursor.fetchall()
    }


def _sqlite(cursor, tables: list[str]) -> dict[str, Size]:
    cursor.execute(SQLITE_HAS_STATS)
    if cursor.fetchone() is None:
        return {}
    cursor.execute(SQLITE.format(placeholders=_placeholders(tables)), tables)
    found: dict[str, Size] = {}
    for name, stat in cursor.fetchall():
        rows = int(str(stat).split()[0])
        previous = found.get(name, {"rows": 0})["rows"]
        found[name] = {"rows": max(rows, previous), "bytes": None}
    return found


def _nothing(cursor, tables: list[str]) -> dict[str, Size]:
    return {}


def _placeholders(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def _int(value) -> int | None:
    return None if value is None else int(value)


READERS: dict[str, Callable[..., dict[str, Size]]] = {
    "postgresql": _postgresql,
    "mysql": _mysql,
    "sqlite": _sqlite,
}
