"""The HTTP health check, requested from the host itself, retried until a deadline."""

from __future__ import annotations

from ..remote.commands import Command, script


def check(url: str, timeout: int) -> Command:
    """``scripts/healthcheck.sh``: the URL and the deadline are its arguments."""
    return script("healthcheck", url, str(int(timeout)))
