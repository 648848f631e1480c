"""Benchmark: ``fab predeploy`` against its floor and against the same checks in Ansible.

    make bench                                           # 1, 5 and 20 hosts
    .venv/bin/python bench/predeploy.py --hosts 1 5 --ansible-repetitions 0

Real OpenSSH servers on 127.0.0.2, .3, ... (one per host, needs root), each with the
example project deployed, and one migrated PostgreSQL database with a superuser, so every
check does real work. For each fleet size, in the same run: the floor (every host's SSH
handshake in parallel plus one Django start-up on the primary), our predeploy in-process
(``deployment.checks.predeploy.run``, counting connections, round trips and Django start-ups)
and as a whole ``fab predeploy --json`` process, and ``ansible-playbook`` running the same
checks (bench/predeploy_ansible/playbook.yml). See docs/benchmarks.md for figures.
"""

from __future__ import annotations

import argparse
import sys
import time

import predeploy_ansible
import predeploy_fleet
import predeploy_measure as measure
import predeploy_tables as tables
from rich.console import Console


def main(argv: list[str] | None = None) -> int:
    options = _parse(argv)
    out, progress = _console(), Console(stderr=True)
    if options.ansible_repetitions and not predeploy_ansible.available():
        progress.print("[red]ansible-playbook is not installed in this virtualenv[/red]")
        return 1
    started = time.perf_counter()
    try:
        servers = predeploy_fleet.started(max(options.hosts), progress, options.lean_shell)
        with servers as bench:
            results = [_bench_size(bench, size, options, progress) for size in options.hosts]
    except (measure.BenchFailed, predeploy_fleet.ServerError) as error:
        progress.print(f"[red]the benchmark failed:[/red]\n{error}")
        return 1
    out.print(tables.floor_table(results, options.repetitions))
    if options.ansible_repetitions:
        out.print(tables.ansible_table(results, options.ansible_repetitions))
    out.print(tables.work_table(results))
    for line in tables.verdicts(results):
        out.print(line)
    out.print(f"Total run: {time.perf_counter() - started:.0f} s")
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--ansible-repetitions", type=int, default=1, help="0: skip Ansible")
    parser.add_argument(
        "--lean-shell",
        action="store_true",
        help="the hosts' shells read no ~/.bashrc (sshd: SetEnv HOME=an empty folder)",
    )
    parser.add_argument(
        "--pipelining", action="store_true", help="Ansible with pipelining (off by default)"
    )
    return parser.parse_args(argv)


def _console() -> Console:
    """Stdout; wide enough for the tables when it is not a terminal (a file, a pipe)."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def _bench_size(bench, size: int, options, progress: Console) -> tables.SizeResult:
    fleet = bench.fleet(size)
    result = tables.SizeResult(size)
    progress.print(f"{size} host(s): floor, ours in-process, fab predeploy ...")
    measure.in_process(fleet)  # warm-up: the release's bytecode, the database's caches
    for _ in range(options.repetitions):
        result.floor.append(measure.floor(fleet))
        result.floor_true.append(measure.floor(fleet, others="true"))
        seconds, _, result.counts = measure.in_process(fleet)
        result.ours.append(seconds)
        seconds, report = measure.whole_process(fleet)
        result.fab.append(seconds)
        result.fab_elapsed_ms.append(report["elapsed_ms"])
    for run in range(options.ansible_repetitions):
        progress.print(f"{size} host(s): ansible-playbook, run {run + 1} ...")
        seconds, result.ansible_tasks = predeploy_ansible.run(fleet, options.pipelining)
        result.ansible.append(seconds)
    if options.ansible_repetitions and size == _counted_size(options.hosts):
        progress.print(f"{size} host(s): ansible-playbook -vvv, counting its SSH commands ...")
        result.ansible_round_trips = predeploy_ansible.round_trips(fleet, options.pipelining)
    return result


def _counted_size(sizes: list[int]) -> int:
    """Where Ansible's SSH commands are counted: the smallest fleet with a non-primary host."""
    return min((size for size in sizes if size > 1), default=min(sizes))


if __name__ == "__main__":
    sys.exit(main())
