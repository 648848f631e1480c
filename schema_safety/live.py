"""The live schema and the critical relationships, read in one read-only transaction.

On PostgreSQL the read runs on a connection of its own, in a thread, while the caller
describes the models: the server's work on the catalog (most of it on a thousand tables)
overlaps Django's. It carries the caller's execute wrappers, so whoever counts or logs the
queries sees them. Inside a transaction the read stays on the caller's connection, which may
see changes not yet committed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.apps import apps as global_apps
from django.db import connections

from . import critical
from .introspection import backend, read_only
from .schema import Schema

Read = tuple[Schema, list[critical.Outcome]]


def start_reading(connection, relationships: list[str]) -> Callable[[], Read]:
    """Start the read where it can run alongside; returns the function that waits for it."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return lambda: read(connection, relationships)
    wrappers = list(connection.execute_wrappers)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="schema-safety-read")
    future = pool.submit(_read_aside, connection, wrappers, relationships)
    pool.shutdown(wait=False)
    return future.result


def read(connection, relationships: list[str]) -> Read:
    """The live schema, and the critical relationships checked against it."""
    with read_only(connection) as cursor:
        live = backend(connection).read(cursor)
        outcomes = [
            critical.check(spec, global_apps, live, cursor, connection.ops.quote_name)
            for spec in relationships
        ]
    return live, outcomes


def _read_aside(connection, wrappers, relationships: list[str]) -> Read:
    """On this thread's own connection of the alias (transactions follow the alias)."""
    reader = connections[connection.alias]
    reader.execute_wrappers = wrappers
    try:
        return read(reader, relationships)
    finally:
        reader.close()
