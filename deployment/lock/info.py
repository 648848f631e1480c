"""Who holds a lock, how old it is, and what to tell the operator."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime

from ..history import current_operator

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
    left_for_recover: bool = False  # kept by an operation that ended inconsistent

    @property
    def stale(self) -> bool:
        """No heartbeat for ``stale_after`` seconds: its holder looks gone."""
        return self.idle_seconds is not None and self.idle_seconds > self.stale_after

    def holder(self) -> str:
        if self.operator is None:
            return "an unknown holder (no readable info.json)"
        return f"{self.operator} ({self.task or '?'})"


def held_message(info: LockInfo, env: str, on_host: bool = False) -> str:
    where = f" (on {info.where})" if on_host else ""
    text = f"deploy lock on {env}{where} held by {info.holder()} since {info.time or '?'}"
    if info.idle_seconds is not None:
        text += f", last refreshed {duration(info.idle_seconds)} ago"
    if info.left_for_recover:
        return text + f"; left by an operation that ended inconsistent: fab recover --env={env}"
    if info.stale or info.operator is None:
        gone = f"no heartbeat for {duration(info.idle_seconds)}" if info.stale else "no info"
        text += f"; holder looks gone ({gone}); if so: fab unlock --env={env} --reason=..."
    return text


def duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3 h``, ``2 days``."""
    for unit, size, limit in (("s", 1, 120), ("min", 60, 120), ("h", 3600, 48)):
        if seconds < size * limit:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds // 86400)} days"


# --- the remote commands: pure, each one round trip ---


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
        left_for_recover=data.get("left_for_recover") is True,
    )


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
