"""Compare keys and constraints: foreign keys, unique constraints, indexes, checks."""

from __future__ import annotations

from .matching import find_index, match_checks, orders_of
from .problems import table_problem
from .schema import Index, Table


def compare_foreign_keys(expected: Table, live: Table, present: set[str]):
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
            yield table_problem(
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
            yield table_problem(
                expected,
                "foreign_key_mismatch",
                column,
                f"foreign key {expected.name}.{column} points at {actual}; "
                f"the model expects {want}",
                expected=want,
                actual=actual,
            )
        else:
            yield table_problem(
                expected,
                "missing_foreign_key",
                column,
                f"foreign key constraint {expected.name}.{column} -> {want} is missing",
                expected=want,
            )


def compare_indexes(expected: Table, live: Table, present: set[str], vendor: str):
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
        yield table_problem(
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


def compare_checks(expected: Table, live: Table, present: set[str]):
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
        yield table_problem(
            expected,
            "missing_check",
            column,
            f"check constraint {label} on {expected.name} is "
            + ("NOT VALID" if found else "missing"),
            expected=label,
            actual="NOT VALID" if found else None,
            hint=hint,
        )
