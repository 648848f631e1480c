"""Compare indexes and unique constraints: missing, different, and extra ones."""

from __future__ import annotations

from dataclasses import replace

from .index_differences import differences, printed
from .matching import find_indexes, orders_of
from .problems import WARNING, table_problem
from .schema import Index, Table


def compare_indexes(
    expected: Table, live: Table, present: set[str], vendor: str, features=frozenset()
):
    details = "index_details" in features
    accounted: set[int] = set()
    for index in expected.indexes:
        if index.primary or not set(filter(None, index.columns)) <= present:
            continue
        found = find_indexes(index, live.indexes, vendor)
        valid = [i for i in found if i.valid]
        if valid:
            best = _closest(index, valid) if details and len(valid) > 1 else valid[0]
            accounted.update(id(i) for i in valid)
            diff = differences(index, best) if details else []
            if diff and not _declared_unique(expected, index, best):
                yield _mismatch(expected, index, best, diff)
            continue
        counterpart = _counterpart(index, live.indexes) if details and not found else None
        if counterpart is not None:
            accounted.add(id(counterpart))
            yield _mismatch(expected, index, counterpart, differences(index, counterpart))
            continue
        accounted.update(id(i) for i in found)
        yield _missing(expected, index, found[0] if found else None)
    if "extra_keys" in features:
        yield from _extras(expected, live, accounted)


def _declared_unique(table: Table, index: Index, live: Index) -> bool:
    """A unique index the model declares serves an index on the same columns too."""
    if index.unique or not live.unique:
        return False
    wanted = set(index.columns)
    return any(i.unique and set(i.columns) == wanted for i in table.indexes)


def _closest(expected: Index, candidates: list[Index]) -> Index:
    """A candidate identical to ``expected`` if any (a unique and an index on one column)."""
    return min(candidates, key=lambda index: len(differences(expected, index)))


def _counterpart(expected: Index, live: list[Index]) -> Index | None:
    """The live index that is meant to be ``expected`` but differs: same name, or (for a
    generated name) same columns and uniqueness."""
    if expected.name:
        named = [i for i in live if i.name and i.name.lower() == expected.name.lower()]
        return named[0] if named else None
    wanted = set(expected.columns)
    for index in live:
        if index.primary or index.unique != expected.unique or not index.valid:
            continue
        if any(index.opclasses) and not any(expected.opclasses):
            continue  # PostgreSQL's own pattern-ops companion index
        if set(filter(None, index.columns)) == wanted:
            return index
    return None


def _mismatch(table: Table, index: Index, live: Index, diff: list[str]):
    what = "unique constraint" if index.unique else "index"
    name = live.name or index.name
    want, have = printed(index), printed(live)
    return table_problem(
        table,
        "index_mismatch",
        ", ".join(filter(None, index.columns)) or None,
        f"{what} {name} on {table.name} differs ({', '.join(diff)}): the database has "
        f"{have}; the model expects {want}",
        expected=want,
        actual=have,
        hint=f"DROP INDEX {name} (or ALTER TABLE {table.name} DROP CONSTRAINT {name}) and "
        f"create it again as the model declares (a migration removing and re-adding it)",
    )


def _missing(table: Table, index: Index, found: Index | None):
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
    return table_problem(
        table,
        kind,
        column,
        f"{what} {label} on {table.name} is missing" + (" (present but invalid)" if found else ""),
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


def _extras(expected: Table, live: Table, accounted: set[int]):
    """Live unique constraints and indexes no model declares (nor their companions)."""
    declared = [i for i in expected.indexes if None not in i.columns]
    for index in live.indexes:
        if index.primary or not index.valid or id(index) in accounted:
            continue
        if index.name and index.name.lower() in expected.declared:
            continue
        same = [
            i for i in declared if set(i.columns) == set(index.columns) and None not in i.columns
        ]
        if index.unique and not any(i.unique for i in same):
            yield _extra(expected, index, unique=True)
        elif not index.unique and not same and not _leads_a_key(expected, index):
            yield _extra(expected, index, unique=False)


def _leads_a_key(table: Table, index: Index) -> bool:
    """A non-unique index on a foreign key's columns serves that key."""
    return any(tuple(key.columns) == tuple(index.columns) for key in table.foreign_keys)


def _extra(table: Table, index: Index, *, unique: bool):
    definition = printed(index)
    column = ", ".join(filter(None, index.columns)) or None
    if unique:
        return table_problem(
            table,
            "extra_unique",
            column,
            f"unique index {index.name} on {table.name} ({definition}) is declared by no "
            f"model: inserts and updates the models allow can fail with a duplicate key",
            actual=definition,
            hint=f"DROP INDEX {index.name} (or ALTER TABLE {table.name} DROP CONSTRAINT "
            f"{index.name}), or declare the UniqueConstraint on the model",
        )
    problem = table_problem(
        table,
        "extra_index",
        column,
        f"index {index.name} on {table.name} ({definition}) is declared by no model: "
        f"it slows writes and a migration may clash with its name",
        actual=definition,
        hint=f"DROP INDEX {index.name}, or declare it in the model's Meta.indexes",
    )
    return replace(problem, severity=WARNING)
