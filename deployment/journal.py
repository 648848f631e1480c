"""The journal of a running operation: ``<deploy_to>/.deploy/journal.json`` on the primary.

Written before each step that changes something (what runs, the release, what each host
served before, the backup, the plan's states, the hosts switched, the remote step running),
removed when the operation ends consistent. A journal left behind means an operation was
interrupted: ``fab status`` and predeploy point at ``fab recover``, which reads it.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .history import current_operator, timestamp
from .layout import Layout
from .remote.commands import Command, all_of, either, quiet, to_file
from .remote.run import checked


@dataclass(frozen=True)
class Journal:
    """What ``fab recover`` needs to finish or undo an operation."""

    task: str  # deploy, rollback, migrate, restore, recover
    env: str
    step: str  # the step about to run (or being undone: "undo migrate")
    release: str | None = None  # the release going live (deploy: the new one)
    commit: str | None = None
    previous: Mapping[str, str | None] = field(default_factory=dict)  # host -> release before
    switched: tuple[str, ...] = ()  # hosts that serve ``release`` now
    backup: str | None = None  # taken before migrating: what a restore brings back
    before: Mapping[str, str] = field(default_factory=dict)  # migration state before
    after: Mapping[str, str] = field(default_factory=dict)  # and after the plan
    reversible: bool = False
    remote_step: str | None = None  # folder of the detached step running on the primary
    code: str | None = None  # release path whose code runs the remote step
    operator: str = field(default_factory=current_operator)
    started: str = field(default_factory=timestamp)

    def as_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["previous"] = dict(self.previous)
        document["before"], document["after"] = dict(self.before), dict(self.after)
        document["switched"] = list(self.switched)
        return document

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Journal:
        known = {name for name in cls.__dataclass_fields__}
        values = {key: value for key, value in data.items() if key in known}
        values["switched"] = tuple(values.get("switched") or ())
        return cls(**values)


def path(layout: Layout) -> str:
    return posixpath.join(posixpath.dirname(layout.lock), "journal.json")


def write_command(layout: Layout, journal: Journal) -> Command:
    """Write the journal whole (a temporary file renamed): a reader never sees half of it."""
    target = path(layout)
    temporary = f"{target}.tmp"
    return all_of(
        ["mkdir", "-p", posixpath.dirname(target)],
        to_file(["printf", "%s\\n", json.dumps(journal.as_json(), sort_keys=True)], temporary),
        ["mv", temporary, target],
    )


def write(host, layout: Layout, journal: Journal) -> None:
    checked(host, write_command(layout, journal), "writing the journal")


def read_command(layout: Layout) -> Command:
    """The journal, or nothing (exit 0) when there is none."""
    return either(quiet(["cat", path(layout)]), ["true"])


UNREADABLE = "unreadable"  # the step of a journal that could not be read back


def parse(output: str, env: str = "?") -> Journal | None:
    """The journal in ``output``; None when there is none; a journal whose ``step`` is
    ``UNREADABLE`` when the file is there but damaged (it still means: interrupted)."""
    if not output.strip():
        return None
    try:
        data = json.loads(output)
        if isinstance(data, dict):
            return Journal.from_json(data)
    except (ValueError, TypeError):
        pass
    return Journal(task="unknown", env=env, step=UNREADABLE)


def read(host, layout: Layout, env: str = "?") -> Journal | None:
    return parse(checked(host, read_command(layout), "reading the journal"), env)


def clear_command(layout: Layout) -> Command:
    return ["rm", "-f", path(layout)]


def clear(host, layout: Layout) -> None:
    checked(host, clear_command(layout), "removing the journal")
