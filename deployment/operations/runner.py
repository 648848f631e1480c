"""One way to run an operation that changes an environment (deploy, rollback, migrate,
backup, restore): take the lock, run it, record what happened, let go of the lock.

    done = perform(Deployment(...), connect=reconnect, wait_seconds=0)

SIGTERM unwinds like Ctrl-C while the lock is held, so a cancelled CI job lets go too.
A history that cannot be written after a failure is added to the failure, never hides it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .. import lock
from ..errors import DeployError
from ..hosts import Host
from ..layout import Layout


class Operation(Protocol):
    """What ``perform`` needs of an operation."""

    @property
    def primary(self) -> Host: ...

    @property
    def primary_layout(self) -> Layout: ...

    def holder(self) -> lock.Holder:
        """Who takes the lock, for what."""
        ...

    def prepare(self, held: lock.Lock) -> None:
        """Once the lock is held, before anything runs (checks of other hosts, an override)."""
        ...

    def run(self) -> Any:
        """The operation itself; raises ``DeployError`` (``StepFailed``) when it fails."""
        ...

    def record_success(self, result: Any) -> None: ...

    def record_failure(self, error: BaseException) -> None: ...


def perform(operation: Operation, *, connect: Callable[[], Host] | None, wait_seconds: float):
    """Lock, run, record, unlock; what ``operation.run()`` returned."""
    with (
        lock.terminate_as_interrupt(),
        lock.Lock(
            operation.primary,
            operation.primary_layout,
            operation.holder(),
            connect=connect,
            wait_seconds=wait_seconds,
        ) as held,
    ):
        operation.prepare(held)
        try:
            result = operation.run()
        except (DeployError, KeyboardInterrupt) as error:
            _record_failure(operation, error)
            raise
        operation.record_success(result)
    return result


def _record_failure(operation: Operation, error: BaseException) -> None:
    try:
        operation.record_failure(error)
    except Exception as unrecorded:  # the first error matters more; say both
        error.add_note(f"and the history could not be written: {unrecorded}")
