"""What a migration plan is made of, and its JSON shape (``manage.py migration_plan``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

INDEX_ROWS = 100_000  # an index built on a bigger table blocks writes for too long

Rows = Mapping[str, "int | None"]


@dataclass(frozen=True)
class Risk:
    """Why an operation may hurt a live site.

    ``min_rows`` set: the risk is real only on ``table`` holding more rows than that.
    """

    reason: str
    table: str | None = None
    min_rows: int | None = None

    def applies(self, rows: Rows) -> bool:
        if self.min_rows is None:
            return True
        estimate = rows.get(self.table or "")
        return estimate is not None and estimate > self.min_rows


@dataclass
class Operation:
    """One migration operation as ``migrate`` will run it."""

    type: str
    description: str
    reversible: bool
    risks: list[Risk] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    def dangerous(self, rows: Rows) -> bool:
        return any(risk.applies(rows) for risk in self.risks)

    def as_json(self, rows: Rows) -> dict:
        return {
            "type": self.type,
            "description": self.description,
            "reversible": self.reversible,
            "dangerous": self.dangerous(rows),
            "reasons": [risk.reason for risk in self.risks],
            "tables": self.tables,
        }


@dataclass
class Migration:
    """One migration of the plan; ``backwards``: ``migrate`` unapplies it."""

    app: str
    name: str
    atomic: bool
    backwards: bool
    operations: list[Operation]
    post_deploy: bool = False  # runs after go-live (schema_safety.plan.phases)

    @property
    def label(self) -> str:
        return f"{self.app}.{self.name}"

    @property
    def reversible(self) -> bool:
        # Undoing a backwards step re-applies it, but what it dropped stays lost.
        return not self.backwards and all(op.reversible for op in self.operations)

    def as_json(self, rows: Rows) -> dict:
        return {
            "app": self.app,
            "name": self.name,
            "backwards": self.backwards,
            "reversible": self.reversible,
            "atomic": self.atomic,
            "post_deploy": self.post_deploy,
            "operations": [op.as_json(rows) for op in self.operations],
        }

    def dangers(self, rows: Rows) -> list[dict]:
        return [
            {
                "migration": self.label,
                "operation": op.description,
                "reasons": [risk.reason for risk in op.risks if risk.applies(rows)],
            }
            for op in self.operations
            if op.dangerous(rows)
        ]


@dataclass
class Plan:
    """What ``migrate`` would do on one database, and how to come back from it."""

    database: str
    vendor: str
    before: dict[str, str]
    after: dict[str, str]
    migrations: list[Migration]
    tables: dict[str, dict] = field(default_factory=dict)
    # With post-deploy migrations: {"deploy": targets, "post_deploy": targets} (app:name).
    phases: dict[str, list[str]] | None = None

    @property
    def reversible(self) -> bool:
        return all(migration.reversible for migration in self.migrations)

    def touched(self) -> list[str]:
        found = {t for m in self.migrations for op in m.operations for t in op.tables}
        return sorted(found)

    def as_json(self) -> dict:
        rows = {table: size["rows"] for table, size in self.tables.items()}
        return {
            "ok": True,
            "database": self.database,
            "vendor": self.vendor,
            "before": self.before,
            "after": self.after,
            "migrations": [migration.as_json(rows) for migration in self.migrations],
            "dangerous": [d for migration in self.migrations for d in migration.dangers(rows)],
            "reversible": self.reversible,
            "strategy": "reverse migrations" if self.reversible else "restore backup",
            "tables": self.tables,
            "phases": self.phases,
        }
