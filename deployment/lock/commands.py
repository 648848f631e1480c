"""The lock's shell commands, built from argument lists and quoted once."""

from __future__ import annotations

import hashlib
import json
import posixpath

from ..commands import all_of, either, quiet, sh, to_file
from ..layout import Layout
from .info import NOT_OURS


def info_path(layout: Layout) -> str:
    return posixpath.join(layout.lock, "info.json")


def note_path(layout: Layout) -> str:
    return posixpath.join(posixpath.dirname(layout.lock), "unlocked.json")


def acquire_command(layout: Layout, payload: str) -> str:
    """``mkdir`` the lock (fails if it exists), then write info.json; undone if that fails."""
    undo = all_of(sh(["rm", "-rf", layout.lock]), sh(["false"]))
    return all_of(
        sh(["mkdir", "-p", posixpath.dirname(layout.lock)]),
        sh(["mkdir", layout.lock]),
        either(_write(payload, info_path(layout)), undo),
    )


def refresh_command(layout: Layout, token: str, payload: str) -> str:
    return _if_ours(layout, token, _write(payload, info_path(layout)))


def release_command(layout: Layout, token: str) -> str:
    return _if_ours(layout, token, sh(["rm", "-rf", layout.lock]))


def clear_command(layout: Layout, token: str | None, note: str) -> str:
    remove = all_of(_write(note, note_path(layout)), sh(["rm", "-rf", layout.lock]))
    if token is None:  # no readable info.json: nothing to compare
        return all_of(sh(["test", "-d", layout.lock]), remove)
    return _if_ours(layout, token, remove)


def status_command(layout: Layout) -> str:
    """Lines: the host's clock, info.json's mtime (or ``-``), info.json (exit 1: no lock)."""
    info = info_path(layout)
    mtime = either(sh(["stat", "-c", "%Y", info]), sh(["stat", "-f", "%m", info]))
    return all_of(
        sh(["test", "-d", layout.lock]),
        sh(["date", "+%s"]),
        either(quiet(mtime), sh(["echo", "-"])),
        either(quiet(sh(["cat", info])), sh(["true"])),
    )


def _if_ours(layout: Layout, token: str, command: str) -> str:
    """Run ``command`` only while info.json carries ``token``; else exit ``NOT_OURS``."""
    mine = json.dumps({"token": token})[1:-1]
    check = quiet(sh(["grep", "-qF", mine, info_path(layout)]))
    return all_of(either(check, sh(["exit", str(NOT_OURS)])), command)


def _write(payload: str, path: str) -> str:
    """Write ``payload`` to a temporary file, then rename it: readers see all of it or none."""
    temporary = f"{path}.{hashlib.sha256(payload.encode()).hexdigest()[:12]}.tmp"
    return all_of(to_file(sh(["printf", "%s\\n", payload]), temporary), sh(["mv", temporary, path]))
