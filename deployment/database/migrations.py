"""Migrations on the primary, through the release's own manage.py (credentials stay there):
the plan, ``locked_migrate``, and the way back from a migrate."""

from __future__ import annotations

from ..errors import RemoteCommandFailed
from ..layout import Layout
from ..remote import django
from . import backups


def plan(host, release_path: str, manage: str, *targets: str) -> dict:
    """``migration_plan``: what migrating (to ``targets``) would do, with this release's code."""
    args = [arg for target in targets for arg in ("--target", target)]
    return django.run_json(host, release_path, manage, "migration_plan", *args)


def migrate(host, release_path: str, manage: str, *targets: str) -> dict:
    """``migrate`` once, on this host, under the database's advisory lock."""
    return django.run_json(host, release_path, manage, "locked_migrate", *targets)


def state_targets(before: dict, after: dict) -> list[str]:
    """``app:migration`` targets that take the database from ``after`` back to ``before``."""
    return [f"{app}:{name}" for app, name in sorted(before.items()) if after.get(app) != name]


def bring_back(
    host, layout: Layout, release_path: str, manage: str, plan_, backup_: dict | None
) -> tuple[list[str], str | None]:
    """Undo a migrate: reverse migrations when all are reversible, else restore the backup.

    ``plan_``: the ``Plan`` that ran. Returns (reversed migrations, restored backup id).
    """
    if plan_ is None:
        return [], None
    targets = state_targets(dict(plan_.before), dict(plan_.after))
    if plan_.reversible:
        if not targets:
            return [], None
        report = migrate(host, release_path, manage, *targets)
        return report["reversed"], None
    if backup_ is None:
        raise RemoteCommandFailed("irreversible migrations and no backup to restore")
    backups.restore(host, layout, release_path, manage, backup_, backup_["commit"])
    return [], backup_["id"]
