"""The seed's safe migration, on the current release alone.

verify -> plan -> backup -> confirm -> migrate -> verify + system checks; a
failure after migrating brings the database back (reverse or restore).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import backup, database
from .errors import DeployError, NotConfirmed
from .layout import Layout
from .steps import Step, execute


@dataclass
class SafeMigration:
    environment: object
    host: object  # the primary, connected
    confirm: Callable[[dict], bool]
    notify: Callable[[str, str], None] = lambda step, state: None
    skip_checks: bool = False  # the emergency override: no verification before migrating
    plan: dict | None = None
    backup: dict | None = None
    applied: list = field(default_factory=list)
    reversed: list = field(default_factory=list)
    restored: str | None = None
    live: backup.Live | None = None  # the release migrated, read by the first step

    @property
    def layout(self) -> Layout:
        return Layout(self.environment.primary.deploy_to)

    @property
    def path(self) -> str:
        return self.layout.current

    def run(self, dry_run: bool = False):
        steps = [
            Step("verify before", self.verify_before, changes=False),
            Step("plan", self.make_plan, changes=False),
            Step("backup", self.take_backup),
            Step("confirm", self.ask),
            Step("migrate", self.migrate, undo=self.unmigrate),
            Step("verify after", self.verify_after),
        ]
        rollback = self.environment.on_failure == "rollback"
        return execute(steps, rollback=rollback, dry_run=dry_run, notify=self.notify)

    def verify_before(self) -> None:
        env = self.environment.name
        try:
            self.live = backup.live(self.host, self.layout)
        except DeployError as error:
            if "nothing is deployed" not in str(error):
                raise
            raise DeployError(
                f"nothing is deployed to {env} yet: run fab deploy --env={env} first"
            ) from None
        if self.skip_checks:
            return
        try:
            database.verify(
                self.host, self.path, self.environment.manage, system_checks=False, pending_ok=True
            )
        except DeployError as error:
            raise DeployError(f"the schema does not match before migrating: {error}") from None

    def make_plan(self) -> None:
        self.plan = database.plan(self.host, self.path, self.environment.manage)

    def take_backup(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.backup = database.backup(
            self.host,
            self.layout,
            self.path,
            self.environment.manage,
            f"migrate-{stamp}",
            self.live.commit,
        )

    def ask(self) -> None:
        summary = {
            "env": self.environment.name,
            "release": self.live.release,
            "commit": self.live.commit,
            "plan": self.plan,
            "backup": (self.backup or {}).get("id"),
            "hosts": [self.environment.primary.name],
            "action": "migrate",
        }
        if not self.confirm(summary):
            raise NotConfirmed("not confirmed: nothing was changed")

    def migrate(self) -> None:
        self.applied = database.migrate(self.host, self.path, self.environment.manage)["applied"]

    def unmigrate(self) -> None:
        self.reversed, self.restored = database.bring_back(
            self.host, self.layout, self.path, self.environment.manage, self.plan, self.backup
        )

    def verify_after(self) -> None:
        database.verify(self.host, self.path, self.environment.manage)
