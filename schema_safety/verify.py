"""verify_schema's engine: read, compare, explain, filter. No printing here."""

from __future__ import annotations

import functools
import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.db import router

from . import conf, critical
from .compare import compare, extra_tables
from .diagnosis import explain
from .expected import concrete_models, describe
from .hints import likely_renames
from .introspection import backend
from .live import start_reading
from .problems import ERROR, Problem


@dataclass
class Result:
    database: str
    vendor: str
    models: int
    tables: int
    problems: list[Problem]
    critical: list[critical.Outcome] = field(default_factory=list)
    elapsed_ms: int = 0
    queries: int = 0

    def ok(self, fail_on: str = "error") -> bool:
        failing = {ERROR} if fail_on == "error" else {ERROR, "warning"}
        return not any(p.severity in failing for p in self.problems)

    def as_json(self, fail_on: str = "error") -> dict:
        return {
            "ok": self.ok(fail_on),
            "database": self.database,
            "vendor": self.vendor,
            "counts": {
                "models": self.models,
                "tables": self.tables,
                "problems": len(self.problems),
            },
            "problems": [p.as_json() for p in self.problems],
            "critical": [o.as_json() for o in self.critical],
            "elapsed_ms": self.elapsed_ms,
        }


def verify(
    connection, app_configs, relationships: list[str], *, all_apps: bool, loader=None
) -> Result:
    """Compare ``connection``'s live schema with the models of ``app_configs``."""
    with _long_lived_objects_frozen():
        return _verify(connection, app_configs, relationships, all_apps=all_apps, loader=loader)


@contextmanager
def _long_lived_objects_frozen():
    """The models, the apps and Django itself outlive the run: the collector leaves them alone
    while it runs (on a thousand models, collecting them again costs a third of the run)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _verify(connection, app_configs, relationships: list[str], *, all_apps: bool, loader) -> Result:
    started = time.monotonic()
    module = backend(connection)

    @functools.cache
    def normalize(raw: str) -> str:
        return module.normalize_type(raw, connection)

    models = [m for m in concrete_models(app_configs) if _routed_here(m, connection.alias)]
    here = [spec for spec in relationships if _relationship_routed_here(spec, connection.alias)]
    reading = start_reading(connection, here)
    expected = describe(models, connection)
    printing = getattr(module, "print_definitions", None)
    printed_in = printing(expected, models, connection) if printing else 0
    live, outcomes = reading()
    problems = compare(expected, live, normalize)
    if all_apps:
        problems += extra_tables(live, _owned_tables())
    problems = likely_renames(problems, expected, live, normalize)
    problems = explain(problems, connection, live, global_apps, normalize, loader, expected)
    problems += [critical.as_problem(o, global_apps) for o in outcomes if not o.ok]
    rules = conf.ignore_rules()
    problems = [p for p in problems if not conf.is_ignored(p, rules)]
    return Result(
        database=connection.alias,
        vendor=connection.vendor,
        models=len(models),
        tables=len(live.tables),
        problems=problems,
        critical=outcomes,
        elapsed_ms=int((time.monotonic() - started) * 1000),
        queries=live.queries + printed_in,
    )


def _routed_here(model, alias: str) -> bool:
    return router.allow_migrate_model(alias, model)


def _relationship_routed_here(spec: str, alias: str) -> bool:
    """Check a relationship where its model lives; a bad spec fails anywhere."""
    try:
        field = critical.resolve(spec, global_apps)
    except critical.BadSpec:
        return True
    return _routed_here(field.model, alias)


def _owned_tables() -> set[str]:
    """Every table an installed model names, managed or not, of every app."""
    return {
        model._meta.db_table
        for model in global_apps.get_models(include_auto_created=True)
        if not model._meta.proxy
    }


def compare_models(connection, models) -> list[Problem]:
    """``models`` (a migration state's, say) against the live schema, without hints or
    critical relationships: what code built on them would find wrong."""
    module = backend(connection)
    normalize = functools.cache(lambda raw: module.normalize_type(raw, connection))
    reading = start_reading(connection, [])
    expected = describe(models, connection)
    printing = getattr(module, "print_definitions", None)
    if printing:
        printing(expected, models, connection)
    live, _ = reading()
    return list(compare(expected, live, normalize))
