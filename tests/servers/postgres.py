"""A throwaway PostgreSQL cluster: initdb in a temporary folder, postgres on a free port."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .base import Server, ServerError, find_program, quote


def postgres_bindir() -> Path:
    """The newest installed PostgreSQL's bin directory (Debian keeps initdb off PATH)."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if found:
        newest = max(found, key=lambda path: int(Path(path).parts[-3]))
        return Path(newest).parent
    return Path(find_program("initdb")).parent


def unprivileged_user() -> pwd.struct_passwd | None:
    """The user to run PostgreSQL as when we are root, since it refuses to run as root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise ServerError("running as root, and there is neither a postgres nor a nobody user")


class PostgresServer(Server):
    """A fresh PostgreSQL cluster; superuser ``postgres``, trust authentication."""

    scheme = "postgres"
    title = "PostgreSQL"

    @classmethod
    def start(cls) -> PostgresServer:
        """Create a cluster with initdb and start it on a free port."""
        server = cls(Path(tempfile.mkdtemp(prefix="schema-safety-postgres-")))
        try:
            server.boot()
        except BaseException:
            server.stop()
            raise
        return server

    def __init__(self, directory: Path) -> None:
        super().__init__(directory, "postgres")
        self.account = unprivileged_user()
        if self.account is not None:
            os.chown(directory, self.account.pw_uid, self.account.pw_gid)
        self.bindir = postgres_bindir()
        self.data = str(directory / "data")

    def boot(self) -> None:
        initdb = [str(self.bindir / "initdb"), "-D", self.data, "-U", self.user, "--auth=trust"]
        self.setup(self.as_account([*initdb, "--encoding=UTF8", "--no-locale", "--no-sync"]))
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.directory),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        options = [f"--{key}={value}" for key, value in settings.items()]
        self.launch(self.as_account([str(self.bindir / "postgres"), "-D", self.data, *options]))

    def as_account(self, argv: list[str]) -> list[str]:
        """Prefix ``argv`` to run as the unprivileged account (setpriv execs: no extra process)."""
        if self.account is None:
            return argv
        uid, gid = self.account.pw_uid, self.account.pw_gid
        return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *argv]

    def connect(self, dbname: str | None) -> Any:
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname=dbname or "postgres",
            autocommit=True,
            connect_timeout=5,
        )

    def probe(self) -> None:
        import psycopg

        with psycopg.connect(host=str(self.directory), port=self.port, user=self.user):
            pass

    def shutdown(self) -> None:
        pg_ctl = [str(self.bindir / "pg_ctl"), "-D", self.data]
        argv = self.as_account([*pg_ctl, "stop", "-m", "fast", "-w", "-t", "30"])
        subprocess.run(argv, capture_output=True, cwd=self.directory, check=False)

    def create_database(self, name: str, template: str | None = None) -> None:
        """CREATE DATABASE, optionally as a copy of ``template`` (its sessions are ended first)."""
        sql = f"CREATE DATABASE {quote(name)}"
        if template is not None:
            self.end_sessions(template)
            sql += f" TEMPLATE {quote(template)}"
        self.execute(None, sql)

    def drop_database(self, name: str) -> None:
        """Drop a database if it exists, ending every session connected to it (PostgreSQL 13+)."""
        self.execute(None, f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")

    def end_sessions(self, dbname: str) -> None:
        """End every other session connected to ``dbname``."""
        sql = (
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()"
        )
        self.execute(None, sql, [dbname])
