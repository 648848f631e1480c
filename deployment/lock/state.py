"""A lock as found on a host, whoever holds it: read it, look on every host, clear it."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import LockHeld, RemoteCommandFailed
from ..history import timestamp
from ..hosts import Host, Result
from ..layout import Layout
from .commands import clear_command, status_command
from .info import NOT_OURS, STALE_AFTER, TIMEOUT, LockInfo, held_message, parse_status

if TYPE_CHECKING:
    from .lock import Lock


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
        raise RemoteCommandFailed(cannot_message("remove", layout, host, result))
    return info


def orphaned(info: LockInfo) -> str | None:
    """Why a lock's holder is known to be gone (None: it may still run): left for
    ``fab recover`` by an operation that ended inconsistent, no heartbeat for too long, or
    a process of this machine that no longer exists."""
    if info.left_for_recover:
        return f"left for fab recover by {info.holder()}"
    if info.stale:
        return f"no heartbeat from {info.holder()} for {int(info.idle_seconds or 0)} s"
    if info.host == socket.gethostname() and info.pid and not _alive(info.pid):
        return f"{info.holder()}'s process {info.pid} on {info.host} is gone"
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_all(
    hosts: Sequence[Host], layouts: Sequence[Layout], env: str, mine: Lock | None = None
) -> None:
    """Raise ``LockHeld`` if any host holds a lock (other than ``mine``)."""
    for host, layout in zip(hosts, layouts, strict=True):
        info = status(host, layout)
        if info is not None and (mine is None or info.token != mine.token):
            raise LockHeld(held_message(info, env, on_host=True))


def cannot_message(what: str, layout: Layout, host: Host, result: Result) -> str:
    """``cannot <what> the deploy lock <path> on <host>: <stderr or exit status>``."""
    reason = result.stderr.strip() or f"exit status {result.exit_code}"
    return f"cannot {what} the deploy lock {layout.lock} on {host.name}: {reason}"
