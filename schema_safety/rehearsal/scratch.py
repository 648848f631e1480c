"""A scratch database with the live database's schema and none of its rows, on the same
server: PostgreSQL ``pg_dump --schema-only`` into a new database, MySQL/MariaDB
``mysqldump --no-data``, SQLite the schema's SQL into a temporary file. Credentials travel as
the backups' do (environment, option file), never in argv."""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import sqlite3
import tempfile
import threading

from django.db import DatabaseError

from ..backup import mysql, postgresql
from ..backup.errors import BackupError, secrets_of
from ..backup.programs import find_program, pipe, secret_file

PREFIX = "rehearsal"


class Unavailable(Exception):
    """The database user may not make a scratch database here."""


def name_for(settings: dict, given: str | None) -> str:
    """The scratch database's name (SQLite: a file path); ``given``: the inventory's
    ``rehearsal_database``, never the live database itself."""
    live = str(settings["NAME"])
    if given:
        if given == live:
            raise Unavailable(f"rehearsal_database {given!r} is the live database")
        return given
    if settings["ENGINE"].endswith("sqlite3"):
        folder = tempfile.gettempdir()
        return os.path.join(folder, f"schema-safety-{PREFIX}-{secrets.token_hex(4)}.sqlite3")
    return f"{live[:40]}_{PREFIX}_{secrets.token_hex(4)}"


MYSQL_MAY_CREATE = """
SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES
WHERE PRIVILEGE_TYPE = 'CREATE' AND GRANTEE = CONCAT(
    "'", SUBSTRING_INDEX(CURRENT_USER(), '@', 1), "'@'",
    SUBSTRING_INDEX(CURRENT_USER(), '@', -1), "'")
"""
PG_MAY_CREATE = "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"


def can_create(connection) -> dict:
    """Whether the database user may make the rehearsal's scratch database: ``ok`` True,
    False, or None where the privileges cannot be read."""
    if connection.vendor == "sqlite":
        folder = tempfile.gettempdir()
        return {"ok": os.access(folder, os.W_OK), "detail": f"a scratch file in {folder}"}
    if connection.vendor not in ("postgresql", "mysql"):
        return {"ok": None, "detail": f"not known for {connection.vendor}"}
    with connection.cursor() as cursor:
        cursor.execute(PG_MAY_CREATE if connection.vendor == "postgresql" else MYSQL_MAY_CREATE)
        row = cursor.fetchone()
    allowed = bool(row and row[0])
    said = "may create databases" if allowed else "may not create databases"
    return {"ok": allowed, "detail": f"the database user {said}"}


def create(connection, name: str, given: bool) -> None:
    """An empty database ``name`` (a given one is emptied instead)."""
    vendor = connection.vendor
    try:
        if vendor == "sqlite":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
        elif given:
            _empty(connection, name)
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    except DatabaseError as error:
        raise Unavailable(_first_line(error)) from None


@contextlib.contextmanager
def copying(connection, name: str):
    """The live schema copied into ``name`` while the body runs (it may use ``connection``:
    the copy runs client programs in a thread of its own, all they need resolved here first,
    as a Django connection belongs to its thread; SQLite's, quick, runs first)."""
    if connection.vendor == "sqlite":
        _copy_sqlite(connection, name)
        yield
        return
    job, failed = _copy_job(connection, name), []

    def copy() -> None:
        try:
            job()
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            failed.append(error)

    worker = threading.Thread(target=copy, name="rehearsal-copy", daemon=True)
    worker.start()
    try:
        yield
    finally:
        worker.join()
    if failed:
        raise failed[0]


def _copy_job(connection, name: str):
    """The live schema (tables, keys, constraints, indexes, sequences, functions) into
    ``name``, as a function of no arguments that needs no Django connection."""
    settings = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        return functools.partial(_copy_postgresql, settings, connection.client, name)
    dump = find_program(*mysql.client_names(connection, "mysqldump", "mariadb-dump"))
    load = find_program(*mysql.client_names(connection, "mysql", "mariadb"))
    source = mysql.database_of(connection)
    return functools.partial(_copy_mysql, settings, (dump, load), source, name)


def _copy_postgresql(settings: dict, client, name: str) -> None:
    """``pg_dump --schema-only | psql``, in one transaction (one commit, not one per
    statement) unless the server has too few lock slots for that many relations."""
    live, env = postgresql.client_options(settings, client)
    into, _ = postgresql.client_options({**settings, "NAME": name}, client)
    dump = [find_program("pg_dump"), *live, "--schema-only", "--no-owner", "--no-privileges"]
    load = [find_program("psql"), *into, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"]
    secrets = secrets_of({"": settings})
    try:
        pipe(dump, [*load, "--single-transaction"], env=env, secrets=secrets)
    except BackupError as error:
        if "max_locks_per_transaction" not in str(error):
            raise
        pipe(dump, load, env=env, secrets=secrets)  # rolled back whole: the scratch is empty


def _copy_mysql(settings: dict, programs: tuple[str, str], source: str, name: str) -> None:
    with secret_file(mysql.option_file(settings)) as defaults:
        extra = f"--defaults-extra-file={defaults}"
        dump = [programs[0], extra, "--no-data", "--routines", "--triggers", "--no-tablespaces"]
        load = [programs[1], extra, "--batch", name]
        pipe([*dump, source], load, env={}, secrets=secrets_of({"": settings}))


def _copy_sqlite(connection, name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "ORDER BY type = 'table' DESC, type = 'index' DESC, rowid"
        )
        statements = [row[0] for row in cursor.fetchall()]
    with contextlib.closing(sqlite3.connect(name)) as scratch:
        scratch.executescript(";\n".join(statements) + ";")


def drop(connection, name: str, given: bool) -> None:
    """Drop the scratch database (a given one is emptied); ``connection`` is the live one."""
    if connection.vendor == "sqlite":
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        return
    if given:
        _empty(connection, name)
        return
    quoted = connection.ops.quote_name(name)
    force = " WITH (FORCE)" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}{force}")


def _empty(connection, name: str) -> None:
    """Every object of database ``name`` dropped (the inventory's ``rehearsal_database``)."""
    if connection.vendor == "postgresql":
        settings = {**connection.settings_dict, "NAME": name}
        options, env = postgresql.client_options(settings, connection.client)
        psql = [find_program("psql"), *options, "--no-psqlrc", "--quiet"]
        psql += ["--set=ON_ERROR_STOP=1", "--command=DROP OWNED BY CURRENT_USER"]
        try:
            postgresql.run_client(psql, env, settings)
        except BackupError as error:
            raise Unavailable(str(error)) from None
        return
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_schema = %s ORDER BY table_type = 'VIEW' DESC",
            [name],
        )
        rows = cursor.fetchall()
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        for table, kind in rows:
            what = "VIEW" if kind == "VIEW" else "TABLE"
            cursor.execute(f"DROP {what} IF EXISTS {quoted}.{connection.ops.quote_name(table)}")
        cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
