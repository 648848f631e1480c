"""What the throwaway servers share: a free port, a log, raw SQL, start and stop."""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
READY_TIMEOUT = 30.0


class ServerError(RuntimeError):
    """A throwaway server could not be started."""


# Below the kernel's ephemeral range (32768-60999 by default): a port bind(0) hands out there
# can become the source port of an outgoing connection before the server binds it.
PORTS = range(20000, 32768)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1, outside the ephemeral range, that nothing holds now."""
    for _ in range(200):
        port = random.choice(PORTS)
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise ServerError(f"no free port on {HOST} in {PORTS.start}-{PORTS.stop - 1}")


def log_tail(path: Path, lines: int = 30) -> str:
    """Return the last lines of a server log, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def find_program(*names: str, extra_dirs: Sequence[str] = ()) -> str:
    """Return the path of the first of ``names`` found on PATH or in ``extra_dirs``."""
    search = os.pathsep.join([os.environ.get("PATH", ""), *extra_dirs])
    for name in names:
        found = shutil.which(name, path=search)
        if found:
            return found
    raise ServerError(f"{names[0]} not found: run scripts/system-packages.sh")


def quote(name: str, mark: str = '"') -> str:
    """Quote an identifier with ``mark``: a double quote (PostgreSQL) or a backtick (MariaDB)."""
    return mark + name.replace(mark, mark * 2) + mark


class Server:
    """What both servers share: address, credentials, raw SQL, and clean-up."""

    scheme = ""
    title = ""

    def __init__(self, directory: Path, user: str) -> None:
        self.directory = directory
        self.host = HOST
        self.port = free_port()
        self.user = user
        self.password = ""
        self.log = directory / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, dbname: str) -> str:
        """A DATABASE_URL for dj-database-url, e.g. ``postgres://postgres@127.0.0.1:PORT/db``."""
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{dbname}"

    def execute(
        self, dbname: str | None, sql: str, params: Sequence[Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run ``sql`` with autocommit and return the rows of the last statement that has any.

        Without ``params`` several statements may be given at once; with ``params`` the
        placeholders are ``%s``. ``dbname=None`` connects to the server's default database.
        """
        connection = self.connect(dbname)
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = []
            while True:
                if cursor.description is not None:
                    rows = [tuple(row) for row in cursor.fetchall()]
                if not cursor.nextset():
                    return rows
        finally:
            connection.close()

    def connect(self, dbname: str | None) -> Any:
        """A DB-API connection over TCP with autocommit; ``None`` is the default database."""
        raise NotImplementedError

    def probe(self) -> None:
        """Connect through the server's own unix socket: a TCP probe could reach another
        server that already held the port this one failed to bind."""
        raise NotImplementedError

    def shutdown(self) -> None:
        """Ask the server process to stop; ``stop()`` waits for it."""
        raise NotImplementedError

    def setup(self, argv: list[str]) -> None:
        """Run a setup command; raise with the log tail if it fails."""
        with self.log.open("ab") as out:
            result = subprocess.run(argv, stdout=out, stderr=out, cwd=self.directory, check=False)
        if result.returncode != 0:
            raise ServerError(f"{argv[0]} failed ({result.returncode}):\n{log_tail(self.log)}")

    def launch(self, argv: list[str]) -> None:
        """Start the server process and wait until it accepts connections."""
        atexit.register(self.stop)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(argv, stdout=out, stderr=out, cwd=self.directory)
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                self.probe()
            except Exception as error:
                exited = self.process.poll() is not None
                if exited or time.monotonic() > deadline:
                    why = "exited" if exited else f"was not ready after {READY_TIMEOUT:.0f}s"
                    tail = log_tail(self.log)
                    self.stop()
                    raise ServerError(f"{self.title} {why} ({error}):\n{tail}") from None
            else:
                return
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server and remove its directory. Safe to call more than once."""
        if self.process is not None:
            with contextlib.suppress(Exception):
                self.shutdown()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.process = None
        shutil.rmtree(self.directory, ignore_errors=True)
