"""What every host offers: ``run``, ``put``, ``get``, ``close``, and the ``Result`` of a run."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Any, Protocol

import invoke

from deployment.errors import RemoteCommandFailed
from deployment.remote.commands import Command, render

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Result:
    """What a command printed and how it exited; ``command`` is exactly what ran."""

    host: str
    command: str
    exit_code: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class Host(Protocol):
    """A machine commands run on: this one (``LocalHost``) or one over SSH (``SshHost``).

    ``run`` returns a ``Result`` whatever the exit code (the caller decides what a failure
    means); it raises ``ConnectionFailed`` (or ``HostKeyRefused``) when the host cannot be
    reached and ``RemoteCommandFailed`` when ``timeout`` seconds pass first.
    """

    name: str

    def run(
        self, command: Command | str, *, timeout: float | None = None, stdin: str | None = None
    ) -> Result:
        """Run ``command`` through the host's shell; ``stdin`` is fed to it, then closed.

        A ``Command`` is rendered here, every word quoted; a ``str`` is a shell line used as
        written (the operator's own, or a test's): the engine always passes a ``Command``.
        """
        ...

    def attach(self, command: Command, *, pty: bool) -> int:
        """Run ``command`` with the operator's stdin, stdout and stderr (a terminal on the
        host when ``pty``), for a person at the keyboard; its exit code."""
        ...

    def put(self, local_path: PathLike, remote_path: PathLike) -> None:
        """Copy a local file to the host."""
        ...

    def get(self, remote_path: PathLike, local_path: PathLike) -> None:
        """Copy a file from the host to this machine."""
        ...

    def close(self) -> None:
        """Release the connection; safe to call twice."""
        ...


def run_options(timeout: float | None, stdin: str | None) -> dict[str, Any]:
    """invoke's ``run`` options: quiet, never raise on exit codes, no pty, stdin closed at EOF."""
    # An empty stream rather than in_stream=False: the command sees end-of-file on stdin
    # instead of waiting forever on a stdin nobody will write to.
    return {
        "hide": True,
        "warn": True,
        "pty": False,
        "in_stream": io.StringIO(stdin or ""),
        "timeout": timeout,
    }


def attached_options(pty: bool) -> dict[str, Any]:
    """invoke's ``run`` options for a person at the keyboard: streams passed through."""
    return {"hide": False, "warn": True, "pty": pty}


def shell_line(command: Command | str) -> str:
    """What the host's shell runs: ``command`` rendered (a ``str`` is used as written)."""
    return command if isinstance(command, str) else render(command)


def invoke_run(name: str, runner: Any, command: str, options: dict[str, Any]) -> Result:
    """Call an invoke-style ``run`` with a shell line; its outcome as a ``Result``."""
    try:
        outcome = runner(command, **options)
    except invoke.CommandTimedOut as error:
        message = f"command timed out after {error.timeout:g}s on {name}: {command}"
        raise RemoteCommandFailed(message) from None
    return Result(name, command, outcome.exited, outcome.stdout, outcome.stderr)
