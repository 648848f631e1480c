"""``fab backup`` and ``fab restore`` as operations: the primary's database, outside a deploy.

The database work runs through the live release's own manage.py; each is locked and
recorded in the history like a deploy (``runner.perform``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from .. import history, lock
from ..database import backups
from ..errors import NotConfirmed
from ..hosts import Host
from ..inventory import Environment
from ..journal import Journal
from ..releases import records
from ..releases.current import Live, live
from . import consistency
from .consistency import Verdict
from .fleet import OnPrimary
from .steps import Step, execute
from .summary import Summary


@dataclass
class _OnPrimary(OnPrimary):
    environment: Environment
    host: Host  # the primary, connected
    ref: str | None = None  # the backup asked for (restore)
    working: Callable[[str], contextlib.AbstractContextManager] = lambda what: (
        contextlib.nullcontext()
    )  # around the long part (the tasks show a spinner)
    current: Live | None = None
    backup_id: str | None = None
    message: str | None = None  # for the history, once done

    task = "backup"

    def holder(self) -> lock.Holder:
        return lock.Holder(self.task, self.environment.name, self.ref)

    def prepare(self, held: lock.Lock) -> None:
        """Nothing to do before it runs."""

    def journal(self, step: str) -> Journal | None:
        return None  # a backup changes neither code nor database

    def verdict(self) -> Verdict:
        hosts = {self.environment.primary.name: self.host}
        return consistency.check(self.environment, hosts)

    def record_success(self, result, verdict: Verdict | None) -> None:
        history.record(self.host, self.primary_layout, self.event("success", self.message))

    def record_failure(self, error: BaseException, verdict: Verdict | None) -> None:
        if self.current is None:  # failed before the live release was read: nothing to say
            return
        if isinstance(error, KeyboardInterrupt):
            why = "interrupted"
        else:
            why = str(getattr(error, "error", error))  # a failed step: what it raised
        outcome = "failed" if verdict is None or verdict.consistent else "inconsistent"
        history.record(self.host, self.primary_layout, self.event(outcome, why))

    def event(self, outcome: str, message: str | None) -> history.Event:
        return history.Event(
            self.task,
            outcome,
            env=self.environment.name,
            commit=self.current.commit,
            release=self.current.release,
            backup=self.backup_id,
            message=message,
        )


@dataclass
class TakeBackup(_OnPrimary):
    """A verified backup, taken with the live release's code; ``run`` returns its manifest."""

    def run(self, before) -> dict:
        self.current = live(self.host, self.primary_layout)
        self.backup_id = backups.manual_id()
        with self.working(f"backing up {self.environment.name}"):
            manifest = backups.take(
                self.host,
                self.primary_layout,
                self.current.path,
                self.environment.managed,
                self.backup_id,
                self.current.commit,
            )
        self.message = f"{manifest['size']} bytes, sha256 {manifest['sha256']}"
        return manifest


@dataclass
class Restore(_OnPrimary):
    """The database back to a backup, after a safety backup; ``run`` returns the safety one."""

    confirm: Callable[[Summary], bool] = lambda summary: False

    task = "restore"

    def run(self, before) -> dict:
        layout = self.primary_layout
        current = live(self.host, layout)
        manifest = backups.find(backups.manifests(self.host, layout), self.ref, self.host.name)
        if not self.confirm(self.summary(current, manifest)):
            raise NotConfirmed("not confirmed: nothing was changed")
        self.current, self.backup_id = current, self.ref
        execute([Step("restore", lambda: self._restore(manifest))], rollback=False, before=before)
        return self.safety

    safety: dict | None = None

    def _restore(self, manifest: dict) -> None:
        current = self.current
        with self.working(f"restoring {self.ref} (after a safety backup)"):
            self.safety = backups.restore(
                self.host,
                self.primary_layout,
                current.path,
                self.environment.managed,
                manifest,
                current.commit,
            )
        self.message = f"restored {self.ref}; safety backup {self.safety['id']}"

    def journal(self, step: str) -> Journal | None:
        current = self.current
        return Journal(
            task="restore",
            env=self.environment.name,
            step=step,
            release=current.release,
            commit=current.commit,
            previous={self.environment.primary.name: current.release},
            switched=(self.environment.primary.name,),
            backup=self.ref,
            code=current.path,
        )

    def summary(self, current: Live, manifest: dict) -> Summary:
        state = (records.read_meta(self.host, self.primary_layout, current.release) or {}).get(
            "state"
        )
        note = (
            f"the database of {self.environment.name} goes back to backup {manifest['id']} "
            f"(taken {manifest.get('created', '?')}, commit "
            f"{str(manifest.get('commit') or '?')[:7]}); a safety backup is taken first"
        )
        return Summary(
            env=self.environment.name,
            release=current.release,
            commit=current.commit,
            hosts=(self.environment.primary.name,),
            backup=manifest["id"],
            action="restore",
            notes=(note,),
            warnings=tuple(
                f"{current.release} migrations differ: {line}"
                for line in backups.drift(manifest, state)
            ),
        )
