"""The rehearsal, start to end: rows of the recorder and the content types read from the live
database, a scratch copy of its schema, the pending migrations applied there with this
release's code, both releases' models compared with the result, the scratch dropped."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

from ..expected import concrete_models
from ..problems import ERROR
from ..verify import compare_models
from . import scratch
from .migrate import Applied, apply_pending

COPIED = ("django_migrations", "django_content_type")
# Set in the environment while the migrations run on the scratch: a data migration may look
# at it to skip work that only makes sense with rows (or that talks to other systems).
MARK = "SCHEMA_SAFETY_REHEARSAL"


def rehearse(connection, given: str | None = None) -> dict:
    """The rehearsal's JSON document (``given``: the inventory's ``rehearsal_database``)."""
    started = time.monotonic()
    name = scratch.name_for(connection.settings_dict, given)
    present = set(connection.introspection.table_names())
    rows = {table: _rows(connection, table) for table in COPIED if table in present}
    scratch.create(connection, name, bool(given))
    try:
        with scratch.copying(connection, name):  # meanwhile, what only needs the live side
            running = running_models(connection)
            before_running = errors(compare_models(connection, running))
        with pointed_at(connection, name):
            for table, (columns, values) in rows.items():
                _insert(connection, table, columns, values)
            applied = _marked(apply_pending, connection, Applied(), True)
            # Until go-live the running release serves this schema; then the new one does,
            # until the post-deploy migrations have run too.
            after_running = errors(compare_models(connection, running))
            after_new = errors(compare_models(connection, new_models()))
            if applied.deferred and applied.failed is None and applied.unfinished is None:
                _marked(apply_pending, connection, applied)
                after_new = _union(after_new, errors(compare_models(connection, new_models())))
    finally:
        scratch.drop(connection, name, bool(given))
    failed = applied.failed
    return {
        "ok": failed is None and not after_new,
        "available": True,
        "migrations": applied.as_json(),
        "failed": {"migration": failed[0], "error": failed[1]} if failed else None,
        "unfinished": (
            {"migration": applied.unfinished[0], "error": applied.unfinished[1]}
            if applied.unfinished
            else None
        ),
        "new_release": [p.as_json() for p in after_new],
        "running_release": [p.as_json() for p in _new(after_running, before_running)],
        # Drift the running release sees now that the migrations take away.
        "repaired": [p.as_json() for p in _new(before_running, after_running)],
        "elapsed_ms": int((time.monotonic() - started) * 1000),
    }


def _marked(function, *args):
    os.environ[MARK] = "1"
    try:
        return function(*args)
    finally:
        os.environ.pop(MARK, None)


def new_models():
    return concrete_models(apps.get_app_configs())


def running_models(connection):
    """The running release's models as its applied migrations describe them."""
    loader = MigrationLoader(connection)
    applied = [key for key in loader.applied_migrations if key in loader.graph.nodes]
    state = loader.project_state(applied, at_end=True)
    return concrete_models(state.apps.get_app_configs())


def errors(problems) -> list:
    return [p for p in problems if p.severity == ERROR]


def _union(first, second) -> list:
    return first + _new(second, first)


def _new(problems, before) -> list:
    known = {p.key for p in before}
    return [p for p in problems if p.key not in known]


@contextmanager
def pointed_at(connection, name: str):
    """``connection`` talks to database ``name`` meanwhile: whatever the migrations' code
    queries (``Model.objects`` without ``using``, too) reaches the scratch, never the live one."""
    live = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = live


def _rows(connection, table: str) -> tuple[list[str], list[tuple]]:
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quoted}")
        columns = [column[0] for column in cursor.description]
        return columns, cursor.fetchall()


def _insert(connection, table: str, columns: list[str], values: list[tuple]) -> None:
    if not values:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", values)
    if connection.vendor == "postgresql":
        _reset_sequences(connection, table)


def _reset_sequences(connection, table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f"coalesce(max(id), 1)) FROM {connection.ops.quote_name(table)}",
            [connection.ops.quote_name(table)],
        )
