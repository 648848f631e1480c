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

from . import bookkeeping, database, history, releases
from .errors import DeployError, NotConfirmed, RemoteCommandFailed
from .layout import OnHosts
from .steps import Step, execute


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
    restored: str | None = None
    switched: list = field(default_factory=list)
    metas: dict = field(default_factory=dict)  # release -> what its deploy recorded

    def run(self):
        steps = [
            Step("choose", self.choose, changes=False),
            Step("plan", self.make_plan, changes=False),
            Step("confirm", self.ask),
            Step("database", self.move_database),
            Step("go live", self.go_live, undo=self.go_back),
        ]
        return execute(steps, rollback=True, notify=self.notify)

    def choose(self) -> None:
        listed = self.each(
            lambda n, h: releases.parse_listing(
                releases.run(h, releases.listing(self.layout(n)), "listing")
            )
        )
        listings = dict(zip(self.hosts, listed, strict=True))
        self.current = listings[self.environment.primary.name].current
        everywhere = set.intersection(*(set(listing.releases) for listing in listings.values()))
        if self.to:
            if self.to not in everywhere:
                raise DeployError(
                    f"release {self.to} is not on every host; releases there: "
                    f"{', '.join(sorted(everywhere)) or 'none'}"
                )
            self.target = self.to
            return
        bad = bookkeeping.bad_releases(history.read(self.primary, self.primary_layout))
        older = [
            n for n in sorted(everywhere) if self.current and n < self.current and n not in bad
        ]
        if not older:
            raise DeployError("no earlier good release on every host to roll back to")
        self.target = older[-1]

    def make_plan(self) -> None:
        layout = self.primary_layout
        want, have = self._meta(self.target).get("state"), self._meta(self.current).get("state")
        if want is None or have is None:
            self.moves = []  # releases laid out by hand: no recorded state to move to
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
        layout, manage = self.primary_layout, self.environment.manage
        path = layout.release(self.code_from)
        if _operations_reversible(self.plan):
            self.reversed = database.migrate(self.primary, path, manage, *self.moves)["reversed"]
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
        """What the deploy of ``release`` recorded (read once), or {}."""
        if release not in self.metas:
            found = release and bookkeeping.read_meta(self.primary, self.primary_layout, release)
            self.metas[release] = found or {}
        return self.metas[release]

    def go_live(self) -> None:
        self.each(lambda name, host: self.put_live(name, self.target, self.switched))

    def go_back(self) -> None:
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
