"""SQLite backups with the online backup API: a consistent copy even while the app writes."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from .errors import BackupError

FORMAT = "sqlite"


def dump(connection, path: Path) -> None:
    """Copy the live database into ``path`` (``source.backup(dest)``)."""
    live = _connect(_database_file(connection))
    try:
        target = sqlite3.connect(path)
        try:
            live.backup(target)
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"sqlite backup failed: {error}") from None
    finally:
        live.close()


def check_readable(path: Path) -> str:
    """Open read-only: integrity_check says ok (and say whether the migration history is there)."""
    try:
        with _read_only(path) as database:
            result = database.execute("PRAGMA integrity_check").fetchone()[0]
            history = database.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
    except sqlite3.Error as error:
        raise BackupError(f"sqlite cannot read the dump: {error}") from None
    if result != "ok":
        raise BackupError(f"sqlite integrity_check: {result}")
    if history is None:  # a database nothing was migrated into yet: the first deploy's backup
        return "sqlite integrity_check ok, no migration history yet (empty database)"
    return "sqlite integrity_check ok, django_migrations present"


def restore(connection, path: Path) -> None:
    """Copy the dump over the live database file (``dump.backup(live)``), in one step."""
    connection.close()
    try:
        with _read_only(path) as source:
            live = _connect(_database_file(connection))
            try:
                source.backup(live)
            finally:
                live.close()
    except sqlite3.Error as error:
        raise BackupError(f"sqlite restore failed: {error}") from None


def _database_file(connection) -> str:
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError(f"database {connection.alias!r} is not an SQLite file")
    return name


def _connect(name: str) -> sqlite3.Connection:
    return sqlite3.connect(name, timeout=30, uri=name.startswith("file:"))


def _read_only(path: Path) -> contextlib.closing[sqlite3.Connection]:
    """``with _read_only(path) as database``: an SQLite connection that cannot write."""
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    return contextlib.closing(sqlite3.connect(uri, uri=True))
