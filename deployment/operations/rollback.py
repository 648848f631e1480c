"""Rollback: a release already on the hosts goes live again, with the database state it ran with.

The target is the newest good release older than the current one (or ``--to``;
``rollback_choice``). The database moves to the state recorded for the target: migrations
run with the code that has them (the current release going back, the target going
forward); when a step back is irreversible, the backup taken before the current release
migrated is restored, after a safety backup of the data as it is now.

Code and database go in the order that keeps the site up: the older code first when it runs
on the current schema (``verify_schema`` with its models says so: additive changes), the
database first when it does not (a dropped column or table comes back from the backup).
Everything the way back needs (the target on every host, a plan, a backup that verifies)
is checked before anything changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import history, hooks, lock
from ..database import backups, migrations
from ..database.verify import verify
from ..errors import DeployError, NotConfirmed, StepFailed
from ..hosts import Host
from ..inventory import Environment
from ..journal import Journal
from . import consistency, hook_runs
from .consistency import Verdict
from .fleet import OnHosts
from .rollback_choice import choose
from .rollback_plan import PlanSteps
from .steps import Before, Outcome, Step, execute
from .summary import Done, Plan, Summary


@dataclass
class Rollback(PlanSteps, OnHosts):
    environment: Environment
    hosts: dict[str, Host]
    confirm: Callable[[Summary], bool]
    to: str | None = None
    notify: Callable[[str, str], None] = lambda step, state: None
    current: str | None = None
    target: str | None = None
    moves: list[str] = field(default_factory=list)  # app:migration targets
    plan: Plan | None = None
    code_from: str | None = None  # the release whose code moves the database
    code_first: bool = True  # the target's code runs on the current schema
    order_reason: str = ""
    backup: dict | None = None  # the manifest a restore-based way back brings back
    safety: str | None = None  # the id of the safety backup taken before that restore
    reversed: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # going forward (--to a newer release)
    restored: str | None = None
    switched: list[str] = field(default_factory=list)
    metas: dict[str, dict] = field(default_factory=dict)  # release -> what its deploy recorded
    warnings: list[str] = field(default_factory=list)  # hooks that failed after the fact
    database_moving: bool = False  # from then on, going back to the newer code is unsafe

    # --- as an operation (``runner.perform``) ---

    def holder(self) -> lock.Holder:
        return lock.Holder("rollback", self.environment.name, self.to)

    def prepare(self, held: lock.Lock) -> None:
        """Nothing to do before the steps."""

    def run(self, before: Before) -> Done:
        """Choose and plan (read-only, with the preflight), then confirm, move code and
        database in the order the plan chose."""
        read = execute(
            [
                Step("choose", self.choose, changes=False),
                Step("plan", self.make_plan, changes=False),
            ],
            rollback=False,
            notify=self.notify,
            before=before,
        )
        database = Step("database", self.move_database, undo=self.unmove_database)
        go_live = Step("go live", self.go_live, undo=self.go_back)
        order = [go_live, database] if self.code_first else [database, go_live]
        steps = [Step("confirm", self.ask), *order]
        try:
            outcome = execute(steps, notify=self.notify, before=before)
        except StepFailed as failure:
            failure.outcome.durations_ms = {**read.durations_ms, **failure.outcome.durations_ms}
            if not isinstance(failure.error, NotConfirmed):
                self._hooks_after("on_failure", "failed")
            raise
        outcome.durations_ms = {**read.durations_ms, **outcome.durations_ms}
        self._hooks_after("after_rollback", "success")
        return self.done(outcome)

    def _hooks_after(self, phase: str, outcome: str) -> None:
        def moment(name: str) -> hooks.Moment:
            commit = self._meta(self.target).get("commit")
            env = self.environment.name
            return hooks.Moment(env, self.target, commit, self.current, outcome)

        if phase == "on_failure":
            self.warnings += hook_runs.on_failure(self.environment, self.hosts, moment)
        else:
            self.warnings += hook_runs.after(self.environment, self.hosts, phase, moment)

    def journal(self, step: str) -> Journal:
        have, want = self._state(self.current), self._state(self.target)
        return Journal(
            task="rollback",
            env=self.environment.name,
            step=step,
            release=self.target,
            commit=self._meta(self.target).get("commit"),
            previous={name: self.current for name in self.hosts},
            switched=tuple(self.switched),
            backup=self._backup_id(),
            before=have,
            after={app: name for app, name in want.items()},
            reversible=self._reversible(),
            code=self.primary_layout.release(self.code_from) if self.code_from else None,
        )

    def verdict(self) -> Verdict:
        return consistency.check(self.environment, self.hosts)

    def record_success(self, done: Done, verdict: Verdict) -> None:
        self._record("success", done.durations_ms, None)

    def record_failure(self, error: BaseException, verdict: Verdict | None) -> None:
        outcome = "failed" if verdict is None or verdict.consistent else "inconsistent"
        durations = error.outcome.durations_ms if isinstance(error, StepFailed) else {}
        self._record(outcome, durations, str(error))

    def _record(self, outcome: str, durations: dict, message: str | None) -> None:
        event = history.Event(
            event="rollback",
            outcome=outcome,
            env=self.environment.name,
            release=self.target,
            previous_release=self.current,
            backup=self.restored,
            migrations=history.Migrations(tuple(self.applied), tuple(self.reversed)),
            durations_ms=durations,
            message=message,
        )
        history.record(self.primary, self.primary_layout, event)

    def done(self, outcome: Outcome) -> Done:
        return Done(
            env=self.environment.name,
            hosts=tuple(self.hosts),
            release=self.target,
            previous={name: self.current for name in self.hosts},
            applied=tuple(self.applied),
            reversed=tuple(self.reversed),
            restored=self.restored,
            safety=self.safety if self.restored else None,
            durations_ms=dict(outcome.durations_ms),
            warnings=tuple(self.warnings),
        )

    # --- steps ---

    def choose(self) -> None:
        found = choose(self, self.to)
        self.current, self.target, self.metas = found.current, found.target, found.metas

    def ask(self) -> None:
        summary = Summary(
            env=self.environment.name,
            release=self.target,
            commit=self._meta(self.target).get("commit") or "-",
            hosts=tuple(self.hosts),
            plan=self.plan,
            backup=self._backup_id(),
            action="roll back",
            strategy="reverse migrations" if self._reversible() else "restore backup",
            notes=self._notes(),
        )
        if not self.confirm(summary):
            raise NotConfirmed("not confirmed: nothing was changed")

    def _notes(self) -> tuple[str, ...]:
        notes = (f"order: {self.order_reason}",) if self.order_reason else ()
        if self.backup is None:
            return notes
        env = self.environment.name
        return (
            *notes,
            f"the database goes back to backup {self.backup['id']}, taken "
            f"{self.backup.get('created', '?')}: data written since then is replaced; it is "
            f"kept in safety backup {self.safety} (fab restore --env={env} "
            f"--backup={self.safety} brings it back)",
        )

    def move_database(self) -> None:
        if not self.moves:
            return
        self.database_moving = True
        layout, manage = self.primary_layout, self.environment.managed
        path = layout.release(self.code_from)
        if self._reversible():
            report = migrations.migrate(self.primary, layout, path, manage, *self.moves)
            self.reversed, self.applied = report["reversed"], report["applied"]
            return
        commit = self._meta(self.current).get("commit") or "-"  # the data now goes with it
        backups.restore(self.primary, layout, path, manage, self.backup, commit, self.safety)
        self.restored = self.backup["id"]
        # The backup holds the state before the current release migrated; the target may be
        # older still (a release in between was bad): from there, migrations reach its state.
        want = self._state(self.target)
        targets = [f"{app}:{name}" for app, name in sorted(want.items())]
        targets += [f"{app}:zero" for app in sorted(set(self._backed_up()) - set(want))]
        report = migrations.migrate(self.primary, layout, path, manage, *targets)
        self.reversed, self.applied = report["reversed"], report["applied"]

    def _backed_up(self) -> dict[str, str]:
        """Each app's last migration in the backup (its manifest lists them)."""
        listed = (self.backup or {}).get("migrations") or {}
        return {app: names[-1] for app, names in listed.items() if names}

    def _reversible(self) -> bool:
        return self.plan is None or self.plan.operations_reversible()

    def _backup_id(self) -> str | None:
        return self._meta(self.current).get("backup")

    def _meta(self, release: str | None) -> dict:
        """What the deploy of ``release`` recorded (``choose`` read them all), or {}."""
        return self.metas.get(release or "", {})

    def _state(self, release: str | None) -> dict[str, str]:
        return dict(self._meta(release).get("state") or {})

    def unmove_database(self) -> None:
        """Back to the state the rollback started from, with the code of the release it left:
        migrations when the way was reversible, else the safety backup its restore took."""
        if not self.database_moving:
            return
        layout, manage = self.primary_layout, self.environment.managed
        path = layout.release(self.current)
        if self.restored:
            manifest = backups.read_manifest(self.primary, layout, self.safety)
            commit = self._meta(self.target).get("commit") or "-"
            backups.restore(self.primary, layout, path, manage, manifest, commit)
        elif self._reversible():
            have, want = self._state(self.current), self._state(self.target)
            targets = [f"{app}:{name}" for app, name in sorted(have.items())]
            targets += [f"{app}:zero" for app in sorted(set(want) - set(have))]
            migrations.migrate(self.primary, layout, path, manage, *targets)
        else:
            raise DeployError(f"the database may be half way to {self.target}'s state")
        self.database_moving = False

    def _current_matches(self) -> bool:
        """The release rolled back from still matches the database: its move failed whole
        (a migration's transaction rolled back), so going back to it is safe."""
        path = self.primary_layout.release(self.current)
        try:
            verify(self.primary, path, self.environment.managed, system_checks=False)
        except DeployError:
            return False
        return True

    def go_live(self) -> None:
        self.each(lambda name, host: self.put_live(name, self.target, self.switched))

    def go_back(self) -> None:
        if self.database_moving and not self._current_matches():
            raise DeployError(
                f"{self.target} stays live: the database has begun moving to its state, "
                f"which {self.current}'s code may not run on"
            )
        for name in list(self.switched):
            if self.current:
                self.put_live(name, self.current, [], check=False)
            self.switched.remove(name)
