"""The lock's shell commands, built from argument lists and quoted once."""

from __future__ import annotations

import hashlib
import json
import posixpath

from ..layout import Layout
from ..remote.commands import Command, all_of, either, quiet, to_file
from .info import NOT_OURS


def info_path(layout: Layout) -> str:
    return posixpath.join(layout.lock, "info.json")


def note_path(layout: Layout) -> str:
    return posixpath.join(posixpath.dirname(layout.lock), "unlocked.json")


def acquire_command(layout: Layout, payload: str) -> Command:
    """``mkdir`` the lock (fails if it exists), then write info.json; undone if that fails."""
    undo = all_of(["rm", "-rf", layout.lock], ["false"])
    return all_of(
        ["mkdir", "-p", posixpath.dirname(layout.lock)],
        ["mkdir", layout.lock],
        either(_write(payload, info_path(layout)), undo),
    )


def refresh_command(layout: Layout, token: str, payload: str) -> Command:
    return if_ours(layout, token, _write(payload, info_path(layout)))


def release_command(layout: Layout, token: str) -> Command:
    return if_ours(layout, token, ["rm", "-rf", layout.lock])


def clear_command(layout: Layout, token: str | None, note: str) -> Command:
    remove = all_of(_write(note, note_path(layout)), ["rm", "-rf", layout.lock])
    if token is None:  # no readable info.json: nothing to compare
        return all_of(["test", "-d", layout.lock], remove)
    return if_ours(layout, token, remove)


def status_command(layout: Layout) -> Command:
    """Lines: the host's clock, info.json's mtime (or ``-``), info.json (exit 1: no lock)."""
    info = info_path(layout)
    mtime = either(["stat", "-c", "%Y", info], ["stat", "-f", "%m", info])
    return all_of(
        ["test", "-d", layout.lock],
        ["date", "+%s"],
        either(quiet(mtime), ["echo", "-"]),
        either(quiet(["cat", info]), ["true"]),
    )


def if_ours(layout: Layout, token: str, command: Command) -> Command:
    """Run ``command`` only while info.json carries ``token``; else exit ``NOT_OURS``."""
    mine = json.dumps({"token": token})[1:-1]
    check = quiet(["grep", "-qF", mine, info_path(layout)])
    return all_of(either(check, ["exit", str(NOT_OURS)]), command)


def _write(payload: str, path: str) -> Command:
    """Write ``payload`` to a temporary file, then rename it: readers see all of it or none."""
    temporary = f"{path}.{hashlib.sha256(payload.encode()).hexdigest()[:12]}.tmp"
    return all_of(to_file(["printf", "%s\\n", payload], temporary), ["mv", temporary, path])
