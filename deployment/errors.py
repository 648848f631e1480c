"""One error hierarchy; each error knows its exit code (the command-line contract).

The task layer turns a ``DeployError`` into one red line and ``exit_code``;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class DeployError(Exception):
    """A step or a check failed."""

    exit_code = 1


class UsageError(DeployError):
    """Bad usage: unknown option value, environment or host."""

    exit_code = 2


class InventoryError(UsageError):
    """An inventory file is missing, malformed or invalid."""


class ConnectionFailed(DeployError):
    """A host could not be reached or refused authentication."""

    exit_code = 2


class ConnectionLost(ConnectionFailed):
    """The connection dropped while a command ran: what it did there is unknown."""


class HostKeyRefused(ConnectionFailed):
    """A host presented an unknown or changed host key."""


class RemoteCommandFailed(DeployError):
    """A command on a host exited non-zero; ``step``: which one, in a script of several."""

    def __init__(self, message: str, step: str | None = None):
        super().__init__(message)
        self.step = step


class LockHeld(DeployError):
    """Another operation holds the deploy lock."""

    exit_code = 3


class NotConfirmed(DeployError):
    """The operator declined, or there was no terminal and no --yes."""

    exit_code = 4
