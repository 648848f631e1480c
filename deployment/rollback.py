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

from . import bookkeeping, database, history, probe, releases
from .errors import DeployError, NotConfirmed, RemoteCommandFailed
from .on_hosts import OnHosts
from .steps import Outcome, Step, StepFailed, execute


@dataclass
class Rollback(OnHosts):
    environment: object
    hosts: dict
    confirm: Callable[[dict], bool]
    to: str | None = None
    notify: Callable[[str, str], None] = lambda step, state: None
    current: str | None = None
    target: str | None = None
    moves: list = field(default_factory=list)  # app:migration targets
    plan: dict | None = None
    code_from: str | None = None  # the release whose code moves the database
    reversed: list = field(default_factory=list)
    applied: list = field(default_factory=list)  # going forward (--to a newer release)
    restored: str | None = None
    switched: list = field(default_factory=list)
    metas: dict = field(default_factory=dict)  # release -> what its deploy recorded
    database_moving: bool = False  # from then on, going back to the newer code is unsafe

    def run(self) -> Outcome:
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
        return outcome

    @property
    def backwards(self) -> bool:
        return any(m.get("backwards") for m in (self.plan or {}).get("migrations", []))

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
        bad = bookkeeping.bad_releases(events)
        older = [
            n for n in sorted(everywhere) if self.current and n < self.current and n not in bad
        ]
        if not older:
            raise DeployError("no earlier good release on every host to roll back to")
        self.target = older[-1]

    def _read(self, name, host) -> tuple[releases.Listing, list, dict]:
        layout = self.layout(name)
        questions = [probe.Question("listing", releases.listing(layout))]
        if host is self.primary:
            questions += [
                probe.Question("history", history.read_command(layout, None)),
                probe.Question("metas", bookkeeping.every_meta_command(layout)),
            ]
        answers = probe.ask(host, questions)
        for question in questions:
            answer = answers.get(question.name)
            if answer is None or not answer.ok:
                detail = answer.output.strip() if answer else "no answer"
                raise DeployError(f"reading the {question.name} on {name} failed: {detail}")
        if host is not self.primary:
            return releases.parse_listing(answers["listing"].output), [], {}
        return (
            releases.parse_listing(answers["listing"].output),
            history.parse_lines(answers["history"].output),
            bookkeeping.parse_metas(answers["metas"].output),
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
                self.plan = database.plan(
                    self.primary, layout.release(release), self.environment.manage, *self.moves
                )
            except RemoteCommandFailed:
                continue  # this release's code does not know every target migration
            self.code_from = release
            return
        raise DeployError(f"neither {self.current} nor {self.target} can move the database")

    def ask(self) -> None:
        meta = self._meta(self.target)
        reverse = _operations_reversible(self.plan or {})
        summary = {
            "env": self.environment.name,
            "release": self.target,
            "commit": meta.get("commit") or "-",
            "plan": self.plan or {},
            "backup": self._backup_id(),
            "hosts": list(self.hosts),
            "action": "roll back",
            "strategy": "reverse migrations" if reverse else "restore backup",
        }
        if not self.confirm(summary):
            raise NotConfirmed("not confirmed: nothing was changed")

    def move_database(self) -> None:
        if not self.moves:
            return
        self.database_moving = True
        layout, manage = self.primary_layout, self.environment.manage
        path = layout.release(self.code_from)
        if _operations_reversible(self.plan):
            report = database.migrate(self.primary, path, manage, *self.moves)
            self.reversed, self.applied = report["reversed"], report["applied"]
            return
        backup_id = self._backup_id()
        if backup_id is None:
            raise DeployError(
                f"the way back to {self.target} is irreversible and no backup "
                f"was recorded for {self.current}"
            )
        manifest = {"id": backup_id, "commit": self.target}
        database.restore(self.primary, layout, path, manage, manifest, self.target)
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


def _operations_reversible(plan: dict) -> bool:
    """Every operation on the way can run in the plan's direction without a backup.

    (The plan marks backwards migrations not reversible, as re-applying them cannot bring
    back what they drop; going back is what a rollback means, so their operations decide.)
    """
    return all(
        operation.get("reversible", False)
        for migration in plan.get("migrations", [])
        for operation in migration.get("operations", [])
    )
