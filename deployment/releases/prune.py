"""Pruning after a deploy: the oldest releases beyond ``keep_releases``, the oldest backups."""

from __future__ import annotations

from ..layout import Layout
from ..remote.commands import Command, each, script
from .worktree import Listing, remove, to_prune


def tidy(
    host,
    layout: Layout,
    listing: Listing,
    keep: int,
    protected: set[str],
    backups=None,
    compose=None,
):
    """One round trip: the oldest releases beyond ``keep`` removed (never one in ``protected``
    or the current one), with their images for a Compose release, and, with ``backups`` (a
    number to keep), the oldest backups."""
    names = to_prune(listing, keep, protected | {listing.current or ""})
    commands = [remove(layout, name, compose) for name in names]
    if backups is not None:
        commands += prune_backups(layout, backups)
    if commands:
        host.run(each(*commands))


def prune_backups(layout: Layout, keep: int) -> list[Command]:
    """Keep the newest ``keep`` backups, and apart from them the newest ``keep`` safety ones."""
    return [
        script("prune_backups", layout.backups, str(keep), prefix, excluded)
        for prefix, excluded in (("", "safety-"), ("safety-", "-none-"))
    ]
