"""A release going live on a host in one round trip: switch ``current``, restart, health check.

Deploy, its undo and rollback all put a release live the same way; ``go`` records whether
the switch happened, which decides what must be switched back when a later part fails.
"""

from __future__ import annotations

from ..errors import RemoteCommandFailed
from ..layout import Layout
from ..remote.commands import Command, in_order
from ..remote.run import checked
from . import health
from .worktree import in_current, label, switch

SWITCHING = "switching"


def script(
    layout: Layout, release: str, restart: tuple[str, ...], healthcheck=None, env_file=None
) -> Command:
    """Switch to ``release``, run each restart command in ``current``, then the health check."""
    steps = [(SWITCHING, switch(layout, release))]
    steps += [(f"restart `{label(command)}`", in_current(layout, command)) for command in restart]
    if healthcheck is not None:
        steps.append(("health check", health.check(healthcheck.url, healthcheck.timeout)))
    return in_order(*steps)


def go(
    host,
    layout: Layout,
    release: str,
    restart,
    healthcheck,
    switched: list,
    name: str,
    env_file=None,
):
    """Run ``script`` on ``host``; ``name`` joins ``switched`` unless the switch itself failed.

    A lost connection counts as switched: what happened there is unknown, and switching
    back is safe either way.
    """
    try:
        checked(host, script(layout, release, restart, healthcheck, env_file), "going live")
    except RemoteCommandFailed as error:
        if error.step != SWITCHING:
            switched.append(name)
        raise
    except BaseException:
        switched.append(name)
        raise
    switched.append(name)
