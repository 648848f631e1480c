"""Database backups on the primary: taken and verified in one Django process, listed from
their manifests (``<deploy_to>/backups/<id>.json``), restored after a safety backup."""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime

from ..errors import DeployError, RemoteCommandFailed, UsageError
from ..layout import Layout
from ..remote import django, documents

MANUAL = "manual"


def take(host, layout: Layout, release_path: str, manage: str, backup_id: str, commit: str) -> dict:
    """A backup and its manifest, verified (checksum, and the restore tool reads it), in one
    Django process, with the code of the release at ``release_path``."""
    manifest = django.run_json(
        host,
        release_path,
        manage,
        "backup_database",
        "--dir",
        layout.backups,
        "--id",
        backup_id,
        "--commit",
        commit,
        "--verify",
        accept=(0, 1),
        detached_in=layout,
    )
    verification = manifest.pop("verification", None)
    if verification is None:  # the backup itself failed
        detail = manifest.get("error") or "no manifest"
        raise RemoteCommandFailed(f"manage.py backup_database failed on {host.name}: {detail}")
    _verified(verification, backup_id)
    return manifest


def verify(host, layout: Layout, release_path: str, manage: str, backup_id: str) -> None:
    """The backup's checksum holds and the restore tool reads it; DeployError otherwise."""
    verified = django.run_json(
        host,
        release_path,
        manage,
        "verify_backup",
        "--manifest",
        manifest_path(layout, backup_id),
        accept=(0, 1),
    )
    _verified(verified, backup_id)


def _verified(report: dict, backup_id: str) -> None:
    if not report.get("ok"):
        reason = report.get("detail") or report.get("error") or "unknown reason"
        raise DeployError(f"backup {backup_id} failed verification, nothing changed: {reason}")


def manifest_path(layout: Layout, backup_id: str) -> str:
    return posixpath.join(layout.backups, f"{backup_id}.json")


def safety_id(backup_id: str, now: datetime | None = None) -> str:
    """The id of the safety backup taken before restoring ``backup_id``."""
    return f"safety-{(now or datetime.now(UTC)):%Y%m%d%H%M%S}-before-restoring-{backup_id}"


def restore(
    host,
    layout: Layout,
    release_path: str,
    manage: str,
    backup_: dict,
    commit: str,
    safety: str | None = None,
) -> dict:
    """Restore ``backup_`` after a safety backup (id ``safety``, commit ``commit``: the data as
    it is now, and the code it goes with); the safety backup's manifest."""
    verify(host, layout, release_path, manage, backup_["id"])  # before touching anything
    kept = take(host, layout, release_path, manage, safety or safety_id(backup_["id"]), commit)
    django.run_json(
        host,
        release_path,
        manage,
        "restore_database",
        "--manifest",
        manifest_path(layout, backup_["id"]),
        "--yes",
        detached_in=layout,
    )
    return kept


def read_manifest(host, layout: Layout, backup_id: str) -> dict:
    """One backup's manifest; DeployError when it is missing or unreadable."""
    path = manifest_path(layout, backup_id)
    document = django.parse(host.run(["cat", path]).stdout)
    if document is None:
        raise DeployError(f"no readable manifest {path} on {host.name}")
    return document


def manual_id(now: datetime | None = None) -> str:
    """``manual-<UTC stamp>``, the id of a backup an operator asked for."""
    return f"{MANUAL}-{(now or datetime.now(UTC)):%Y%m%d%H%M%S}"


def manifests(host, layout: Layout) -> list[dict]:
    """Every backup manifest on ``host``, newest first."""
    return newest_first(documents.read(host, layout.backups).values())


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
    raise UsageError(f"no backup {backup_id} on {where}; the newest there: {known}")


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
