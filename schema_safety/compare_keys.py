"""Compare keys and constraints: foreign keys, unique constraints, indexes, checks."""

from __future__ import annotations

from .matching import match_checks
from .problems import table_problem
from .schema import Check, ForeignKey, Table


def compare_foreign_keys(expected: Table, live: Table, present: set[str], features=frozenset()):
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
            if "foreign_key_actions" in features:
                yield from _actions(expected, key, [k for k in right if k.valid])
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


def _actions(table: Table, key: ForeignKey, right: list[ForeignKey]):
    """A database ON DELETE / ON UPDATE action or deferral Django did not create."""
    if any(_behaviour(k) == _behaviour(key) for k in right):
        return
    found, column = right[0], ", ".join(key.columns)
    want, have = _clauses(key), _clauses(found)
    yield table_problem(
        table,
        "foreign_key_mismatch",
        column,
        f"foreign key {found.name} on {table.name}.{column} is {have}; Django creates it "
        f"{want}: the database now acts on its own (rows vanish or change without "
        f"on_delete, signals or the ORM's deferred checks)",
        expected=want,
        actual=have,
        hint=f"ALTER TABLE {table.name} DROP CONSTRAINT {found.name}, then add it again "
        f"without the database action (a migration altering the field recreates it)",
    )


def _behaviour(key: ForeignKey) -> tuple[str, str, str]:
    return key.on_delete, key.on_update, key.deferral


def _clauses(key: ForeignKey) -> str:
    text = f"ON DELETE {key.on_delete} ON UPDATE {key.on_update}"
    return f"{text} {key.deferral or 'NOT DEFERRABLE'}"


def compare_checks(expected: Table, live: Table, present: set[str]):
    pairs = match_checks(expected.checks, live.checks)
    for i, check in enumerate(expected.checks):
        if not check.columns <= present:
            continue
        found = pairs[i]
        label = check.name or check.definition or ", ".join(sorted(check.columns))
        if found is not None and found.valid:
            if check.printed and found.printed and check.printed != found.printed:
                yield _check_mismatch(expected, check, found)
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


def _check_mismatch(table: Table, check: Check, found: Check):
    column = ", ".join(sorted(check.columns)) or None
    return table_problem(
        table,
        "check_mismatch",
        column,
        f"check constraint {found.name} on {table.name} is {found.printed}; the model "
        f"expects {check.printed}",
        expected=check.printed,
        actual=found.printed,
        hint=f"ALTER TABLE {table.name} DROP CONSTRAINT {found.name}, then add it again as "
        f"the model declares (a migration removing and re-adding the constraint)",
    )
