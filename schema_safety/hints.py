"""Hints that need more than one problem: a missing column beside an extra one."""

from __future__ import annotations

from collections.abc import Callable

from .problems import Problem
from .schema import Schema


def likely_renames(
    problems: list[Problem], expected: Schema, live: Schema, normalize: Callable[[str], str]
) -> list[Problem]:
    """A missing and an extra column of compatible type on one table: say it may be a rename."""
    extras = [p for p in problems if p.kind == "extra_column"]
    hinted = {}
    for missing in (p for p in problems if p.kind == "missing_column"):
        want = normalize(expected.tables[missing.table].columns[missing.column].type)
        for extra in extras:
            have = normalize(live.tables[extra.table].columns[extra.column].type)
            if extra.table == missing.table and have == want:
                hinted[id(missing)] = (
                    f"Likely a rename: {extra.table}.{extra.column} ({have}) is there instead; "
                    f"a migration renaming it to {missing.column} (RenameField, or "
                    f"verify_schema --fix) keeps the data."
                )
                hinted[id(extra)] = f"Likely the old name of {missing.table}.{missing.column}."
    return [p.with_hint(hinted.get(id(p))) for p in problems]
