"""Ctrl-C and SIGTERM while an operation runs: the first stops it after the current step
(which finishes: a migration is never cut in half) and undoes; the second exits at once,
leaving the journal and the lock for ``fab recover``."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator

from ..errors import Interrupted

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Stop:
    """A stop asked for by a signal; ``check()`` between steps raises ``Interrupted``.

    ``said(signum)`` is called on the first signal (the tasks print what happens next).
    """

    def __init__(self, said: Callable[[int], None] = lambda signum: None) -> None:
        self.signum: int | None = None
        self._said = said

    def check(self) -> None:
        if self.signum is not None:
            raise Interrupted(self.signum)

    def _handle(self, signum, frame) -> None:
        if self.signum is None:
            self.signum = signum
            self._said(signum)
            return
        os._exit(128 + signum)  # at once: no undo, no unlock; the journal says what ran

    @contextlib.contextmanager
    def installed(self) -> Iterator[Stop]:
        """Within the block, the signals are ours (main thread only: elsewhere, as they were)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {signum: signal.signal(signum, self._handle) for signum in HANDLED}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
