"""The floor, and our predeploy in-process and as a whole ``fab`` process.

Floor: every host's SSH handshake in parallel (TCP connect with TCP_NODELAY, key exchange,
host key checked against the run's known_hosts, public-key authentication), and on the
primary, over its connection, one start-up of the same project:
``python -c "import django; django.setup()"`` in the current release, with the inventory's
``manage`` environment. Nothing less can answer a database-side question on every host.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import fabric
import paramiko
from predeploy_fleet import ENV, Fleet

from deployment import hosts, inventory
from deployment.checks import predeploy as engine
from tasks import environment as environments


class BenchFailed(RuntimeError):
    """A measured command did not do what it is measured for."""


@dataclass
class Counts:
    """What one in-process predeploy sent: connections and commands per host."""

    connections: Counter = field(default_factory=Counter)
    commands: Counter = field(default_factory=Counter)
    django: int = 0  # Django processes started: the inventory's `manage` in a command


def floor(fleet: Fleet, others: str | None = None) -> float:
    """Wall seconds of the floor (see the module docstring) for ``fleet``'s hosts.

    ``others``: a command every other host runs too (``true``: the least any design that
    asks every host something pays, one start-up of the remote user's shell).
    """
    known_hosts = str(fleet.folder / "known_hosts")
    key = str(fleet.servers[0].client_key_path)
    setup = _django_setup_command(fleet)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(fleet.servers)) as pool:
        jobs = [
            pool.submit(_handshake, server, known_hosts, key, setup if i == 0 else others)
            for i, server in enumerate(fleet.servers)
        ]
        for job in jobs:
            job.result()
    return time.perf_counter() - started


def _django_setup_command(fleet: Fleet) -> str:
    variables = [
        f"DATABASE_URL={fleet.database_url}",
        f"PYTHONPATH={Path(__file__).resolve().parents[1]}",
        "DJANGO_SETTINGS_MODULE=cms.settings",
    ]
    code = "import django; django.setup()"
    start = shlex.join(["env", *variables, sys.executable, "-c", code])
    return f"cd {shlex.quote(str(fleet.deploy_to[0] / 'current'))} && {start}"


def _handshake(server, known_hosts: str, key: str, command: str | None) -> None:
    sock = socket.create_connection((server.host, server.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client = paramiko.SSHClient()
    client.load_host_keys(known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            server.host,
            server.port,
            username="root",
            key_filename=key,
            sock=sock,
            allow_agent=False,
            look_for_keys=False,
        )
        if command is not None:
            _, stdout, stderr = client.exec_command(command)
            if stdout.channel.recv_exit_status() != 0:
                raise BenchFailed(f"floor: {command} failed:\n{stderr.read().decode()}")
    finally:
        client.close()


def in_process(fleet: Fleet) -> tuple[float, dict, Counts]:
    """``deployment.checks.predeploy.run`` as ``fab predeploy`` calls it, counting what it sends."""
    with _home(fleet.home):
        environment = inventory.load(ENV, fleet.inventory)
        config = fabric.Config(
            overrides={"connect_kwargs": {"key_filename": [str(fleet.servers[0].client_key_path)]}}
        )
        counts = Counts()
        connect = environments.connector(_Context(config), environment)
        with _counting(counts, environment.manage):
            started = time.perf_counter()
            report = engine.run(environment, connect)
            seconds = time.perf_counter() - started
    document = report.as_json()
    _expect_ok(document, "in-process predeploy")
    return seconds, document, counts


@dataclass
class _Context:
    config: fabric.Config
    original_host: None = None


@contextmanager
def _home(folder: Path) -> Iterator[None]:
    """HOME as ``Fleet.fab`` sets it, so ~/.ssh is the fleet's (empty) one."""
    before = os.environ.get("HOME")
    os.environ["HOME"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = before


@contextmanager
def _counting(counts: Counts, manage: str) -> Iterator[None]:
    """Wrap ``deployment.hosts.connect`` (and each host's ``run``) to count round trips."""
    original = hosts.connect

    def connect(target, **options):
        host = original(target, **options)
        name = f"{target}:{options.get('port')}"
        counts.connections[name] += 1
        run = host.run

        def counted(command, **kwargs):
            counts.commands[name] += 1
            counts.django += command.count(manage)
            return run(command, **kwargs)

        host.run = counted
        return host

    hosts.connect = connect
    try:
        yield
    finally:
        hosts.connect = original


def whole_process(fleet: Fleet) -> tuple[float, dict]:
    """``fab predeploy --env=bench --json`` as an operator runs it: wall seconds, report."""
    started = time.perf_counter()
    done = fleet.fab("predeploy", f"--env={ENV}", "--json")
    seconds = time.perf_counter() - started
    try:
        document = json.loads(done.stdout)
    except ValueError:
        raise BenchFailed(
            f"fab predeploy exited {done.returncode} without JSON:\n{done.stderr[-3000:]}"
        ) from None
    _expect_ok(document, f"fab predeploy (exit {done.returncode})")
    return seconds, document


def _expect_ok(document: dict, what: str) -> None:
    """No check failed, and the primary's schema was checked (so Django ran there)."""
    failed = [
        f"{h['host']} {c['name']}: {c['status']} {c['detail']}"
        for h in document.get("hosts", [])
        for c in h["checks"]
        if c["status"] == "fail"
    ]
    if failed or not document.get("ok"):
        raise BenchFailed(f"{what} reported failures:\n" + "\n".join(failed[:20]))
    primary = {c["name"]: c["status"] for c in document["hosts"][0]["checks"]}
    if primary.get("schema") != "pass":
        raise BenchFailed(f"{what}: the primary's schema check did not pass: {primary}")
