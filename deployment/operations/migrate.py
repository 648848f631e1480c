"""``fab migrate``: the seed's safe migration, on the current release alone.

verify -> plan -> backup -> confirm -> migrate -> verify + system checks; a
failure after migrating brings the database back (reverse or restore).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .. import history, hooks, lock
from ..database import backups, migrations
from ..database.verify import verify
from ..errors import DeployError, NotConfirmed, NothingDeployed, StepFailed
from ..hosts import Host
from ..inventory import Environment
from ..journal import Journal
from ..releases.current import Live, live
from . import consistency, hook_runs
from .consistency import Verdict
from .fleet import OnPrimary
from .steps import Before, Outcome, Step, execute
from .summary import Done, Plan, Summary


@dataclass
class SafeMigration(OnPrimary):
    environment: Environment
    host: Host  # the primary, connected
    confirm: Callable[[Summary], bool]
    notify: Callable[[str, str], None] = lambda step, state: None
    skip_checks: bool = False  # the emergency override: no verification before migrating
    plan: Plan | None = None
    backup: dict | None = None
    applied: list[str] = field(default_factory=list)
    reversed: list[str] = field(default_factory=list)
    restored: str | None = None
    live: Live | None = None  # the release migrated, read by the first step
    verified: str | None = None  # verify_schema passed for it since the database last moved

    @property
    def path(self) -> str:
        return self.primary_layout.current

    def steps(self) -> list[Step]:
        return [
            Step("verify before", self.verify_before, changes=False),
            Step("plan", self.make_plan, changes=False),
            Step("backup", self.take_backup),
            Step("confirm", self.ask),
            Step("migrate", self.migrate, undo=self.unmigrate),
            Step("verify after", self.verify_after),
        ]

    # --- as an operation (``runner.perform``) ---

    def holder(self) -> lock.Holder:
        return lock.Holder("migrate", self.environment.name)

    def prepare(self, held: lock.Lock) -> None:
        """The emergency override, recorded."""
        if self.skip_checks:
            message = "fab migrate: schema verification before migrating skipped"
            override = history.Event("override", "success", self.environment.name, message=message)
            history.record(self.host, self.primary_layout, override)

    def run(self, before: Before) -> Done:
        rollback = self.environment.on_failure == "rollback"
        outcome = execute(self.steps(), rollback=rollback, notify=self.notify, before=before)
        return self.done(outcome)

    def journal(self, step: str) -> Journal:
        plan, live_ = self.plan or Plan(), self.live
        release = live_.release if live_ else None
        return Journal(
            task="migrate",
            env=self.environment.name,
            step=step,
            release=release,
            commit=live_.commit if live_ else None,
            previous={self.environment.primary.name: release},
            switched=(self.environment.primary.name,),
            backup=(self.backup or {}).get("id"),
            before=plan.before,
            after=plan.after,
            reversible=plan.reversible,
            code=live_.path if live_ else None,
        )

    def verdict(self) -> Verdict:
        hosts = {self.environment.primary.name: self.host}
        return consistency.check(self.environment, hosts, verified=self.verified)

    def rehearse(self) -> Summary:
        """--dry-run: verify and plan only; what migrating would do."""
        execute(self.steps(), rollback=False, dry_run=True, notify=self.notify)
        return Summary(
            env=self.environment.name,
            release="current",
            commit="current",
            hosts=(self.environment.primary.name,),
            plan=self.plan,
        )

    def record_success(self, done: Done, verdict: Verdict) -> None:
        self._record("success", done.durations_ms, None)

    def record_failure(self, error: BaseException, verdict: Verdict | None) -> None:
        durations = error.outcome.durations_ms if isinstance(error, StepFailed) else {}
        outcome = "failed" if verdict is None or verdict.consistent else "inconsistent"
        self._record(outcome, durations, str(error))

    def _record(self, outcome: str, durations: dict, message: str | None) -> None:
        event = history.Event(
            event="migrate",
            outcome=outcome,
            env=self.environment.name,
            backup=(self.backup or {}).get("id"),
            migrations=history.Migrations(tuple(self.applied), tuple(self.reversed)),
            durations_ms=durations,
            message=message,
        )
        history.record(self.host, self.primary_layout, event)

    def done(self, outcome: Outcome) -> Done:
        return Done(
            env=self.environment.name,
            hosts=(self.environment.primary.name,),
            release=self.live.release if self.live else None,
            commit=self.live.commit if self.live else None,
            backup=(self.backup or {}).get("id"),
            applied=tuple(self.applied),
            reversed=tuple(self.reversed),
            restored=self.restored,
            durations_ms=dict(outcome.durations_ms),
            plan=self.plan,
        )

    # --- steps ---

    def verify_before(self) -> None:
        env = self.environment.name
        try:
            self.live = live(self.host, self.primary_layout)
        except NothingDeployed:
            raise DeployError(
                f"nothing is deployed to {env} yet: run fab deploy --env={env} first"
            ) from None
        if self.skip_checks:
            return
        try:
            verify(
                self.host, self.path, self.environment.managed, system_checks=False, pending_ok=True
            )
        except DeployError as error:
            raise DeployError(f"the schema does not match before migrating: {error}") from None

    def make_plan(self) -> None:
        document = migrations.plan(self.host, self.path, self.environment.managed)
        self.plan = Plan.from_json(document)

    def take_backup(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.backup = backups.take(
            self.host,
            self.primary_layout,
            self.path,
            self.environment.managed,
            f"migrate-{stamp}",
            self.live.commit,
        )

    def ask(self) -> None:
        summary = Summary(
            env=self.environment.name,
            release=self.live.release,
            commit=self.live.commit,
            hosts=(self.environment.primary.name,),
            plan=self.plan,
            backup=(self.backup or {}).get("id"),
            action="migrate",
        )
        if not self.confirm(summary):
            raise NotConfirmed("not confirmed: nothing was changed")

    def migrate(self) -> None:
        self.verified = None  # the database moves
        release, commit = self.live.release, self.live.commit
        moment = hooks.Moment(self.environment.name, release, commit, release)
        hook_runs.before(self.environment, self.host, "before_migrate", self.path, moment)
        layout, manage = self.primary_layout, self.environment.managed
        self.applied = migrations.migrate(self.host, layout, self.path, manage)["applied"]

    def unmigrate(self) -> None:
        self.reversed, self.restored = migrations.bring_back(
            self.host,
            self.primary_layout,
            self.path,
            self.environment.managed,
            self.plan,
            self.backup,
            matches=self.path,
        )
        self.verified = self.live.release

    def verify_after(self) -> None:
        verify(self.host, self.path, self.environment.managed)
        self.verified = self.live.release
