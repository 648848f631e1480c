"""A release that is a Docker Compose project (the inventory's ``compose``): the commands, all
through ``scripts/compose.sh``, run in the release's folder.

Each release builds its own image of the service, ``<project>-<service>:<release>`` (the
folder's name is the release), so every kept release keeps the image it was verified with:
manage.py runs in a one-off container of that image, going live is ``up`` of that release's
files, and rolling back is ``up`` of the previous release's.
"""

from __future__ import annotations

from ..inventory.spec import Compose
from .commands import Word, script

DEFAULT_WAIT = 120  # seconds ``up`` waits for the health checks when the inventory sets none


def _compose(compose: Compose, verb: str, *args: str) -> list[Word]:
    return script("compose", compose.file, compose.project, compose.service, verb, *args)


def build(compose: Compose) -> list[Word]:
    """Build the release's images (the service's tagged with the release)."""
    return _compose(compose, "compose", "build")


def manage(compose: Compose, backups: str, text: str, *args: str, tty: bool = False):
    """``text`` (the inventory's manage, as written) with ``args``, in a one-off container of
    the release's image, ``backups`` mounted at the same path; a terminal with ``tty``."""
    return _compose(compose, "manage", backups, "tty" if tty else "notty", text, *args)


def up(compose: Compose, timeout: int | None) -> list[Word]:
    """The release's containers up, their health checks passed."""
    return _compose(compose, "up", str(timeout or DEFAULT_WAIT))


def ps(compose: Compose) -> list[Word]:
    """``ps --all --format json`` of the project (the containers check reads it)."""
    return _compose(compose, "compose", "ps", "--all", "--format", "json")


def image(compose: Compose) -> list[Word]:
    """One line: the service's image of the release, and its id."""
    return _compose(compose, "image")


def remove_image(compose: Compose) -> list[Word]:
    """The service's image of the release removed, if there is one."""
    return _compose(compose, "remove")


def parse_image(output: str) -> tuple[str, str] | None:
    """(name, id) from ``image``'s line; None when it printed none."""
    for line in output.splitlines():
        name, _, found = line.strip().partition(" ")
        if found.startswith("sha256:"):
            return name, found
    return None
