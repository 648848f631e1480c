"""Pre-deploy checks: pure functions from a host's answers to pass / fail / warn / skip.

The answers come from ``probe`` (shell sections) and, on the primary, from the
``predeploy_report`` JSON of the deployed project. Nothing here talks to a host.

Modules: ``check`` (``Facts`` in, ``Check`` out), ``host`` (connection, containers, disk,
lock), ``repository`` (git status, branch, promotion), ``database`` (the database checks),
``containers`` (compose ps read), ``promotion`` (the promotion gate). Running them on every
host: ``predeploy`` asks each host ``questions`` in one round trip.
"""

from __future__ import annotations

from dataclasses import replace

from ..inventory.spec import CHECK_NAMES
from .check import FAIL, NOTHING_DEPLOYED, PASS, SKIP, TURNED_OFF, WARN, Check, Facts
from .database import database
from .host import connectivity, containers, disk_space, lock
from .repository import PROMOTION, branch, git_status, promotion

__all__ = [
    "FAIL",
    "NOTHING_DEPLOYED",
    "ORDER",
    "PASS",
    "PROMOTION",
    "SKIP",
    "TURNED_OFF",
    "WARN",
    "Check",
    "Facts",
    "branch",
    "connectivity",
    "containers",
    "database",
    "disk_space",
    "evaluate",
    "git_status",
    "lock",
    "promotion",
]

ORDER = tuple(name for name in CHECK_NAMES if name != PROMOTION)  # the inventory's list


def evaluate(facts: Facts, elapsed_ms: int = 0) -> list[Check]:
    checks = [
        connectivity(facts),
        git_status(facts),
        branch(facts),
        containers(facts),
        *database(facts),
        disk_space(facts),
        lock(facts),
    ]
    if facts.promote_from:
        checks.append(promotion(facts))
    return [
        Check(c.name, SKIP, TURNED_OFF, elapsed_ms)
        if c.name in facts.off
        else replace(c, elapsed_ms=elapsed_ms)
        for c in checks
    ]
