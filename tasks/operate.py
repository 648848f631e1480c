"""Running an engine operation from a task: the lock's heartbeat connection, the signals
(a first Ctrl-C or SIGTERM says what happens next), and how a failure is shown."""

from __future__ import annotations

from rich.markup import escape

from deployment.errors import DeployError, Inconsistent, StepFailed
from deployment.operations import runner
from deployment.operations.signals import Stop

from . import documents, render
from . import environment as environments


def perform(c, environment, operation, notifier, lock_wait, *, take_over: bool = False):
    """``runner.perform`` for a task: what the operation returned, or its error raised,
    carrying what the operation knew (``error.document``, for ``--json``)."""
    stop = Stop(said=notifier.stopping(environment.primary.name))
    try:
        return runner.perform(
            operation,
            connect=environments.reconnector(c, environment),
            wait_seconds=float(lock_wait),
            stop=stop,
            take_over=take_over,
        )
    except DeployError as error:
        error.document = documents.failed_operation(operation, notifier.outcomes, error)
        if isinstance(error, StepFailed | Inconsistent):
            error.said = render.failed(environment.name, operation, error)
        raise
    finally:
        for warning in getattr(operation, "warnings", ()):  # hooks that failed after the fact
            render.err.print(f"[yellow]warning[/]: {escape(warning)}")
