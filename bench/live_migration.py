"""Benchmark: a migration behind a long transaction, locked_migrate against plain migrate.

    make bench
    .venv/bin/python bench/live_migration.py --long 20 --lock-timeout 1 --lock-retries 3

1. Lock contention (bench/live_migration_site.py): the example project one migration behind
   (``content.0002_asset_description`` adds a column to ``asset``), its previous release
   served by gunicorn on 127.0.0.1, threads sending ``GET /assets`` (it reads asset and
   resource). In each phase a session reads ``asset`` in a transaction it keeps open (ACCESS
   SHARE) until ``--long`` seconds after the migration first waits for the table: plain
   ``manage.py migrate``, whose ALTER TABLE waits for the whole transaction while every read
   of the table queues behind it; then ``manage.py locked_migrate --lock-timeout T
   --lock-retries R``, expected to give up naming the session; then locked_migrate again
   with a transaction that ends ``--short`` seconds after that first wait, within the
   retries. Prints, per phase, requests sent and failed and the longest latency, and the
   targets: ours at most lock_timeout + 1 s, and 10x below plain migrate's.
2. Rehearsal cost (bench/live_migration_rehearsal.py): ``manage.py rehearse_migrations`` of
   one pending migration on a generated project of 300 models, against ``migrate --plan``;
   target under 5 s. See docs/benchmarks.md for figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import live_migration_phases as phases
import live_migration_rehearsal as rehearsal
import live_migration_site as served
import live_migration_tables as tables
from deploy_load import Load
from rich.console import Console

SETTLE = 1.0  # seconds of load between phases, so no request straddles two
QUIET = 3.0  # seconds of the long transaction alone


def main(argv: list[str] | None = None) -> int:
    options = _parse(argv)
    out, progress = _console(), Console(stderr=True)
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="schema-safety-bench-rehearsal-"))
    database = None
    try:
        database = served.PostgresServer.start()
        with served.started(database, progress) as site:
            ran, samples = _contention(site, options, progress)
        cost = rehearsal.measure(database, folder, options.repetitions, progress)
    except (RuntimeError, OSError) as error:  # BenchFailed, RehearsalFailed, ServerError
        progress.print(f"[red]the benchmark failed:[/red]\n{error}")
        return 1
    finally:
        if database is not None:
            database.stop()
        shutil.rmtree(folder, ignore_errors=True)
    out.print(tables.phase_table(ran, samples))
    for line in tables.verdicts(ran, samples, options.lock_timeout):
        out.print(line)
    out.print(tables.rehearsal_table(cost, options.repetitions))
    out.print(tables.rehearsal_verdict(cost))
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    out.print(f"Total run: {time.perf_counter() - started:.0f} s; load average at the end: {load}")
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--long", type=float, default=20.0, help="s the transaction lasts once a migration waits"
    )
    parser.add_argument("--lock-timeout", type=float, default=1.0)
    parser.add_argument("--lock-retries", type=int, default=3)
    parser.add_argument(
        "--short",
        type=float,
        default=1.5,
        help="the same, for the transaction locked_migrate outlasts (default: before its retry)",
    )
    parser.add_argument("--threads", type=int, default=2, help="load generator threads")
    parser.add_argument("--repetitions", type=int, default=3, help="rehearsals timed")
    return parser.parse_args(argv)


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=160)


def _contention(site, options, progress) -> tuple[list[phases.Phase], list]:
    """Every phase under one load; the schema checked after each."""
    locked = phases.locked_args(options.lock_timeout, options.lock_retries)
    ran = []
    # A request queued behind plain migrate waits as long as the transaction: no timeout cuts it.
    with Load(site.server.port, "/assets", options.threads, timeout=options.long + 30) as load:
        time.sleep(SETTLE)
        ran.append(phases.quiet(site, QUIET))
        progress.print(f"{phases.PLAIN}, behind a {options.long:g} s transaction ...")
        ran.append(_phase(site, phases.PLAIN, phases.plain_args(), options.long, True))
        phases.migrate_back(site)
        progress.print(f"{phases.OURS}, behind a {options.long:g} s transaction ...")
        ran.append(_phase(site, phases.OURS, locked, options.long, False))
        progress.print(f"{phases.OURS}, behind a {options.short:g} s transaction ...")
        ran.append(_phase(site, phases.OURS_RETRIED, locked, options.short, True))
        time.sleep(SETTLE)
    return ran, load.samples


def _phase(site, name: str, args: list[str], hold: float, applies: bool) -> phases.Phase:
    time.sleep(SETTLE)
    phase = phases.contended(site, name, args, hold)
    phases.check(site, phase, applies)
    return phase


if __name__ == "__main__":
    sys.exit(main())
