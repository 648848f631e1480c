"""What flows between the engine and the operator: the migration plan, the summary shown
before confirming, and what an operation did (frozen values; the tasks render them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Plan:
    """``migration_plan``'s document: the state before and after, the migrations on the way
    (each with its operations, reversibility and dangers) and the rollback strategy."""

    before: Mapping[str, str] = field(default_factory=dict)
    after: Mapping[str, str] = field(default_factory=dict)
    migrations: tuple[Mapping[str, Any], ...] = ()
    dangerous: tuple[Mapping[str, Any], ...] = ()
    reversible: bool = False
    strategy: str | None = None
    # With post-deploy migrations: {"deploy": [app:name...], "post_deploy": [...]}.
    phases: Mapping[str, tuple[str, ...]] | None = None

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Plan:
        return cls(
            before=dict(document.get("before") or {}),
            after=dict(document.get("after") or {}),
            migrations=tuple(document.get("migrations") or ()),
            dangerous=tuple(document.get("dangerous") or ()),
            reversible=bool(document.get("reversible", False)),
            strategy=document.get("strategy"),
            phases=_phases(document.get("phases")),
        )

    @property
    def post_deploy(self) -> tuple[str, ...]:
        """The targets of the migrations that run after go-live (none: no second phase)."""
        return tuple((self.phases or {}).get("post_deploy", ()))

    def deploy_targets(self) -> tuple[str, ...] | None:
        """The targets the migrate step migrates to; None: every pending migration."""
        return tuple(self.phases.get("deploy", ())) if self.phases else None

    @property
    def backwards(self) -> bool:
        """The plan reverses migrations (a rollback's way back)."""
        return any(m.get("backwards") for m in self.migrations)

    @property
    def state_after(self) -> dict[str, str]:
        """Every app's last migration once the plan has run."""
        return {**self.before, **self.after}

    def operations_reversible(self) -> bool:
        """Every operation on the way can run in the plan's direction without a backup.

        (The plan marks backwards migrations not reversible, as re-applying them cannot bring
        back what they drop; going back is what a rollback means, so their operations decide.)
        """
        return all(
            operation.get("reversible", False)
            for migration in self.migrations
            for operation in migration.get("operations", [])
        )


def _phases(found) -> dict[str, tuple[str, ...]] | None:
    if not isinstance(found, Mapping):
        return None
    return {name: tuple(targets or ()) for name, targets in found.items()}


@dataclass(frozen=True)
class Summary:
    """What the operator confirms: the action, where, which release, its plan and backup."""

    env: str
    release: str
    commit: str
    hosts: tuple[str, ...]
    plan: Plan | None = None
    backup: str | None = None
    action: str = "deploy"
    strategy: str | None = None  # the way back, where the plan alone does not say it
    notes: tuple[str, ...] = ()  # said before the summary (what a restore replaces)
    warnings: tuple[str, ...] = ()
    rehearsal: tuple[str, ...] = ()  # what the rehearsal found, said after the plan


@dataclass(frozen=True)
class Done:
    """What an operation did, for the report and the JSON document."""

    env: str
    hosts: tuple[str, ...]
    release: str | None = None
    commit: str | None = None
    previous: Mapping[str, str | None] = field(default_factory=dict)  # host -> release before
    backup: str | None = None
    applied: tuple[str, ...] = ()
    reversed: tuple[str, ...] = ()
    restored: str | None = None
    safety: str | None = None  # the safety backup a restore took: the data it replaced
    durations_ms: Mapping[str, int] = field(default_factory=dict)
    undone: tuple[str, ...] = ()
    undo_failures: tuple[str, ...] = ()
    plan: Plan | None = None  # the migration plan it ran
    rehearsal: Mapping[str, Any] | None = None  # what the rehearsal found (its JSON)
    warnings: tuple[str, ...] = ()  # what failed after the fact (hooks), changing nothing
