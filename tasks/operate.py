"""Running an engine operation from a task: the lock's heartbeat connection, the signals
(a first Ctrl-C or SIGTERM says what happens next), and how a failure is shown."""

from __future__ import annotations

from deployment.errors import Inconsistent, StepFailed
from deployment.operations import runner
from deployment.operations.signals import Stop

from . import environment as environments
from . import render


def perform(c, environment, operation, notifier, lock_wait, *, take_over: bool = False):
    """``runner.perform`` for a task: what the operation returned, or its error raised."""
    stop = Stop(said=notifier.stopping(environment.primary.name))
    try:
        return runner.perform(
            operation,
            connect=environments.reconnector(c, environment),
            wait_seconds=float(lock_wait),
            stop=stop,
            take_over=take_over,
        )
    except (StepFailed, Inconsistent) as error:
        render.failed(environment.name, operation, error)
        raise
