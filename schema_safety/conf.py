"""The ``SCHEMA_SAFETY`` setting.

Example::

    SCHEMA_SAFETY = {
        # app_label.Model.field: column, foreign key and no orphaned rows.
        "CRITICAL_RELATIONSHIPS": ["content.Asset.resource"],
        # Accepted drift: a table, "table.column", or "kind:<kind>", with * wildcards,
        # or a mapping with any of "table", "column", "kind".
        "IGNORE": ["legacy_*", "asset.old_notes", "kind:extra_table"],
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .problems import Problem


@dataclass(frozen=True)
class Rule:
    table: str = "*"
    column: str = "*"
    kind: str = "*"

    def matches(self, problem: Problem) -> bool:
        return (
            fnmatchcase(problem.table or "", self.table)
            and fnmatchcase(problem.column or "", self.column)
            and fnmatchcase(problem.kind, self.kind)
        )


def options() -> dict:
    value = getattr(settings, "SCHEMA_SAFETY", {}) or {}
    if not isinstance(value, dict):
        raise ImproperlyConfigured("SCHEMA_SAFETY must be a dict")
    unknown = set(value) - {"CRITICAL_RELATIONSHIPS", "IGNORE"}
    if unknown:
        raise ImproperlyConfigured(
            f"SCHEMA_SAFETY has unknown key(s) {', '.join(sorted(unknown))}; "
            "known: CRITICAL_RELATIONSHIPS, IGNORE"
        )
    return value


def critical_relationships() -> list[str]:
    return list(options().get("CRITICAL_RELATIONSHIPS", []))


def ignore_rules() -> list[Rule]:
    return [_rule(entry) for entry in options().get("IGNORE", [])]


def _rule(entry) -> Rule:
    if isinstance(entry, dict):
        unknown = set(entry) - {"table", "column", "kind"}
        if unknown:
            raise ImproperlyConfigured(
                f'SCHEMA_SAFETY["IGNORE"] entry {entry!r} has unknown key(s) '
                f"{', '.join(sorted(unknown))}; use table, column, kind"
            )
        if not all(isinstance(value, str) for value in entry.values()):
            raise ImproperlyConfigured(
                f'SCHEMA_SAFETY["IGNORE"] entry {entry!r}: table, column and kind must be strings'
            )
        return Rule(**entry)
    if not isinstance(entry, str):
        raise ImproperlyConfigured(f'SCHEMA_SAFETY["IGNORE"] entry {entry!r} is not a string')
    if entry.startswith("kind:"):
        return Rule(kind=entry[5:])
    table, _, column = entry.partition(".")
    return Rule(table=table, column=column or "*")


def is_ignored(problem: Problem, rules: list[Rule]) -> bool:
    return any(rule.matches(problem) for rule in rules)
