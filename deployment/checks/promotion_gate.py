"""The promotion gate: an environment with ``promote_from: staging`` deploys only commits
that staging deployed successfully (a successful deploy passed its verify step).

The source environment's history is read from its primary, reached with the source
environment's own connection settings (its known_hosts, its trust-on-first-use setting).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .. import history, inventory
from ..errors import DeployError, PromotionRefused
from ..layout import Layout
from ..releases.git import END, git
from ..remote.commands import Command

FULL_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Source:
    """The environment promoted from, and its history (or why it could not be read)."""

    env: str
    events: tuple[history.Event, ...] = ()
    error: str | None = None

    def deployed(self, commit: str) -> history.Event | None:
        """The last successful deploy of ``commit`` (a full or abbreviated sha), if any."""
        found = [
            event
            for event in self.events
            if event.event == "deploy"
            and event.outcome == "success"
            and event.commit
            and commit
            and event.commit.startswith(commit)
        ]
        return found[-1] if found else None


def read_source(environment, connector: Callable) -> Source | None:
    """The source of ``environment``'s promotions; None when it has no ``promote_from``.

    ``connector(environment) -> connect``: how to reach an environment's hosts.
    """
    name = environment.promote_from
    if not name:
        return None
    try:
        source = inventory.load(name, environment.file.parent)
        host = connector(source)(source.primary)
        try:
            events = history.read(host, Layout(source.primary.deploy_to))
        finally:
            host.close()
    except DeployError as error:
        return Source(name, error=f"cannot read {name}'s history: {error}")
    return Source(name, tuple(events))


def verdict(source: Source, commit: str) -> tuple[bool, str]:
    """(passed, detail) for deploying ``commit``."""
    if source.error:
        return False, source.error
    short = commit[:7]
    event = source.deployed(commit)
    if event is None:
        return False, f"{short} was never deployed to {source.env}"
    return True, f"{short} deployed to {source.env} at {event.time}"


def gate(environment, source: Source | None, commit: str, force: bool) -> str | None:
    """Refuse (PromotionRefused) a commit the source never deployed, unless ``force``.

    Returns the override message when ``force`` let a refused commit through.
    """
    if source is None:
        return None
    passed, detail = verdict(source, commit)
    if passed:
        return None
    if force:
        return f"--force-promotion: {commit[:7]} deployed to {environment.name}: {detail}"
    raise PromotionRefused(
        f"{environment.name} is promoted from {source.env}: {detail}; deploy {commit[:7]} "
        f"to {source.env} first, or pass --force-promotion"
    )


def ls_remote(repository: str) -> Command:
    """Every ref of the repository (to resolve a ref before anything is fetched)."""
    return git("ls-remote", END, repository)


def resolve(ref: str, listing: str) -> str:
    """The commit ``ref`` names in ``git ls-remote`` output (a sha is itself; else ``ref``)."""
    if FULL_SHA.fullmatch(ref):
        return ref
    refs = {}
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) == 2:
            refs[fields[1]] = fields[0]
    for name in (f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}", f"refs/heads/{ref}", ref):
        if name in refs:
            return refs[name]
    return ref  # an abbreviated sha: matched as a prefix of the source's commits
