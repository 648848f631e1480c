"""The migration graph as ``migrate`` sees it: targets, and where each app stands."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.migrations.exceptions import AmbiguityError, InconsistentMigrationHistory
from django.db.migrations.loader import MigrationLoader

Key = tuple[str, str | None]


class PlanError(Exception):
    """The plan cannot be computed; ``exit_code`` 2 for usage, 1 for a broken history."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def check_history(loader: MigrationLoader, connection) -> None:
    """Refuse what ``migrate`` refuses: conflicting leaves, an inconsistent history."""
    conflicts = loader.detect_conflicts()
    if conflicts:
        app, names = min(conflicts.items())
        listed = ", ".join(sorted(names))
        message = (
            f"conflicting migrations in {app}: {listed} (run `manage.py makemigrations --merge`)"
        )
        raise PlanError(message, exit_code=1)
    try:
        loader.check_consistent_history(connection)
    except InconsistentMigrationHistory as error:
        raise PlanError(str(error), exit_code=1) from None


def parse_targets(loader: MigrationLoader, targets: Sequence[str]) -> list[Key]:
    """``app_label:migration_name`` (a unique prefix will do, or ``zero``) -> graph keys."""
    return [_target(loader, text) for text in targets]


def _target(loader: MigrationLoader, text: str) -> Key:
    app, _, name = text.partition(":")
    if not app or not name:
        raise PlanError(f"bad target {text!r}: expected app_label:migration_name or app_label:zero")
    if app not in loader.migrated_apps:
        raise PlanError(f"bad target {text!r}: app {app!r} has no migrations")
    if name == "zero":
        return app, None
    try:
        return app, loader.get_migration_by_prefix(app, name).name
    except AmbiguityError:
        raise PlanError(f"bad target {text!r}: more than one migration matches") from None
    except KeyError:
        raise PlanError(f"bad target {text!r}: no such migration in {app!r}") from None


def heads(loader: MigrationLoader) -> dict[str, str]:
    """Each app's latest applied migration in the graph's order, or ``zero``."""
    graph, applied = loader.graph, loader.applied_migrations
    found = {app: "zero" for app, _ in graph.nodes}
    for key in _ordered(graph):
        if key in applied:
            found[key[0]] = key[1]
    return dict(sorted(found.items()))


def heads_after(loader: MigrationLoader, before: dict[str, str], steps) -> dict[str, str]:
    """Where each app stands once ``migrate`` has run ``steps`` (Migration, backwards)."""
    found = dict(before)
    for migration, backwards in steps:
        key = (migration.app_label, migration.name)
        found[key[0]] = _previous(loader, key) if backwards else key[1]
    return found


def _previous(loader: MigrationLoader, key: tuple[str, str]) -> str:
    parents = sorted(p for p in loader.graph.node_map[key].parents if p[0] == key[0])
    return parents[-1][1] if parents else "zero"


def _ordered(graph) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            seen.setdefault(key, None)
    return list(seen)
