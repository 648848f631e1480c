"""Migrations that give way instead of queueing the site behind them.

An ``ALTER TABLE`` that waits for its lock behind one long transaction makes every read and
write of that table queue behind it. Under ``lock_timeout`` (PostgreSQL) or
``lock_wait_timeout`` (MySQL/MariaDB), set for the whole session so that RunSQL and RunPython
are covered too, the statement gives up instead; the migration is retried when giving up left
nothing behind, and the error names the sessions that held the lock.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from dataclasses import dataclass

CONCURRENTLY = re.compile(r"\bCONCURRENTLY\b", re.IGNORECASE)
READS = ("SELECT", "SHOW", "SET", "SAVEPOINT", "RELEASE", "ROLLBACK")
RECORDER = re.compile(r"^\s*(INSERT|DELETE)\b.*\bdjango_migrations\b", re.IGNORECASE | re.DOTALL)
PG_LOCK_NOT_AVAILABLE = "55P03"
MYSQL_LOCK_WAIT_TIMEOUT = 1205


@dataclass
class Statements:
    """What ran since the recorder last wrote, i.e. within the migration now applying."""

    timeout_ms: int = 0  # the session's lock_timeout (PostgreSQL), 0: off
    writes: int = 0  # statements that changed something, since the last migration ended
    left_behind: bool = False  # the last failure left changes a retry would run into

    def __call__(self, execute, sql, params, many, context):
        text = sql if isinstance(sql, str) else str(sql)
        connection = context["connection"]
        try:
            if self.timeout_ms and connection.vendor == "postgresql" and CONCURRENTLY.search(text):
                result = self._without_timeout(execute, sql, params, many, context)
            else:
                result = execute(sql, params, many, context)
        except Exception:
            undone = connection.in_atomic_block and connection.features.can_rollback_ddl
            self.left_behind = self.writes > 0 and not undone
            raise
        if RECORDER.match(text):
            self.writes = 0  # a migration was recorded (or unrecorded): the next one starts
        elif not text.lstrip().upper().startswith(READS):
            self.writes += 1
        return result

    def _without_timeout(self, execute, sql, params, many, context):
        """``CREATE INDEX CONCURRENTLY`` waits for older transactions without blocking anyone
        (SHARE UPDATE EXCLUSIVE): a lock timeout there would only leave an invalid index."""
        raw = context["cursor"].cursor
        raw.execute("SET lock_timeout = 0")
        try:
            return execute(sql, params, many, context)
        finally:
            raw.execute(f"SET lock_timeout = {int(self.timeout_ms)}")


@contextmanager
def session(connection, seconds: float):
    """Every statement on ``connection`` gives up waiting for a lock after ``seconds`` (0:
    off); yields the ``Statements`` seen, to tell whether a stopped migration left anything."""
    statements = Statements(timeout_ms=max(1, round(seconds * 1000)) if seconds > 0 else 0)
    if seconds > 0:
        _set(connection, seconds)
    try:
        with connection.execute_wrapper(statements):
            yield statements
    finally:
        if seconds > 0 and connection.connection is not None:
            _reset(connection)


def _set(connection, seconds: float) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET lock_timeout = {max(1, round(seconds * 1000))}")
        elif connection.vendor == "mysql":
            whole = max(1, math.ceil(seconds))
            cursor.execute(
                "SET SESSION lock_wait_timeout = %s, innodb_lock_wait_timeout = %s",
                [whole, whole],
            )


def _reset(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET lock_timeout = DEFAULT")
        elif connection.vendor == "mysql":
            cursor.execute(
                "SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT"
            )


def stopped_by_timeout(connection, error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is a statement that gave up waiting for a lock."""
    while error is not None:
        if connection.vendor == "postgresql":
            if getattr(error, "sqlstate", None) == PG_LOCK_NOT_AVAILABLE:
                return True
        elif connection.vendor == "mysql":
            args = getattr(error, "args", ())
            if args and args[0] == MYSQL_LOCK_WAIT_TIMEOUT:
                return True
        error = error.__cause__ or error.__context__
    return False


def waits(retries: int) -> list[float]:
    """Seconds to wait before each retry: growing, 1, 2, 4, ... at most 30."""
    return [float(min(30, 2**attempt)) for attempt in range(retries)]
