"""How a live index differs from the one the model declares, and both as the database
prints them. Pure functions over two ``Index`` values."""

from __future__ import annotations

import re

from .matching import orders_of
from .schema import Index

_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_$]*$")


def differences(expected: Index, live: Index) -> list[str]:
    """What differs, in words ("partial predicate", "column order", ...); [] when nothing."""
    if _signature(expected) == _signature(live):
        return []
    found = []
    want, have = _printed_parts(expected), _printed_parts(live)
    if expected.partial != live.partial or (want and have and want[1] != have[1]):
        found.append("partial predicate")
    if expected.expressions or live.expressions:
        if len(expected.columns) != len(live.columns) or (want and have and want[0] != have[0]):
            found.append("expression")
    elif tuple(expected.columns) != tuple(live.columns):
        same_set = set(expected.columns) == set(live.columns)
        found.append("column order" if same_set else "columns")
    elif orders_of(expected) != orders_of(live):
        found.append("sort order")
    if expected.unique != live.unique:
        found.append("uniqueness")
    if expected.method != live.method:
        found.append("method")
    if _opclasses(expected) != _opclasses(live):
        found.append("opclass")
    if tuple(expected.include) != tuple(live.include):
        found.append("included columns")
    if expected.deferral != live.deferral:
        found.append("deferrable")
    return found


def _signature(index: Index) -> tuple:
    return (
        tuple(index.columns),
        orders_of(index),
        index.unique,
        index.partial,
        index.method,
        _opclasses(index),
        tuple(index.include),
        index.deferral,
        index.definition,
    )


def _printed_parts(index: Index) -> tuple[str, str] | None:
    """(key part, predicate) of a definition the database printed; None when unknown."""
    if index.definition is None:
        return None
    key, _, predicate = index.definition.partition(" WHERE ")
    return key, predicate


def _opclasses(index: Index) -> tuple[str, ...]:
    return tuple(index.opclasses) if any(index.opclasses) else ()


def printed(index: Index) -> str:
    """``UNIQUE btree (a, b DESC) WHERE ... DEFERRABLE``: the definition from USING on."""
    text = index.definition or _built(index)
    prefix = "UNIQUE " if index.unique and not text.startswith("UNIQUE") else ""
    return prefix + text + (f" {index.deferral}" if index.deferral else "")


def _built(index: Index) -> str:
    classes = _opclasses(index) or ("",) * len(index.columns)
    parts = [
        _ident(column) + (f" {opclass}" if opclass else "") + (" DESC" if order == "DESC" else "")
        for column, opclass, order in zip(index.columns, classes, orders_of(index), strict=False)
    ]
    text = f"{index.method} ({', '.join(parts)})"
    if index.include:
        text += f" INCLUDE ({', '.join(_ident(c) for c in index.include)})"
    return text + (" WHERE ..." if index.partial else "")


def _ident(column: str | None) -> str:
    if column is None:
        return "<expression>"
    return column if _PLAIN_NAME.match(column) else '"' + column.replace('"', '""') + '"'
