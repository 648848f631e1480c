"""Rollback: a release already on the hosts goes live again, with the database state it ran with.

The target is the newest good release older than the current one (or ``--to``).
The database moves to the state recorded for the target: migrations run with the
code that has them (the current release going back, the target going forward);
when a step back is irreversible, the backup taken before the current release
migrated is restored, after a safety backup of the data as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import history, lock
from ..database import backups, migrations
from ..errors import DeployError, NotConfirmed, RemoteCommandFailed, StepFailed
from ..hosts import Host
from ..inventory import Environment
from ..releases import records, worktree
from ..remote.round_trip import Question, ask, new_marker
from .fleet import OnHosts
from .steps import Outcome, Step, execute
from .summary import Done, Plan, Summary


@dataclass
class Rollback(OnHosts):
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
    reversed: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # going forward (--to a newer release)
    restored: str | None = None
    switched: list[str] = field(default_factory=list)
    metas: dict[str, dict] = field(default_factory=dict)  # release -> what its deploy recorded
    database_moving: bool = False  # from then on, going back to the newer code is unsafe

    # --- as an operation (``runner.perform``) ---

    def holder(self) -> lock.Holder:
        return lock.Holder("rollback", self.environment.name, self.to)

    def prepare(self, held: lock.Lock) -> None:
        """Nothing to do before the steps."""

    def run(self) -> Done:
        """Choose and plan (read-only), then confirm and move code and database.

        Going back, the older code goes live first and the database follows: the older code
        runs on the newer schema (as it did while the newer release deployed), whereas the
        newer code fails on the older one. Going forward (``--to`` a newer release), the
        database moves first, as in a deploy.
        """
        read = execute(
            [
                Step("choose", self.choose, changes=False),
                Step("plan", self.make_plan, changes=False),
            ],
            rollback=False,
            notify=self.notify,
        )
        database = Step("database", self.move_database)
        go_live = Step("go live", self.go_live, undo=self.go_back)
        order = [go_live, database] if self.backwards else [database, go_live]
        try:
            outcome = execute([Step("confirm", self.ask), *order], notify=self.notify)
        except StepFailed as failure:
            failure.outcome.durations_ms = {**read.durations_ms, **failure.outcome.durations_ms}
            raise
        outcome.durations_ms = {**read.durations_ms, **outcome.durations_ms}
        return self.done(outcome)

    def record_success(self, done: Done) -> None:
        self._record("success", done.durations_ms, None)

    def record_failure(self, error: BaseException) -> None:
        outcome = getattr(error, "outcome", None)
        self._record("failed", outcome.durations_ms if outcome else {}, str(error))

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
            durations_ms=dict(outcome.durations_ms),
        )

    @property
    def backwards(self) -> bool:
        return self.plan is not None and self.plan.backwards

    # --- steps ---

    def choose(self) -> None:
        """One round trip per host: the releases there; on the primary, with the history and
        what each release's deploy recorded."""
        primary = self.environment.primary.name
        answers = dict(zip(self.hosts, self.each(self._read), strict=True))
        listings = {name: listing for name, (listing, _, _) in answers.items()}
        _, events, self.metas = answers[primary]
        self.current = listings[primary].current
        everywhere = set.intersection(*(set(listing.releases) for listing in listings.values()))
        if self.to:
            if self.to not in everywhere:
                raise DeployError(
                    f"release {self.to} is not on every host; releases there: "
                    f"{', '.join(sorted(everywhere)) or 'none'}"
                )
            self.target = self.to
            return
        bad = records.bad_releases(events)
        older = [
            n for n in sorted(everywhere) if self.current and n < self.current and n not in bad
        ]
        if not older:
            raise DeployError("no earlier good release on every host to roll back to")
        self.target = older[-1]

    def _read(self, name, host) -> tuple[worktree.Listing, list, dict]:
        layout, marker = self.layout(name), new_marker()
        questions = [Question("listing", worktree.listing(layout))]
        if host is self.primary:
            questions += [
                Question("history", history.read_command(layout, None)),
                Question("metas", records.every_meta_command(layout, marker + "-record")),
            ]
        answers = ask(host, questions, marker)
        for question in questions:
            answer = answers.get(question.name)
            if answer is None or not answer.ok:
                detail = answer.output.strip() if answer else "no answer"
                raise DeployError(f"reading the {question.name} on {name} failed: {detail}")
        listing = worktree.parse_listing(answers["listing"].output)
        if host is not self.primary:
            return listing, [], {}
        return (
            listing,
            history.parse_lines(answers["history"].output),
            records.parse_metas(answers["metas"].output, marker + "-record"),
        )

    def make_plan(self) -> None:
        layout = self.primary_layout
        want, have = self._meta(self.target).get("state"), self._meta(self.current).get("state")
        if want is None or have is None or want == have:
            self.moves = []  # the same state, or releases laid out by hand (none recorded)
            return
        self.moves = [
            f"{app}:{name}" for app, name in sorted(want.items()) if have.get(app) != name
        ]
        self.moves += [f"{app}:zero" for app in sorted(set(have) - set(want))]
        for release in (self.current, self.target):
            try:
                document = migrations.plan(
                    self.primary, layout.release(release), self.environment.manage, *self.moves
                )
            except RemoteCommandFailed:
                continue  # this release's code does not know every target migration
            self.plan, self.code_from = Plan.from_json(document), release
            return
        raise DeployError(f"neither {self.current} nor {self.target} can move the database")

    def ask(self) -> None:
        reverse = (self.plan or Plan()).operations_reversible()
        summary = Summary(
            env=self.environment.name,
            release=self.target,
            commit=self._meta(self.target).get("commit") or "-",
            hosts=tuple(self.hosts),
            plan=self.plan,
            backup=self._backup_id(),
            action="roll back",
            strategy="reverse migrations" if reverse else "restore backup",
        )
        if not self.confirm(summary):
            raise NotConfirmed("not confirmed: nothing was changed")

    def move_database(self) -> None:
        if not self.moves:
            return
        self.database_moving = True
        layout, manage = self.primary_layout, self.environment.manage
        path = layout.release(self.code_from)
        if self.plan.operations_reversible():
            report = migrations.migrate(self.primary, path, manage, *self.moves)
            self.reversed, self.applied = report["reversed"], report["applied"]
            return
        backup_id = self._backup_id()
        if backup_id is None:
            raise DeployError(
                f"the way back to {self.target} is irreversible and no backup "
                f"was recorded for {self.current}"
            )
        manifest = {"id": backup_id, "commit": self.target}
        backups.restore(self.primary, layout, path, manage, manifest, self.target)
        self.restored = backup_id

    def _backup_id(self) -> str | None:
        return self._meta(self.current).get("backup")

    def _meta(self, release: str | None) -> dict:
        """What the deploy of ``release`` recorded (``choose`` read them all), or {}."""
        return self.metas.get(release or "", {})

    def go_live(self) -> None:
        self.each(lambda name, host: self.put_live(name, self.target, self.switched))

    def go_back(self) -> None:
        if self.database_moving:
            raise DeployError(
                f"{self.target} stays live: the database has begun moving to its state, "
                f"which {self.current}'s code may not run on"
            )
        for name in list(self.switched):
            if self.current:
                self.put_live(name, self.current, [], check=False)
            self.switched.remove(name)
