"""Releases on a host: a bare mirror, one git worktree per release, ``current`` switched atomically.

Builders return shell commands (quoted through ``commands``); the functions that
take a ``host`` run them and raise ``RemoteCommandFailed`` with the host named.
"""

from __future__ import annotations

import posixpath
import secrets
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime

from .commands import all_of, either, in_dir, quiet, sh
from .errors import RemoteCommandFailed, UsageError
from .layout import Layout


@dataclass(frozen=True)
class Release:
    name: str  # <stamp>-<sha7>
    commit: str

    @staticmethod
    def new(commit: str, now: datetime | None = None) -> Release:
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
        return Release(f"{stamp}-{commit[:7]}", commit)


def prepare(layout: Layout, repository: str) -> str:
    """The layout's folders, and the mirror up to date with the repository."""
    folders = sh(
        [
            "mkdir",
            "-p",
            layout.releases,
            layout.shared,
            layout.backups,
            posixpath.dirname(layout.lock),
        ]
    )
    fetch = sh(["git", "-C", layout.repo, "remote", "update", "--prune"])
    clone = sh(["git", "clone", "--quiet", "--mirror", repository, layout.repo])
    exists = sh(["test", "-d", layout.repo])
    return all_of(folders, either(all_of(exists, quiet(fetch)), clone))


def resolve(layout: Layout, ref: str) -> str:
    """Print the commit ``ref`` (branch, tag or commit) names in the mirror."""
    return sh(["git", "-C", layout.repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"])


def on_branch(layout: Layout, commit: str, branch: str) -> str:
    return sh(
        ["git", "-C", layout.repo, "merge-base", "--is-ancestor", commit, f"refs/heads/{branch}"]
    )


def create(layout: Layout, release: Release, shared: tuple[str, ...]) -> str:
    """A worktree of the commit, with the shared files and folders linked in."""
    path = layout.release(release.name)
    steps = [
        sh(
            [
                "git",
                "-C",
                layout.repo,
                "worktree",
                "add",
                "--quiet",
                "--detach",
                path,
                release.commit,
            ]
        )
    ]
    for entry in shared:
        target, link = posixpath.join(layout.shared, entry), posixpath.join(path, entry)
        steps += [
            sh(["mkdir", "-p", posixpath.dirname(link), posixpath.dirname(target)]),
            sh(["rm", "-rf", link]),
            sh(["ln", "-s", target, link]),
        ]
    return all_of(*steps)


def build(layout: Layout, release: Release, command: str) -> str:
    """An inventory build command (a shell fragment, as written), in the release's folder."""
    return in_dir(layout.release(release.name), command)


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
    """Run a builder's command; the output, or RemoteCommandFailed naming host and step."""
    result = host.run(command)
    if not result.ok:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise RemoteCommandFailed(f"{what} failed on {host.name}: {detail[-1] if detail else ''}")
    return result.stdout


def check_ref(ref: str) -> str:
    if not ref or ref.startswith("-") or any(ch.isspace() for ch in ref):
        raise UsageError(f"--ref {shlex.quote(ref)} is not a branch, tag or commit")
    return ref
