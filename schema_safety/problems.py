"""A problem: one difference between the live schema and what the models need."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

KINDS = (
    "missing_table",
    "extra_table",
    "missing_column",
    "extra_column",
    "type_mismatch",
    "null_mismatch",
    "primary_key_mismatch",
    "missing_foreign_key",
    "foreign_key_mismatch",
    "missing_unique",
    "missing_index",
    "missing_check",
    "critical_relationship",
    # Beyond Django's introspection (design.md, "verify_schema kinds added").
    "check_mismatch",
    "index_mismatch",
    "default_mismatch",
    "sequence_behind",
    "collation_mismatch",
    "extra_unique",
    "extra_index",
)
ERROR, WARNING = "error", "warning"
# Kinds whose column alone does not say which object is meant.
_DETAILED = frozenset(
    {
        "missing_unique",
        "missing_index",
        "missing_check",
        "missing_foreign_key",
        "foreign_key_mismatch",
        "check_mismatch",
        "index_mismatch",
        "extra_unique",
        "extra_index",
    }
)


@dataclass(frozen=True)
class Problem:
    kind: str
    severity: str
    table: str
    message: str
    app: str | None = None
    model: str | None = None
    column: str | None = None
    expected: str | None = None
    actual: str | None = None
    hint: str | None = None

    @property
    def key(self) -> tuple:
        """What the problem is about, independent of wording: compares across descriptions."""
        detail = self.expected if self.kind in _DETAILED else None
        return (self.kind, self.table, self.column, detail)

    def with_hint(self, hint: str | None) -> Problem:
        if not hint:
            return self
        joined = f"{self.hint} {hint}" if self.hint else hint
        return replace(self, hint=joined)

    def as_json(self) -> dict:
        data = asdict(self)
        order = (
            "kind",
            "severity",
            "app",
            "model",
            "table",
            "column",
            "expected",
            "actual",
            "message",
            "hint",
        )
        return {name: data[name] for name in order}


def table_problem(table, kind: str, column: str | None, message: str, **extra) -> Problem:
    """An error about ``table`` (anything with name, app and model), owned by its model."""
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
