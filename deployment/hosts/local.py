"""This machine as a host: commands through bash (invoke), files copied on the spot."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess

import invoke

from deployment.errors import RemoteCommandFailed
from deployment.remote.commands import Command

from .base import PathLike, Result, attached_options, shell_line


class LocalHost:
    """The machine the orchestrator runs on (inventory name ``local``): no SSH involved."""

    name = "local"

    def __init__(self) -> None:
        self._context = invoke.Context()

    def run(
        self, command: Command | str, *, timeout: float | None = None, stdin: str | None = None
    ) -> Result:
        """Run ``command`` with ``/bin/bash -c``; see ``Host.run``.

        In a process group of its own, so that a timeout ends every process the command
        started: a child left holding its output open would keep the caller waiting for it.
        """
        line = shell_line(command)
        process = subprocess.Popen(
            ["/bin/bash", "-c", line],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(stdin or "", timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            message = f"command timed out after {timeout:g}s on {self.name}: {line}"
            raise RemoteCommandFailed(message) from None
        return Result(self.name, line, process.returncode, stdout, stderr)

    def attach(self, command: Command, *, pty: bool) -> int:
        """Run ``command`` with the operator's streams; see ``Host.attach``."""
        return self._context.run(shell_line(command), **attached_options(pty)).exited

    def put(self, local_path: PathLike, remote_path: PathLike) -> None:
        """Copy a file (contents and mode)."""
        _copy(local_path, remote_path)

    def get(self, remote_path: PathLike, local_path: PathLike) -> None:
        """Copy a file (contents and mode)."""
        _copy(remote_path, local_path)

    def close(self) -> None:
        """Nothing to release."""


def _copy(source: PathLike, destination: PathLike) -> None:
    try:
        shutil.copy(source, destination)
    except OSError as error:
        raise RemoteCommandFailed(
            f"cannot copy {source} to {destination} on local: {error}"
        ) from None
