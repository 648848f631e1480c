"""PostgreSQL: the whole schema in seven catalog queries (eight with foreign schemas).

Tables are those visible through the connection's ``search_path`` (as Django
sees them); from a user table, only the highest value of a sequence-fed column is
read (through its index, where the role may read the table).
"""

from __future__ import annotations

from ..schema import Check, Column, ForeignKey, Index, Schema, Sequence, Table
from .postgresql_definitions import print_definitions  # noqa: F401 (the backend interface)
from .postgresql_sql import (
    COLUMN_DETAILS,
    COLUMNS,
    CONSTRAINTS,
    INDEXES,
    OPCLASSES,
    OTHER_COLUMNS,
    SEQUENCES,
    TABLES,
)
from .postgresql_types import normalize_type  # noqa: F401 (the backend interface)

FEATURES = frozenset(
    {
        "auto_keys",
        "defaults",
        "collations",
        "sequences",
        "foreign_key_actions",
        "index_details",
        "extra_keys",
    }
)
ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def begin_read_only(cursor, *, lock_timeout_ms: int, statement_timeout_ms: int) -> None:
    cursor.execute(
        "SET TRANSACTION READ ONLY; "
        f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}; "
        f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}"
    )


def read(cursor) -> Schema:
    schema = Schema(vendor="postgresql", features=FEATURES)
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
    cursor.execute(SEQUENCES)
    _add_sequences(tables, cursor.fetchall())
    schema.queries = 7 + _name_other_columns(cursor, constraints, names)
    for row in constraints:
        _add_constraint(tables[row[0]], names, *row)
    for row in indexes:
        if row[0] in tables:
            _add_index(tables[row[0]], names, opclasses, *row)
    return schema


def _add_constraint(
    table, names, relid, name, kind, valid, key, target_id, target, target_key, definition, *more
):
    columns = tuple(names[relid, n] for n in key or ())
    if kind == "c":
        printed = definition.removesuffix(" NOT VALID")
        table.checks.append(Check(frozenset(columns), name, definition, valid, printed))
        return
    on_delete, on_update, deferrable, deferred = more
    target_columns = tuple(names[target_id, n] for n in target_key or ())
    key = ForeignKey(
        columns,
        target,
        target_columns,
        name,
        valid,
        on_delete=ACTIONS.get(on_delete, on_delete),
        on_update=ACTIONS.get(on_update, on_update),
        deferral=_deferral(deferrable, deferred),
    )
    table.foreign_keys.append(key)


def _deferral(deferrable: bool, deferred: bool) -> str:
    if not deferrable:
        return ""
    return "DEFERRABLE INITIALLY DEFERRED" if deferred else "DEFERRABLE"


def _add_sequences(tables, rows) -> None:
    for relid, column, name, next_value, highest in rows:
        if relid in tables:
            highest = None if highest is None else int(highest)
            next_value = None if next_value is None else int(next_value)
            tables[relid].sequence = Sequence(name, column, next_value, highest)


def _read_columns(cursor, schema: Schema):
    """Columns into their tables; returns {(relid, attnum): name} and {relid: Table}."""
    cursor.execute(COLUMN_DETAILS)
    details = {(relid, number): more for relid, number, *more in cursor.fetchall()}
    cursor.execute(COLUMNS)
    names, tables = {}, {}
    for relid, number, table, name, type_, null, has_default in cursor.fetchall():
        more = details.get((relid, number))
        column = _detailed(name, type_, null, has_default, *more) if more else None
        schema.tables[table].columns[name] = column or Column(name, type_, null, has_default)
        names[relid, number] = name
        tables[relid] = schema.tables[table]
    return names, tables


def _detailed(name, type_, null, has_default, identity, generated, default, collation):
    auto = identity or (default or "").startswith("nextval(")
    default = None if auto or generated else default
    return Column(name, type_, null, has_default, auto=auto, default=default, collation=collation)


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
    method,
    deferred,
    definition,
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
        definition=definition.partition(" USING ")[2] if definition else None,
        method=method or "btree",
        deferral=_deferral(deferred is not None, deferred),
    )
    table.indexes.append(index)
    if primary:
        table.primary_key = tuple(index.columns)
