"""The deploy protocol: checks, release, plan, backup, confirm, migrate, verify, go live.

Each step has its undo; a failure in migrate, verify or go-live brings code and
database back when the environment says ``on_failure: rollback``. The engine
never prints or prompts: ``notify`` reports progress, ``confirm`` asks.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import history, lock
from ..checks import predeploy
from ..checks import promotion_gate as promotion
from ..database import backups, migrations
from ..database.verify import verify
from ..errors import DeployError, NotConfirmed, StepFailed
from ..hosts import Host
from ..inventory import Environment
from ..journal import Journal
from ..releases import mirror, worktree
from ..releases.worktree import Release
from ..remote.run import checked
from . import consistency, deploy_records
from .consistency import Verdict
from .fleet import OnHosts
from .steps import Before, Outcome, Step, execute
from .summary import Done, Plan, Summary


@dataclass
class Deployment(OnHosts):
    environment: Environment
    hosts: dict[str, Host]
    ref: str
    confirm: Callable[[Summary], bool]
    notify: Callable[[str, str], None] = lambda step, state: None
    allow_dangerous: bool = False
    skip_checks: bool = False
    promotion_source: promotion.Source | None = None  # promote_from's history (tasks read it)
    force_promotion: bool = False
    ref_given: str | None = None  # --ref as typed (the lock says it); None: the branch
    dry_run: bool = False
    verified: str | None = None  # the release verify_schema passed for since the database moved
    moved: dict[str, str] = field(default_factory=dict)  # host -> repository it fetched before
    # What the run found and did, for the report and the history.
    release: Release | None = None
    listings: dict[str, worktree.Listing] = field(default_factory=dict)  # host name -> before
    plan: Plan | None = None
    backup: dict | None = None  # the backup's manifest
    applied: list[str] = field(default_factory=list)
    reversed: list[str] = field(default_factory=list)
    switched: list[str] = field(default_factory=list)
    restored: str | None = None
    preview: str | None = None  # --dry-run's throwaway copy of the release, on the primary
    blocked: str | None = None  # --dry-run: why the real deploy would stop at the plan

    @property
    def previous(self) -> dict[str, str | None]:
        """Host name -> the release it served before (None: nothing), in inventory order."""
        return {name: listing.current for name, listing in self.listings.items()}

    @property
    def backup_id(self) -> str | None:
        return (self.backup or {}).get("id")

    def new_release_path(self) -> str:
        return self.preview or self.primary_layout.release(self.release.name)

    def steps(self) -> list[Step]:
        return [
            Step("checks", self.check, changes=False),
            Step(
                "release",
                self.create_release,
                undo=self.remove_release,
                dry_run=self.preview_release,
            ),
            Step("plan", self.make_plan, changes=False),
            Step("backup", self.take_backup),
            Step("confirm", self.ask),
            Step("migrate", self.migrate, undo=self.unmigrate),
            Step("verify", self.verify),
            Step("go live", self.go_live, undo=self.go_back),
        ]

    # --- as an operation (``runner.perform``) ---

    def holder(self) -> lock.Holder:
        return lock.Holder("deploy", self.environment.name, self.ref_given)

    def prepare(self, held: lock.Lock) -> None:
        """No other host of the fleet holds a lock; the emergency override recorded."""
        others = [(h, self.layout(n)) for n, h in self.hosts.items() if h is not self.primary]
        lock.check_all([h for h, _ in others], [lay for _, lay in others], held.holder.env, held)
        if self.skip_checks:
            event = deploy_records.event(self, "override", "success", {})
            history.record(self.primary, self.primary_layout, event)

    def run(self, before: Before) -> Done:
        rollback = self.environment.on_failure == "rollback"
        try:
            outcome = execute(self.steps(), rollback=rollback, notify=self.notify, before=before)
        except StepFailed as failure:
            failure.done = self.done(failure.outcome)
            raise
        return self.done(outcome)

    def journal(self, step: str) -> Journal:
        release, plan = self.release, self.plan or Plan()
        return Journal(
            task="deploy",
            env=self.environment.name,
            step=step,
            release=release.name if release else None,
            commit=release.commit if release else None,
            previous=self.previous,
            switched=tuple(self.switched),
            backup=self.backup_id,
            before=plan.before,
            after=plan.after,
            reversible=plan.reversible,
            code=self.new_release_path() if release else None,
        )

    def verdict(self) -> Verdict:
        return consistency.check(self.environment, self.hosts, verified=self.verified)

    def rehearse(self) -> Summary | None:
        """--dry-run: checks, a throwaway copy of the release, its plan; nothing else changes
        (but the hosts' mirrors). The summary of what a deploy would do, if it got that far."""
        self.dry_run = True
        try:
            execute(self.steps(), rollback=False, dry_run=True, notify=self.notify)
        finally:
            self.remove_preview()
        return self.summary() if self.release is not None else None

    def record_success(self, done: Done, verdict: Verdict) -> None:
        deploy_records.success(self, done.durations_ms)

    def record_failure(self, error: BaseException, verdict: Verdict | None) -> None:
        deploy_records.failure(self, error, verdict)

    def done(self, outcome: Outcome) -> Done:
        release = self.release
        return Done(
            env=self.environment.name,
            hosts=tuple(self.hosts),
            release=release.name if release else None,
            commit=release.commit if release else None,
            previous=self.previous,
            backup=self.backup_id,
            applied=tuple(self.applied),
            reversed=tuple(self.reversed),
            restored=self.restored,
            durations_ms=dict(outcome.durations_ms),
            undone=tuple(outcome.undone),
            undo_failures=tuple(outcome.undo_failures),
        )

    # --- steps ---

    def check(self) -> None:
        self.promote()
        if self.skip_checks:
            return
        report = predeploy.run(
            self.environment,
            lambda spec: self.hosts[spec.name],
            close=False,
            source=self.promotion_source,
        )
        failed = [
            f"{h.host}: {c.name} ({c.detail})"
            for h in report.hosts
            for c in h.checks
            if c.status == "fail" and c.name not in ("lock", "promotion")  # gated by promote()
        ]
        if failed:
            raise DeployError("pre-deploy checks failed: " + "; ".join(failed[:5]))

    def promote(self) -> None:
        """The promotion gate, for the commit ``ref`` names (before anything is fetched)."""
        if self.promotion_source is None:
            return
        listing = self.primary.run(promotion.ls_remote(self.environment.repository)).stdout
        commit = promotion.resolve(self.ref, listing)
        message = promotion.gate(
            self.environment, self.promotion_source, commit, self.force_promotion
        )
        if message and not self.dry_run:
            event = history.Event("override", "success", self.environment.name, message=message)
            history.record(self.primary, self.primary_layout, event)

    def create_release(self) -> None:
        """Two round trips per host: fetch (and resolve on the primary), then create and build."""
        self._name_release()
        env = self.environment
        self.each(
            lambda name, host: checked(
                host,
                worktree.create_and_build(
                    self.layout(name), self.release, env.shared, env.build, env.env_file
                ),
                "creating the release",
            )
        )

    def preview_release(self) -> None:
        """--dry-run: the new release's code in a throwaway folder on the primary, for the plan."""
        self._name_release()
        env, layout = self.environment, self.primary_layout
        self.preview = layout.preview(secrets.token_hex(4))
        script = worktree.preview(
            layout, self.preview, self.release.commit, env.shared, env.build, env.env_file
        )
        checked(self.primary, script, "preparing a preview of the release")

    def _name_release(self) -> None:
        """Every host fetched and listed (in inventory order); the release of the commit
        ``ref`` names, as the primary resolved it, if it is on the environment's branch."""
        env = self.environment

        def fetch(name, host) -> mirror.Fetched:
            ref = self.ref if host is self.primary else None
            return mirror.fetch(host, self.layout(name), env.repository, ref, env.branch)

        fetched = dict(zip(self.hosts, self.each(fetch), strict=True))
        self.listings = {name: answer.listing for name, answer in fetched.items()}
        self.moved = {n: a.moved_from for n, a in fetched.items() if a.moved_from}
        answer = fetched[env.primary.name]
        if answer.commit is None:
            raise DeployError(f"{self.ref} names no commit in {env.repository}")
        if not answer.on_branch:
            raise DeployError(
                f"{self.ref} ({answer.commit[:7]}) is not on {env.branch}, the only "
                f"branch {env.name} deploys from"
            )
        self.release = Release.new(answer.commit)

    def remove_preview(self) -> None:
        if self.preview is not None:
            self.primary.run(worktree.remove_preview(self.preview))
            self.preview = None

    def remove_release(self) -> None:
        if self.release is None:
            return
        self.each(
            lambda name, host: (
                host.run(worktree.remove(self.layout(name), self.release.name))
                if name not in self.switched
                else None
            )
        )

    def make_plan(self) -> None:
        document = migrations.plan(self.primary, self.new_release_path(), self.environment.managed)
        self.plan = Plan.from_json(document)
        dangerous = self.plan.dangerous
        if dangerous and self.environment.protected and not self.allow_dangerous:
            listed = "; ".join(f"{d['migration']}: {', '.join(d['reasons'])}" for d in dangerous)
            self.blocked = (
                f"dangerous operations stop a production deploy: {listed}; "
                f"review them, then pass --allow-dangerous"
            )
            if not self.dry_run:
                raise DeployError(self.blocked)

    def take_backup(self) -> None:
        self.backup = backups.take(
            self.primary,
            self.primary_layout,
            self.new_release_path(),
            self.environment.managed,
            self.release.name,
            self.release.commit,
        )

    def ask(self) -> None:
        if not self.confirm(self.summary()):
            raise NotConfirmed("not confirmed: nothing was changed")

    def migrate(self) -> None:
        self.verified = None  # the database moves: what was verified no longer holds
        layout, path = self.primary_layout, self.new_release_path()
        report = migrations.migrate(self.primary, layout, path, self.environment.managed)
        self.applied = report["applied"]

    def unmigrate(self) -> None:
        """Back to the state before: reverse migrations, or restore the backup.

        Not while a host still serves the new release: its migrations must stay applied.
        """
        if self.switched:
            env = self.environment.name
            raise DeployError(
                f"migrations left applied: {', '.join(self.switched)} serve "
                f"{self.release.name}, which needs them; once every host answers: "
                f"fab status --env={env}, then fab deploy --env={env} or fab rollback --env={env}"
            )
        previous = self.previous.get(self.environment.primary.name)
        self.reversed, self.restored = migrations.bring_back(
            self.primary,
            self.primary_layout,
            self.new_release_path(),
            self.environment.managed,
            self.plan,
            self.backup,
            matches=self.primary_layout.release(previous) if previous else None,
        )
        self.verified = previous

    def verify(self) -> None:
        verify(self.primary, self.new_release_path(), self.environment.managed)
        self.verified = self.release.name

    def go_live(self) -> None:
        """Every host switched, restarted and health-checked, in parallel, one round trip each."""
        self.each(lambda name, host: self.put_live(name, self.release.name, self.switched))

    def go_back(self) -> None:
        """Switch every host that switched back to its previous release (and restart it).

        If one cannot be reached, the fleet must not stay mixed: the hosts already switched
        back go forward again, so that every host serves the new release, whose migrations
        then stay applied (``unmigrate`` sees ``switched`` and leaves them).
        """
        lost, back = [], []
        for name in list(self.switched):
            previous = self.previous.get(name)
            try:
                if previous:
                    self.put_live(name, previous, [], check=False)
            except DeployError as error:
                lost.append(f"{name} ({error})")
                continue
            back.append(name)
            self.switched.remove(name)
        if not lost:
            return
        for name in back:
            self.put_live(name, self.release.name, self.switched, check=False)
        raise DeployError(
            f"cannot switch back {'; '.join(lost)}: so that no host is left on another release, "
            f"every reachable host serves {self.release.name} again"
        )

    def summary(self) -> Summary:
        return Summary(
            env=self.environment.name,
            release=self.release.name,
            commit=self.release.commit,
            hosts=tuple(self.hosts),
            plan=self.plan,
            backup=self.backup_id,
        )
