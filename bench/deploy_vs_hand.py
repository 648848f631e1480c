"""Benchmark: `fab deploy` with one migration against a hand-written deploy, on 1 and 5 hosts.

    .venv/bin/python bench/deploy_vs_hand.py --hosts 1 5 --repetitions 3

Real OpenSSH hosts on 127.0.0.2xx (needs root), PostgreSQL, a git origin of the example
project. Each repetition commits a migration adding a nullable column, then deploys it, in
turn, with ``fab deploy --yes`` (checks, release, plan and rehearsal, backup, migrate, verify,
go live, record) and with the hand-written deploy a team would script: one SSH command per
host, in parallel, fetching the mirror and adding the release's worktree, then ``manage.py
migrate`` on the primary, then one SSH command per host switching ``current`` (the same
atomic rename) and restarting (``true``: no server here, in both). Prints the medians, the
ratio (target: at most 1.3x) and the time of each of fab's steps.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from deploying import add_field, add_migration  # noqa: E402
from fleet import Fleet, Origin, git  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from servers import PostgresServer  # noqa: E402
from servers.sshd import SshdServers  # noqa: E402

TARGET = 1.3


def main(argv: list[str] | None = None) -> int:
    options = _parse(argv)
    out, progress = Console(), Console(stderr=True)
    database, sshd = PostgresServer.start(), SshdServers.create()
    rows = []
    try:
        for count in options.hosts:
            rows.append(_size(database, sshd, count, options.repetitions, progress))
    finally:
        sshd.stop_all()
        database.stop()
    out.print(_table(rows, options.repetitions))
    for count, ours, hand, _ in rows:
        ratio = ours / hand
        verdict = "met" if ratio <= TARGET else "NOT met"
        out.print(f"{count} host(s): fab deploy {ratio:.2f}x the hand-written deploy: {verdict}")
    return 0


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[1, 5], help="fleet sizes")
    parser.add_argument("--repetitions", type=int, default=3, help="deploys of each kind")
    return parser.parse_args(argv)


def _size(database, sshd, count: int, repetitions: int, progress):
    folder = Path(tempfile.mkdtemp(prefix=f"schema-safety-bench-hand-{count}-"))
    name = f"bench_hand_{count}"
    database.create_database(name)
    home = (f"SetEnv HOME={Path.home()}",)  # the login's ~/.bashrc, as on a real host
    servers = [sshd.start(f"127.0.0.{200 + count * 10 + i}", extra=home) for i in range(count)]
    fleet = Fleet(folder, Origin(folder / "origin"), servers, database.url(name))
    fleet.write_inventory(confirm="none", checks={"admin_user": False}, restart=["true"])
    fleet.trust()
    _fab(fleet, "deploy", "--env=test", "--yes")
    ours, hand = [], []
    for repetition in range(repetitions):
        progress.print(f"{count} host(s), repetition {repetition + 1} of {repetitions}")
        _commit_migration(fleet, f"ours{repetition}")
        started = time.perf_counter()
        done = _fab(fleet, "deploy", "--env=test", "--yes", "--json")
        ours.append(time.perf_counter() - started)
        _commit_migration(fleet, f"hand{repetition}")
        started = time.perf_counter()
        _hand_deploy(fleet, repetition)
        hand.append(time.perf_counter() - started)
    return count, statistics.median(ours), statistics.median(hand), _steps(done.stdout)


def _commit_migration(fleet: Fleet, column: str) -> None:
    add_field(fleet.origin, f"{column} = models.TextField(null=True)")
    field = "models.TextField(null=True)"
    operation = f"        migrations.AddField('resource', '{column}', {field}),"
    names = sorted((fleet.origin.work / "content" / "migrations").glob("0*.py"))
    number = int(names[-1].name[:4]) + 1
    add_migration(fleet.origin, f"{number:04d}_resource_{column}", operation)


def _hand_deploy(fleet: Fleet, repetition: int) -> None:
    """What a hand-written script does: fetch and add the worktree everywhere, migrate once,
    switch and restart everywhere."""
    commit = git("rev-parse", "HEAD", cwd=fleet.origin.work)
    release = f"hand{repetition:04d}-{commit[:7]}"

    def prepare(index: int) -> None:
        deploy_to = fleet.deploy_to[index]
        path = deploy_to / "releases" / release
        script = (
            f"git -C {deploy_to / 'repo'} fetch --quiet origin '+refs/heads/*:refs/heads/*' && "
            f"git -C {deploy_to / 'repo'} worktree add --quiet --detach {path} {commit}"
        )
        _ssh(fleet, index, script)

    def switch(index: int) -> None:
        deploy_to = fleet.deploy_to[index]
        link = deploy_to / "current"
        script = (
            f"ln -sfn {deploy_to / 'releases' / release} {link}.new && mv -T {link}.new {link}"
            " && true"
        )
        _ssh(fleet, index, script)

    indexes = range(len(fleet.servers))
    with ThreadPoolExecutor(len(fleet.servers)) as pool:
        list(pool.map(prepare, indexes))
    path = fleet.deploy_to[0] / "releases" / release
    _ssh(fleet, 0, f"cd {path} && {fleet.manage_command} migrate --no-input -v0")
    with ThreadPoolExecutor(len(fleet.servers)) as pool:
        list(pool.map(switch, indexes))


def _ssh(fleet: Fleet, index: int, script: str) -> None:
    server = fleet.servers[index]
    argv = [
        "ssh", "-i", str(server.client_key_path), "-p", str(server.port),
        "-o", f"UserKnownHostsFile={fleet.folder / 'known_hosts'}", "-o", "BatchMode=yes",
        f"root@{server.host}", script,
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"hand-written step failed on {server.host}: {done.stderr[-2000:]}")


def _fab(fleet: Fleet, *args: str):
    done = fleet.fab(*args)
    if done.returncode != 0:
        raise RuntimeError(f"fab {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


def _steps(document: str) -> dict[str, int]:
    """The last deploy's steps and their durations (ms), from its JSON document."""
    return {k: int(v) for k, v in (json.loads(document).get("durations_ms") or {}).items()}


def _table(rows, repetitions: int) -> Table:
    table = Table(title=f"Deploy with one migration, wall seconds, median of {repetitions}")
    for name in ("hosts", "fab deploy", "hand-written", "ratio", "fab's steps (ms)"):
        table.add_column(name, justify="right" if name != "fab's steps (ms)" else "left")
    for count, ours, hand, steps in rows:
        listed = ", ".join(f"{step} {ms}" for step, ms in steps.items())
        table.add_row(str(count), f"{ours:.2f}", f"{hand:.2f}", f"{ours / hand:.2f}x", listed)
    return table


if __name__ == "__main__":
    sys.exit(main())
