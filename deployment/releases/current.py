"""The release ``current`` points at on a host: read in one command (``scripts/live.sh``)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from ..errors import NothingDeployed, RemoteCommandFailed
from ..layout import Layout
from ..remote.commands import Command, script

NOTHING_DEPLOYED = 3  # exit status of ``live.sh`` when ``current`` is missing


@dataclass(frozen=True)
class Live:
    """The release ``current`` points at on a host: its folder, name and commit."""

    path: str
    commit: str

    @property
    def release(self) -> str:
        return posixpath.basename(self.path.rstrip("/"))


def live_command(layout: Layout) -> Command:
    """Two lines: the folder ``current`` points at, its commit; exit 3 when there is none."""
    return script("live", layout.current)


def live(host, layout: Layout) -> Live:
    """The live release on ``host``; ``NothingDeployed`` when there is none there."""
    result = host.run(live_command(layout))
    if result.exit_code == NOTHING_DEPLOYED:
        raise NothingDeployed(f"nothing is deployed on {host.name} yet (no {layout.current})")
    lines = result.stdout.strip().splitlines()
    if not result.ok or len(lines) != 2:
        detail = (result.stderr or result.stdout).strip() or f"exit status {result.exit_code}"
        raise RemoteCommandFailed(f"cannot read the live release on {host.name}: {detail}")
    return Live(path=lines[0], commit=lines[1])
