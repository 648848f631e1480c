"""The lock-contention phases: a migration started while a long transaction holds its table.

Each phase opens the long transaction (a read of ``asset``: ACCESS SHARE), starts the
migrate in a thread, ends the transaction ``hold`` seconds after the migration first waits
for the table (seen in ``pg_locks``) and waits for the migrate. Its window, for what the
load saw, runs from the migrate's start until both the transaction and the migrate ended.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from live_migration_site import MIGRATION, BenchFailed, Done, Site

PLAIN = "plain migrate"
OURS = "locked_migrate"
OURS_RETRIED = "locked_migrate, ends in the retries"
QUIET = "long transaction, no migrate"
POLL = 0.05  # seconds between looks at pg_locks


@dataclass(frozen=True)
class Phase:
    name: str
    started: float
    ended: float  # the migrate and the long transaction both over
    run: Done | None = None  # the migrate process, none in the quiet phase
    pid: int | None = None  # the long transaction's backend

    @property
    def window(self) -> tuple[float, float]:
        return self.started, self.ended

    @property
    def report(self) -> dict:
        """locked_migrate's JSON (its last line of output); {} for plain migrate."""
        lines = self.run.stdout.strip().splitlines() if self.run else []
        if self.name == PLAIN or not lines:
            return {}
        try:
            return json.loads(lines[-1])
        except ValueError:
            raise BenchFailed(f"{self.name} printed no JSON:\n{self.run.stdout}") from None

    @property
    def outcome(self) -> str:
        if self.run is None:
            return "-"
        report = self.report
        if self.run.code == 0:
            attempts = report.get("attempts")
            return f"applied, attempt {attempts}" if attempts else "applied"
        return "gave up" if report.get("ok") is False else f"exit {self.run.code}"

    @property
    def named_pid(self) -> bool:
        """Whether the error names the long transaction's session, as ``pid N ``."""
        return f"pid {self.pid} " in self.report.get("error", "")


def plain_args() -> list[str]:
    return ["migrate", "content", MIGRATION, "--no-input", "-v0"]


def locked_args(lock_timeout: float, retries: int) -> list[str]:
    limits = ["--lock-timeout", f"{lock_timeout:g}", "--lock-retries", str(retries)]
    return ["locked_migrate", f"content:{MIGRATION}", *limits]


def quiet(site: Site, seconds: float) -> Phase:
    """The long transaction alone: reads beside its ACCESS SHARE do not wait."""
    with site.long_transaction() as holder:
        started = time.monotonic()
        time.sleep(seconds)
    return Phase(QUIET, started, time.monotonic(), pid=holder.pid)


def contended(site: Site, name: str, args: list[str], hold: float) -> Phase:
    """``manage.py args``; the long transaction ends ``hold`` s after the migration waits."""
    with site.long_transaction() as holder, ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(site.manage, *args)
        while not future.done() and not site.waited_for():
            time.sleep(POLL)
        time.sleep(hold)
        holder.end()
        run = future.result()
    return Phase(name, run.started, max(run.ended, holder.ended), run, holder.pid)


def migrate_back(site: Site) -> None:
    """Back to content 0001 (nothing holds the table now), checked on the schema."""
    site.must("migrate", "content", "0001", "--no-input", "-v0")
    if site.migrated():
        raise BenchFailed("migrate content 0001 left the column in place")


def check(site: Site, phase: Phase, applied: bool) -> None:
    """The schema after ``phase`` is what its outcome says."""
    if site.migrated() != applied:
        state = "there" if site.migrated() else "missing"
        raise BenchFailed(
            f"{phase.name}: the column is {state} after it ({phase.outcome}):\n"
            f"{phase.run.stdout}\n{phase.run.stderr[-3000:]}"
        )
