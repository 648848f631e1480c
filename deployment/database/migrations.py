"""Migrations on the primary, through the release's own manage.py (credentials stay there):
the plan, ``locked_migrate``, and the way back from a migrate."""

from __future__ import annotations

from ..errors import DeployError, RemoteCommandFailed
from ..layout import Layout
from ..remote import django
from . import backups
from .verify import verify


def plan(host, release_path: str, manage: str, *targets: str) -> dict:
    """``migration_plan``: what migrating (to ``targets``) would do, with this release's code."""
    args = [arg for target in targets for arg in ("--target", target)]
    return django.run_json(host, release_path, manage, "migration_plan", *args)


def migrate(host, layout: Layout, release_path: str, manage: str, *targets: str) -> dict:
    """``migrate`` once, on this host, under the database's advisory lock, each statement
    giving up waiting for a table lock after the inventory's ``lock_timeout`` (retried);
    detached from the session, so that a lost connection or a killed orchestrator never cuts
    it short."""
    options = manage.migrate_options() if hasattr(manage, "migrate_options") else ()
    return django.run_json(
        host, release_path, manage, "locked_migrate", *options, *targets, detached_in=layout
    )


def state_targets(before: dict, after: dict) -> list[str]:
    """``app:migration`` targets that take the database from ``after`` back to ``before``."""
    return [f"{app}:{name}" for app, name in sorted(before.items()) if after.get(app) != name]


def bring_back(
    host,
    layout: Layout,
    release_path: str,
    manage: str,
    plan_,
    backup_: dict | None,
    matches: str | None = None,
) -> tuple[list[str], str | None]:
    """Undo a migrate: reverse migrations when all are reversible, else restore the backup.

    ``plan_``: the ``Plan`` that ran. ``matches``: the release (path) whose models the
    database must match afterwards, the one served before. Reverse migrations are checked
    against it: when they fail or leave the schema otherwise (a non-atomic migration that
    stopped half way, a RunSQL without a reverse), the backup is restored, after a safety
    backup. Returns (reversed migrations, restored backup id).
    """
    if plan_ is None:
        return [], None
    reversed_, why = [], "irreversible migrations"
    if plan_.reversible:
        try:
            reversed_ = _reverse(host, layout, release_path, manage, plan_)
            if matches is None:
                return reversed_, None
            verify(host, matches, manage, system_checks=False)
            return reversed_, None
        except DeployError as error:
            why = f"reverse migrations did not bring the schema back ({error})"
    if backup_ is None:
        raise RemoteCommandFailed(f"{why} and no backup to restore")
    backups.restore(host, layout, release_path, manage, backup_, backup_["commit"])
    if matches is not None:
        verify(host, matches, manage, system_checks=False)
    return reversed_, backup_["id"]


def _reverse(host, layout: Layout, release_path: str, manage: str, plan_) -> list[str]:
    targets = state_targets(dict(plan_.before), dict(plan_.after))
    if not targets:
        return []
    return migrate(host, layout, release_path, manage, *targets)["reversed"]
