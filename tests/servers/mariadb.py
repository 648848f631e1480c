"""A throwaway MariaDB server: mariadb-install-db in a temporary folder, mariadbd on a free port."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from .base import Server, find_program, quote


class MariaDBServer(Server):
    """A fresh MariaDB server; ``root`` with an empty password, utf8mb4 by default."""

    scheme = "mysql"
    title = "MariaDB"

    @classmethod
    def start(cls) -> MariaDBServer:
        """Create a data directory with mariadb-install-db and start mariadbd on a free port."""
        server = cls(Path(tempfile.mkdtemp(prefix="schema-safety-mariadb-")), "root")
        try:
            server.boot()
        except BaseException:
            server.stop()
            raise
        return server

    def boot(self) -> None:
        data = self.directory / "data"
        as_root = ["--user=root"] if os.geteuid() == 0 else []
        install = find_program("mariadb-install-db", "mysql_install_db")
        self.setup(
            [install, "--no-defaults", "--auth-root-authentication-method=normal"]
            + [f"--datadir={data}", "--skip-test-db", *as_root]
        )
        mariadbd = find_program("mariadbd", "mysqld", extra_dirs=["/usr/sbin"])
        settings = {
            "datadir": data,
            "socket": self.socket,
            "pid-file": self.directory / "mysqld.pid",
            "tmpdir": self.directory,
            "port": self.port,
            "bind-address": self.host,
            "skip-networking": 0,
            "innodb-flush-log-at-trx-commit": 0,
            "character-set-server": "utf8mb4",
            "collation-server": "utf8mb4_general_ci",
        }
        options = [f"--{key}={value}" for key, value in settings.items()]
        self.launch([mariadbd, "--no-defaults", *options, "--skip-log-bin", *as_root])

    @property
    def socket(self) -> Path:
        """The server's unix socket, inside its temporary folder."""
        return self.directory / "mysqld.sock"

    def connect(self, dbname: str | None) -> Any:
        import MySQLdb

        database = {"database": dbname} if dbname else {}
        return MySQLdb.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            autocommit=True,
            connect_timeout=5,
            **database,
        )

    def probe(self) -> None:
        import MySQLdb

        socket = str(self.socket)
        MySQLdb.connect(unix_socket=socket, user=self.user, password=self.password).close()

    def shutdown(self) -> None:
        if self.process is not None:
            self.process.terminate()

    def create_database(self, name: str, template: str | None = None) -> None:
        """CREATE DATABASE; MariaDB has no template databases, so ``template`` is refused."""
        if template is not None:
            raise NotImplementedError("MariaDB has no template databases")
        self.execute(None, f"CREATE DATABASE {quote(name, '`')}")

    def drop_database(self, name: str) -> None:
        """Drop a database if it exists, killing every other session using it."""
        sessions = "SELECT id FROM information_schema.processlist WHERE db = %s"
        for (session,) in self.execute(None, sessions, [name]):
            with contextlib.suppress(Exception):
                self.execute(None, f"KILL {int(session)}")
        self.execute(None, f"DROP DATABASE IF EXISTS {quote(name, '`')}")
