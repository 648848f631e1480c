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
import hashlib
import json
import os
import posixpath
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .commands import all_of, either, quiet, sh, to_file
from .errors import DeployError, LockHeld, RemoteCommandFailed
from .history import current_operator, timestamp
from .hosts import Host, Result
from .layout import Layout

REFRESH_SECONDS = 15.0  # heartbeat: info.json is rewritten this often while the lock is held
STALE_AFTER = 3 * REFRESH_SECONDS  # no heartbeat for this long: the holder looks gone
POLL_SECONDS = 2.0  # how often a waiting acquire tries again
TIMEOUT = 30.0  # for each lock command
NOT_OURS = 3  # exit status of a guarded command when the lock is not (or no longer) ours


@dataclass(frozen=True)
class Holder:
    """Who asks for the lock, from where, and for what (``task``: deploy, rollback, ...)."""

    task: str
    env: str
    ref: str | None = None
    operator: str = field(default_factory=current_operator)
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)


@dataclass(frozen=True)
class LockInfo:
    """A lock found on host ``where``; ages are measured with that host's clock."""

    where: str
    operator: str | None
    task: str | None
    time: str | None
    token: str | None
    pid: int | None = None
    host: str | None = None
    ref: str | None = None
    refreshed: str | None = None
    age_seconds: float | None = None  # since it was taken
    idle_seconds: float | None = None  # since its last heartbeat
    stale_after: float = STALE_AFTER

    @property
    def stale(self) -> bool:
        """No heartbeat for ``stale_after`` seconds: its holder looks gone."""
        return self.idle_seconds is not None and self.idle_seconds > self.stale_after

    def holder(self) -> str:
        if self.operator is None:
            return "an unknown holder (no readable info.json)"
        return f"{self.operator} ({self.task or '?'})"


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


def held_message(info: LockInfo, env: str, on_host: bool = False) -> str:
    where = f" (on {info.where})" if on_host else ""
    text = f"deploy lock on {env}{where} held by {info.holder()} since {info.time or '?'}"
    if info.idle_seconds is not None:
        text += f", last refreshed {duration(info.idle_seconds)} ago"
    if info.stale or info.operator is None:
        gone = f"no heartbeat for {duration(info.idle_seconds)}" if info.stale else "no info"
        text += f"; holder looks gone ({gone}); if so: fab unlock --env={env} --reason=..."
    return text


def lost_message(host: Host, layout: Layout, token: str, env: str) -> str:
    """Why our lock is gone: who cleared it (their note), or that someone removed it."""
    note = _json(host.run(sh(["cat", note_path(layout)]), timeout=TIMEOUT).stdout)
    if note.get("token") != token:
        return f"the deploy lock on {env} was removed while this operation held it; stopping"
    who, why, when = note.get("by", "?"), note.get("reason", ""), note.get("time", "?")
    return f"the deploy lock on {env} was cleared by {who} at {when} ({why}); stopping"


def duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3 h``, ``2 days``."""
    for unit, size, limit in (("s", 1, 120), ("min", 60, 120), ("h", 3600, 48)):
        if seconds < size * limit:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds // 86400)} days"


# --- the remote commands: pure, each one round trip ---


def info_path(layout: Layout) -> str:
    return posixpath.join(layout.lock, "info.json")


def note_path(layout: Layout) -> str:
    return posixpath.join(posixpath.dirname(layout.lock), "unlocked.json")


def acquire_command(layout: Layout, payload: str) -> str:
    """``mkdir`` the lock (fails if it exists), then write info.json; undone if that fails."""
    undo = all_of(sh(["rm", "-rf", layout.lock]), sh(["false"]))
    return all_of(
        sh(["mkdir", "-p", posixpath.dirname(layout.lock)]),
        sh(["mkdir", layout.lock]),
        either(_write(payload, info_path(layout)), undo),
    )


def refresh_command(layout: Layout, token: str, payload: str) -> str:
    return _if_ours(layout, token, _write(payload, info_path(layout)))


def release_command(layout: Layout, token: str) -> str:
    return _if_ours(layout, token, sh(["rm", "-rf", layout.lock]))


def clear_command(layout: Layout, token: str | None, note: str) -> str:
    remove = all_of(_write(note, note_path(layout)), sh(["rm", "-rf", layout.lock]))
    if token is None:  # no readable info.json: nothing to compare
        return all_of(sh(["test", "-d", layout.lock]), remove)
    return _if_ours(layout, token, remove)


def status_command(layout: Layout) -> str:
    """Lines: the host's clock, info.json's mtime (or ``-``), info.json (exit 1: no lock)."""
    info = info_path(layout)
    mtime = either(sh(["stat", "-c", "%Y", info]), sh(["stat", "-f", "%m", info]))
    return all_of(
        sh(["test", "-d", layout.lock]),
        sh(["date", "+%s"]),
        either(quiet(mtime), sh(["echo", "-"])),
        either(quiet(sh(["cat", info])), sh(["true"])),
    )


def parse_status(where: str, output: str, stale_after: float = STALE_AFTER) -> LockInfo:
    now, mtime, text = [*output.split("\n", 2), "", ""][:3]
    data, clock = _json(text), _number(now)
    fields = ("operator", "task", "time", "token", "host", "ref", "refreshed")
    return LockInfo(
        where=where,
        **{key: _text(data.get(key)) for key in fields},
        pid=data.get("pid") if isinstance(data.get("pid"), int) else None,
        age_seconds=_difference(clock, _epoch(data.get("time"))),
        idle_seconds=_difference(clock, _number(mtime)),
        stale_after=stale_after,
    )


def _if_ours(layout: Layout, token: str, command: str) -> str:
    """Run ``command`` only while info.json carries ``token``; else exit ``NOT_OURS``."""
    mine = json.dumps({"token": token})[1:-1]
    check = quiet(sh(["grep", "-qF", mine, info_path(layout)]))
    return all_of(either(check, sh(["exit", str(NOT_OURS)])), command)


def _write(payload: str, path: str) -> str:
    """Write ``payload`` to a temporary file, then rename it: readers see all of it or none."""
    temporary = f"{path}.{hashlib.sha256(payload.encode()).hexdigest()[:12]}.tmp"
    return all_of(to_file(sh(["printf", "%s\\n", payload]), temporary), sh(["mv", temporary, path]))


def _cannot(what: str, layout: Layout, host: Host, result: Result) -> str:
    reason = result.stderr.strip() or f"exit status {result.exit_code}"
    return f"cannot {what} the deploy lock {layout.lock} on {host.name}: {reason}"


def _json(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _number(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def _difference(now: float | None, then: float | None) -> float | None:
    return None if now is None or then is None else max(0.0, now - then)


def _epoch(value: object) -> float | None:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return None
