"""Long remote steps (migrate, backup, restore) run detached from the SSH session.

``scripts/detach.sh`` starts the command in a session of its own and leaves its pid, output
and exit status in ``<deploy_to>/.deploy/steps/<id>/``; ``scripts/await.sh`` waits for it.
Both go in one round trip; when the connection drops meanwhile, the step goes on on the
host and the orchestrator waits for it again over a new connection. A killed orchestrator
leaves the step running too: ``fab recover`` and ``fab status`` find it (``running``).
"""

from __future__ import annotations

import posixpath
import secrets
import time
from datetime import UTC, datetime

from ..errors import ConnectionLost
from ..layout import Layout
from .commands import Command, all_of, render, script

KILLED = 124  # await.sh: the step's processes are gone and it left no exit status
RECONNECTS = 5  # attempts to wait again after a lost connection
PAUSE = 2.0  # seconds between them


def folder(layout: Layout, name: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return posixpath.join(steps(layout), f"{stamp}-{secrets.token_hex(3)}-{name}")


def steps(layout: Layout) -> str:
    return posixpath.join(posixpath.dirname(layout.lock), "steps")


def run(host, layout: Layout, name: str, command: Command):
    """``command`` on ``host``, detached, waited for; its ``Result`` as if run directly."""
    where = folder(layout, name)
    try:
        return host.run(all_of(script("detach", where, render(command)), script("await", where)))
    except ConnectionLost as lost:
        return wait(host, where, lost)


def wait(host, where: str, lost: ConnectionLost | None = None):
    """Wait again (a new connection each try) for the step in ``where`` to end."""
    for _ in range(RECONNECTS):
        time.sleep(PAUSE)
        try:
            return host.run(script("await", where))
        except ConnectionLost as error:
            lost = error
    raise lost or ConnectionLost(f"lost the connection to {host.name}")


def running_command(layout: Layout) -> Command:
    """The folders of the steps still running on this host, one per line."""
    return script("running", steps(layout))
