"""SQLite: the whole schema from sqlite_master and the pragma table functions."""

from __future__ import annotations

import re

from ..schema import Check, Column, ForeignKey, Index, Schema, Table

USER_OBJECTS = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"

MASTER = (
    "SELECT type, name, sql FROM sqlite_master m WHERE m.type IN ('table', 'view') "
    "AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
)

COLUMNS = f"""
SELECT m.name, p.name, p.type, NOT p."notnull", p.dflt_value IS NOT NULL OR p.hidden IN (2, 3),
       p.pk
FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p
WHERE {USER_OBJECTS} ORDER BY m.name, p.cid
"""

FOREIGN_KEYS = f"""
SELECT m.name, f.id, f."table", f."from", f."to"
FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
WHERE {USER_OBJECTS} ORDER BY m.name, f.id, f.seq
"""

INDEXES = f"""
SELECT m.name, l.name, l."unique", l.origin, l.partial, i.name, i."desc", i.cid,
       (SELECT sql FROM sqlite_master s WHERE s.type = 'index' AND s.name = l.name)
FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_xinfo(l.name) i
WHERE {USER_OBJECTS} AND i.key = 1 ORDER BY m.name, l.name, i.seqno
"""


def begin_read_only(cursor, *, lock_timeout_ms: int, statement_timeout_ms: int) -> None:
    # SQLite has no statement timeout; the busy timeout bounds waiting on a lock.
    cursor.execute(f"PRAGMA busy_timeout = {int(lock_timeout_ms)}")


def read(cursor) -> Schema:
    schema = Schema(vendor="sqlite")
    cursor.execute(MASTER)
    sources = {}
    for kind, name, sql in cursor.fetchall():
        if kind == "table":
            schema.tables[name] = Table(name)
            sources[name] = sql or ""
    schema.views = frozenset(_views(cursor))
    cursor.execute(COLUMNS)
    for table, name, type_, null, has_default, pk in cursor.fetchall():
        schema.tables[table].columns[name] = Column(name, type_, bool(null), bool(has_default))
        if pk:
            schema.tables[table].primary_key += (name,)
    _read_foreign_keys(cursor, schema)
    _read_indexes(cursor, schema)
    for name, table in schema.tables.items():
        table.checks = list(parse_checks(sources[name], set(table.columns)))
    schema.queries = 5
    return schema


def _views(cursor):
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'view'")
    return [name for (name,) in cursor.fetchall()]


def _read_foreign_keys(cursor, schema: Schema) -> None:
    cursor.execute(FOREIGN_KEYS)
    grouped: dict[tuple[str, int], list] = {}
    for table, key_id, target, column, target_column in cursor.fetchall():
        grouped.setdefault((table, key_id), [target, [], []])
        grouped[table, key_id][1].append(column)
        grouped[table, key_id][2].append(target_column)
    for (table, _), (target, columns, target_columns) in grouped.items():
        if None in target_columns:  # REFERENCES t with no column: the target's primary key
            pk = schema.tables[target].primary_key if target in schema.tables else ()
            target_columns = list(pk) or target_columns
        schema.tables[table].foreign_keys.append(
            ForeignKey(tuple(columns), target, tuple(target_columns))
        )


def _read_indexes(cursor, schema: Schema) -> None:
    cursor.execute(INDEXES)
    grouped: dict[tuple[str, str], dict] = {}
    for table, name, unique, origin, partial, column, desc, cid, sql in cursor.fetchall():
        entry = grouped.setdefault(
            (table, name),
            {
                "unique": bool(unique),
                "origin": origin,
                "partial": bool(partial),
                "sql": sql,
                "columns": [],
                "orders": [],
            },
        )
        entry["columns"].append(column if cid >= 0 else None)
        entry["orders"].append("DESC" if desc else "ASC")
    for (table, name), entry in grouped.items():
        schema.tables[table].indexes.append(
            Index(
                columns=tuple(entry["columns"]),
                unique=entry["unique"],
                name=None if entry["origin"] != "c" else name,
                orders=tuple(entry["orders"]),
                partial=entry["partial"],
                primary=entry["origin"] == "pk",
                definition=entry["sql"],
            )
        )
    for table in schema.tables.values():
        _add_rowid_primary_key(table)


def _add_rowid_primary_key(table: Table) -> None:
    """An INTEGER PRIMARY KEY is the rowid: no index row in the catalog, so add one."""
    if table.primary_key and not any(index.primary for index in table.indexes):
        table.indexes.append(Index(table.primary_key, unique=True, primary=True))


_TOKEN = re.compile(
    r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|\w+|[()]|[^\s\w()'"`\[]+""",
)


def parse_checks(sql: str, columns: set[str]):
    """CHECK clauses of a CREATE TABLE statement, with their name and columns."""
    tokens = _TOKEN.findall(sql)
    for at, token in enumerate(tokens):
        if token.upper() != "CHECK" or at + 1 >= len(tokens) or tokens[at + 1] != "(":
            continue
        body = _balanced(tokens, at + 1)
        name = None
        if at >= 2 and tokens[at - 2].upper() == "CONSTRAINT":
            name = _unquote(tokens[at - 1])
        used = frozenset(_unquote(t) for t in body if _unquote(t) in columns)
        yield Check(used, name, " ".join(body))


def _balanced(tokens: list[str], start: int) -> list[str]:
    depth = 0
    for end in range(start, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[end], 0)
        if depth == 0:
            return tokens[start + 1 : end]
    return tokens[start + 1 :]


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] + token[-1] in ('""', "``", "[]"):
        return token[1:-1].replace('""', '"')
    return token


def normalize_type(raw: str, connection=None) -> str:
    """Declared types compare as written, ignoring case and spacing."""
    return re.sub(r"\s*([(),])\s*", r"\1", " ".join(raw.lower().split()))
