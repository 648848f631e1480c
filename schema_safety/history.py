"""What the migration history says before a deploy: unapplied, missing on disk, conflicting."""

from __future__ import annotations

from django.apps import apps
from django.db.migrations.loader import MigrationLoader


def load(connection) -> MigrationLoader:
    """The migration graph and the recorded history, read once per command."""
    return MigrationLoader(connection, ignore_no_migrations=True)


def check_migrations(loader: MigrationLoader) -> dict:
    """What ``migrate`` will apply, and what makes the recorded history untrustworthy."""
    replaced = {key for squash in loader.replacements.values() for key in squash.replaces}
    not_on_disk = sorted(set(loader.applied_migrations) - set(loader.disk_migrations) - replaced)
    installed = {config.label for config in apps.get_app_configs()}
    missing = [key for key in not_on_disk if key[0] in installed]
    uninstalled = sorted({app for app, _ in not_on_disk if app not in installed})
    conflicts = loader.detect_conflicts()
    inconsistent = _inconsistent(loader)
    unapplied = _plan(loader)
    detail = _migration_detail(loader, unapplied, missing, conflicts, inconsistent, uninstalled)
    return {
        "ok": not (missing or conflicts or inconsistent),
        "unapplied": [_name(key) for key in unapplied],
        "applied_missing_on_disk": [_name(key) for key in missing],
        "conflicts": {app: names for app, names in sorted(conflicts.items())},
        "inconsistent": inconsistent,
        "detail": detail,
    }


def migration_error(detail: str) -> dict:
    return {
        "ok": False,
        "unapplied": [],
        "applied_missing_on_disk": [],
        "conflicts": {},
        "inconsistent": [],
        "detail": f"cannot load the migrations: {detail}",
    }


def _plan(loader) -> list[tuple[str, str]]:
    """The forwards plan ``migrate`` follows to every leaf (MigrationExecutor.migration_plan)."""
    done, plan = set(loader.applied_migrations), []
    for target in loader.graph.leaf_nodes():
        for key in loader.graph.forwards_plan(target):
            if key not in done:
                done.add(key)
                plan.append(key)
    return plan


def _inconsistent(loader) -> list[dict]:
    """Applied migrations whose dependency is not applied (``migrate`` would refuse)."""
    applied, found = loader.applied_migrations, []
    for key in sorted(applied):
        if key not in loader.graph.nodes:
            continue
        for parent in sorted(loader.graph.node_map[key].parents):
            squash = loader.replacements.get(parent)
            if parent in applied or (squash and all(k in applied for k in squash.replaces)):
                continue
            found.append({"migration": _name(key), "dependency": _name(parent)})
    return found


def _migration_detail(loader, unapplied, missing, conflicts, inconsistent, uninstalled) -> str:
    parts = []
    if missing:
        apps_ = " ".join(sorted({app for app, _ in missing}))
        parts.append(
            f"recorded as applied but not on disk: {', '.join(map(_name, missing))} "
            "(the database was migrated by other code: deploy that code, or, if a squashed "
            f"migration replaced them, run `manage.py migrate --prune {apps_}`)"
        )
    for app, names in sorted(conflicts.items()):
        parts.append(
            f"conflicting migrations in {app}: {', '.join(names)} "
            "(run `manage.py makemigrations --merge`)"
        )
    for item in inconsistent:
        parts.append(f"{item['migration']} is applied before its dependency {item['dependency']}")
    if unapplied:
        names = ", ".join(map(_name, unapplied))
        parts.append(f"{len(unapplied)} to apply by this deploy: {names}")
    else:
        parts.append(f"all {len(loader.graph.nodes)} migrations applied")
    if uninstalled:
        parts.append(f"ignored rows of apps no longer installed: {', '.join(uninstalled)}")
    return "; ".join(parts)


def _name(key: tuple[str, str]) -> str:
    return f"{key[0]}.{key[1]}"
