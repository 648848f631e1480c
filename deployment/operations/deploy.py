"""The deploy protocol: checks, release, plan, backup, confirm, migrate, verify, go live.

Each step has its undo; a failure in migrate, verify or go-live brings code and
database back when the environment says ``on_failure: rollback``. The engine
never prints or prompts: ``notify`` reports progress, ``confirm`` asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import history, hooks, lock
from ..checks import promotion_gate as promotion
from ..database import rehearsals
from ..errors import DeployError, NotConfirmed, StepFailed
from ..hosts import Host
from ..inventory import Environment
from ..journal import Journal
from ..releases import worktree
from ..releases.worktree import Release
from . import consistency, deploy_records, hook_runs
from .consistency import Verdict
from .deploy_database import DatabaseSteps
from .deploy_release import ReleaseSteps
from .fleet import OnHosts
from .steps import Before, Outcome, Step, execute
from .summary import Done, Plan, Summary


@dataclass
class Deployment(ReleaseSteps, DatabaseSteps, OnHosts):
    environment: Environment
    hosts: dict[str, Host]
    ref: str
    confirm: Callable[[Summary], bool]
    notify: Callable[[str, str], None] = lambda step, state: None
    allow_dangerous: bool = False
    allow_downtime: bool = False  # go on although the running release fails on the new schema
    no_rehearsal: bool = False
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
    rehearsal: rehearsals.Rehearsal | None = None
    drift: str | None = None  # the checks' schema failures, until the rehearsal repairs them
    backup: dict | None = None  # the backup's manifest
    image: tuple[str, str] | None = None  # a Compose release's image on the primary: name, id
    applied: list[str] = field(default_factory=list)
    reversed: list[str] = field(default_factory=list)
    switched: list[str] = field(default_factory=list)
    restored: str | None = None
    preview: str | None = None  # --dry-run's throwaway copy of the release, on the primary
    blocked: str | None = None  # --dry-run: why the real deploy would stop at the plan
    warnings: list[str] = field(default_factory=list)  # hooks that failed after the fact
    tolerated: str | None = None  # hosts whose go-live failed within go_live.max_failures

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
            Step("post-deploy", self.migrate_post_deploy, when=self.has_post_deploy),
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
            if not isinstance(failure.error, NotConfirmed):  # declined: nothing failed
                undone = {"migrate", "go live"} & set(failure.outcome.undone)
                moments = self.moments("rolled_back" if undone else "failed")
                self.warnings += hook_runs.on_failure(self.environment, self.hosts, moments)
            failure.done = self.done(failure.outcome)
            raise
        moments = self.moments("success")
        self.warnings += hook_runs.after(self.environment, self.hosts, "after_go_live", moments)
        return self.done(outcome)

    def moments(self, outcome: str) -> hook_runs.MomentOf:
        return lambda name: self.moment(name, outcome)

    def moment(self, name: str, outcome: str = "running") -> hooks.Moment:
        """What the hooks on host ``name`` are told."""
        release = self.release
        return hooks.Moment(
            self.environment.name,
            release.name if release else None,
            release.commit if release else None,
            self.previous.get(name),
            outcome,
        )

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
            plan=self.plan,
            rehearsal=self.rehearsal.as_json() if self.rehearsal else None,
            warnings=tuple(self.warnings),
            undone=tuple(outcome.undone),
            undo_failures=tuple(outcome.undo_failures),
        )

    # --- steps ---

    def ask(self) -> None:
        if not self.confirm(self.summary()):
            raise NotConfirmed("not confirmed: nothing was changed")

    def go_live(self) -> None:
        """Every host switched, restarted and health-checked, one round trip each: all at once,
        or wave after wave (``go_live``: canary hosts, then batches). Past ``max_failures``, or
        when a host could not switch, the step fails and its undo puts every switched host
        back; failures within it leave those hosts on the new release, with a warning."""
        rollout, failed = self.environment.go_live, {}
        for wave in rollout.waves(tuple(self.hosts)):
            failed |= self.each_caught(
                wave, lambda name, host: self.put_live(name, self.release.name, self.switched)
            )
            unswitched = [name for name in failed if name not in self.switched]
            if unswitched or len(failed) > rollout.max_failures:
                raise going_live_failed(failed, rollout.max_failures)
        if failed:
            listed = "; ".join(f"{name}: {error}" for name, error in failed.items())
            self.tolerated = (
                f"go live failed on {len(failed)} host(s), within go_live.max_failures "
                f"({rollout.max_failures}); they serve {self.release.name} too: {listed}"
            )
            self.warnings.append(self.tolerated)

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
            rehearsal=rehearsals.lines(self.rehearsal),
        )


def going_live_failed(failed: dict[str, DeployError], tolerated: int) -> DeployError:
    """The go-live step's error: the one host's, or every failed host's."""
    errors = list(failed.values())
    if len(errors) == 1:
        return errors[0]
    listed = "; ".join(str(error) for error in errors)
    return DeployError(f"go live failed on {len(errors)} hosts (tolerated: {tolerated}): {listed}")
