"""Read the live schema from the database catalog, one module per backend.

Each backend module offers:

- ``begin_read_only(cursor, *, lock_timeout_ms, statement_timeout_ms)``: make the
  current transaction read-only with short lock and statement timeouts;
- ``read(cursor) -> Schema``: every table visible to the connection (its
  search_path or database), read in a constant number of catalog queries and
  never from a user table;
- ``normalize_type(raw, connection) -> str``: a canonical spelling of a column
  type, applied to both the models' ``db_type`` and the catalog's type.
"""

from __future__ import annotations

from contextlib import contextmanager
from importlib import import_module

from django.db import transaction

from ..schema import Schema

LOCK_TIMEOUT_MS = 2000
STATEMENT_TIMEOUT_MS = 30000


def backend(connection):
    """The introspection module for a Django connection's vendor."""
    try:
        return import_module(f"{__name__}.{connection.vendor}")
    except ImportError:
        raise NotImplementedError(
            f"schema_safety does not support the {connection.vendor!r} backend"
        ) from None


@contextmanager
def read_only(connection):
    """A read-only transaction with short timeouts; yields a cursor.

    On a backend this package does not know, a plain transaction (no catalog reads there).
    """
    try:
        module = backend(connection)
    except NotImplementedError:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            yield cursor
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        module.begin_read_only(
            cursor,
            lock_timeout_ms=LOCK_TIMEOUT_MS,
            statement_timeout_ms=STATEMENT_TIMEOUT_MS,
        )
        try:
            yield cursor
        finally:
            # Session-level settings (MySQL has no SET LOCAL) must not outlive the read.
            end = getattr(module, "end_read_only", None)
            if end is not None:
                end(cursor)


def read_schema(connection) -> Schema:
    """The live schema of ``connection``'s database, read from the catalog."""
    with read_only(connection) as cursor:
        return backend(connection).read(cursor)


def normalize_type(connection, raw: str) -> str:
    return backend(connection).normalize_type(raw, connection)
