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
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND {VISIBLE}
ORDER BY c.relname, a.attnum
"""

CONSTRAINTS = f"""
SELECT c.relname, con.conname, con.contype, con.convalidated,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord),
       f.relname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord),
       pg_get_constraintdef(con.oid)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_class f ON f.oid = con.confrelid
WHERE con.contype IN ('f', 'c') AND {VISIBLE}
"""

INDEXES = f"""
SELECT c.relname, i.relname, x.indisunique, x.indisprimary, x.indisvalid AND x.indisready,
       x.indpred IS NOT NULL,
       ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(num, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num
             WHERE k.ord <= x.indnkeyatts ORDER BY k.ord),
       ARRAY(SELECT CASE WHEN o.opt & 1 = 1 THEN 'DESC' ELSE 'ASC' END
             FROM unnest(x.indoption::int2[]) WITH ORDINALITY o(opt, ord) ORDER BY o.ord),
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname END
             FROM unnest(x.indclass::oid[]) WITH ORDINALITY k(cls, ord)
             JOIN pg_opclass oc ON oc.oid = k.cls ORDER BY k.ord),
       ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num
             WHERE k.ord > x.indnkeyatts ORDER BY k.ord),
       pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE {VISIBLE}
"""


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
    cursor.execute(COLUMNS)
    for table, name, type_, null, has_default in cursor.fetchall():
        schema.tables[table].columns[name] = Column(name, type_, null, has_default)
    cursor.execute(CONSTRAINTS)
    for row in cursor.fetchall():
        _add_constraint(schema.tables[row[0]], *row[1:])
    cursor.execute(INDEXES)
    for row in cursor.fetchall():
        if row[0] in schema.tables:
            _add_index(schema.tables[row[0]], *row[1:])
    schema.queries = 4
    return schema


def _add_constraint(table, name, kind, valid, columns, target, target_columns, definition):
    if kind == "f":
        table.foreign_keys.append(
            ForeignKey(tuple(columns), target, tuple(target_columns), name, valid)
        )
    else:
        table.checks.append(Check(frozenset(columns), name, definition, valid))


def _add_index(
    table, name, unique, primary, valid, partial, columns, orders, opclasses, include, definition
):
    index = Index(
        columns=tuple(columns),
        unique=unique,
        name=name,
        orders=tuple(orders),
        partial=partial,
        opclasses=tuple(opclasses) if any(opclasses) else (),
        include=tuple(include),
        primary=primary,
        valid=valid,
        definition=definition,
    )
    table.indexes.append(index)
    if primary:
        table.primary_key = tuple(columns)


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
