"""Take, verify and restore a backup: the steps behind the three management commands."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from . import manifest as manifests
from . import mysql, postgresql, sqlite
from .errors import BackupError

BACKENDS: dict[str, ModuleType] = {"postgresql": postgresql, "sqlite": sqlite, "mysql": mysql}
BY_FORMAT = {module.FORMAT: module for module in BACKENDS.values()}
_CHECKS = ("sha256", "size", "readable")


def take(connection, directory: Path, backup_id: str, commit: str | None) -> dict:
    """Write ``ID.dump`` then ``ID.json`` into ``directory``; return the manifest.

    Both are written under temporary names and renamed when complete, the manifest last:
    a backup whose manifest exists is whole.
    """
    backend = _backend(connection.vendor)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    final_dump, final_manifest = (directory / f"{backup_id}{ext}" for ext in (".dump", ".json"))
    if final_dump.exists() or final_manifest.exists():
        raise BackupError(f"backup {backup_id!r} already exists in {directory}")
    with _staged(final_dump) as dump, _staged(final_manifest) as manifest_file:
        manifest = manifests.describe(connection, backup_id, commit)
        backend.dump(connection, dump)
        _sync(dump)
        manifest["size"], manifest["sha256"] = manifests.digest(dump)
        manifest_file.write_text(manifests.render(manifest), encoding="utf-8")
        _sync(manifest_file)
        os.replace(dump, final_dump)
        os.replace(manifest_file, final_manifest)
    return manifest


def verify(manifest_path: Path) -> dict:
    """Recompute size and sha256 and prove the restore tool reads the dump."""
    report = {"ok": False, "id": manifest_path.stem, "checks": dict.fromkeys(_CHECKS, False)}
    try:
        manifest = manifests.load(manifest_path)
    except BackupError as error:
        return {**report, "detail": str(error)}
    report["id"] = manifest["id"]
    dump = manifests.dump_path(manifest_path, manifest)
    if not dump.is_file():
        return {**report, "detail": f"dump file {dump} is missing"}
    size, sha256 = manifests.digest(dump)
    checks = {"sha256": sha256 == manifest["sha256"], "size": size == manifest["size"]}
    problems = [f"{name} does not match the manifest" for name, ok in checks.items() if not ok]
    try:
        readable = _backend_of_format(manifest["format"]).check_readable(dump)
        checks["readable"] = True
    except BackupError as error:
        checks["readable"], readable = False, str(error)
        problems.append(readable)
    ok = all(checks.values())
    detail = f"sha256 and size match; {readable}" if ok else "; ".join(problems)
    return {**report, "ok": ok, "checks": checks, "detail": detail}


def restore(connection, manifest_path: Path) -> dict:
    """Restore a verified backup into ``connection``'s database; return what was done."""
    started = time.monotonic()
    manifest = manifests.load(manifest_path)
    if manifest.get("vendor") != connection.vendor:
        raise BackupError(
            f"backup {manifest['id']!r} is a {manifest.get('vendor')} backup; "
            f"database {connection.alias!r} is {connection.vendor}"
        )
    _backend(connection.vendor).restore(connection, manifests.dump_path(manifest_path, manifest))
    return {
        "ok": True,
        "id": manifest["id"],
        "database": connection.alias,
        "vendor": connection.vendor,
        "file": manifest["file"],
        "migrations": manifest.get("migrations", {}),
        "elapsed_ms": round((time.monotonic() - started) * 1000),
    }


def _backend(vendor: str) -> ModuleType:
    if vendor not in BACKENDS:
        raise BackupError(f"backups of {vendor} databases are not supported")
    return BACKENDS[vendor]


def _backend_of_format(name: str) -> ModuleType:
    if name not in BY_FORMAT:
        raise BackupError(f"unknown backup format {name!r}")
    return BY_FORMAT[name]


@contextlib.contextmanager
def _staged(final: Path) -> Iterator[Path]:
    """A temporary file beside ``final`` (mode 0600), removed unless renamed into place."""
    descriptor, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
    os.close(descriptor)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _sync(path: Path) -> None:
    with path.open("rb") as written:
        os.fsync(written.fileno())
