"""The manifest beside every dump: what was backed up, from which state, and its checksum.

{"id": "20240501T120000-abc1234", "file": "20240501T120000-abc1234.dump",
 "commit": "abc1234...", "created": "2024-05-01T12:00:00Z", "database": "default",
 "vendor": "postgresql", "server_version": "15.6", "migrations": {"content": ["0001_initial"]},
 "size": 12345, "sha256": "...", "format": "pg_dump-custom"}
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from django.db.migrations.recorder import MigrationRecorder

from .errors import BackupError, UsageError

FORMATS = {"postgresql": "pg_dump-custom", "sqlite": "sqlite", "mysql": "mysqldump"}
VERSION_SQL = {"postgresql": "SHOW server_version", "mysql": "SELECT VERSION()"}
BACKUP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
CHUNK = 1 << 20


def check_id(backup_id: str) -> str:
    """``backup_id`` if it is a plain file name stem, else UsageError."""
    if not BACKUP_ID.fullmatch(backup_id):
        raise UsageError(f"invalid backup id {backup_id!r}: use letters, digits, '.', '_', '-'")
    return backup_id


def describe(connection, backup_id: str, commit: str | None) -> dict:
    """The manifest fields that come from the database, read just before the dump."""
    return {
        "id": backup_id,
        "file": f"{backup_id}.dump",
        "commit": commit,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "database": connection.alias,
        "vendor": connection.vendor,
        "server_version": server_version(connection),
        "migrations": applied_migrations(connection),
        "format": FORMATS[connection.vendor],
    }


def server_version(connection) -> str:
    if connection.vendor not in VERSION_SQL:
        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL[connection.vendor])
        return str(cursor.fetchone()[0])


def applied_migrations(connection) -> dict[str, list[str]]:
    """``{app_label: [migration names in the order they were applied]}`` from the recorder."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = {}
    for app, name in recorder.migration_qs.order_by("id").values_list("app", "name"):
        applied.setdefault(app, []).append(name)
    return dict(sorted(applied.items()))


def digest(path: Path) -> tuple[int, str]:
    """The size and sha256 (hex) of a file, read in chunks."""
    sha256, size = hashlib.sha256(), 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            sha256.update(chunk)
            size += len(chunk)
    return size, sha256.hexdigest()


def load(path: Path) -> dict:
    """A manifest read back, with the fields verification needs checked."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"cannot read manifest {path}: {error}") from None
    if not isinstance(manifest, dict):
        raise BackupError(f"manifest {path} is not a JSON object")
    missing = [key for key in ("id", "file", "sha256", "size", "format") if key not in manifest]
    if missing:
        raise BackupError(f"manifest {path} lacks {', '.join(missing)}")
    if Path(str(manifest["file"])).name != manifest["file"]:
        raise BackupError(f"manifest {path} names a file outside its folder: {manifest['file']}")
    return manifest


def dump_path(manifest_path: Path, manifest: dict) -> Path:
    """The dump a manifest describes: always beside it."""
    return manifest_path.parent / manifest["file"]


def render(manifest: dict) -> str:
    return json.dumps(manifest, indent=2) + "\n"
