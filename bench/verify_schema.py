"""Benchmark: ``manage.py verify_schema`` against django-extensions' ``sqldiff -a``.

    make bench                                     # 100, 500 and 1000 models
    .venv/bin/python bench/verify_schema.py --sizes 100 --repetitions 1

On a throwaway PostgreSQL server, for generated projects of N models (bench/genproject/):
whole-process wall time of both commands and of the project's start-up alone (the floor),
the time each spends above that floor, verify_schema's own ``elapsed_ms``, the SQL queries
each runs (counted in-process), what each reports on a clean database, and which of a set
of injected drifts each notices. See docs/benchmarks.md for figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import drifts
import report
from database import build, fingerprint
from genproject import ensure_project
from rich.console import Console
from timing import OURS, PEER, ToolFailed, count, measure

REPO = Path(__file__).resolve().parents[1]
DRIFT_MODELS = 100


def main(argv: list[str] | None = None) -> int:
    options = _parse(argv)
    out, progress = _console(), Console(stderr=True)
    started = time.perf_counter()
    server = _start_server()
    try:
        results = [_bench_size(server, n, options, progress) for n in options.sizes]
        rows = _bench_drifts(server, progress)
        same = _same_as_migrate(server, progress)
    except ToolFailed as error:
        progress.print(f"[red]a benchmarked command failed:[/red]\n{error}")
        return 1
    finally:
        server.stop()
    report.show(out, report.timing_table(results, options.repetitions))
    report.show(out, report.clean_table(results), report.drift_table(rows))
    out.print(f"Schema built by build_schema.py identical to `migrate` ({DRIFT_MODELS}): {same}")
    for line in report.verdicts(results):
        out.print(line)
    out.print(f"Total run: {time.perf_counter() - started:.0f} s")
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--repetitions", type=int, default=3)
    return parser.parse_args(argv)


def _console() -> Console:
    """Stdout; wide enough for the tables when it is not a terminal (a file, a pipe)."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def _start_server():
    sys.path.insert(0, str(REPO / "tests"))
    from servers import PostgresServer

    return PostgresServer.start()


def _bench_size(server, models: int, options, progress: Console) -> report.SizeResult:
    project = ensure_project(models)
    url, seconds = build(server, project, f"bench_{models}")
    progress.print(f"{models} models: database built in {seconds:.1f} s; timing ...")
    timings = measure(project, url, options.repetitions)
    progress.print(f"{models} models: counting queries ...")
    ours, peer = count(project, url, OURS[1:]), count(project, url, PEER[1:])
    return report.SizeResult(models, seconds, timings, ours, peer)


def _bench_drifts(server, progress: Console) -> list[tuple[str, str, str, str]]:
    project = ensure_project(DRIFT_MODELS)
    clean = f"bench_{DRIFT_MODELS}_baseline"
    url, _ = build(server, project, clean)
    baseline = {_key(diff) for diff in count(project, url, PEER[1:])["differences"]}
    server.create_database("bench_drift", template=clean)
    drifts.inject(server, "bench_drift", DRIFT_MODELS)
    progress.print(f"{DRIFT_MODELS} models: {len(drifts.DRIFTS)} drifts injected; checking ...")
    url = server.url("bench_drift")
    problems = count(project, url, OURS[1:])["report"]["problems"]
    new = [d for d in count(project, url, PEER[1:])["differences"] if _key(d) not in baseline]
    for problem in drifts.unexplained(DRIFT_MODELS, problems):
        progress.print(f"[yellow]verify_schema, not from a drift:[/yellow] {problem}")
    return [_drift_row(drift, problems, new) for drift in drifts.DRIFTS]


def _drift_row(drift: drifts.Drift, problems: list[dict], new: list[list]):
    where = drift.table(DRIFT_MODELS) + (f".{drift.column}" if drift.column else "")
    ours = drifts.ours_found(drift, DRIFT_MODELS, problems)
    return drift.label, where, ours, drifts.peer_found(drift, DRIFT_MODELS, new)


def _key(diff: list) -> tuple:
    app, model, kind, args = diff
    return app, model, kind, tuple(args)


def _same_as_migrate(server, progress: Console) -> str:
    project = ensure_project(DRIFT_MODELS)
    progress.print(f"{DRIFT_MODELS} models: manage.py migrate, to compare the schemas ...")
    _, seconds = build(server, project, "bench_migrated", migrate=True)
    fast, migrated = fingerprint(server, "bench_100"), fingerprint(server, "bench_migrated")
    verdict = "yes" if fast == migrated else "NO"
    return f"{verdict} ({len(migrated)} columns, constraints, indexes; migrate {seconds:.1f} s)"


if __name__ == "__main__":
    sys.exit(main())
