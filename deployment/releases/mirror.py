"""The bare mirror of the repository on each host: brought up to date, refs resolved."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from ..errors import RemoteCommandFailed
from ..layout import Layout
from ..remote.commands import Command, Substitute, all_of, either, quiet
from ..remote.round_trip import Question, ask
from .git import END, git
from .worktree import Listing, listing, parse_listing


def prepare(layout: Layout, repository: str) -> Command:
    """The layout's folders, and the mirror up to date with the repository."""
    folders = ["mkdir", "-p", layout.releases, layout.shared, layout.backups]
    folders.append(posixpath.dirname(layout.lock))
    follow = git("-C", layout.repo, "remote", "set-url", END, "origin", repository)
    fetch = git("-C", layout.repo, "remote", "update", "--prune")
    clone = git("clone", "--quiet", "--mirror", END, repository, layout.repo)
    exists = ["test", "-d", layout.repo]
    return all_of(folders, either(all_of(exists, follow, quiet(fetch)), clone))


@dataclass(frozen=True)
class Fetched:
    listing: Listing
    commit: str | None  # what ``ref`` names, when asked
    on_branch: bool
    moved_from: str | None = None  # the repository the mirror fetched from until now


def fetch(host, layout: Layout, repository: str, ref: str | None, branch: str) -> Fetched:
    """One round trip: the layout and the mirror up to date, the releases listed and,
    with ``ref``, the commit it names and whether that commit is on ``branch``."""
    questions = [
        Question("remote", remote_url(layout)),
        Question("prepare", prepare(layout, repository)),
        Question("listing", listing(layout)),
    ]
    if ref is not None:
        commit = Substitute(resolve(layout, ref))
        ancestor = git("-C", layout.repo, "merge-base", "--is-ancestor", END)
        questions += [
            Question("commit", resolve(layout, ref)),
            Question("on_branch", [*ancestor, commit, f"refs/heads/{branch}"]),
        ]
    answers = ask(host, questions)
    prepared = answers.get("prepare")
    if prepared is None or not prepared.ok:
        lines = (prepared.output if prepared else "no answer").strip().splitlines()
        raise RemoteCommandFailed(
            f"fetching the repository failed on {host.name}: {lines[-1] if lines else ''}"
        )
    resolved, before = answers.get("commit"), answers.get("remote")
    was = before.output.strip() if before is not None and before.ok else ""
    return Fetched(
        listing=parse_listing(answers["listing"].output),
        commit=resolved.output.strip() if resolved is not None and resolved.ok else None,
        on_branch=bool(answers.get("on_branch") and answers["on_branch"].ok),
        moved_from=was if was and was != repository else None,
    )


def remote_url(layout: Layout) -> Command:
    """The URL the mirror fetches from (nothing when there is no mirror yet)."""
    return either(quiet(git("-C", layout.repo, "config", "--get", "remote.origin.url")), ["true"])


def resolve(layout: Layout, ref: str) -> Command:
    """Print the commit ``ref`` (branch, tag or commit) names in the mirror."""
    return git("-C", layout.repo, "rev-parse", "--verify", "--quiet", END, f"{ref}^{{commit}}")
