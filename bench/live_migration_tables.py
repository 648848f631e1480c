"""The live-migration bench's tables (rich), and whether the targets were met."""

from __future__ import annotations

from deploy_load import Sample, Seen, seen
from live_migration_phases import OURS, OURS_RETRIED, PLAIN, Phase
from live_migration_rehearsal import MODELS, Rehearsal
from rich.markup import escape
from rich.table import Table

TARGET_RATIO = 10.0  # plain migrate's longest request over ours
TARGET_MARGIN = 1.0  # seconds over lock_timeout our longest request may take
TARGET_REHEARSAL = 5.0  # seconds, the whole rehearse_migrations process


def phase_table(phases: list[Phase], samples: list[Sample]) -> Table:
    table = Table(title="GET /assets under load while a long transaction holds asset, per phase")
    table.add_column("phase")
    table.add_column("migrate")
    for name in ("migrate s", "phase s", "requests", "failed", "longest latency s"):
        table.add_column(name, justify="right")
    table.add_column("longest gap s", justify="right")
    for phase in phases:
        result = seen(samples, [phase.window])
        table.add_row(
            phase.name,
            phase.outcome,
            f"{phase.run.seconds:.2f}" if phase.run else "-",
            f"{phase.ended - phase.started:.2f}",
            str(result.sent),
            _failed(result),
            f"{result.slowest:.2f}",
            f"{result.longest_gap:.2f}",
        )
    return table


def _failed(result: Seen) -> str:
    counts = ", ".join(f"{status or 'no answer'} x{n}" for status, n in result.failed.items())
    return counts or "0"


def verdicts(phases: list[Phase], samples: list[Sample], lock_timeout: float) -> list[str]:
    by_name = {phase.name: phase for phase in phases}
    plain, ours = by_name[PLAIN], by_name[OURS]
    slowest = {name: seen(samples, [p.window]).slowest for name, p in by_name.items()}
    ratio = slowest[PLAIN] / slowest[OURS]
    limit = lock_timeout + TARGET_MARGIN
    lines = [
        f"{OURS} gave up, naming the long transaction (pid {ours.pid}): "
        f"{_yes(ours.outcome == 'gave up' and ours.named_pid)}",
        f"  its error: {escape(ours.report.get('error', ours.run.stderr[-500:]))}",
        f"{PLAIN}: {plain.outcome} (exit {plain.run.code}) once the transaction ended, "
        f"{plain.run.seconds:.1f} s after it started",
        f"{OURS}: longest latency {slowest[OURS]:.2f} s (target <= lock_timeout + "
        f"{TARGET_MARGIN:g} s = {limit:g} s): {_met(slowest[OURS] <= limit)}",
        f"{PLAIN} / {OURS}, longest latency: {slowest[PLAIN]:.2f} / {slowest[OURS]:.2f} = "
        f"{ratio:.1f}x (target >= {TARGET_RATIO:g}x): {_met(ratio >= TARGET_RATIO)}",
    ]
    if OURS_RETRIED in by_name:
        retried = slowest[OURS_RETRIED]
        lines.append(
            f"{OURS_RETRIED}: {by_name[OURS_RETRIED].outcome}; longest latency {retried:.2f} s "
            f"(target <= {limit:g} s): {_met(retried <= limit)}"
        )
    return lines


def rehearsal_table(result: Rehearsal, repetitions: int) -> Table:
    title = (
        f"Rehearsal of one pending migration, {MODELS} models ({result.tables} tables), "
        f"wall s, median of {repetitions}"
    )
    table = Table(title=title)
    for name in ("floor: migrate --plan", "rehearse_migrations", "above the floor"):
        table.add_column(name, justify="right")
    table.add_column("its elapsed_ms", justify="right")
    floor, ours = result.median("floor"), result.median("ours")
    elapsed = int(result.median("elapsed_ms"))
    table.add_row(f"{floor:.2f}", f"{ours:.2f}", f"{ours - floor:.2f}", str(elapsed))
    return table


def rehearsal_verdict(result: Rehearsal) -> str:
    ours = result.median("ours")
    return (
        f"rehearse_migrations, {MODELS} models: {ours:.2f} s "
        f"(target < {TARGET_REHEARSAL:g} s on PostgreSQL): {_met(ours < TARGET_REHEARSAL)}"
    )


def _met(met: bool) -> str:
    return "met" if met else "NOT met"


def _yes(yes: bool) -> str:
    return "yes" if yes else "NO"
