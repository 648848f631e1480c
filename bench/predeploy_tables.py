"""The predeploy benchmark's results, its tables (rich), and whether the targets were met."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from predeploy_measure import Counts
from rich.table import Table

TARGET_FLOOR = 1.2  # ours at most 1.2x the floor, at 1 and at 20 hosts
TARGET_ANSIBLE = 15.0  # ansible-playbook at least 15x ours, at 20 hosts
ANSIBLE_DJANGO = 3  # the playbook's Django processes: verify_schema, showmigrations, shell


@dataclass
class SizeResult:
    """Wall seconds of every repetition at one fleet size, and what ours sent."""

    hosts: int
    floor: list[float] = field(default_factory=list)
    floor_true: list[float] = field(default_factory=list)  # floor + `true` on the others
    ours: list[float] = field(default_factory=list)  # deployment.checks.predeploy.run, in-process
    fab: list[float] = field(default_factory=list)  # fab predeploy --json, whole process
    fab_elapsed_ms: list[int] = field(default_factory=list)  # the report's own elapsed_ms
    ansible: list[float] = field(default_factory=list)
    ansible_tasks: int = 0
    ansible_round_trips: Counter = field(default_factory=Counter)  # SSH commands per host
    counts: Counts = field(default_factory=Counts)

    def median(self, name: str) -> float:
        values = getattr(self, name)
        return statistics.median(values) if values else float("nan")

    def ratio(self, name: str, base: str = "floor") -> float:
        return self.median(name) / self.median(base)


def floor_table(results: list[SizeResult], repetitions: int) -> Table:
    table = Table(title=f"Ours against the floor: wall seconds, median of {repetitions}")
    columns = (
        "hosts",
        "floor",
        "floor + true",
        "ours in-process",
        "ours / floor",
        "ours / floor + true",
        "fab predeploy",
        "fab / floor",
        "fab start-up",
    )
    for name in columns:
        table.add_column(name, justify="right")
    for r in results:
        startup = r.median("fab") - r.median("fab_elapsed_ms") / 1000
        table.add_row(
            str(r.hosts),
            f"{r.median('floor'):.2f}",
            f"{r.median('floor_true'):.2f}",
            f"{r.median('ours'):.2f}",
            f"{r.ratio('ours'):.2f}x",
            f"{r.ratio('ours', 'floor_true'):.2f}x",
            f"{r.median('fab'):.2f}",
            f"{r.ratio('fab'):.2f}x",
            f"{startup:.2f}",
        )
    return table


def ansible_table(results: list[SizeResult], runs: int) -> Table:
    table = Table(title=f"fab vs ansible-playbook, wall s, ansible runs: {runs}")
    for name in ("hosts", "fab predeploy", "ansible-playbook", "ansible / fab"):
        table.add_column(name, justify="right")
    for r in results:
        table.add_row(
            str(r.hosts),
            f"{r.median('fab'):.2f}",
            f"{r.median('ansible'):.2f}",
            f"{r.ratio('ansible', 'fab'):.1f}x",
        )
    return table


def work_table(results: list[SizeResult]) -> Table:
    table = Table(title="What each sends (ours counted in-process around deployment.hosts)")
    columns = (
        "hosts",
        "ours: connections per host",
        "ours: round trips per host",
        "ours: Django start-ups",
        "ansible: tasks run (ok)",
        "ansible: SSH round trips per host",
        "ansible: Django start-ups",
    )
    for name in columns:
        table.add_column(name, justify="right")
    for r in results:
        table.add_row(
            str(r.hosts),
            _spread(r.counts.connections.values()),
            _spread(r.counts.commands.values()),
            str(r.counts.django),
            str(r.ansible_tasks) if r.ansible else "-",
            _spread(r.ansible_round_trips.values()) if r.ansible_round_trips else "-",
            str(ANSIBLE_DJANGO) if r.ansible else "-",
        )
    return table


def _spread(values) -> str:
    values = list(values)
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def verdicts(results: list[SizeResult]) -> list[str]:
    """One line per target: the figure, and met or NOT met."""
    lines = []
    for r in results:
        if r.hosts in (1, 20):
            for name, label in (("ours", "ours in-process"), ("fab", "fab predeploy (whole)")):
                ratio = r.ratio(name)
                lines.append(
                    f"{r.hosts} host(s): {label} {ratio:.2f}x the floor "
                    f"(target <= {TARGET_FLOOR}x): {_met(ratio <= TARGET_FLOOR)}"
                )
        if r.hosts == 20 and r.ansible:
            ratio = r.ratio("ansible", "fab")
            lines.append(
                f"{r.hosts} hosts: ansible-playbook {ratio:.1f}x slower than fab predeploy "
                f"(target >= {TARGET_ANSIBLE:.0f}x): {_met(ratio >= TARGET_ANSIBLE)}"
            )
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"
