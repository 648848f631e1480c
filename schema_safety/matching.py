"""Find the live index or constraint that satisfies an expected one.

Constraints are matched by what they cover, never by generated names: names
only count for the shapes a user must name themselves (expression, partial,
opclass, covering and descending indexes, Meta constraints), and even then a
live object of the same shape under another name satisfies the model.
"""

from __future__ import annotations

from .schema import Check, Index


def find_index(expected: Index, live: list[Index], vendor: str) -> Index | None:
    """The best live index for ``expected``: a valid one if any, else an invalid one."""
    found = find_indexes(expected, live, vendor)
    return found[0] if found else None


def find_indexes(expected: Index, live: list[Index], vendor: str) -> list[Index]:
    """Every live index that satisfies ``expected``, the valid ones first."""
    if expected.plain and vendor != "mysql":
        # Fast path: an index on the same columns; anything else is looked at only by name.
        wanted = set(expected.columns)
        live = [i for i in live if set(i.columns) == wanted or i.name == expected.name]
    found = [index for index in live if _satisfies(index, expected, vendor)]
    found.sort(key=lambda index: not index.valid)
    return found


def _satisfies(live: Index, expected: Index, vendor: str) -> bool:
    if expected.unique and not live.unique:
        return False
    if expected.name and live.name and _same_name(live.name, expected.name):
        return True
    if expected.plain:
        return _covers_plainly(live, expected, vendor)
    return (
        live.partial == expected.partial
        and live.columns == expected.columns
        and _same_orders(live, expected, vendor)
        and tuple(live.include) == tuple(expected.include)
        and (not any(expected.opclasses) or live.opclasses == expected.opclasses)
    )


def _covers_plainly(live: Index, expected: Index, vendor: str) -> bool:
    if live.partial or live.expressions or live.include:
        return False
    if expected.unique:
        return set(live.columns) == set(expected.columns)
    if live.opclasses and any(live.opclasses):
        return False
    if vendor == "mysql" and len(expected.columns) == 1:
        # InnoDB reuses any index that starts with a foreign key's column.
        return live.columns[:1] == expected.columns
    return live.columns == expected.columns and "DESC" not in live.orders


def _same_orders(live: Index, expected: Index, vendor: str) -> bool:
    if vendor == "mysql" and "DESC" not in live.orders:
        return True  # MySQL before 8.0 and MariaDB before 10.8 parse DESC and ignore it.
    return orders_of(live) == orders_of(expected)


def orders_of(index: Index) -> tuple[str, ...]:
    return tuple(index.orders) or ("ASC",) * len(index.columns)


def _same_name(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def match_checks(expected: list[Check], live: list[Check]) -> dict[int, Check | None]:
    """Pair each expected check (by position) with a distinct live check, or None.

    Named checks are paired by name first, then by the columns they cover, so two
    checks on one column cannot both be satisfied by a single live check.
    """
    remaining = list(live)
    pairs: dict[int, Check | None] = {}
    order = sorted(range(len(expected)), key=lambda i: expected[i].name is None)
    for i in order:
        pairs[i] = _take(remaining, lambda c, e=expected[i]: _named(c, e))
    for i in order:  # same columns and, where the database printed both, same expression
        if pairs[i] is None and expected[i].columns:
            pairs[i] = _take(remaining, lambda c, e=expected[i]: _same_printed(c, e))
    for i in order:
        if pairs[i] is None and expected[i].columns:
            pairs[i] = _take(remaining, lambda c, e=expected[i]: c.columns == e.columns)
    return pairs


def _same_printed(live: Check, expected: Check) -> bool:
    if live.columns != expected.columns:
        return False
    return not (live.printed and expected.printed) or live.printed == expected.printed


def _named(live: Check, expected: Check) -> bool:
    return bool(expected.name and live.name and _same_name(live.name, expected.name))


def _take(pool: list[Check], wanted) -> Check | None:
    found = sorted((c for c in pool if wanted(c)), key=lambda c: not c.valid)
    if found:
        pool.remove(found[0])
        return found[0]
    return None
