"""Whole-process timings and in-process query counts for one generated database."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field

from genproject import Project

FLOOR = ["-c", "import django; django.setup()"]
OURS = ["manage.py", "verify_schema", "--format", "json"]
PEER = ["manage.py", "sqldiff", "-a"]


class ToolFailed(RuntimeError):
    """A benchmarked command crashed instead of reporting."""


@dataclass
class Timings:
    """Wall seconds of each repetition, and what verify_schema said about its own run."""

    floor: list[float] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)
    peer: list[float] = field(default_factory=list)
    elapsed_ms: list[int] = field(default_factory=list)
    report: dict = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(getattr(self, name))


def measure(project: Project, url: str, repetitions: int) -> Timings:
    """Run the floor, verify_schema and sqldiff in turn, ``repetitions`` times each."""
    timings = Timings()
    for _ in range(repetitions):
        timings.floor.append(_timed(project, FLOOR, url, {0})[0])
        seconds, out = _timed(project, OURS, url, {0, 1})
        timings.ours.append(seconds)
        timings.report = _json(out, "verify_schema")
        timings.elapsed_ms.append(timings.report["elapsed_ms"])
        timings.peer.append(_timed(project, PEER, url, {0, 1})[0])
    return timings


def _timed(project: Project, args: list[str], url: str, ok: set[int]) -> tuple[float, str]:
    started = time.perf_counter()
    done = project.run(args, url)
    seconds = time.perf_counter() - started
    if done.returncode not in ok:
        raise ToolFailed(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def count(project: Project, url: str, args: list[str]) -> dict:
    """Run ``args`` (a management command) in-process; its query count and findings."""
    done = project.run(["count_queries.py", *args], url)
    if done.returncode != 0:
        raise ToolFailed(f"{' '.join(args)} (in-process) failed:\n{done.stderr[-3000:]}")
    summary = _json(done.stdout.strip().splitlines()[-1], " ".join(args))
    if args[0] == "verify_schema":
        summary["report"] = _json(summary["output"], "verify_schema")
    return summary


def _json(text: str, what: str) -> dict:
    try:
        return json.loads(text)
    except ValueError:
        raise ToolFailed(f"{what} did not print JSON:\n{text[-3000:]}") from None
