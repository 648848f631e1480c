"""migration_plan's engine: what ``migrate`` would do with this code, read-only.

``build_plan(connection, targets)`` returns a :class:`~.model.Plan`: the migrations to apply
(or unapply), their operations, which are dangerous and why, whether all can be reversed,
and size estimates of the tables they touch. It reads the migration recorder and the catalog,
never a user table, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.migrations.exceptions import NodeNotFoundError
from django.db.migrations.executor import MigrationExecutor

from ..introspection import read_only
from . import danger, phases
from .catalog import estimate
from .graph import PlanError, check_history, heads, heads_after, parse_targets
from .model import Migration, Plan
from .state import Context

__all__ = ["PlanError", "Plan", "build_plan"]


def build_plan(connection, targets: Sequence[str] = ()) -> Plan:
    """The plan ``migrate`` follows to ``targets`` (``app:name``; default: every leaf)."""
    with read_only(connection) as cursor:
        executor = _executor(connection)
        loader = executor.loader
        check_history(loader, connection)
        keys = parse_targets(loader, targets) if targets else loader.graph.leaf_nodes()
        steps = executor.migration_plan(keys)
        if len({backwards for _, backwards in steps}) > 1:
            raise PlanError("the targets mix forwards and backwards steps: migrate refuses that")
        before = heads(loader)
        after = heads_after(loader, before, steps)
        plan = Plan(connection.alias, connection.vendor, before, after, [])
        plan.migrations = _describe(loader, connection, steps)
        forwards = [(m.app_label, m.name) for m, backwards in steps if not backwards]
        later = phases.post_deploy(loader, forwards)
        for migration in plan.migrations:
            migration.post_deploy = (migration.app, migration.name) in later
        if later:
            plan.phases = {
                "deploy": phases.targets(loader, [k for k in forwards if k not in later]),
                "post_deploy": phases.targets(loader, [k for k in forwards if k in later]),
            }
        plan.tables = estimate(cursor, connection.vendor, plan.touched())
    return plan


def _executor(connection) -> MigrationExecutor:
    try:
        return MigrationExecutor(connection)
    except NodeNotFoundError as error:
        raise PlanError(f"broken migration graph: {error}", exit_code=1) from None


def _describe(loader, connection, steps) -> list[Migration]:
    state, created, found = None, set(), []
    for migration, backwards in steps:
        if backwards:
            start = loader.project_state((migration.app_label, migration.name), at_end=False)
            ctx = Context(migration.app_label, start, connection)
            found.append(_migration(migration, ctx, backwards=True))
            continue
        if state is None:
            state = _applied_state(loader)
        ctx = Context(migration.app_label, state, connection, created)
        found.append(_migration(migration, ctx))
    return found


def _migration(migration, ctx: Context, backwards: bool = False) -> Migration:
    """Walk the operations forwards, each seen from the state just before it."""
    inspect, found = danger.backwards if backwards else danger.inspect, []
    for operation in migration.operations:
        found.append(inspect(operation, ctx))
        operation.state_forwards(ctx.app_label, ctx.state)
    atomic = migration.atomic and ctx.connection.features.can_rollback_ddl
    return Migration(migration.app_label, migration.name, atomic, backwards, found)


def _applied_state(loader):
    applied = [key for key in loader.applied_migrations if key in loader.graph.nodes]
    return loader.project_state(applied, at_end=True)
