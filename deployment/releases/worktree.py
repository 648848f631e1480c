"""Releases on a host: a git worktree each (from the mirror), ``current`` switched atomically.

Builders return commands (``remote.commands``); ``listing`` and ``parse_listing`` say
which releases a host has and which one is live.
"""

from __future__ import annotations

import posixpath
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import UsageError
from ..inventory.spec import Compose
from ..layout import Layout
from ..remote import compose as compose_commands
from ..remote.commands import (
    Command,
    Fragment,
    all_of,
    each,
    either,
    in_dir,
    in_order,
    pipe,
    quiet,
    script,
    with_env_file,
)
from .git import END, git


@dataclass(frozen=True)
class Release:
    name: str  # <stamp>-<sha7>
    commit: str

    @staticmethod
    def new(commit: str, now: datetime | None = None) -> Release:
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
        return Release(f"{stamp}-{commit[:7]}", commit)


def create(layout: Layout, release: Release, shared: tuple[str, ...]) -> Command:
    """A worktree of the commit, with the shared files and folders linked in."""
    path = layout.release(release.name)
    add = git("-C", layout.repo, "worktree", "add", "--quiet", "--detach", END, path)
    return all_of([*add, release.commit], *_links(layout, path, shared, make_targets=True))


def _links(layout: Layout, path: str, shared: tuple[str, ...], make_targets: bool) -> list:
    steps = []
    for entry in shared:
        target, link = posixpath.join(layout.shared, entry), posixpath.join(path, entry)
        folders = [posixpath.dirname(link)] + [posixpath.dirname(target)] * make_targets
        steps += [["mkdir", "-p", *folders], ["rm", "-rf", link], ["ln", "-s", target, link]]
    return steps


def create_and_build(
    layout: Layout,
    release: Release,
    shared: tuple[str, ...],
    build: tuple[str, ...],
    env_file: str | None = None,
    before_build: tuple[tuple[str, Command], ...] = (),
    compose: Compose | None = None,
) -> Command:
    """The release created, then the ``before_build`` steps (hooks), then each inventory
    build command (a shell fragment, as written, with the environment file's values) in its
    folder, then (a Compose release) its images, in one script that names the step that
    failed."""
    path = layout.release(release.name)
    steps = [("creating the release", create(layout, release, shared)), *before_build]
    return in_order(*steps, *_builds(path, build, env_file, compose))


def _builds(path: str, build, env_file: str | None, compose: Compose | None):
    steps: list[tuple[str, Command]] = [
        (f"build `{label(command)}`", in_dir(path, with_env_file(env_file, Fragment(command))))
        for command in build
    ]
    if compose is not None:
        images = with_env_file(env_file, compose_commands.build(compose))
        steps.append(("docker compose build", in_dir(path, images)))
        steps.append(("the release's image", in_dir(path, compose_commands.image(compose))))
    return steps


def preview(
    layout: Layout, path: str, commit: str, shared, build, env_file=None, compose=None
) -> Command:
    """For --dry-run: ``commit`` exported to ``path`` (no worktree registered in the mirror,
    nothing created in ``shared``), the shared entries linked in, built. ``remove_preview``
    deletes it."""
    archive = git("--git-dir", layout.repo, "archive", END, commit)
    export = pipe(archive, ["tar", "-x", "-C", path])
    copy = all_of(["mkdir", "-p", path], export, *_links(layout, path, shared, False))
    return in_order(("exporting the release", copy), *_builds(path, build, env_file, compose))


def remove_preview(path: str, compose: Compose | None = None) -> Command:
    """The preview's folder gone (and, of a Compose release, its image)."""
    folder = ["rm", "-rf", path]
    if compose is None:
        return folder
    return each(quiet(in_dir(path, compose_commands.remove_image(compose))), folder)


def label(command: str) -> str:
    """A command's first line, to name it in a message."""
    lines = command.strip().splitlines()
    return lines[0] + (" ..." if len(lines) > 1 else "") if lines else command


def in_current(layout: Layout, command: str, env_file: str | None = None) -> Command:
    """An inventory restart command (a shell fragment, as written), in ``current``."""
    return in_dir(layout.current, with_env_file(env_file, Fragment(command)))


def switch(layout: Layout, release_name: str) -> Command:
    """Point ``current`` at the release in one rename: a reader sees the old or the new."""
    temporary = f"{layout.current}.{secrets.token_hex(4)}"
    return all_of(
        ["ln", "-sfn", layout.release(release_name), temporary],
        ["mv", "-T", temporary, layout.current],
    )


def remove(layout: Layout, release_name: str, compose: Compose | None = None) -> Command:
    """The release's folder gone from the mirror's worktrees (and, of a Compose release, the
    service's image of it)."""
    path = layout.release(release_name)
    folder = all_of(
        either(
            git("-C", layout.repo, "worktree", "remove", "--force", END, path),
            ["rm", "-rf", path],
        ),
        git("-C", layout.repo, "worktree", "prune"),
    )
    if compose is None:
        return folder
    return each(quiet(in_dir(path, compose_commands.remove_image(compose))), folder)


def listing(layout: Layout, commits: bool = False) -> Command:
    """``current PATH`` (when there is one), then ``release NAME [COMMIT]`` lines."""
    return script("releases", layout.deploy_to, *(["commits"] if commits else []))


@dataclass(frozen=True)
class Listing:
    """The releases on a host, oldest first, their commits when asked, and the live one."""

    releases: tuple[str, ...]
    current: str | None
    commits: tuple[tuple[str, str | None], ...] = ()


def parse_listing(output: str) -> Listing:
    names, current, commits = [], None, {}
    for line in output.splitlines():
        kind, _, rest = line.strip().partition(" ")
        if kind == "current" and rest.strip():
            current = posixpath.basename(rest.strip().rstrip("/"))
        elif kind == "release" and rest.strip():
            name, _, commit = rest.strip().partition(" ")
            names.append(name)
            commits[name] = None if commit in ("", "-") else commit
    return Listing(tuple(sorted(names)), current, tuple(sorted(commits.items())))


def to_prune(listing: Listing, keep: int, protected: set[str]) -> list[str]:
    """Oldest releases beyond ``keep``, never one in ``protected`` (current, previous, good)."""
    extra = len(listing.releases) - keep
    candidates = [name for name in listing.releases if name not in protected]
    return candidates[: max(extra, 0)]


def check_ref(ref: str) -> str:
    if not ref or ref.startswith("-") or any(ch.isspace() for ch in ref):
        raise UsageError(f"--ref {ref!r} is not a branch, tag or commit")
    return ref
