"""Backups on the primary outside a deploy: take one, list them, restore one.

The database work runs through the live release's own manage.py (``database.backup``,
``database.restore``); the manifests in ``<deploy_to>/backups`` are read in one round trip.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from datetime import UTC, datetime

from . import database, documents
from .commands import sh
from .errors import DeployError, UsageError
from .layout import Layout

MANUAL = "manual"
NOTHING_DEPLOYED = 3  # exit status of the ``live`` command when ``current`` is missing
LIVE_SCRIPT = 'r=$(readlink "$1") || exit 3; printf \'%s\\n\' "$r"; git -C "$r" rev-parse HEAD'


@dataclass(frozen=True)
class Live:
    """The release ``current`` points at on a host: its folder, name and commit."""

    path: str
    commit: str

    @property
    def release(self) -> str:
        return posixpath.basename(self.path.rstrip("/"))


def manual_id(now: datetime | None = None) -> str:
    """``manual-<UTC stamp>``, the id of a backup an operator asked for."""
    return f"{MANUAL}-{(now or datetime.now(UTC)):%Y%m%d%H%M%S}"


def live_command(layout: Layout) -> str:
    """Two lines: the folder ``current`` points at, its commit; exit 3 when there is none."""
    return sh(["sh", "-c", LIVE_SCRIPT, "live", layout.current])


def live(host, layout: Layout) -> Live:
    """The live release on ``host``; DeployError when nothing is deployed there."""
    result = host.run(live_command(layout))
    if result.exit_code == NOTHING_DEPLOYED:
        raise DeployError(f"nothing is deployed on {host.name} yet (no {layout.current})")
    lines = result.stdout.strip().splitlines()
    if not result.ok or len(lines) != 2:
        detail = (result.stderr or result.stdout).strip() or f"exit status {result.exit_code}"
        raise DeployError(f"cannot read the live release on {host.name}: {detail}")
    return Live(path=lines[0], commit=lines[1])


def take(host, layout: Layout, manage: str, current: Live, backup_id: str) -> dict:
    """A verified backup taken with the live release's code; its manifest."""
    return database.backup(host, layout, current.path, manage, backup_id, current.commit)


def manifests(host, layout: Layout) -> list[dict]:
    """Every backup manifest on ``host``, newest first."""
    found = documents.read(host, layout.backups)
    return newest_first(found.values())


def newest_first(found) -> list[dict]:
    return sorted(found, key=lambda m: (str(m.get("created", "")), str(m.get("id", ""))))[::-1]


def find(found: list[dict], backup_id: str, where: str) -> dict:
    """The manifest of ``backup_id``, or DeployError naming the newest ones there are."""
    if not backup_id or backup_id.startswith(("-", ".")) or "/" in backup_id:
        raise UsageError(f"--backup={backup_id!r} is not a backup id (see fab backups)")
    for manifest in found:
        if manifest.get("id") == backup_id:
            return manifest
    known = ", ".join(str(m.get("id")) for m in found[:5]) or "none"
    raise DeployError(f"no backup {backup_id} on {where}; the newest there: {known}")


def restore(host, layout: Layout, manage: str, current: Live, manifest: dict) -> dict:
    """Verify ``manifest``'s backup, take a safety backup, restore; the safety manifest."""
    return database.restore(host, layout, current.path, manage, manifest, current.commit)


def drift(manifest: dict, state: dict | None) -> list[str]:
    """Apps whose last migration in the backup differs from the release's recorded state."""
    if not state:
        return []
    backed_up = {app: names[-1] for app, names in manifest.get("migrations", {}).items() if names}
    apps = sorted(set(backed_up) | set(state))
    return [
        f"{app}: backup {backed_up.get(app, 'none')}, release {state.get(app, 'none')}"
        for app in apps
        if backed_up.get(app) != state.get(app)
    ]
