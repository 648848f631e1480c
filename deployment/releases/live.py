"""A release going live on a host in one round trip: switch ``current``, restart, health check.

Deploy, its undo and rollback all put a release live the same way; ``go`` records whether
the switch happened, which decides what must be switched back when a later part fails.
"""

from __future__ import annotations

from ..errors import RemoteCommandFailed
from ..inventory.spec import Compose
from ..layout import Layout
from ..remote import compose as compose_commands
from ..remote.commands import Command, in_dir, in_order, with_env_file
from ..remote.run import checked
from . import health
from .worktree import in_current, label, switch

SWITCHING = "switching"


def script(
    layout: Layout,
    release: str,
    restart: tuple[str, ...],
    healthcheck=None,
    env_file=None,
    compose: Compose | None = None,
) -> Command:
    """Switch to ``release``; a Compose release's containers up (health checks passed); each
    restart command in ``current``; then the health check."""
    steps = [(SWITCHING, switch(layout, release))]
    if compose is not None:
        wait = healthcheck.timeout if healthcheck is not None else None
        up = in_dir(layout.current, with_env_file(env_file, compose_commands.up(compose, wait)))
        steps.append(("docker compose up", up))
    steps += [
        (f"restart `{label(command)}`", in_current(layout, command, env_file))
        for command in restart
    ]
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
    compose: Compose | None = None,
):
    """Run ``script`` on ``host``; ``name`` joins ``switched`` unless the switch itself failed.

    A lost connection counts as switched: what happened there is unknown, and switching
    back is safe either way.
    """
    try:
        steps = script(layout, release, restart, healthcheck, env_file, compose)
        checked(host, steps, "going live")
    except RemoteCommandFailed as error:
        if error.step != SWITCHING:
            switched.append(name)
        raise
    except BaseException:
        switched.append(name)
        raise
    switched.append(name)
