"""Compare two schema descriptions: what the models expect and what the database has.

Pure functions over ``Schema`` values: no database, no Django settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .matching import find_index, match_checks, orders_of
from .problems import ERROR, WARNING, Problem
from .schema import Column, Index, Schema, Table

Normalize = Callable[[str], str]


def compare(expected: Schema, live: Schema, normalize: Normalize) -> list[Problem]:
    """Every difference, table by table, in the expected schema's order."""
    problems: list[Problem] = []
    for name, table in expected.tables.items():
        if name in live.tables:
            problems += compare_table(table, live.tables[name], normalize, live.vendor)
        else:
            problems.append(_missing_table(table, name in live.views))
    return problems


def extra_tables(live: Schema, owned: set[str]) -> list[Problem]:
    """Tables no installed model owns (the migration recorder's own table is owned)."""
    return [
        Problem(
            "extra_table",
            WARNING,
            name,
            f"table {name} is in the database but no installed model uses it",
            hint="drop it, or add the owning app to INSTALLED_APPS, or list it in "
            'SCHEMA_SAFETY["IGNORE"]',
        )
        for name in sorted(set(live.tables) - owned - {"django_migrations"})
    ]


def _missing_table(table: Table, is_view: bool) -> Problem:
    actual = "a view" if is_view else None
    return _problem(
        table,
        "missing_table",
        None,
        f"table {table.name} does not exist",
        expected=table.name,
        actual=actual,
    )


def compare_table(expected: Table, live: Table, normalize: Normalize, vendor: str):
    problems = list(_compare_columns(expected, live, normalize))
    present = set(live.columns)
    if expected.primary_key and tuple(live.primary_key) != tuple(expected.primary_key):
        problems.append(
            _problem(
                expected,
                "primary_key_mismatch",
                None,
                f"table {expected.name} has primary key ({', '.join(live.primary_key)}); "
                f"the model expects ({', '.join(expected.primary_key)})",
                expected=", ".join(expected.primary_key),
                actual=", ".join(live.primary_key) or None,
            )
        )
    problems += _compare_foreign_keys(expected, live, present)
    problems += _compare_indexes(expected, live, present, vendor)
    problems += _compare_checks(expected, live, present)
    return problems


def _compare_columns(expected: Table, live: Table, normalize: Normalize):
    for name, column in expected.columns.items():
        actual = live.columns.get(name)
        if actual is None:
            yield _problem(
                expected,
                "missing_column",
                name,
                f"column {expected.name}.{name} does not exist",
                expected=column.type,
            )
            continue
        if normalize(column.type) != normalize(actual.type):
            yield _problem(
                expected,
                "type_mismatch",
                name,
                f"column {expected.name}.{name} is {normalize(actual.type)}; "
                f"the model expects {normalize(column.type)}",
                expected=normalize(column.type),
                actual=normalize(actual.type),
            )
        if column.null is not None and column.null != actual.null:
            yield _null_mismatch(expected, column, actual)
    for name, column in live.columns.items():
        if name not in expected.columns:
            yield _extra_column(expected, column)


def _null_mismatch(table: Table, column: Column, actual: Column) -> Problem:
    want, have = ("NULL", "NOT NULL") if column.null else ("NOT NULL", "NULL")
    if column.null:
        message = f"column {table.name}.{column.name} is NOT NULL; the model allows NULL"
        return _problem(
            table,
            "null_mismatch",
            column.name,
            message + ", so saving None fails",
            expected=want,
            actual=have,
        )
    message = f"column {table.name}.{column.name} allows NULL; the model says NOT NULL"
    problem = _problem(table, "null_mismatch", column.name, message, expected=want, actual=have)
    return replace(problem, severity=WARNING)


def _extra_column(table: Table, column: Column) -> Problem:
    blocking = not column.null and not column.has_default
    severity = ERROR if blocking else WARNING
    message = f"column {table.name}.{column.name} is in the database but not in the model"
    if blocking:
        message += " and is NOT NULL with no default, so every insert from Django fails"
    problem = _problem(table, "extra_column", column.name, message, actual=column.type)
    return replace(problem, severity=severity)


def _compare_foreign_keys(expected: Table, live: Table, present: set[str]):
    for key in expected.foreign_keys:
        if not set(key.columns) <= present:
            continue
        column = ", ".join(key.columns)
        want = f"{key.target_table}({', '.join(key.target_columns)})"
        found = [k for k in live.foreign_keys if tuple(k.columns) == tuple(key.columns)]
        right = [
            k
            for k in found
            if (k.target_table, tuple(k.target_columns))
            == (key.target_table, tuple(key.target_columns))
        ]
        if any(k.valid for k in right):
            continue
        if right:
            yield _problem(
                expected,
                "missing_foreign_key",
                column,
                f"foreign key {expected.name}.{column} -> {want} is NOT VALID",
                expected=want,
                actual="NOT VALID",
                hint=f"ALTER TABLE {expected.name} VALIDATE CONSTRAINT "
                f"{right[0].name} (orphaned rows must be fixed first)",
            )
        elif found:
            actual = f"{found[0].target_table}({', '.join(found[0].target_columns)})"
            yield _problem(
                expected,
                "foreign_key_mismatch",
                column,
                f"foreign key {expected.name}.{column} points at {actual}; "
                f"the model expects {want}",
                expected=want,
                actual=actual,
            )
        else:
            yield _problem(
                expected,
                "missing_foreign_key",
                column,
                f"foreign key constraint {expected.name}.{column} -> {want} is missing",
                expected=want,
            )


def _compare_indexes(expected: Table, live: Table, present: set[str], vendor: str):
    for index in expected.indexes:
        if index.primary or not set(filter(None, index.columns)) <= present:
            continue
        found = find_index(index, live.indexes, vendor)
        if found is not None and found.valid:
            continue
        kind = "missing_unique" if index.unique else "missing_index"
        what = "unique constraint" if index.unique else "index"
        label = describe_index(index)
        hint = None
        if found is not None:
            hint = (
                f"index {found.name} exists but is INVALID (a failed CREATE INDEX "
                f"CONCURRENTLY?): DROP INDEX CONCURRENTLY {found.name}, then create it again"
            )
        column = ", ".join(filter(None, index.columns)) or None
        yield _problem(
            expected,
            kind,
            column,
            f"{what} {label} on {expected.name} is missing"
            + (" (present but invalid)" if found else ""),
            expected=label,
            actual="INVALID" if found else None,
            hint=hint,
        )


def describe_index(index: Index) -> str:
    parts = [
        (column or "<expression>") + (" DESC" if order == "DESC" else "")
        for column, order in zip(index.columns, orders_of(index), strict=True)
    ]
    text = f"({', '.join(parts)})"
    if index.partial:
        text += " WHERE ..."
    return f"{index.name} {text}" if index.name else text


def _compare_checks(expected: Table, live: Table, present: set[str]):
    pairs = match_checks(expected.checks, live.checks)
    for i, check in enumerate(expected.checks):
        if not check.columns <= present:
            continue
        found = pairs[i]
        label = check.name or check.definition or ", ".join(sorted(check.columns))
        if found is not None and found.valid:
            continue
        column = ", ".join(sorted(check.columns)) or None
        hint = None
        if found is not None:
            hint = f"ALTER TABLE {expected.name} VALIDATE CONSTRAINT {found.name}"
        yield _problem(
            expected,
            "missing_check",
            column,
            f"check constraint {label} on {expected.name} is "
            + ("NOT VALID" if found else "missing"),
            expected=label,
            actual="NOT VALID" if found else None,
            hint=hint,
        )


def _problem(table: Table, kind: str, column: str | None, message: str, **extra) -> Problem:
    return Problem(
        kind=kind,
        severity=ERROR,
        table=table.name,
        message=message,
        app=table.app,
        model=table.model,
        column=column,
        **extra,
    )
