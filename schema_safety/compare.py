"""Compare two schema descriptions: what the models expect and what the database has.

Pure functions over ``Schema`` values: no database, no Django settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from . import compare_keys as keys
from .compare_details import compare_details
from .compare_indexes import compare_indexes
from .problems import ERROR, WARNING, Problem, table_problem
from .schema import Column, Schema, Table

Normalize = Callable[[str], str]


def compare(expected: Schema, live: Schema, normalize: Normalize) -> list[Problem]:
    """Every difference, table by table, in the expected schema's order."""
    problems: list[Problem] = []
    for name, table in expected.tables.items():
        if name in live.tables:
            problems += compare_table(
                table, live.tables[name], normalize, live.vendor, live.features
            )
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
    return table_problem(
        table,
        "missing_table",
        None,
        f"table {table.name} does not exist",
        expected=table.name,
        actual=actual,
    )


def compare_table(
    expected: Table, live: Table, normalize: Normalize, vendor: str, features=frozenset()
):
    """Every difference on one table; ``features``: what the live reader knows (Schema)."""
    problems = list(_compare_columns(expected, live, normalize))
    present = set(live.columns)
    if expected.primary_key and tuple(live.primary_key) != tuple(expected.primary_key):
        problems.append(
            table_problem(
                expected,
                "primary_key_mismatch",
                None,
                f"table {expected.name} has primary key ({', '.join(live.primary_key)}); "
                f"the model expects ({', '.join(expected.primary_key)})",
                expected=", ".join(expected.primary_key),
                actual=", ".join(live.primary_key) or None,
            )
        )
    problems += keys.compare_foreign_keys(expected, live, present, features)
    problems += compare_indexes(expected, live, present, vendor, features)
    problems += keys.compare_checks(expected, live, present)
    problems += compare_details(expected, live, features, vendor)
    return problems


def _compare_columns(expected: Table, live: Table, normalize: Normalize):
    for name, column in expected.columns.items():
        actual = live.columns.get(name)
        if actual is None:
            yield table_problem(
                expected,
                "missing_column",
                name,
                f"column {expected.name}.{name} does not exist",
                expected=column.type,
            )
            continue
        if normalize(actual.type) not in {normalize(t) for t in (column.type, *column.also)}:
            yield table_problem(
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
        return table_problem(
            table,
            "null_mismatch",
            column.name,
            message + ", so saving None fails",
            expected=want,
            actual=have,
        )
    message = f"column {table.name}.{column.name} allows NULL; the model says NOT NULL"
    problem = table_problem(
        table, "null_mismatch", column.name, message, expected=want, actual=have
    )
    return replace(problem, severity=WARNING)


def _extra_column(table: Table, column: Column) -> Problem:
    blocking = not column.null and not column.has_default
    severity = ERROR if blocking else WARNING
    message = f"column {table.name}.{column.name} is in the database but not in the model"
    if blocking:
        message += " and is NOT NULL with no default, so every insert from Django fails"
    problem = table_problem(table, "extra_column", column.name, message, actual=column.type)
    return replace(problem, severity=severity)
