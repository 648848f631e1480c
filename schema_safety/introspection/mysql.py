"""MySQL and MariaDB: the schema of ``DATABASE()``, read from information_schema.

Four catalog queries whatever the number of tables: columns (with the table
type), index parts, foreign key parts and check constraints. MariaDB and MySQL
differ in three places, picked from the server version the driver already
knows: the statement timeout variable, the EXPRESSION column of functional
index parts (MySQL 8 only) and the table a check constraint belongs to (a
column of CHECK_CONSTRAINTS on MariaDB, a join with TABLE_CONSTRAINTS on MySQL).
"""

from __future__ import annotations

import re
from collections.abc import ItemsView, Iterable
from dataclasses import replace

from ..schema import Check, Column, ForeignKey, Index, Schema, Table
from .mysql_sql import (
    COLUMNS,
    COMPARABLE_TABLE_TYPES,
    FOREIGN_KEY_PARTS,
    INDEX_PARTS,
    MARIADB_CHECKS,
    MYSQL_CHECKS,
)
from .mysql_types import normalize_type  # noqa: F401 (the backend interface)

# Beyond the classic shapes (see Schema.features): no sequences (InnoDB never hands out an
# AUTO_INCREMENT at or below the highest key), no printed index definitions.
FEATURES = frozenset({"auto_keys", "foreign_key_actions", "collations", "extra_keys"})

TRANSACTION_IN_PROGRESS = 1568  # ER_CANT_CHANGE_TX_CHARACTERISTICS
IDENTIFIER = re.compile(r"`((?:[^`]|``)+)`")
JSON_CHECK = re.compile(r"json_valid\(`((?:[^`]|``)+)`\)", re.IGNORECASE)


def is_mariadb(cursor) -> bool:
    """Whether the server is MariaDB, from the version the driver got at connect time."""
    return "mariadb" in cursor.connection.get_server_info().lower()


def begin_read_only(cursor, *, lock_timeout_ms: int, statement_timeout_ms: int) -> None:
    _read_only_transaction(cursor)
    lock_wait_seconds = max(1, -(-int(lock_timeout_ms) // 1000))
    if is_mariadb(cursor):
        sql = "SET SESSION lock_wait_timeout = %s, max_statement_time = %s"
        cursor.execute(sql, [lock_wait_seconds, statement_timeout_ms / 1000])
    else:
        sql = "SET SESSION lock_wait_timeout = %s, max_execution_time = %s"
        cursor.execute(sql, [lock_wait_seconds, int(statement_timeout_ms)])


def _read_only_transaction(cursor) -> None:
    # SET TRANSACTION applies to the transaction that the first statement reading
    # a table (here: the catalog) starts. Inside a caller's transaction that has
    # already read or written (a TestCase, ATOMIC_REQUESTS), MySQL refuses it;
    # the catalog queries are read-only anyway, so go on within that transaction.
    try:
        cursor.execute("SET TRANSACTION READ ONLY")
    except Exception as error:  # the driver's or Django's OperationalError
        if not error.args or error.args[0] != TRANSACTION_IN_PROGRESS:
            raise


def end_read_only(cursor) -> None:
    """Give the session back the server's timeouts (MySQL has no SET LOCAL)."""
    timeout = "max_statement_time" if is_mariadb(cursor) else "max_execution_time"
    cursor.execute(f"SET SESSION lock_wait_timeout = DEFAULT, {timeout} = DEFAULT")


def read(cursor) -> Schema:
    mariadb = is_mariadb(cursor)
    queries = [
        COLUMNS,
        INDEX_PARTS.format(expression="NULL" if mariadb else "EXPRESSION"),
        FOREIGN_KEY_PARTS,
        MARIADB_CHECKS if mariadb else MYSQL_CHECKS,
    ]
    columns, indexes, foreign_keys, checks = (_fetch(cursor, sql) for sql in queries)
    tables, views = _tables(columns, mariadb)
    _add_indexes(tables, indexes)
    _add_foreign_keys(tables, foreign_keys)
    _add_checks(tables, checks)
    return Schema(
        vendor="mysql",
        tables=tables,
        views=frozenset(views),
        queries=len(queries),
        features=FEATURES,
    )


def _fetch(cursor, sql: str) -> list[tuple]:
    cursor.execute(sql)
    return list(cursor.fetchall())


def _by(rows: Iterable[tuple], width: int) -> ItemsView[tuple, list[tuple]]:
    """Rows grouped by their first ``width`` values, each group in query order.

    Not itertools.groupby: information_schema sorts case-insensitively, so the
    rows of tables ``Foo`` and ``foo`` may interleave.
    """
    groups: dict[tuple, list[tuple]] = {}
    for row in rows:
        groups.setdefault(row[:width], []).append(row)
    return groups.items()


def _tables(rows: list[tuple], mariadb: bool) -> tuple[dict[str, Table], set[str]]:
    tables: dict[str, Table] = {}
    views: set[str] = set()
    for (name, table_type), parts in _by(rows, 2):
        if table_type not in COMPARABLE_TABLE_TYPES:
            views.add(name)
            continue
        table = tables[name] = Table(name)
        for *_, column, type_, nullable, default, extra, collation in parts:
            has_default = _has_default(default, extra, mariadb)
            auto = "auto_increment" in (extra or "").lower()
            table.columns[column] = Column(
                column, type_, nullable == "YES", has_default, auto=auto, collation=collation
            )
    return tables, views


def _has_default(default: str | None, extra: str, mariadb: bool) -> bool:
    # MariaDB spells "DEFAULT NULL" as the string NULL (a string literal is quoted).
    if mariadb and default == "NULL":
        default = None
    extra = (extra or "").lower()
    return default is not None or "auto_increment" in extra or "generated" in extra


def _add_indexes(tables: dict[str, Table], rows: list[tuple]) -> None:
    for (table_name, name), parts in _by(rows, 2):
        if table := tables.get(table_name):
            index = _index(name, parts)
            table.indexes.append(index)
            if index.primary:
                table.primary_key = tuple(index.columns)


def _index(name: str, parts: list[tuple]) -> Index:
    expressions = [expression for *_, expression in parts if expression]
    return Index(
        columns=tuple(column for _, _, _, column, _, _ in parts),
        unique=not int(parts[0][2]),
        name=name,
        orders=tuple("DESC" if collation == "D" else "ASC" for *_, collation, _ in parts),
        primary=name == "PRIMARY",
        definition="; ".join(expressions) or None,
    )


def _add_foreign_keys(tables: dict[str, Table], rows: list[tuple]) -> None:
    for (table_name, name), parts in _by(rows, 2):
        if table := tables.get(table_name):
            table.foreign_keys.append(_foreign_key(name, parts))


def _foreign_key(name: str, parts: list[tuple]) -> ForeignKey:
    return ForeignKey(
        columns=tuple(part[2] for part in parts),
        target_table=parts[0][3],
        target_columns=tuple(part[4] for part in parts),
        name=name,
        on_delete=_rule(parts[0][5]),
        on_update=_rule(parts[0][6]),
    )


def _rule(rule: str) -> str:
    """InnoDB's RESTRICT is its NO ACTION (checked at once either way): what Django creates."""
    return "NO ACTION" if rule == "RESTRICT" else rule


def _add_checks(tables: dict[str, Table], rows: list[tuple]) -> None:
    for table_name, name, clause, enforced in rows:
        if table := tables.get(table_name):
            named = {match.replace("``", "`") for match in IDENTIFIER.findall(clause)}
            columns = frozenset(named & table.columns.keys())
            table.checks.append(Check(columns, name, clause, valid=enforced == "YES"))
            _json_collation(table, clause)


def _json_collation(table: Table, clause: str) -> None:
    """MariaDB's JSON is LONGTEXT with a binary collation and a json_valid() check."""
    match = JSON_CHECK.search(clause)
    column = table.columns.get(match[1].replace("``", "`")) if match else None
    if column is not None and column.collation:
        table.columns[column.name] = replace(column, collation=None)
