"""``fab deploy`` end to end on each database the product supports: PostgreSQL, MariaDB and
SQLite. A first deploy, a deploy with a migration, a rollback, on two hosts behind real sshd;
after each, every host serves the same release, ``verify_schema`` with its code is clean,
and the rows written in between are still there."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from consistency import schema_problems
from deploying import ADD_HOMEPAGE, HOMEPAGE, add_field, add_migration, events, live
from fleet import Fleet, Origin

ROW = (
    "INSERT INTO resource (name, slug, created, is_active) "
    "VALUES ('{name}', 'k', '2026-01-01 00:00:00', TRUE)"
)

WITH_HOMEPAGE = ROW.replace("is_active)", "is_active, homepage)").replace("TRUE)", "TRUE, 'h')")


@dataclass
class Database:
    """A fresh, empty database of one backend: its URL and raw SQL."""

    vendor: str
    url: str
    name: str
    server: object | None = None
    path: Path | None = None

    def execute(self, sql: str) -> list[tuple]:
        if self.server is None:
            with contextlib.closing(sqlite3.connect(self.path, isolation_level=None)) as db:
                return db.execute(sql).fetchall()
        return self.server.execute(self.name, sql)

    def columns(self, table: str) -> set[str]:
        if self.server is None:
            return {row[1] for row in self.execute(f"PRAGMA table_info({table})")}
        schema = "public" if self.vendor == "postgresql" else self.name
        query = (
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = '{schema}' AND table_name = '{table}'"
        )
        return {row[0] for row in self.execute(query)}

    def names(self) -> list[str]:
        return sorted(row[0] for row in self.execute("SELECT name FROM resource"))


@pytest.fixture(scope="module")
def hosts(sshd_servers):
    return [sshd_servers.start("127.0.0.71"), sshd_servers.start("127.0.0.72")]


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def database(request, tmp_path) -> Database:
    vendor, name = request.param, "deploy_backends"
    if vendor == "sqlite":
        path = tmp_path / "db.sqlite3"
        return Database(vendor, f"sqlite:///{path}", name, path=path)
    fixture = "postgres_server" if vendor == "postgresql" else "mysql_server"
    server = request.getfixturevalue(fixture)
    server.drop_database(name)
    server.create_database(name)
    return Database(vendor, server.url(name), name, server=server)


def deployed(fleet: Fleet, *args: str) -> str:
    done = fleet.fab(*args, "--env=test", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    serving = live(fleet)
    assert serving[0] is not None and serving == [serving[0]] * len(serving)
    assert schema_problems(fleet, serving[0]) == []
    return serving[0]


@pytest.mark.integration
def test_first_deploy_a_migration_and_a_rollback(database: Database, hosts, tmp_path: Path):
    fleet = Fleet(tmp_path, Origin(tmp_path), hosts, database.url, confirm="none")
    fleet.trust()

    first = deployed(fleet, "deploy")
    assert {"resource", "asset"} <= _tables(database)
    fleet.add_superuser()  # the admin_user check of the next deploys wants one
    database.execute(ROW.format(name="before"))

    add_field(fleet.origin, HOMEPAGE)
    add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)
    second = deployed(fleet, "deploy")
    assert second != first
    assert "homepage" in database.columns("resource")
    database.execute(WITH_HOMEPAGE.format(name="between"))

    assert deployed(fleet, "rollback") == first
    assert "homepage" not in database.columns("resource")
    assert database.names() == ["before", "between"]

    told = [(e["event"], e["outcome"], e["release"]) for e in events(fleet)]
    assert told == [
        ("deploy", "success", first),
        ("deploy", "success", second),
        ("rollback", "success", first),
    ]
    migrations = [e["migrations"] for e in events(fleet)]
    assert migrations[1]["applied"] == ["content.0003_resource_homepage"]
    assert migrations[2]["reversed"] == ["content.0003_resource_homepage"]


def _tables(database: Database) -> set[str]:
    if database.server is None:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    elif database.vendor == "postgresql":
        query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    else:
        query = (
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_schema = '{database.name}'"
        )
    return {row[0] for row in database.execute(query)}
