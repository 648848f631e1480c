"""A load generator for the served example project, and what it saw during each phase.

Threads send GET requests in a loop, each on a new connection, and record when each one
started, when it ended and its status (0: no HTTP answer: refused, reset or timed out).
The loop is bounded in time and count and stops by itself; only 127.0.0.1 is ever asked.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

MAX_SECONDS = 900.0
MAX_REQUESTS = 500_000
TIMEOUT = 10.0


@dataclass(frozen=True)
class Sample:
    started: float
    ended: float
    status: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Load:
    """``with Load(port, "/assets", threads=2) as load: ...``; then ``load.samples``.

    ``timeout``: seconds a request may wait for its answer before it counts as unanswered.
    """

    def __init__(self, port: int, path: str, threads: int = 2, timeout: float = TIMEOUT) -> None:
        self.port, self.path, self.threads, self.timeout = port, path, threads, timeout
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def __enter__(self) -> Load:
        deadline = time.monotonic() + MAX_SECONDS
        for _ in range(self.threads):
            worker = threading.Thread(target=self._loop, args=(deadline,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(self.timeout + 5)

    def _loop(self, deadline: float) -> None:
        while not self._stop.is_set() and time.monotonic() < deadline:
            if len(self.samples) >= MAX_REQUESTS:
                return
            started = time.monotonic()
            status = self._get()
            self.samples.append(Sample(started, time.monotonic(), status))

    def _get(self) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request("GET", self.path)
            response = connection.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return 0
        finally:
            connection.close()


@dataclass
class Seen:
    """What the load saw during one kind of phase (one or more time windows)."""

    sent: int = 0
    failed: Counter = field(default_factory=Counter)  # status -> count
    longest_gap: float = 0.0  # seconds without a successful response
    slowest: float = 0.0  # the longest a request waited for its answer
    failing: tuple[float, float] | None = None  # first and last failure, s after its run began

    @property
    def failures(self) -> int:
        return sum(self.failed.values())


def seen(samples: list[Sample], windows: list[tuple[float, float]]) -> Seen:
    """Requests started in ``windows``; gaps measured from each window's start to its end."""
    result = Seen()
    for start, end in windows:
        mine = [s for s in samples if start <= s.started <= end]
        result.sent += len(mine)
        result.failed.update(s.status for s in mine if not s.ok)
        result.failing = _span(result.failing, [s.started - start for s in mine if not s.ok])
        result.slowest = max([result.slowest, *(s.ended - s.started for s in mine)])
        answered = sorted(s.ended for s in mine if s.ok and s.ended <= end)
        marks = [start, *answered, end]
        gaps = (later - earlier for earlier, later in zip(marks, marks[1:], strict=False))
        result.longest_gap = max(result.longest_gap, *gaps)
    return result


def _span(span: tuple[float, float] | None, offsets: list[float]) -> tuple[float, float] | None:
    if not offsets:
        return span
    low, high = min(offsets), max(offsets)
    return (min(low, span[0]), max(high, span[1])) if span else (low, high)
