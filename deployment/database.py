"""Database work on the primary, through the release's own manage.py (credentials stay there)."""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime

from . import remote_django
from .errors import DeployError, RemoteCommandFailed
from .layout import Layout


def plan(host, release_path: str, manage: str, *targets: str) -> dict:
    return remote_django.run_json(host, release_path, manage, "migration_plan", *_targets(targets))


def backup(
    host, layout: Layout, release_path: str, manage: str, backup_id: str, commit: str
) -> dict:
    """A backup and its manifest, verified (checksum, and the restore tool reads it), in one
    Django process."""
    manifest = remote_django.run_json(
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
    )
    verification = manifest.pop("verification", None)
    if verification is None:  # the backup itself failed
        detail = manifest.get("error") or "no manifest"
        raise RemoteCommandFailed(f"manage.py backup_database failed on {host.name}: {detail}")
    _verified(verification, backup_id)
    return manifest


def verify_backup(host, layout: Layout, release_path: str, manage: str, backup_id: str) -> None:
    """The backup's checksum holds and the restore tool reads it; DeployError otherwise."""
    verified = remote_django.run_json(
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


def migrate(host, release_path: str, manage: str, *targets: str) -> dict:
    """``migrate`` once, on this host, under the database's advisory lock."""
    return remote_django.run_json(host, release_path, manage, "locked_migrate", *targets)


def verify(
    host, release_path: str, manage: str, system_checks: bool = True, pending_ok: bool = False
) -> None:
    """verify_schema and (unless told not to) ``check --deploy`` with this release's code,
    in one Django process (``verify_release``).

    ``pending_ok``: differences that an unapplied migration fixes are expected (before migrate).
    """
    command = ("verify_release",) if system_checks else ("verify_schema", "--format", "json")
    document = remote_django.run_json(host, release_path, manage, *command, accept=(0, 1))
    report = document.get("schema", {}) if system_checks else document
    checks = document.get("system_checks", {}) if system_checks else {"ok": True}
    errors = [
        p["message"]
        for p in report.get("problems", [])
        if p["severity"] == "error" and not (pending_ok and "Pending: " in (p.get("hint") or ""))
    ]
    if errors:
        raise DeployError(f"verify_schema: {'; '.join(errors[:3])}")
    if not checks.get("ok"):
        raise DeployError(f"manage.py check --deploy: {checks.get('detail') or 'failed'}")


def state_targets(before: dict, after: dict) -> list[str]:
    """``app:migration`` targets that take the database from ``after`` back to ``before``."""
    return [f"{app}:{name}" for app, name in sorted(before.items()) if after.get(app) != name]


def bring_back(
    host, layout: Layout, release_path: str, manage: str, plan_: dict | None, backup_: dict | None
) -> tuple[list[str], str | None]:
    """Undo a migrate: reverse migrations when all are reversible, else restore the backup.

    Returns (reversed migrations, restored backup id).
    """
    if plan_ is None:
        return [], None
    targets = state_targets(plan_.get("before", {}), plan_.get("after", {}))
    if plan_.get("reversible", False):
        if not targets:
            return [], None
        report = migrate(host, release_path, manage, *targets)
        return report["reversed"], None
    if backup_ is None:
        raise RemoteCommandFailed("irreversible migrations and no backup to restore")
    restore(host, layout, release_path, manage, backup_, backup_["commit"])
    return [], backup_["id"]


def restore(
    host, layout: Layout, release_path: str, manage: str, backup_: dict, commit: str
) -> dict:
    """Restore ``backup_`` after a safety backup of the data as it is now."""
    verify_backup(host, layout, release_path, manage, backup_["id"])  # before touching anything
    safety_id = f"safety-{datetime.now(UTC):%Y%m%d%H%M%S}-before-restoring-{backup_['id']}"
    safety = backup(host, layout, release_path, manage, safety_id, commit)
    remote_django.run_json(
        host,
        release_path,
        manage,
        "restore_database",
        "--manifest",
        manifest_path(layout, backup_["id"]),
        "--yes",
    )
    return safety


def _targets(targets) -> list[str]:
    return [arg for target in targets for arg in ("--target", target)]
