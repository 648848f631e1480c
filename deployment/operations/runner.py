"""One way to run an operation that changes an environment (deploy, rollback, migrate,
restore, recover): take the lock, then before each step write the journal and check that
the lock is still ours and no stop was asked for, run the steps (each with its undo), check
that the environment ended consistent, record what happened, and let go of the lock.

    done = perform(Deployment(...), connect=reconnect, wait_seconds=0)

An operation that ends inconsistent raises ``Inconsistent`` (exit 5) and leaves its journal,
and the lock marked for ``fab recover``. A history that cannot be written after a failure
is added to the failure, never hides it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .. import journal, lock
from ..errors import ConnectionFailed, DeployError, Inconsistent
from ..hosts import Host
from ..layout import Layout
from .consistency import Verdict
from .signals import Stop
from .steps import Step


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

    def run(self, before: Callable[[Step, bool], None]) -> Any:
        """The steps, ``before(step, undoing)`` ahead of each; raises ``DeployError``."""
        ...

    def journal(self, step: str) -> journal.Journal | None:
        """What the journal says before ``step`` (None: nothing to journal, read-only)."""
        ...

    def verdict(self) -> Verdict:
        """The consistency check, once the steps (and their undos) are over."""
        ...

    def record_success(self, result: Any, verdict: Verdict | None) -> None:
        """``verdict`` None: the operation changed neither code nor database (a backup)."""
        ...

    def record_failure(self, error: BaseException, verdict: Verdict | None) -> None:
        """``verdict`` None: the operation failed before changing anything."""
        ...


def perform(
    operation: Operation,
    *,
    connect: Callable[[], Host] | None,
    wait_seconds: float,
    stop: Stop | None = None,
    take_over: bool = False,
):
    """Lock, journal, run, check, record, unlock; what ``operation.run()`` returned.

    ``take_over``: a lock whose holder is known to be gone is taken over (``fab recover``)."""
    stop = stop or Stop()
    with (
        lock.terminate_as_interrupt(),
        lock.Lock(
            operation.primary,
            operation.primary_layout,
            operation.holder(),
            connect=connect,
            wait_seconds=wait_seconds,
            take_over=take_over,
        ) as held,
    ):
        operation.prepare(held)
        guard = _Guard(operation, held, stop)
        with stop.installed():
            try:
                result = operation.run(guard)
            except (DeployError, KeyboardInterrupt) as error:
                _failed(operation, held, guard, error)
                raise
            verdict = _verdict(operation) if guard.written else None
            if verdict is not None and not verdict.consistent:
                _left_inconsistent(operation, held, verdict, None)
            operation.record_success(result, verdict)
            guard.finish()
    return result


class _Guard:
    """Called before each step (and each undo): the journal first, then the checks."""

    def __init__(self, operation: Operation, held: lock.Lock, stop: Stop) -> None:
        self.operation, self.held, self.stop = operation, held, stop
        self.written = False

    def __call__(self, step: Step, undoing: bool = False) -> None:
        if not undoing:
            self.held.check()
            self.stop.check()
        name = f"undo {step.name}" if undoing else step.name
        entry = self.operation.journal(name) if step.changes else None
        if entry is None:
            return
        command = journal.write_command(self.operation.primary_layout, entry)
        if undoing:  # an undo goes on whatever became of the lock: it is how things end well
            journal.write(self.operation.primary, self.operation.primary_layout, entry)
        else:  # one round trip: the lock still ours (else LockHeld), the journal written
            self.held.while_held(command)
        self.written = True

    def finish(self) -> None:
        """The operation ended consistent: its journal goes."""
        if self.written:
            journal.clear(self.operation.primary, self.operation.primary_layout)


def _failed(operation: Operation, held: lock.Lock, guard: _Guard, error: BaseException) -> None:
    """Check where the failure left the environment (when a step that changes something had
    begun: before that, nothing was touched), record it, and raise ``Inconsistent`` with the
    first error as its cause when it is not consistent, leaving journal and lock for recover.

    The verdict is attached to the error (``error.verdict``) for the tasks to report."""
    verdict = _verdict(operation) if guard.written else _primary_lost(operation)
    error.verdict = verdict
    if verdict is not None and not verdict.consistent:
        _left_inconsistent(operation, held, verdict, error)
    _record_failure(operation, error, verdict)
    guard.finish()


def _left_inconsistent(operation, held: lock.Lock, verdict: Verdict, cause) -> None:
    """Record the outcome ``inconsistent``, keep journal and lock for ``fab recover``, and
    raise ``Inconsistent`` (exit 5) naming what does not hold, ``cause`` as its cause."""
    inconsistent = Inconsistent(verdict.advice(held.holder.env))
    inconsistent.verdict, inconsistent.failure = verdict, cause
    _record_failure(operation, cause or inconsistent, verdict)
    held.keep()
    raise inconsistent from cause


def _record_failure(operation, error: BaseException, verdict: Verdict | None) -> None:
    try:
        operation.record_failure(error, verdict)
    except Exception as unrecorded:  # the first error matters more; say both
        error.add_note(f"and the history could not be written: {unrecorded}")


def _primary_lost(operation: Operation) -> Verdict | None:
    """Before anything changed, only one thing can be wrong: the primary, which holds the
    lock, no longer answers (the lock stays there: recover clears it once it does)."""
    try:
        operation.primary.run(["true"])
    except ConnectionFailed as error:
        return Verdict({}, f"the primary holds the lock and does not answer ({error})")
    return None


def _verdict(operation: Operation) -> Verdict:
    try:
        return operation.verdict()
    except DeployError as unchecked:
        return Verdict({}, f"the consistency check could not run: {unchecked}")
