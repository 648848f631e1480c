"""The sessions that held a lock a migration gave up waiting for, as one line each.

PostgreSQL says exactly who blocks whom (``pg_blocking_pids``), but only while the wait lasts:
a watcher on its own connection asks every quarter second while migrate runs and keeps what it
saw last. MySQL/MariaDB has no such view by default (the metadata-lock tables are plugins), so
after the timeout the sessions with an open transaction are named: a transaction holds its
table metadata locks until it ends.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import DatabaseError, connections

POLL_SECONDS = 0.25

PG_BLOCKERS = """
SELECT pid, usename, application_name, state,
       extract(epoch FROM now() - coalesce(xact_start, query_start))::int,
       left(query, 100)
FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids(%s)) ORDER BY pid
"""

MYSQL_OPEN_TRANSACTIONS = """
SELECT p.ID, p.USER, p.HOST, p.COMMAND,
       TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), LEFT(COALESCE(p.INFO, ''), 100)
FROM information_schema.INNODB_TRX t
JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
WHERE p.ID <> CONNECTION_ID() ORDER BY p.ID
"""


class Watcher:
    """Who blocked the migrating session, as last seen (PostgreSQL)."""

    def __init__(self, alias: str, pid: int):
        self.alias, self.pid = alias, pid
        self.seen: list[tuple] = []
        self._stop = threading.Event()

    def run(self) -> None:
        connection = connections[self.alias]  # this thread's own connection
        try:
            while not self._stop.wait(POLL_SECONDS):
                with connection.cursor() as cursor:
                    cursor.execute(PG_BLOCKERS, [self.pid])
                    rows = cursor.fetchall()
                if rows:
                    self.seen = rows
        except DatabaseError:
            return  # the watcher only informs: the migrate goes on without it
        finally:
            connection.close()


@contextmanager
def watching(connection, alias: str):
    """Yields a callable that names the sessions that blocked ``connection`` last."""
    if connection.vendor != "postgresql":
        yield lambda: _mysql_open_transactions(connection)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    watcher = Watcher(alias, pid)
    thread = threading.Thread(target=watcher.run, name="lock-holders", daemon=True)
    thread.start()
    try:
        yield lambda: [_described(row, "pid") for row in watcher.seen]
    finally:
        watcher._stop.set()
        thread.join(timeout=5)


def _mysql_open_transactions(connection) -> list[str]:
    if connection.vendor != "mysql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(MYSQL_OPEN_TRANSACTIONS)
            return [_described(row, "id") for row in cursor.fetchall()]
    except DatabaseError:
        return []


def _described(row: tuple, label: str) -> str:
    number, user, where, state, seconds, query = row
    query = " ".join((query or "").split())
    return (
        f"{label} {number} (user {user}, {where or 'no application name'}, {state}, "
        f"for {seconds} s: {query or 'no query'})"
    )
