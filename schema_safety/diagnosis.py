"""Why the schema differs: three descriptions, one story per problem.

The live database is compared with the models; each difference is then looked
up in the schema the *applied* migrations describe and in the schema *all*
migrations on disk describe:

- the applied migrations expect it too: "history lies" (a migration is recorded
  as applied, but what it creates is absent);
- only the unapplied migrations expect it: "pending";
- no migration expects it: "missing migration" when makemigrations sees a
  change, otherwise the models and the migrations describe the same schema in
  two spellings, and the difference is not a problem at all.
"""

from __future__ import annotations

import functools
from dataclasses import replace

from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from .compare import compare
from .expected import concrete_models, describe
from .problems import KINDS, Problem
from .schema import Schema

# Every kind a migration can explain; extra tables and critical relationships have their own,
# and the kinds Django's own description of a schema cannot hold (a sequence, a database
# action, a printed expression) are changes made behind Django's back: their hint says so.
BEHIND_DJANGOS_BACK = frozenset(KINDS[KINDS.index("check_mismatch") :]) | {"foreign_key_mismatch"}
STORY_KINDS = frozenset(KINDS) - {"extra_table", "critical_relationship"} - BEHIND_DJANGOS_BACK

UNMIGRATED_COLUMN = (
    "No applied migration creates this column: it was added outside migrations, or a "
    "migration removing it was faked."
)


def explain(
    problems: list[Problem], connection, live: Schema, apps, normalize, loader=None, printed=None
) -> list[Problem]:
    """The problems with their story in the hint; benign ones dropped.

    ``loader`` is the migration history already read by the caller, if any; ``printed``
    the models' schema with the definitions the database printed for it, reused for the
    same checks and indexes in the migration states (so that they pair alike).
    """
    if not any(_has_story(p) for p in problems):
        return problems
    loader = loader or MigrationLoader(connection, ignore_no_migrations=True)
    applied = [node for node in loader.applied_migrations if node in loader.graph.nodes]
    tables = {p.table for p in problems}
    final_state = loader.project_state()
    keys = functools.partial(
        _keys, connection=connection, live=live, normalize=normalize, tables=tables, printed=printed
    )
    all_keys = keys(final_state)
    if set(loader.graph.nodes) <= set(applied):  # nothing pending: one state serves both
        applied_keys = all_keys
    else:
        applied_keys = keys(loader.project_state(applied))
    changed = _apps_with_changes(loader, final_state, apps)
    explained = []
    for problem in problems:
        if not _has_story(problem) or problem.app not in loader.migrated_apps:
            explained.append(problem)
        elif problem.key in applied_keys and problem.kind == "extra_column":
            explained.append(problem.with_hint(UNMIGRATED_COLUMN))
        elif problem.key in applied_keys:
            explained.append(problem.with_hint(_history_lies(problem, loader, applied)))
        elif problem.key in all_keys:
            explained.append(problem.with_hint(_pending(problem, loader)))
        elif problem.app in changed:
            explained.append(
                problem.with_hint(
                    f"Missing migration: the models changed and no migration says so; run "
                    f"`manage.py makemigrations {problem.app}` (or verify_schema --fix)."
                )
            )
    return explained


def _has_story(problem: Problem) -> bool:
    """A foreign key's database action is made behind Django's back too (its target is not)."""
    if problem.kind == "foreign_key_mismatch":
        return not (problem.expected or "").startswith("ON DELETE")
    return problem.kind in STORY_KINDS


def _keys(state: ProjectState, *, connection, live, normalize, tables, printed) -> set[tuple]:
    """Problem keys of the schema ``state`` describes, for the tables with problems only."""
    models = concrete_models(state.apps.get_app_configs())
    models = [model for model in models if model._meta.db_table in tables]
    described = describe(models, connection)
    if printed is not None:
        copy_printed(printed, described)
    return {p.key for p in compare(described, live, normalize)}


def _apps_with_changes(loader: MigrationLoader, final_state: ProjectState, apps) -> set[str]:
    detector = MigrationAutodetector(final_state, ProjectState.from_apps(apps))
    return set(detector.changes(graph=loader.graph))


def _history_lies(problem: Problem, loader: MigrationLoader, applied) -> str:
    culprit = _introducing_migration(problem, loader, applied)
    where = f"migration {culprit[0]}.{culprit[1]}" if culprit else "an applied migration"
    return (
        f"History lies: {where} is recorded as applied, but the database does not have "
        f"what it creates (a migration faked, or applied to an older schema). "
        f"Run `manage.py verify_schema --fix` to write a repair migration."
    )


def _pending(problem: Problem, loader: MigrationLoader) -> str:
    pending = sorted(
        name
        for app, name in loader.graph.nodes
        if app == problem.app and (app, name) not in loader.applied_migrations
    )
    names = ", ".join(f"{problem.app}.{name}" for name in pending) or "an unapplied migration"
    return f"Pending: {names} is not applied yet and fixes this; run `manage.py migrate`."


def _introducing_migration(problem: Problem, loader: MigrationLoader, applied):
    """The last applied migration of the app whose operations touch the model (and field)."""
    model = (problem.model or "").lower()
    field = (problem.column or "").lower()
    applied_set = set(applied)
    plan = [n for n in loader.graph.leaf_nodes(problem.app)]
    order = []
    for leaf in plan:
        order += [n for n in loader.graph.forwards_plan(leaf) if n not in order]
    best = None
    for node in order:
        if node[0] != problem.app or node not in applied_set:
            continue
        migration = loader.graph.nodes[node]
        if any(_touches(op, model, field) for op in migration.operations):
            best = node
    return best


def _touches(operation, model: str, column: str) -> bool:
    name = (getattr(operation, "model_name", None) or getattr(operation, "name", "")).lower()
    if name != model and not model.startswith(name + "_"):
        return False
    if not column:
        return True
    fields = [getattr(operation, "name", "")] + [f for f, _ in getattr(operation, "fields", [])]
    fields.append(getattr(operation, "new_name", "") or "")
    columns = {f.lower() for f in fields if f} | {f"{f.lower()}_id" for f in fields if f}
    return bool(set(column.split(", ")) & columns) or operation.__class__.__name__ in {
        "AddIndex",
        "AddConstraint",
        "AlterUniqueTogether",
    }


def copy_printed(source: Schema, target: Schema) -> None:
    """Give ``target``'s checks and indexes the printed definitions of the same ones in
    ``source`` (same table, name and SQL): a migration state, described like the models."""
    for name, table in target.tables.items():
        known = source.tables.get(name)
        if known is None:
            continue
        checks = {(c.name, c.definition, c.columns): c.printed for c in known.checks}
        table.checks = [
            replace(c, printed=checks.get((c.name, c.definition, c.columns))) for c in table.checks
        ]
        indexes = {(i.name, i.columns, i.partial): i.definition for i in known.indexes}
        table.indexes = [
            replace(i, definition=indexes.get((i.name, i.columns, i.partial)))
            for i in table.indexes
        ]
