"""The deploy lock: a directory on the primary, created atomically, refreshed while held.

    holder = Holder("deploy", env="production", ref="main")
    with terminate_as_interrupt(), Lock(host, layout, holder, connect=reconnect) as lock:
        ...
        lock.check()        # between steps: raises LockHeld once someone ran `fab unlock`

``<deploy_to>/.deploy/lock/info.json`` says who holds it. A lock is never removed because
its holder looks gone, only by ``clear`` (``fab unlock``): a lock that expires by itself lets
a second deploy start while the first is still running.

Modules: ``lock`` (the ``Lock``), ``heartbeat`` (refreshing it while held), ``state`` (a lock
whoever holds it: ``status``, ``check_all``, ``clear``), ``signals``, ``info`` (who holds it,
messages) and ``commands`` (the shell commands).
"""

from __future__ import annotations

from .commands import (
    acquire_command,
    clear_command,
    info_path,
    note_path,
    refresh_command,
    release_command,
    status_command,
)
from .heartbeat import lost_message
from .info import (
    NOT_OURS,
    POLL_SECONDS,
    REFRESH_SECONDS,
    STALE_AFTER,
    TIMEOUT,
    Holder,
    LockInfo,
    duration,
    held_message,
    parse_status,
)
from .lock import Lock
from .signals import terminate_as_interrupt
from .state import check_all, clear, orphaned, status

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
    "orphaned",
    "parse_status",
    "refresh_command",
    "release_command",
    "status",
    "status_command",
    "terminate_as_interrupt",
]
