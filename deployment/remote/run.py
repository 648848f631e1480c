"""Run a command and insist that it succeeded, naming the host and the step otherwise."""

from __future__ import annotations

from ..errors import ConnectionLost, RemoteCommandFailed
from .commands import Command, failed_step


def checked(host, command: Command, what: str) -> str:
    """The command's output, or RemoteCommandFailed naming host and step.

    For an ``in_order`` script, the step named is the one that failed (``error.step``).
    """
    try:
        result = host.run(command)
    except ConnectionLost as error:  # say the step, not the script that was running
        raise ConnectionLost(f"lost the connection to {host.name} while {what}") from error
    if not result.ok:
        step, detail = failed_step(result.stderr or result.stdout)
        raise RemoteCommandFailed(f"{step or what} failed on {host.name}: {detail}", step)
    return result.stdout
