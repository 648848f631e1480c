"""MySQL and MariaDB backups: ``mysqldump --single-transaction``, restored through ``mysql``.

Credentials go into a temporary option file (mode 0600, removed afterwards) passed as
``--defaults-extra-file``, never into argv.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .errors import BackupError, secrets_of
from .programs import feed, find_program, run, secret_file

FORMAT = "mysqldump"
HEADERS = (b"-- MySQL dump", b"-- MariaDB dump")
TRAILER = b"-- Dump completed"
CHUNK = 1 << 20


def dump(connection, path: Path) -> None:
    """``mysqldump --single-transaction --routines --triggers`` into ``path``."""
    program = find_program(*client_names(connection, "mysqldump", "mariadb-dump"))
    options = ["--single-transaction", "--routines", "--triggers", "--no-tablespaces"]
    with secret_file(option_file(connection.settings_dict)) as defaults, path.open("wb") as out:
        argv = [program, f"--defaults-extra-file={defaults}", *options, database_of(connection)]
        run(argv, stdout=out, secrets=secrets_of({"": connection.settings_dict}))


def check_readable(path: Path) -> str:
    """A mysqldump header in the first lines, and the ``-- Dump completed`` line at the end."""
    with path.open("rb") as source:
        head = source.read(4096).splitlines()[:3]
        source.seek(max(0, os.fstat(source.fileno()).st_size - 4096))
        tail = source.read().strip().splitlines()[-1:]
    if not any(line.startswith(HEADERS) for line in head):
        raise BackupError("the dump does not start with a mysqldump header")
    if not tail or not tail[0].startswith(TRAILER):
        raise BackupError("the dump does not end with '-- Dump completed': it is truncated")
    return "mysqldump header and '-- Dump completed' trailer present"


def restore(connection, path: Path) -> None:
    """Drop every table and view, then feed the dump to ``mysql``. MySQL cannot undo DDL:
    a failure part-way leaves a partial restore (the safety backup taken before is the way back)."""
    prelude = _drop_everything(connection)
    connection.close()
    program = find_program(*client_names(connection, "mysql", "mariadb"))
    with secret_file(option_file(connection.settings_dict)) as defaults:
        argv = [program, f"--defaults-extra-file={defaults}", "--batch", database_of(connection)]
        chunks = _chunks(prelude, path)
        feed(argv, chunks, secrets=secrets_of({"": connection.settings_dict}))


def option_file(settings: dict) -> str:
    """A ``[client]`` option file with the connection settings Django uses (as its dbshell)."""
    options = settings.get("OPTIONS") or {}
    ssl = options.get("ssl") or {}
    host = options.get("host", settings.get("HOST"))
    values = {
        "user": options.get("user", settings.get("USER")),
        "password": options.get("password", options.get("passwd", settings.get("PASSWORD"))),
        "socket" if host and "/" in host else "host": host,
        "port": options.get("port", settings.get("PORT")),
        "default-character-set": options.get("charset"),
        "ssl-ca": ssl.get("ca"),
        "ssl-cert": ssl.get("cert"),
        "ssl-key": ssl.get("key"),
    }
    include = options.get("read_default_file")
    lines = [f"!include {include}"] if include else []
    lines.append("[client]")
    lines += [f"{key}={_quoted(value)}" for key, value in values.items() if value]
    return "\n".join(lines) + "\n"


def _quoted(value) -> str:
    """An option-file value in double quotes, with the escapes MySQL's parser undoes."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def database_of(connection) -> str:
    options = connection.settings_dict.get("OPTIONS") or {}
    return str(options.get("database", options.get("db", connection.settings_dict["NAME"])))


def client_names(connection, mysql: str, mariadb: str) -> tuple[str, str]:
    """Prefer the client named after the server's flavour; either speaks to both."""
    return (mariadb, mysql) if connection.mysql_is_mariadb else (mysql, mariadb)


def _drop_everything(connection) -> bytes:
    """SQL dropping every table and view of the database (views first)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, table_type FROM information_schema.tables"
            " WHERE table_schema = DATABASE() ORDER BY table_type = 'VIEW' DESC, table_name"
        )
        rows = cursor.fetchall()
    statements = ["SET FOREIGN_KEY_CHECKS = 0;"]
    for name, kind in rows:
        quoted = "`" + name.replace("`", "``") + "`"
        statements.append(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {quoted};")
    return ("\n".join(statements) + "\n").encode()


def _chunks(prelude: bytes, path: Path) -> Iterator[bytes]:
    yield prelude
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk
