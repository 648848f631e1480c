"""The deploy benchmark's tables (rich), and whether the targets were met."""

from __future__ import annotations

import re
import statistics

from deploy_load import Sample, seen
from deploy_measure import Run
from rich.markup import escape
from rich.table import Table

TARGET_ROLLBACK_SECONDS = 3.0  # a rollback with no migration to move, one host
NO_MIGRATION = "rollback, no migration"
FLOOR = "hand switch (floor)"


def groups(runs: list[Run]) -> dict[str, list[Run]]:
    """Runs grouped by kind and load, in the order they first ran."""
    grouped: dict[str, list[Run]] = {}
    for run in runs:
        grouped.setdefault(_label(run), []).append(run)
    return grouped


def _label(run: Run) -> str:
    return f"{run.kind}, under load" if run.loaded else run.kind


def median_seconds(runs: list[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


def load_table(runs: list[Run], samples: list[Sample]) -> Table:
    table = Table(title="What the load saw (GET /assets, a new connection each), per phase")
    for name in ("phase", "runs", "wall s (median)", "requests", "failed", "longest gap s"):
        table.add_column(name, justify="left" if name == "phase" else "right")
    table.add_column("slowest answer s", justify="right")
    table.add_column("failing from-to s", justify="right")
    for label, group in groups([r for r in runs if r.loaded]).items():
        result = seen(samples, [(r.started, r.ended) for r in group])
        failed = ", ".join(f"{status or 'no answer'} x{n}" for status, n in result.failed.items())
        table.add_row(
            label,
            str(len(group)),
            f"{median_seconds(group):.2f}",
            str(result.sent),
            failed or "0",
            f"{result.longest_gap:.2f}",
            f"{result.slowest:.2f}",
            "-" if result.failing is None else "{:.2f}-{:.2f}".format(*result.failing),
        )
    return table


def steps_table(runs: list[Run]) -> Table:
    """Each protocol step's time (median over the runs of a kind), and what no step covers."""
    measured = {k: g for k, g in groups(runs).items() if g[0].steps_ms}
    names = list(dict.fromkeys(n for g in measured.values() for n in g[0].steps_ms))
    table = Table(title="Protocol steps, seconds (median), from durations_ms")
    table.add_column("operation")
    for name in [*names, "outside steps", "whole process"]:
        table.add_column(name, justify="right")
    for label, group in measured.items():
        cells = [_median_step(group, name) for name in names]
        outside = statistics.median(run.outside_steps for run in group)
        table.add_row(label, *cells, f"{outside:.2f}", f"{median_seconds(group):.2f}")
    return table


def _median_step(group: list[Run], name: str) -> str:
    values = [run.steps_ms[name] / 1000 for run in group if name in run.steps_ms]
    return f"{statistics.median(values):.2f}" if values else "-"


def trace_table(run: Run, entries: list) -> Table:
    """Every SSH connection and remote command of one fab process, from its start."""
    remote = [e for e in entries if not e[2].startswith("(")]
    busy = sum(e[1] for e in remote)
    title = f"{run.kind}: {run.seconds:.2f} s; {len(remote)} remote commands, {busy:.2f} s in them"
    table = Table(title=title)
    for name in ("at s", "took s"):
        table.add_column(name, justify="right")
    table.add_column("what", overflow="fold")
    for started, took, what in sorted(entries):
        text = re.sub(r"\s+", " ", what).strip()
        text = text if len(text) <= 120 else text[:117] + "..."
        table.add_row(f"{started - run.started:.2f}", f"{took:.2f}" if took else "", escape(text))
    table.add_row(f"{run.seconds:.2f}", "", "(process exited)")
    return table


def verdicts(runs: list[Run], samples: list[Sample], ssh_round_trip: float) -> list[str]:
    grouped = groups(runs)
    lines = [f"One SSH command doing nothing (ssh host true): {ssh_round_trip:.2f} s (median)"]
    for suffix in ("", ", under load"):
        ours = median_seconds(grouped[NO_MIGRATION + suffix])
        floor = median_seconds(grouped[FLOOR + suffix])
        met = "met" if ours < TARGET_ROLLBACK_SECONDS else "NOT met"
        lines.append(
            f"{NO_MIGRATION}{suffix}: {ours:.2f} s (target < {TARGET_ROLLBACK_SECONDS:.0f} s): "
            f"{met}; {ours / floor:.1f}x the hand-written switch ({floor:.2f} s)"
        )
    for label, group in groups([r for r in runs if r.loaded]).items():
        failures = seen(samples, [(r.started, r.ended) for r in group]).failures
        verdict = "met" if not failures else "NOT met"
        lines.append(f"{label}: {failures} failed request(s) (target 0): {verdict}")
    return lines
