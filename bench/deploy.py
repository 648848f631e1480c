"""Benchmark: fab deploy and fab rollback under load, against a hand-written switch.

    make bench
    .venv/bin/python bench/deploy.py --repetitions 5 --threads 2

One real OpenSSH host (127.0.0.2, needs root), PostgreSQL and a git origin; gunicorn serves
the example project from the host's ``current`` (tests/servers/wsgi.py). While threads send
requests to ``/assets`` (a page reading every column of asset and resource), in this order:
``fab rollback`` between two releases with the same migrations, ``--repetitions`` times; the
floor (tests/servers + one SSH command: ln -sfn, mv -T, kill -HUP, curl), as often; then
``fab deploy`` of a release adding a nullable column the new code reads, and ``fab rollback``
of it (reversing the migration). Prints, per phase, requests sent and failed and the longest
wait between successful responses; each protocol step's time; the ratio to the floor.
See docs/benchmarks.md for figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field

import deploy_fleet
import deploy_measure as measure
import deploy_tables as tables
from deploy_load import Load
from rich.console import Console

QUIET = 2.0  # seconds of load with nothing happening: the gaps a visitor sees anyway


def main(argv: list[str] | None = None) -> int:
    options = _parse(argv)
    out, progress = _console(), Console(stderr=True)
    started = time.perf_counter()
    try:
        with deploy_fleet.started(progress, options.lean_shell) as bench:
            results = _scenario(bench, options, progress)
    except RuntimeError as error:  # BenchFailed, ServerError, a traced fab that failed
        progress.print(f"[red]the benchmark failed:[/red]\n{error}")
        return 1
    out.print(tables.load_table(results.runs, results.samples))
    out.print(tables.steps_table(results.runs + [run for run, _ in results.traces]))
    for run, entries in results.traces:
        out.print(tables.trace_table(run, entries))
    trip = statistics.median(results.ssh_round_trips)
    for line in tables.verdicts(results.runs, results.samples, trip):
        out.print(line)
    out.print(f"Total run: {time.perf_counter() - started:.0f} s")
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3, help="no-migration rollbacks")
    parser.add_argument("--threads", type=int, default=2, help="load generator threads")
    parser.add_argument(
        "--lean-shell",
        action="store_true",
        help="the host's shell reads no ~/.bashrc (sshd: SetEnv HOME=an empty folder)",
    )
    return parser.parse_args(argv)


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=160)


@dataclass
class Results:
    runs: list[measure.Run] = field(default_factory=list)
    samples: list = field(default_factory=list)  # deploy_load.Sample
    ssh_round_trips: list[float] = field(default_factory=list)
    traces: list[tuple[measure.Run, list]] = field(default_factory=list)  # deploy_trace


def _scenario(bench, options, progress) -> Results:
    """Every measured operation, in order: first without load, then under one load."""
    results, reps = Results(), options.repetitions
    first = _live(bench)
    bench.commit_without_migration("a page changed, not the models")
    kind = "deploy, no migration, traced"
    results.traces.append(measure.traced(bench, kind, measure.deploy_args()))
    pair = (first, _live(bench))
    results.ssh_round_trips = [measure.ssh_round_trip(bench) for _ in range(reps)]
    progress.print(f"no load: rollback without migrations x{reps}, hand-written switch ...")
    results.runs.append(measure.rollback(bench, tables.NO_MIGRATION, False))  # the default
    _no_migration(bench, results, pair, reps - 1, False)
    kind, args = "rollback, no migration, traced", measure.rollback_args(_other(bench, pair))
    results.traces.append(measure.traced(bench, kind, args))
    with Load(bench.server.port, "/assets", options.threads) as load:
        quiet = time.monotonic()
        time.sleep(QUIET)
        results.runs.append(measure.Run("nothing", quiet, time.monotonic(), loaded=True))
        progress.print("under load: the same, then a deploy with a migration and its rollback")
        _no_migration(bench, results, pair, reps, True)
        back = _live(bench)
        bench.commit_with_migration()
        results.runs.append(measure.deploy(bench, "deploy, migration", True))
        results.runs.append(measure.rollback(bench, "rollback, migration", True, to=back))
    results.samples = load.samples
    return results


def _no_migration(bench, results: Results, pair, count: int, loaded: bool) -> None:
    """``count`` rollbacks between the two releases, then the floor there and back as often."""
    for _ in range(count):
        target = _other(bench, pair)
        results.runs.append(measure.rollback(bench, tables.NO_MIGRATION, loaded, to=target))
    for _ in range(max(count, 1)):
        here, there = _live(bench), _other(bench, pair)
        for release in (there, here):
            results.runs.append(measure.hand_switch(bench, release, tables.FLOOR, loaded))


def _other(bench, pair: tuple[str, str]) -> str:
    return pair[1] if _live(bench) == pair[0] else pair[0]


def _live(bench) -> str:
    return (bench.fleet.deploy_to[0] / "current").readlink().name


if __name__ == "__main__":
    sys.exit(main())
