"""What happened: one JSON line per event in ``<deploy_to>/.deploy/history.jsonl`` on the primary.

    event = Event("deploy", "success", env="production", commit=sha, release=name)
    history.record(host, layout, event)
    history.read(host, layout, limit=20)     # the last 20 events, oldest first

Each line holds the fields of the design's "History JSON contract" plus ``env``.
"""

from __future__ import annotations

import getpass
import json
import posixpath
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from .errors import RemoteCommandFailed
from .hosts import Host
from .layout import Layout
from .remote.commands import Command, all_of, append_to, either, quiet, to_file

EVENTS = ("deploy", "rollback", "migrate", "restore", "backup", "unlock", "override", "recover")
OUTCOMES = ("success", "failed", "rolled_back", "inconsistent")
MAX_MESSAGE = 10_000  # characters; a line travels as one command-line argument


def current_operator() -> str:
    """``user@machine`` of whoever runs the orchestrator."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no $USER, as in some CI containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def timestamp(moment: datetime | None = None) -> str:
    """ISO-8601 in UTC, to the second: ``2026-05-02T12:00:00Z``."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Migrations:
    """Migrations an event applied and reversed (``app.0002_name``), in order."""

    applied: tuple[str, ...] = ()
    reversed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    """One line of the history; ``as_json()`` is the contract's event object."""

    event: str
    outcome: str
    env: str
    operator: str = field(default_factory=current_operator)
    time: str = field(default_factory=timestamp)
    commit: str | None = None
    release: str | None = None
    previous_release: str | None = None
    backup: str | None = None
    migrations: Migrations = Migrations()
    durations_ms: Mapping[str, int] = field(default_factory=dict, hash=False)
    message: str | None = None
    image: str | None = None  # a Compose release's image: ``NAME ID``

    def as_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "outcome": self.outcome,
            "time": self.time,
            "operator": self.operator,
            "commit": self.commit,
            "release": self.release,
            "previous_release": self.previous_release,
            "backup": self.backup,
            "migrations": {
                "applied": list(self.migrations.applied),
                "reversed": list(self.migrations.reversed),
            },
            "durations_ms": dict(self.durations_ms),
            "message": self.message,
            **({"image": self.image} if self.image else {}),
        }

    def line(self) -> str:
        """The history line: the contract's fields and ``env``, ASCII, no newline inside."""
        return json.dumps({**self.as_json(), "env": self.env})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        """An event from a history line; keys this version does not know are ignored."""
        migrations = data.get("migrations") or {}
        return cls(
            event=str(data["event"]),
            outcome=str(data["outcome"]),
            env=str(data.get("env") or ""),
            operator=str(data.get("operator") or "?"),
            time=str(data.get("time") or ""),
            commit=data.get("commit"),
            release=data.get("release"),
            previous_release=data.get("previous_release"),
            backup=data.get("backup"),
            migrations=Migrations(
                tuple(migrations.get("applied") or ()), tuple(migrations.get("reversed") or ())
            ),
            durations_ms=dict(data.get("durations_ms") or {}),
            message=data.get("message"),
            image=data.get("image"),
        )


# Who hears of each event once it is written, by environment (``notify``: the task layer
# registers a sender). Set once per environment and run, read by ``recorded``.
observers: dict[str, Callable[[Event], None]] = {}


def record(host: Host, layout: Layout, event: Event) -> None:
    """Append ``event`` to the history on ``host``, creating ``.deploy/`` if needed."""
    command = record_command(layout, event)  # refuses a non-contract event before any I/O
    result = host.run(command, timeout=60)
    if not result.ok:
        raise RemoteCommandFailed(
            f"cannot write the history {layout.history} on {host.name}: {result.stderr.strip()}"
        )
    recorded(event)


def recorded(event: Event) -> None:
    """``event`` is in the history: tell whoever listens for its environment."""
    observer = observers.get(event.env)
    if observer is not None:
        observer(event)


def read(host: Host, layout: Layout, limit: int | None = None) -> list[Event]:
    """The events on ``host``, oldest first (the last ``limit`` of them); none if no history.

    A line that is not a whole event (a write cut short) is skipped.
    """
    result = host.run(read_command(layout, None if limit is None else limit + 1), timeout=60)
    if not result.ok:
        raise RemoteCommandFailed(
            f"cannot read the history {layout.history} on {host.name}: {result.stderr.strip()}"
        )
    events = parse_lines(result.stdout)
    if limit is None:
        return events
    return events[-limit:] if limit > 0 else []


def record_command(layout: Layout, event: Event) -> Command:
    """The command that appends ``event`` (its message shortened if need be)."""
    if event.event not in EVENTS or event.outcome not in OUTCOMES:
        raise ValueError(f"not a history event: {event.event!r} / {event.outcome!r}")
    if event.message is not None and len(event.message) > MAX_MESSAGE:
        event = _shortened(event)
    return append_command(layout, event.line(), secrets.token_hex(6))


def parse_lines(output: str) -> list[Event]:
    """The events in the history file's text; a line that is not a whole event is skipped."""
    return [event for event in map(_parse, output.splitlines()) if event is not None]


def append_command(layout: Layout, line: str, suffix: str) -> Command:
    """Write the line to a temporary file, then append it with one ``cat``.

    ``cat`` copies a small file with one ``write``, and an ``O_APPEND`` write is never
    interleaved with another writer's, so concurrent appends leave whole lines.
    """
    temporary = f"{layout.history}.{suffix}.tmp"
    return all_of(
        ["mkdir", "-p", posixpath.dirname(layout.history)],
        to_file(["printf", "%s\\n", line], temporary),
        append_to(["cat", temporary], layout.history),
        ["rm", "-f", temporary],
    )


def read_command(layout: Layout, lines: int | None) -> Command:
    """The history file, or its last ``lines`` lines; nothing (exit 0) when there is none."""
    show = ["cat", layout.history] if lines is None else ["tail", "-n", str(lines), layout.history]
    return either(quiet(["test", "!", "-e", layout.history]), show)


def _parse(line: str) -> Event | None:
    try:
        data = json.loads(line)
        return Event.from_json(data) if isinstance(data, dict) else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _shortened(event: Event) -> Event:
    return replace(event, message=event.message[:MAX_MESSAGE] + " [...]")
