"""Releases on a host: a git worktree each (from the mirror), ``current`` switched atomically.

Builders return shell commands (quoted through ``commands``); the functions that
take a ``host`` run them and raise ``RemoteCommandFailed`` with the host named.
"""

from __future__ import annotations

import posixpath
import secrets
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime

from .commands import (
    all_of,
    either,
    failed_step,
    in_dir,
    in_order,
    pipe,
    quiet,
    sh,
)
from .errors import ConnectionLost, RemoteCommandFailed, UsageError
from .layout import Layout


@dataclass(frozen=True)
class Release:
    name: str  # <stamp>-<sha7>
    commit: str

    @staticmethod
    def new(commit: str, now: datetime | None = None) -> Release:
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
        return Release(f"{stamp}-{commit[:7]}", commit)


def create(layout: Layout, release: Release, shared: tuple[str, ...]) -> str:
    """A worktree of the commit, with the shared files and folders linked in."""
    path = layout.release(release.name)
    add = ["git", "-C", layout.repo, "worktree", "add", "--quiet", "--detach", path]
    return all_of(sh([*add, release.commit]), *_links(layout, path, shared, make_targets=True))


def _links(layout: Layout, path: str, shared: tuple[str, ...], make_targets: bool) -> list[str]:
    steps = []
    for entry in shared:
        target, link = posixpath.join(layout.shared, entry), posixpath.join(path, entry)
        folders = [posixpath.dirname(link)] + [posixpath.dirname(target)] * make_targets
        steps += [
            sh(["mkdir", "-p", *folders]),
            sh(["rm", "-rf", link]),
            sh(["ln", "-s", target, link]),
        ]
    return steps


def create_and_build(
    layout: Layout, release: Release, shared: tuple[str, ...], build: tuple[str, ...]
) -> str:
    """The release created, then each inventory build command (a shell fragment, as
    written) in its folder, in one script that names the step that failed."""
    path = layout.release(release.name)
    steps = [("creating the release", create(layout, release, shared))]
    return in_order(*steps, *_builds(path, build))


def _builds(path: str, build: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f"build `{label(command)}`", in_dir(path, command)) for command in build]


def preview(layout: Layout, path: str, commit: str, shared, build) -> str:
    """For --dry-run: ``commit`` exported to ``path`` (no worktree registered in the mirror,
    nothing created in ``shared``), the shared entries linked in, built. ``remove_preview``
    deletes it."""
    export = pipe(
        sh(["git", "--git-dir", layout.repo, "archive", commit]), sh(["tar", "-x", "-C", path])
    )
    copy = all_of(sh(["mkdir", "-p", path]), export, *_links(layout, path, shared, False))
    return in_order(("exporting the release", copy), *_builds(path, build))


def remove_preview(path: str) -> str:
    return sh(["rm", "-rf", path])


def label(command: str) -> str:
    """A command's first line, to name it in a message."""
    lines = command.strip().splitlines()
    return lines[0] + (" ..." if len(lines) > 1 else "") if lines else command


def in_current(layout: Layout, command: str) -> str:
    """An inventory restart command (a shell fragment, as written), in ``current``."""
    return in_dir(layout.current, command)


def switch(layout: Layout, release_name: str) -> str:
    """Point ``current`` at the release in one rename: a reader sees the old or the new."""
    temporary = f"{layout.current}.{secrets.token_hex(4)}"
    return all_of(
        sh(["ln", "-sfn", layout.release(release_name), temporary]),
        sh(["mv", "-T", temporary, layout.current]),
    )


def remove(layout: Layout, release_name: str) -> str:
    path = layout.release(release_name)
    return all_of(
        either(
            sh(["git", "-C", layout.repo, "worktree", "remove", "--force", path]),
            sh(["rm", "-rf", path]),
        ),
        sh(["git", "-C", layout.repo, "worktree", "prune"]),
    )


def listing(layout: Layout) -> str:
    """Release names, oldest first, then a line ``current <name>`` (or ``current -``)."""
    names = quiet(sh(["ls", "-1", layout.releases]))
    current = either(quiet(sh(["readlink", layout.current])), sh(["echo", "-"]))
    return f"{either(names, sh(['true']))}; printf 'current %s\\n' \"$({current})\""


@dataclass(frozen=True)
class Listing:
    releases: tuple[str, ...]
    current: str | None


def parse_listing(output: str) -> Listing:
    names, current = [], None
    for line in output.splitlines():
        if line.startswith("current "):
            value = line.split(" ", 1)[1].strip()
            current = None if value in ("", "-") else posixpath.basename(value.rstrip("/"))
        elif line.strip():
            names.append(line.strip())
    return Listing(tuple(sorted(names)), current)


def to_prune(listing: Listing, keep: int, protected: set[str]) -> list[str]:
    """Oldest releases beyond ``keep``, never one in ``protected`` (current, previous, good)."""
    extra = len(listing.releases) - keep
    candidates = [name for name in listing.releases if name not in protected]
    return candidates[: max(extra, 0)]


def run(host, command: str, what: str) -> str:
    """Run a builder's command; the output, or RemoteCommandFailed naming host and step.

    For an ``in_order`` script, the step named is the one that failed (``error.step``).
    """
    try:
        result = host.run(command)
    except ConnectionLost as error:  # say the step, not the script that was running
        raise ConnectionLost(f"lost the connection to {host.name} while {what}") from error
    if not result.ok:
        step, detail = failed_step(result.stderr or result.stdout)
        raise RemoteCommandFailed(f"{step or what} failed on {host.name}: {detail}", step)
    return result.stdout


def check_ref(ref: str) -> str:
    if not ref or ref.startswith("-") or any(ch.isspace() for ch in ref):
        raise UsageError(f"--ref {shlex.quote(ref)} is not a branch, tag or commit")
    return ref
