"""PostgreSQL: the whole schema in four catalog queries.

Tables are those visible through the connection's ``search_path`` (as Django
sees them); nothing is read from a user table.
"""

from __future__ import annotations

import re

from ..schema import Check, Column, ForeignKey, Index, Schema, Table

VISIBLE = """
    c.relnamespace NOT IN (
        SELECT oid FROM pg_namespace
        WHERE nspname IN ('pg_catalog', 'information_schema') OR left(nspname, 8) = 'pg_toast'
    )
    AND pg_table_is_visible(c.oid)
    AND NOT c.relispartition
"""

TABLES = f"""
SELECT c.relname, c.relkind IN ('r', 'p', 'f') FROM pg_class c
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {VISIBLE}
"""

COLUMNS = f"""
SELECT c.oid, a.attnum, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull, a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND {VISIBLE}
ORDER BY c.relname, a.attnum
"""

# Column numbers come back as arrays and are named from COLUMNS in Python: per-row
# subqueries and pg_get_indexdef() cost ten times more on a thousand tables.
CONSTRAINTS = f"""
SELECT con.conrelid, con.conname, con.contype, con.convalidated, con.conkey,
       con.confrelid, f.relname, con.confkey,
       CASE WHEN con.contype = 'c' THEN pg_get_constraintdef(con.oid) END
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_class f ON f.oid = con.confrelid
WHERE con.contype IN ('f', 'c') AND {VISIBLE}
"""

INDEXES = f"""
SELECT x.indrelid, i.relname, x.indisunique, x.indisprimary, x.indisvalid AND x.indisready,
       x.indpred IS NOT NULL, x.indkey::int2[], x.indnkeyatts, x.indoption::int2[],
       x.indclass::oid[]
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE {VISIBLE}
"""

OPCLASSES = "SELECT oid, opcname FROM pg_opclass WHERE NOT opcdefault"

# Foreign keys to tables outside the search_path: their column names, read only when needed.
OTHER_COLUMNS = "SELECT attrelid, attnum, attname FROM pg_attribute WHERE attrelid = ANY(%s)"


def begin_read_only(cursor, *, lock_timeout_ms: int, statement_timeout_ms: int) -> None:
    cursor.execute(
        "SET TRANSACTION READ ONLY; "
        f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}; "
        f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}"
    )


def read(cursor) -> Schema:
    schema = Schema(vendor="postgresql")
    cursor.execute(TABLES)
    views = set()
    for name, is_table in cursor.fetchall():
        if is_table:
            schema.tables[name] = Table(name)
        else:
            views.add(name)
    schema.views = frozenset(views)
    names, tables = _read_columns(cursor, schema)
    cursor.execute(CONSTRAINTS)
    constraints = cursor.fetchall()
    cursor.execute(INDEXES)
    indexes = cursor.fetchall()
    cursor.execute(OPCLASSES)
    opclasses = dict(cursor.fetchall())
    schema.queries = 5 + _name_other_columns(cursor, constraints, names)
    for relid, name, kind, valid, key, target_id, target, target_key, definition in constraints:
        columns = tuple(names[relid, n] for n in key or ())
        if kind == "f":
            target_columns = tuple(names[target_id, n] for n in target_key or ())
            fk = ForeignKey(columns, target, target_columns, name, valid)
            tables[relid].foreign_keys.append(fk)
        else:
            tables[relid].checks.append(Check(frozenset(columns), name, definition, valid))
    for row in indexes:
        if row[0] in tables:
            _add_index(tables[row[0]], names, opclasses, *row)
    return schema


def _read_columns(cursor, schema: Schema):
    """Columns into their tables; returns {(relid, attnum): name} and {relid: Table}."""
    cursor.execute(COLUMNS)
    names, tables = {}, {}
    for relid, number, table, name, type_, null, has_default in cursor.fetchall():
        schema.tables[table].columns[name] = Column(name, type_, null, has_default)
        names[relid, number] = name
        tables[relid] = schema.tables[table]
    return names, tables


def _name_other_columns(cursor, constraints, names) -> int:
    """Name the columns of foreign key targets outside the search_path (one query, if any)."""
    others = sorted({row[5] for row in constraints if row[2] == "f"} - {r for r, _ in names})
    if not others:
        return 0
    cursor.execute(OTHER_COLUMNS, [others])
    for relid, number, name in cursor.fetchall():
        names[relid, number] = name
    return 1


def _add_index(
    table,
    names,
    opclasses,
    relid,
    name,
    unique,
    primary,
    valid,
    partial,
    key,
    key_count,
    options,
    classes,
):
    parts = [names.get((relid, n)) if n else None for n in key]
    index = Index(
        columns=tuple(parts[:key_count]),
        unique=unique,
        name=name,
        orders=tuple("DESC" if option & 1 else "ASC" for option in options),
        partial=partial,
        opclasses=tuple(opclasses.get(c, "") for c in classes)
        if any(c in opclasses for c in classes)
        else (),
        include=tuple(parts[key_count:]),
        primary=primary,
        valid=valid,
    )
    table.indexes.append(index)
    if primary:
        table.primary_key = tuple(index.columns)


ALIASES = {
    "character varying": "varchar",
    "character": "char",
    "int": "integer",
    "int4": "integer",
    "serial": "integer",
    "serial4": "integer",
    "int8": "bigint",
    "bigserial": "bigint",
    "serial8": "bigint",
    "int2": "smallint",
    "smallserial": "smallint",
    "serial2": "smallint",
    "decimal": "numeric",
    "float8": "double precision",
    "float4": "real",
    "bool": "boolean",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "timetz": "time with time zone",
    "varbit": "bit varying",
}

_SPLIT = re.compile(r"^(?P<base>[a-z][a-z0-9_ ]*?)\s*(?P<mod>\(.*?\))?(?P<rest>[a-z ]*)$")


def normalize_type(raw: str, connection=None) -> str:
    """``character varying(10)[]`` and Django's ``varchar(10)[]`` both give ``varchar(10)[]``."""
    text = " ".join(raw.lower().split())
    dims = 0
    while text.endswith("[]"):
        text, dims = text[:-2].rstrip(), dims + 1
    match = _SPLIT.match(text)
    if not match:
        return text + "[]" * dims
    base = " ".join((match["base"] + match["rest"]).split())
    base = ALIASES.get(base, base)
    modifier = (match["mod"] or "").replace(" ", "")
    if base.startswith(("timestamp ", "time ")) and modifier:
        head, _, zone = base.partition(" ")
        return f"{head}{modifier} {zone}" + "[]" * dims
    return base + modifier + "[]" * dims
