"""backup_database, verify_backup and restore_database end to end, as the orchestrator runs
them: through the example project's manage.py, on SQLite, PostgreSQL and MariaDB.

On the servers the project connects as a dedicated role with a password that the server
checks, and every client program (pg_dump, psql, mysqldump, ...) runs through a spy script
first on PATH that logs its argv: the password must appear in no argv, output or manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from project import Run, manage

from schema_safety.backup import BackupError
from schema_safety.backup.mysql import option_file
from schema_safety.backup.programs import find_program

BACKENDS = ["sqlite", "postgresql", "mysql"]
USER = "ss_backup_pw"
PASSWORD = "S3cret-pw"
CLIENTS = {
    "postgresql": ["pg_dump", "pg_restore", "psql"],
    "mysql": ["mysqldump", "mariadb-dump", "mysql", "mariadb"],
}
ROLES = {
    "pg_dump": "dump",
    "mysqldump": "dump",
    "mariadb-dump": "dump",
    "pg_restore": "restore",
    "psql": "client",
    "mysql": "client",
    "mariadb": "client",
}
FORMATS = {"sqlite": "sqlite", "postgresql": "pg_dump-custom", "mysql": "mysqldump"}
_names = itertools.count()


class Database:
    """A fresh database of one backend, migrated by a user that needs a password."""

    def __init__(self, vendor: str, request, tmp_path_factory) -> None:
        self.vendor = vendor
        self.name = f"ss_backup_{vendor}_{next(_names)}"
        if vendor == "sqlite":
            self.path = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            fixture = "postgres_server" if vendor == "postgresql" else "mysql_server"
            self.server = request.getfixturevalue(fixture)
            self.server.create_database(self.name)
            (_postgres_user if vendor == "postgresql" else _mysql_user)(self.server, self.name)
            host, port = self.server.host, self.server.port
            scheme = self.server.scheme
            self.url = f"{scheme}://{USER}:{PASSWORD}@{host}:{port}/{self.name}"
        migrated = self.manage("migrate", "--no-input", "-v0")
        assert migrated.code == 0, migrated.stderr

    def manage(self, *args: str, path: Path | None = None) -> Run:
        extra = {"PATH": f"{path}{os.pathsep}{os.environ['PATH']}"} if path else None
        return manage(self.url, *args, env=extra)

    def execute(self, sql: str) -> list[tuple]:
        if self.vendor == "sqlite":
            with contextlib.closing(sqlite3.connect(self.path, isolation_level=None)) as db:
                return db.execute(sql).fetchall()
        if self.vendor == "postgresql":  # as the project's role, which must own what it drops
            sql = f"SET ROLE {USER}; {sql}"
        return self.server.execute(self.name, sql)

    def add(self, name: str) -> None:
        self.execute(
            "INSERT INTO resource (name, slug, created, is_active)"
            f" VALUES ('{name}', '{name}', '2024-01-01 00:00:00', TRUE)"
        )

    def resources(self) -> set[str]:
        return {name for (name,) in self.execute("SELECT name FROM resource")}

    def tables(self) -> set[str]:
        sql = {
            "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
            "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
            "mysql": "SELECT table_name FROM information_schema.tables"
            f" WHERE table_schema = '{self.name}'",
        }[self.vendor]
        return {name for (name,) in self.execute(sql)}


def _postgres_user(server, dbname: str) -> None:
    """A login role with a password, owning ``dbname``, authenticated by scram-sha-256."""
    import psycopg

    if not server.execute(None, f"SELECT 1 FROM pg_roles WHERE rolname = '{USER}'"):
        server.execute(None, f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
        hba = Path(server.data) / "pg_hba.conf"
        rule = f"host all {USER} 127.0.0.1/32 scram-sha-256\n"
        hba.write_text(rule + hba.read_text())  # first match wins: before initdb's trust lines
        server.execute(None, "SELECT pg_reload_conf()")
    server.execute(None, f'ALTER DATABASE "{dbname}" OWNER TO {USER}')
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(host=server.host, port=server.port, user=USER, dbname=dbname).close()


def _mysql_user(server, dbname: str) -> None:
    server.execute(None, f"CREATE USER IF NOT EXISTS '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'")
    server.execute(None, f"GRANT ALL ON `{dbname}`.* TO '{USER}'@'%'")


@pytest.fixture(scope="module", params=BACKENDS)
def database(request, tmp_path_factory) -> Database:
    return Database(request.param, request, tmp_path_factory)


HALF_DUMP = """for a; do case $a in --file=*) echo half > "${a#--file=}";; esac; done
echo half-a-dump
exit 1"""
# pg_restore --list as usual, but a restore script cut at the first CREATE TABLE: every
# statement before it is whole (the drops), none of those that recreate the tables is there.
CUT_SHORT = """[ "$1" = --list ] && exec "$REAL" "$@"
"$REAL" "$@" | sed -n "/^CREATE TABLE/q;p"
exit 1"""


def spy(folder: Path, vendor: str, log: Path, instead: dict[str, str] | None = None) -> Path:
    """Scripts named like the client programs that log their argv, then run the real program
    ``$REAL``, or the shell code ``instead[name]``."""
    folder.mkdir()
    for name in CLIENTS.get(vendor, []):
        try:
            real = shlex.quote(find_program(name))
        except BackupError:  # not installed: the code under test will not look for it either
            continue
        record = f"{{ printf '%s\\037' \"$0\" \"$@\"; printf '\\036'; }} >> {shlex.quote(str(log))}"
        run = (instead or {}).get(name, 'exec "$REAL" "$@"')
        script = folder / name
        script.write_text(f"#!/bin/sh\nREAL={real}\n{record}\n{run}\n")
        script.chmod(0o755)
    return folder


def servers_only(database: Database) -> None:
    if database.vendor == "sqlite":
        pytest.skip("SQLite has no password and runs no client program")


def logged(log: Path) -> list[list[str]]:
    """The argv of every spied program run, as ``spy`` logged them."""
    return [record.split("\x1f")[:-1] for record in log.read_text().split("\x1e")[:-1]]


@dataclass
class RoundTrip:
    database: Database
    folder: Path
    log: Path
    backup: Run
    verify: Run
    restore: Run
    resources_before_restore: set[str]
    resources_after_restore: set[str]
    tables_after_restore: set[str]
    schema: Run

    @property
    def runs(self) -> list[Run]:
        return [self.backup, self.verify, self.restore, self.schema]


@pytest.fixture(scope="module")
def round_trip(database: Database, tmp_path_factory) -> RoundTrip:
    """Back up, change the data (and add a table), restore; every client program spied on."""
    base = tmp_path_factory.mktemp("round-trip")
    folder, log = base / "backups", base / "argv.log"
    path = spy(base / "bin", database.vendor, log)
    database.add("kept")
    backup = database.manage(
        "backup_database", "--dir", str(folder), "--id", "rt", "--commit", "c0ffee", path=path
    )
    manifest = str(folder / "rt.json")
    verify = database.manage("verify_backup", "--manifest", manifest, path=path)
    database.add("added")
    database.execute("DELETE FROM resource WHERE name = 'kept'")
    database.execute(
        "CREATE TABLE extra (id INTEGER PRIMARY KEY, resource_id BIGINT,"
        " FOREIGN KEY (resource_id) REFERENCES resource (id))"
    )
    database.execute("INSERT INTO extra SELECT 1, id FROM resource WHERE name = 'added'")
    before = database.resources()
    restore = database.manage("restore_database", "--manifest", manifest, "--yes", path=path)
    schema = database.manage("verify_schema", "--format", "json")
    after = database.resources(), database.tables()
    return RoundTrip(database, folder, log, backup, verify, restore, before, *after, schema)


def test_backup_prints_the_manifest_it_writes(round_trip: RoundTrip) -> None:
    assert round_trip.backup.code == 0, round_trip.backup.stdout + round_trip.backup.stderr
    written = json.loads((round_trip.folder / "rt.json").read_text())
    assert round_trip.backup.json() == written
    assert sorted(path.name for path in round_trip.folder.iterdir()) == ["rt.dump", "rt.json"]


def test_manifest_describes_the_dump_and_the_applied_migrations(round_trip: RoundTrip) -> None:
    manifest = round_trip.backup.json()
    dump = (round_trip.folder / "rt.dump").read_bytes()
    vendor = round_trip.database.vendor
    assert manifest["id"] == "rt"
    assert manifest["file"] == "rt.dump"
    assert manifest["commit"] == "c0ffee"
    assert manifest["database"] == "default"
    assert manifest["vendor"] == vendor
    assert manifest["format"] == FORMATS[vendor]
    assert manifest["size"] == len(dump)
    assert manifest["sha256"] == hashlib.sha256(dump).hexdigest()
    assert datetime.fromisoformat(manifest["created"]).utcoffset().total_seconds() == 0
    assert re.match(r"\d+\.\d+", manifest["server_version"])
    assert manifest["migrations"]["content"] == ["0001_initial", "0002_asset_description"]
    assert manifest["migrations"]["auth"][0] == "0001_initial"
    assert "zoo" in manifest["migrations"]


def test_verify_accepts_a_fresh_backup(round_trip: RoundTrip) -> None:
    report = round_trip.verify.json()
    assert round_trip.verify.code == 0, report
    assert report["ok"] is True
    assert report["id"] == "rt"
    assert report["checks"] == {"sha256": True, "size": True, "readable": True}


def test_restore_brings_back_rows_from_before_and_drops_later_ones(round_trip: RoundTrip) -> None:
    assert round_trip.restore.code == 0, round_trip.restore.stdout + round_trip.restore.stderr
    assert round_trip.restore.json()["ok"] is True
    assert "added" in round_trip.resources_before_restore
    assert "kept" not in round_trip.resources_before_restore
    assert "kept" in round_trip.resources_after_restore
    assert "added" not in round_trip.resources_after_restore


def test_restore_drops_tables_made_after_the_backup(round_trip: RoundTrip) -> None:
    assert "extra" not in round_trip.tables_after_restore
    assert "resource" in round_trip.tables_after_restore
    report = round_trip.schema.json()
    assert report["ok"] is True, report["problems"]


def test_the_password_stays_off_argv_output_and_manifest(round_trip: RoundTrip) -> None:
    servers_only(round_trip.database)
    argv = logged(round_trip.log)
    programs = {ROLES[Path(words[0]).name] for words in argv}
    expected = {"postgresql": {"dump", "restore", "client"}, "mysql": {"dump", "client"}}
    assert programs == expected[round_trip.database.vendor], argv
    assert not any(PASSWORD in word for words in argv for word in words)
    for run in round_trip.runs:
        assert PASSWORD not in run.stdout + run.stderr
    for written in round_trip.folder.iterdir():
        if written.suffix == ".json":
            assert PASSWORD not in written.read_text()
    option_files = [w.split("=", 1)[1] for ws in argv for w in ws if w.startswith("--defaults-e")]
    assert option_files or round_trip.database.vendor == "postgresql"
    assert not any(Path(path).exists() for path in option_files)


def test_backup_with_verify_verifies_in_the_same_run(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    run = database.manage("backup_database", "--dir", str(folder), "--id", "v", "--verify")
    assert run.code == 0, run.stdout + run.stderr
    printed = run.json()
    verification = printed.pop("verification")
    assert printed == json.loads((folder / "v.json").read_text()), "the file has no verification"
    assert verification["ok"] is True and verification["id"] == "v"
    assert all(verification["checks"].values()), verification


def test_a_corrupted_dump_is_refused_and_nothing_is_touched(
    database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    assert database.manage("backup_database", "--dir", str(folder), "--id", "bad").code == 0
    database.add("late")
    dump = folder / "bad.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    verify = database.manage("verify_backup", "--manifest", str(folder / "bad.json"))
    restore = database.manage("restore_database", "--manifest", str(folder / "bad.json"), "--yes")

    assert verify.code == 1
    assert verify.json()["ok"] is False
    assert verify.json()["checks"]["sha256"] is False
    assert restore.code == 1
    assert len(restore.stdout.strip().splitlines()) == 1
    assert restore.json()["ok"] is False
    assert "failed verification" in restore.json()["error"]
    assert "late" in database.resources()


def test_restore_without_yes_is_refused(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    assert database.manage("backup_database", "--dir", str(folder), "--id", "no").code == 0
    database.add("still-here")

    run = database.manage("restore_database", "--manifest", str(folder / "no.json"))

    assert run.code == 2
    assert run.json() == {
        "ok": False,
        "error": "restore_database replaces the database's contents: pass --yes",
    }
    assert "still-here" in database.resources()


def test_a_failing_dump_leaves_no_backup_behind(database: Database, tmp_path: Path) -> None:
    servers_only(database)
    folder = tmp_path / "backups"
    instead = dict.fromkeys(["pg_dump", "mysqldump", "mariadb-dump"], HALF_DUMP)
    path = spy(tmp_path / "bin", database.vendor, tmp_path / "argv.log", instead)

    run = database.manage("backup_database", "--dir", str(folder), "--id", "half", path=path)

    assert run.code == 1
    assert len(run.stdout.strip().splitlines()) == 1
    error = run.json()
    assert error["ok"] is False
    assert "failed (exit 1)" in error["error"]
    assert "Traceback" not in run.stderr
    assert PASSWORD not in run.stdout + run.stderr
    assert list(folder.iterdir()) == []


def test_a_postgresql_restore_cut_short_leaves_the_database_as_it_was(
    database: Database, tmp_path: Path
) -> None:
    if database.vendor != "postgresql":
        pytest.skip("only PostgreSQL restores in one transaction")
    folder = tmp_path / "backups"
    assert database.manage("backup_database", "--dir", str(folder), "--id", "cut").code == 0
    database.add("newer")
    tables = database.tables()
    path = spy(tmp_path / "bin", "postgresql", tmp_path / "argv.log", {"pg_restore": CUT_SHORT})

    run = database.manage(
        "restore_database", "--manifest", str(folder / "cut.json"), "--yes", path=path
    )

    assert run.code == 1
    assert run.json()["error"].startswith("pg_restore failed (exit 1)")
    assert "newer" in database.resources()
    assert database.tables() == tables


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    bad_id = manage(url, "backup_database", "--dir", str(tmp_path), "--id", "../escape")
    bad_alias = manage(
        url, "backup_database", "--dir", str(tmp_path), "--id", "x", "--database", "nope"
    )
    no_dir = manage(url, "backup_database", "--id", "x")

    assert (bad_id.code, bad_alias.code, no_dir.code) == (2, 2, 2)
    assert "invalid backup id" in bad_id.json()["error"]
    assert "unknown database alias 'nope'" in bad_alias.json()["error"]
    assert list(tmp_path.iterdir()) == []


def test_verify_reports_a_missing_manifest(tmp_path: Path) -> None:
    run = manage(
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "verify_backup",
        "--manifest",
        str(tmp_path / "gone.json"),
    )

    assert run.code == 1
    report = run.json()
    assert report["ok"] is False
    assert report["id"] == "gone"
    assert report["checks"] == {"sha256": False, "size": False, "readable": False}


@pytest.mark.skipif(not shutil.which("my_print_defaults"), reason="needs my_print_defaults")
def test_the_option_file_quotes_hostile_passwords(tmp_path: Path) -> None:
    password = "a\"b#c\\d e'f ;g"
    settings = {"USER": "u", "PASSWORD": password, "HOST": "127.0.0.1", "PORT": 3306, "OPTIONS": {}}
    path = tmp_path / "client.cnf"
    path.write_text(option_file(settings))

    parsed = subprocess.run(
        ["my_print_defaults", f"--defaults-extra-file={path}", "client"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert f"--password={password}" in parsed.stdout.splitlines()
    assert "--host=127.0.0.1" in parsed.stdout.splitlines()
