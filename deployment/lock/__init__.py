"""The deploy lock: a directory on the primary, created atomically, refreshed while held.

    holder = Holder("deploy", env="production", ref="main")
    with terminate_as_interrupt(), Lock(host, layout, holder, connect=reconnect) as lock:
        ...
        lock.check()        # between steps: raises LockHeld once someone ran `fab unlock`

``<deploy_to>/.deploy/lock/info.json`` says who holds it. A lock is never removed because
its holder looks gone, only by ``clear`` (``fab unlock``): a lock that expires by itself lets
a second deploy start while the first is still running.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from ..commands import sh
from ..errors import DeployError, LockHeld, RemoteCommandFailed
from ..history import timestamp
from ..hosts import Host, Result
from ..layout import Layout
from .commands import (
    acquire_command,
    clear_command,
    info_path,
    note_path,
    refresh_command,
    release_command,
    status_command,
)
from .info import (
    NOT_OURS,
    POLL_SECONDS,
    REFRESH_SECONDS,
    STALE_AFTER,
    TIMEOUT,
    Holder,
    LockInfo,
    _json,
    duration,
    held_message,
    parse_status,
)

__all__ = [
    "Holder",
    "Lock",
    "LockInfo",
    "NOT_OURS",
    "POLL_SECONDS",
    "REFRESH_SECONDS",
    "STALE_AFTER",
    "TIMEOUT",
    "acquire_command",
    "check_all",
    "clear",
    "clear_command",
    "duration",
    "held_message",
    "info_path",
    "lost_message",
    "note_path",
    "parse_status",
    "refresh_command",
    "release_command",
    "status",
    "status_command",
    "terminate_as_interrupt",
]


class Lock:
    """The deploy lock of ``layout`` on ``host``, for ``holder``; a context manager.

    ``connect()`` opens the heartbeat's own connection (default: share ``host``).
    """

    def __init__(
        self,
        host: Host,
        layout: Layout,
        holder: Holder,
        *,
        connect: Callable[[], Host] | None = None,
        wait_seconds: float = 0,
        refresh_seconds: float = REFRESH_SECONDS,
        stale_after: float = STALE_AFTER,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.host, self.layout, self.holder = host, layout, holder
        self.token = secrets.token_hex(16)
        self.wait_seconds, self.refresh_seconds = wait_seconds, refresh_seconds
        self.stale_after, self.poll_seconds = stale_after, poll_seconds
        self.held = False
        self.release_error: DeployError | None = None
        self._connect = connect
        self._since = timestamp()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lost: str | None = None

    def __enter__(self) -> Lock:
        if not self.held:
            self.acquire(self.wait_seconds)
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self.release(quiet=error is not None)
        if error is not None and self.release_error is not None:
            error.add_note(f"and the deploy lock was not released: {self.release_error}")

    def acquire(self, wait_seconds: float = 0) -> None:
        """Take the lock, trying again every ``poll_seconds`` for up to ``wait_seconds``.

        Raises ``LockHeld`` naming the holder when the time is up; never removes a lock.
        """
        deadline, failures = time.monotonic() + wait_seconds, 0
        while True:
            result = self._attempt()
            if result.ok:
                return
            info = status(self.host, self.layout, self.stale_after)
            if info is None:  # released in between, or mkdir failed for another reason
                failures += 1
                if failures > 1:
                    raise RemoteCommandFailed(_cannot("create", self.layout, self.host, result))
                continue
            failures, remaining = 0, deadline - time.monotonic()
            if remaining <= 0:
                raise LockHeld(held_message(info, self.holder.env))
            time.sleep(min(self.poll_seconds, remaining))

    def check(self) -> None:
        """Raise ``LockHeld`` if the lock was cleared (``fab unlock``) while we held it."""
        if self._lost is not None:
            raise LockHeld(self._lost)

    def release(self, quiet: bool = False) -> bool:
        """Remove the lock if it is still ours; True if removed. ``quiet``: never raise."""
        if not self.held:
            return False
        self.held = False
        self._stop.set()
        if self._thread is not None:
            self._thread.join(TIMEOUT + 5)
        try:
            result = self.host.run(release_command(self.layout, self.token), timeout=TIMEOUT)
            if not result.ok and result.exit_code != NOT_OURS:
                raise RemoteCommandFailed(_cannot("remove", self.layout, self.host, result))
        except DeployError as error:
            self.release_error = error
            if quiet:
                return False
            raise
        return result.ok

    def _attempt(self) -> Result:
        """One ``mkdir``; interrupted half-way, the lock may be ours: then it goes again."""
        self._since = timestamp()
        try:
            result = self.host.run(acquire_command(self.layout, self._payload()), timeout=TIMEOUT)
            if result.ok:
                self._start()
            return result
        except BaseException:
            if self.held:
                self.release(quiet=True)
            else:
                with contextlib.suppress(Exception):
                    self.host.run(release_command(self.layout, self.token), timeout=TIMEOUT)
            raise

    def _start(self) -> None:
        self.held = True
        if self.refresh_seconds > 0:
            self._thread = threading.Thread(target=self._beat, name="deploy-lock", daemon=True)
            self._thread.start()

    def _beat(self) -> None:
        link: Host | None = None
        try:
            while not self._stop.wait(self.refresh_seconds):
                with contextlib.suppress(DeployError):  # the next beat tries again
                    link = link or (self._connect() if self._connect else self.host)
                    if not self._refresh(link):
                        return
        finally:
            if link is not None and link is not self.host:
                link.close()

    def _refresh(self, link: Host) -> bool:
        command = refresh_command(self.layout, self.token, self._payload())
        result = link.run(command, timeout=TIMEOUT)
        if result.exit_code == NOT_OURS and not self._stop.is_set():
            self._lost = lost_message(link, self.layout, self.token, self.holder.env)
            return False
        return True

    def _payload(self) -> str:
        info = {"token": self.token, "time": self._since, "refreshed": timestamp()}
        return json.dumps({**dataclasses.asdict(self.holder), **info}, sort_keys=True)


def status(host: Host, layout: Layout, stale_after: float = STALE_AFTER) -> LockInfo | None:
    """The lock on ``host``, or None when there is none."""
    result = host.run(status_command(layout), timeout=TIMEOUT)
    return parse_status(host.name, result.stdout, stale_after) if result.ok else None


def clear(host: Host, layout: Layout, who: str, why: str) -> LockInfo | None:
    """Remove the lock whoever holds it (``fab unlock``); what was removed, or None.

    ``who`` and ``why`` are left in ``.deploy/unlocked.json`` for the holder to find.
    """
    info = status(host, layout)
    if info is None:
        return None
    note = json.dumps({"by": who, "reason": why, "time": timestamp(), "token": info.token})
    result = host.run(clear_command(layout, info.token, note), timeout=TIMEOUT)
    if result.exit_code == NOT_OURS:
        now = status(host, layout)
        if now is None:
            return None
        raise LockHeld(
            f"the deploy lock changed hands while clearing it: now held by {now.holder()} "
            f"since {now.time or '?'}; run fab unlock again if that one is gone too"
        )
    if not result.ok:
        raise RemoteCommandFailed(_cannot("remove", layout, host, result))
    return info


def check_all(
    hosts: Sequence[Host], layouts: Sequence[Layout], env: str, mine: Lock | None = None
) -> None:
    """Raise ``LockHeld`` if any host holds a lock (other than ``mine``)."""
    for host, layout in zip(hosts, layouts, strict=True):
        info = status(host, layout)
        if info is not None and (mine is None or info.token != mine.token):
            raise LockHeld(held_message(info, env, on_host=True))


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``KeyboardInterrupt`` (so ``with`` blocks unwind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _cannot(what: str, layout: Layout, host: Host, result: Result) -> str:
    reason = result.stderr.strip() or f"exit status {result.exit_code}"
    return f"cannot {what} the deploy lock {layout.lock} on {host.name}: {reason}"


def lost_message(host: Host, layout: Layout, token: str, env: str) -> str:
    """Why our lock is gone: who cleared it (their note), or that someone removed it."""
    note = _json(host.run(sh(["cat", note_path(layout)]), timeout=TIMEOUT).stdout)
    if note.get("token") != token:
        return f"the deploy lock on {env} was removed while this operation held it; stopping"
    who, why, when = note.get("by", "?"), note.get("reason", ""), note.get("time", "?")
    return f"the deploy lock on {env} was cleared by {who} at {when} ({why}); stopping"
