"""locked_migrate gives way to a long transaction instead of queueing the site behind it, on
real PostgreSQL and MariaDB: the migration that waits for a table lock gives up after
--lock-timeout, is retried, and the error names the session that held the lock."""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from project import manage

from schema_safety import lock_timeouts

_names = itertools.count()
PENDING = "content.0002_asset_description"  # AddField on the asset table


@dataclass
class Database:
    vendor: str
    server: object
    name: str
    url: str

    def connect(self):
        return self.server.connect(self.name)

    def applied(self) -> set[str]:
        rows = self.server.execute(self.name, "SELECT app, name FROM django_migrations")
        return {f"{app}.{name}" for app, name in rows}


@pytest.fixture(params=["postgresql", "mysql"])
def database(request) -> Database:
    """The example project one migration behind: content.0002 (a new column on asset) pends."""
    vendor = request.param
    server = request.getfixturevalue(
        "postgres_server" if vendor == "postgresql" else "mysql_server"
    )
    name = f"lm_{vendor}_{next(_names)}"
    server.create_database(name)
    database = Database(vendor, server, name, server.url(name))
    migrated = manage(database.url, "migrate", "--no-input", "-v0")
    assert migrated.code == 0, migrated.stderr
    back = manage(database.url, "migrate", "content", "0001", "--no-input", "-v0")
    assert back.code == 0, back.stderr
    yield database
    server.drop_database(name)


@contextmanager
def long_transaction(database: Database):
    """A session that read the asset table and stays in its transaction: it holds the table's
    shared lock (PostgreSQL ACCESS SHARE, MySQL a metadata lock) until it ends. Yields its id."""
    connection = database.connect()
    cursor = connection.cursor()
    if database.vendor == "postgresql":
        connection.autocommit = False
        cursor.execute("SELECT pg_backend_pid()")
    else:
        cursor.execute("START TRANSACTION")
        cursor.execute("SELECT CONNECTION_ID()")
    (session,) = cursor.fetchone()
    cursor.execute("SELECT count(*) FROM asset")
    cursor.fetchall()
    try:
        yield session
    finally:
        connection.rollback()
        connection.close()


def migrating(database: Database, *args: str):
    """locked_migrate running in the background (a future of its ``Run``)."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(manage, database.url, "locked_migrate", *args)
    pool.shutdown(wait=False)
    return future


def read_while(database: Database, future) -> int:
    """Reads of the asset table, as the site makes them, until ``future`` is done; each would
    fail if it queued behind the migration for as long as the long transaction lasts."""
    connection = database.connect()
    cursor = connection.cursor()
    if database.vendor == "postgresql":
        cursor.execute("SET lock_timeout = '30s'")
    else:
        cursor.execute("SET SESSION lock_wait_timeout = 30")
    reads = 0
    try:
        while not future.done():
            cursor.execute("SELECT count(*) FROM asset")
            cursor.fetchall()
            reads += 1
            time.sleep(0.1)
    finally:
        connection.close()
    return reads


def waiting_alters(database: Database) -> int:
    """Sessions whose ALTER TABLE waits for a lock now."""
    if database.vendor == "postgresql":
        sql = (
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query ILIKE 'ALTER TABLE%%'"
        )
        return database.server.execute(None, sql)[0][0]
    sql = (
        "SELECT count(*) FROM information_schema.PROCESSLIST "
        "WHERE STATE LIKE 'Waiting for table metadata lock' AND INFO LIKE 'ALTER TABLE%%'"
    )
    return database.server.execute(None, sql)[0][0]


def until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.05)


def test_a_long_transaction_stops_the_migration_not_the_site(database):
    with long_transaction(database) as holder:
        future = migrating(database, "--lock-timeout", "1", "--lock-retries", "1")
        reads = read_while(database, future)
        run = future.result()

    report = run.json()
    assert run.code == 1, run.stderr
    assert report["ok"] is False
    label = "pid" if database.vendor == "postgresql" else "id"
    assert f"held by: {label} {holder} " in report["error"]
    assert report["error"].startswith(f"{PENDING} gave up waiting for a table lock after 1 s")
    assert "after 2 attempts" in report["error"]
    assert reads > 0
    assert PENDING not in database.applied()


def test_the_migration_is_retried_once_the_lock_is_free(database):
    with long_transaction(database):
        future = migrating(database, "--lock-timeout", "1", "--lock-retries", "3")
        until(lambda: waiting_alters(database) == 1, "ALTER waiting for its lock")
        until(lambda: waiting_alters(database) == 0, "first attempt giving up")
    run = future.result()

    report = run.json()
    assert run.code == 0, run.stdout + run.stderr
    assert report["applied"] == [PENDING]
    assert report["attempts"] >= 2
    assert PENDING in database.applied()


def test_without_a_lock_timeout_the_migration_waits(database):
    """--lock-timeout 0 is Django's own behaviour: the ALTER waits as long as it takes."""
    with long_transaction(database):
        future = migrating(database, "--lock-timeout", "0")
        until(lambda: waiting_alters(database) == 1, "ALTER waiting for its lock")
        time.sleep(1.5)  # longer than the timeouts above: it is still waiting
        assert waiting_alters(database) == 1 and not future.done()
    run = future.result()

    assert run.code == 0, run.stdout + run.stderr
    assert run.json()["attempts"] == 1


# --- the retry rule, as pure logic ---


class FakeFeatures:
    def __init__(self, can_rollback_ddl: bool):
        self.can_rollback_ddl = can_rollback_ddl


class FakeConnection:
    vendor = "mysql"

    def __init__(self, atomic: bool, can_rollback_ddl: bool):
        self.in_atomic_block = atomic
        self.features = FakeFeatures(can_rollback_ddl)


def run_statements(connection, statements: list[str], failing: str) -> lock_timeouts.Statements:
    seen = lock_timeouts.Statements()

    def execute(sql, params, many, context):
        if sql == failing:
            raise RuntimeError("lock wait timeout")

    for sql in [*statements, failing]:
        with pytest.raises(RuntimeError) if sql == failing else _nothing():
            seen(execute, sql, None, False, {"connection": connection})
    return seen


@contextmanager
def _nothing():
    yield


@pytest.mark.parametrize(
    ("atomic", "rollback_ddl", "before", "left"),
    [
        (True, True, ["ALTER TABLE a ADD b int"], False),  # PostgreSQL: the transaction undoes it
        (False, True, ["ALTER TABLE a ADD b int"], True),  # atomic = False: it stays
        (True, False, ["ALTER TABLE a ADD b int"], True),  # MySQL commits DDL at once
        (True, False, ["SELECT 1", "SET x = 1"], False),  # nothing written yet
        (False, True, ["ALTER TABLE a ADD b int", 'INSERT INTO "django_migrations" (app)'], False),
    ],
)
def test_a_stopped_migration_is_retried_only_when_it_left_nothing(
    atomic, rollback_ddl, before, left
):
    connection = FakeConnection(atomic, rollback_ddl)
    seen = run_statements(connection, before, "ALTER TABLE c ADD d int")
    assert seen.left_behind is left


def test_retries_wait_longer_each_time():
    assert lock_timeouts.waits(0) == []
    assert lock_timeouts.waits(4) == [1.0, 2.0, 4.0, 8.0]
    assert lock_timeouts.waits(8)[-1] == 30.0
