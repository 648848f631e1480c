"""fab recover: finish or undo an operation that was interrupted or left the environment
inconsistent, from what its journal says and what the hosts and the database show.

It waits for a remote step still running (a migration goes on when ``fab`` is killed), reads
the database's migration state, and then goes:

- forward, when the database is at the state the operation was going to and the release
  going live matches it (a rollback that stopped is always finished forward: its way back
  is what it was doing): every host goes live on that release;
- back otherwise: the database returns to the state recorded before the operation (reverse
  migrations with the newer code, checked; the backup, after a safety backup, when they fail
  or leave it otherwise), and every host goes back to the release it served.

Without a journal, every host goes live on the one release served whose models match the
database. Each way ends on the consistency check, like every operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import journal as journals
from .. import lock
from ..database import backups, migrations
from ..database.verify import verify
from ..errors import DeployError, NotConfirmed
from ..hosts import Host
from ..inventory import Environment
from ..remote import detached
from . import consistency, recover_records
from .consistency import Verdict
from .fleet import OnHosts
from .steps import Before, Outcome, Step, execute
from .summary import Done, Summary

FORWARD, BACK, NOTHING = "forward", "back", "nothing to do"


@dataclass
class Recover(OnHosts):
    environment: Environment
    hosts: dict[str, Host]
    confirm: Callable[[Summary], bool]
    notify: Callable[[str, str], None] = lambda step, state: None
    found: journals.Journal | None = None
    waited: list[str] = field(default_factory=list)  # remote steps that were still running
    before_verdict: Verdict | None = None
    target: str | None = None  # the release every host ends on
    direction: str = NOTHING
    newer: str | None = None  # the path of the code that knows every migration on the way
    state: dict[str, str] = field(default_factory=dict)  # the database's migration state
    verified: str | None = None
    reversed: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    restored: str | None = None
    switched: list[str] = field(default_factory=list)
    taken_from: lock.LockInfo | None = None  # the lock of the operation that stopped

    # --- as an operation ---

    def holder(self) -> lock.Holder:
        return lock.Holder("recover", self.environment.name)

    def prepare(self, held: lock.Lock) -> None:
        """Whose lock was taken over, for the history."""
        self.taken_from = held.taken_from

    def run(self, before: Before) -> Done:
        steps = [
            Step("read", self.read, changes=False),
            Step("confirm", self.ask),
            Step("database", self.move_database),
            Step("go live", self.go_live),
        ]
        return self.done(execute(steps, rollback=False, notify=self.notify, before=before))

    def journal(self, step: str) -> journals.Journal | None:
        """The journal found, its step saying where recover is, until it ends consistent."""
        if self.found is None:
            return None
        return journals.Journal.from_json({**self.found.as_json(), "step": f"recover: {step}"})

    def verdict(self) -> Verdict:
        return consistency.check(self.environment, self.hosts, verified=self.verified)

    def record_success(self, done: Done, verdict: Verdict | None) -> None:
        recover_records.record(self, "success", done.durations_ms, recover_records.said(self))

    def record_failure(self, error: BaseException, verdict: Verdict | None) -> None:
        outcome = "failed" if verdict is None or verdict.consistent else "inconsistent"
        durations = getattr(getattr(error, "outcome", None), "durations_ms", {})
        recover_records.record(self, outcome, durations, str(error))

    def done(self, outcome: Outcome) -> Done:
        serving = self.before_verdict.serving if self.before_verdict else {}
        return Done(
            env=self.environment.name,
            hosts=tuple(self.hosts),
            release=self.target,
            previous=dict(serving),
            applied=tuple(self.applied),
            reversed=tuple(self.reversed),
            restored=self.restored,
            durations_ms=dict(outcome.durations_ms),
        )

    # --- steps ---

    def read(self) -> None:
        """The journal, remote steps waited for, what the hosts serve; then the way out."""
        layout, env = self.primary_layout, self.environment
        self.found = journals.read(self.primary, layout, env.name)
        self.waited = self.primary.run(detached.running_command(layout)).stdout.split()
        for where in self.waited:
            detached.wait(self.primary, where)
        self.before_verdict = consistency.check(env, self.hosts)
        if self.found is None or self.found.step == journals.UNREADABLE:
            self._without_journal()
        else:
            self._decide(self.found)

    def _without_journal(self) -> None:
        verdict = self.before_verdict
        if verdict.consistent and (self.found is None or self.found.release is None):
            self.target, self.verified = verdict.release, verdict.release
            return
        for release in dict.fromkeys(r for r in verdict.serving.values() if r):
            if self._matches(release):
                self.target, self.direction = release, "onto the release that matches"
                return
        raise DeployError(
            "no release the hosts serve matches the database, and no journal says how it "
            "got there: restore a backup (fab backups, then fab restore --backup=ID)"
        )

    def _decide(self, found: journals.Journal) -> None:
        primary = self.environment.primary.name
        previous = found.previous.get(primary) or self.before_verdict.serving.get(primary)
        if found.release is None or previous is None:  # stopped before it named its release
            return self._without_journal()
        self.newer = found.code or (
            self.primary_layout.release(found.release) if found.release else None
        )
        self.state = self._state(self.newer) if self.newer else {}
        at_goal = self.state == {**found.before, **found.after}
        if found.task == "rollback" or (at_goal and self._matches(found.release)):
            self.target, self.direction = found.release, FORWARD
        else:
            self.target, self.direction = previous, BACK

    def _state(self, path: str) -> dict[str, str]:
        try:
            return dict(migrations.plan(self.primary, path, self.environment.managed)["before"])
        except (DeployError, KeyError, TypeError):
            return {}

    def _matches(self, release: str | None) -> bool:
        """verify_schema with ``release``'s models finds no error in the database."""
        if release is None:
            return False
        path = self.primary_layout.release(release)
        try:
            verify(self.primary, path, self.environment.managed, system_checks=False)
        except DeployError:
            return False
        self.verified = release
        return True

    def ask(self) -> None:
        found = self.found
        what = f"{found.task} of {found.release} stopped at {found.step}" if found else "none"
        serving = self.before_verdict.serving if self.before_verdict else {}
        summary = Summary(
            env=self.environment.name,
            release=self.target or "-",
            commit=(found.commit if found and self.target == found.release else None) or "-",
            hosts=tuple(self.hosts),
            backup=found.backup if found else None,
            action="recover",
            notes=(
                f"interrupted operation: {what}; hosts serve: "
                + ", ".join(f"{host}: {release or 'nothing'}" for host, release in serving.items()),
                f"recovery: {self.direction}, every host on {self.target}",
            ),
        )
        if not self.confirm(summary):
            raise NotConfirmed("not confirmed: nothing was changed")

    def move_database(self) -> None:
        """To the state the way out needs: migrations first, checked; the backup when they
        fail or leave the schema otherwise."""
        found = self.found
        if found is None or self.verified == self.target:
            return
        goal = self._goal(found)
        targets = migrations.state_targets(dict(goal), self.state)
        targets += [f"{app}:zero" for app in sorted(set(self.state) - set(goal))]
        if targets and self.newer and (found.reversible or self.direction == FORWARD):
            try:
                report = migrations.migrate(
                    self.primary,
                    self.primary_layout,
                    self.newer,
                    self.environment.managed,
                    *targets,
                )
                self.reversed, self.applied = report["reversed"], report["applied"]
            except DeployError:
                pass  # checked below; the backup is the way left
        if self._matches(self.target):
            return
        self._restore(found)

    def _goal(self, found: journals.Journal) -> dict[str, str]:
        """The migration state the way out ends on."""
        if self.direction != FORWARD:
            return dict(found.before)
        if found.task == "rollback":
            return dict(found.after)  # the target's state: apps it lacks go to zero
        return {**found.before, **found.after}

    def _restore(self, found: journals.Journal) -> None:
        if not found.backup:
            raise DeployError(
                f"the database does not match {self.target} and the journal names no "
                "backup: restore one (fab backups, then fab restore --backup=ID)"
            )
        layout, manage = self.primary_layout, self.environment.managed
        path = self.newer or layout.release(self.target)
        manifest = backups.read_manifest(self.primary, layout, found.backup)
        backups.restore(self.primary, layout, path, manage, manifest, found.commit or "-")
        self.restored = found.backup
        if not self._matches(self.target):
            raise DeployError(
                f"the database does not match {self.target} even after restoring {found.backup}"
            )

    def go_live(self) -> None:
        """Every host on the target release, restarted and health-checked."""
        if self.direction == NOTHING:
            return
        # Every host, even one whose link already says the target: an interrupted restart
        # may have left it serving another release's processes.
        self.each(lambda name, host: self.put_live(name, self.target, self.switched))
