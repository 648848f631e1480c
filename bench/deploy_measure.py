"""The measured operations: fab deploy, fab rollback, and a hand-written switch (the floor).

Each is a whole process, timed on the wall clock from start to exit; the protocol's own
step times come from ``fab deploy --json`` (``durations_ms``) and, for a rollback, from the
history event it wrote. The floor does, in one SSH command, what going live takes at the
least: ``ln -sfn`` the release to a temporary link, ``mv -T`` it over ``current``, the
inventory's restart (``kill -HUP``, back when the old workers are gone) and one ``curl`` of
the health check.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from dataclasses import dataclass, field

import deploy_trace
from deploy_fleet import ENV, REPO, Bench, BenchFailed


@dataclass
class Run:
    """One measured operation: its time window (monotonic seconds) and step times."""

    kind: str
    started: float
    ended: float
    steps_ms: dict[str, int] = field(default_factory=dict)
    loaded: bool = False  # the load generator was running

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    @property
    def outside_steps(self) -> float:
        """Process start, connections, lock and history: the part no step accounts for."""
        return self.seconds - sum(self.steps_ms.values()) / 1000


def deploy(bench: Bench, kind: str, loaded: bool) -> Run:
    started = time.monotonic()
    done = bench.fab(*deploy_args(), "--json")
    ended = time.monotonic()
    return Run(kind, started, ended, json.loads(done.stdout)["durations_ms"], loaded)


def rollback(bench: Bench, kind: str, loaded: bool, to: str | None = None) -> Run:
    started = time.monotonic()
    bench.fab(*rollback_args(to))
    ended = time.monotonic()
    return Run(kind, started, ended, _last_event(bench, "rollback")["durations_ms"], loaded)


def traced(bench: Bench, kind: str, args: list[str]) -> tuple[Run, list]:
    """``fab args`` with every SSH connection and remote command timed (deploy_trace.py)."""
    fleet = bench.fleet
    argv = ["-i", str(fleet.servers[0].client_key_path), *args]
    output = bench.folder / "trace.json"
    started, ended, entries = deploy_trace.trace(argv, _fab_environment(fleet), REPO, output)
    durations = _last_event(bench, args[0])["durations_ms"]
    return Run(kind, started, ended, durations), entries


def deploy_args() -> list[str]:
    return ["deploy", f"--env={ENV}", "--yes"]


def rollback_args(to: str | None) -> list[str]:
    return ["rollback", f"--env={ENV}", "--yes", *([f"--to={to}"] if to else [])]


def _last_event(bench: Bench, event: str) -> dict:
    last = json.loads(bench.fab("history", f"--env={ENV}", "--json").stdout)["events"][-1]
    if last["event"] != event or last["outcome"] != "success":
        raise BenchFailed(f"the last event is not a successful {event}: {last}")
    return last


def _fab_environment(fleet) -> dict:
    """What ``Fleet.fab`` runs fab with."""
    return {**os.environ, "DEPLOY_INVENTORY": str(fleet.inventory), "HOME": str(fleet.home)}


def hand_switch(bench: Bench, release: str, kind: str, loaded: bool) -> Run:
    """The floor: switch, reload and check in one SSH command."""
    deploy_to = bench.fleet.deploy_to[0]
    temporary = str(deploy_to / "current.hand")
    command = " && ".join(
        [
            shlex.join(["ln", "-sfn", str(deploy_to / "releases" / release), temporary]),
            shlex.join(["mv", "-T", temporary, str(deploy_to / "current")]),
            bench.server.restart_command(),
            shlex.join(["curl", "-fsS", "-o", "/dev/null", bench.server.url("/healthz")]),
        ]
    )
    started = time.monotonic()
    ssh(bench, command)
    return Run(kind, started, time.monotonic(), loaded=loaded)


def ssh_round_trip(bench: Bench) -> float:
    """One SSH command doing nothing (``true``): handshake plus the remote login shell."""
    started = time.monotonic()
    ssh(bench, "true")
    return time.monotonic() - started


def ssh(bench: Bench, command: str) -> None:
    server = bench.fleet.servers[0]
    argv = [
        "ssh",
        "-F",
        "/dev/null",
        "-i",
        str(server.client_key_path),
        "-p",
        str(server.port),
        "-o",
        f"UserKnownHostsFile={bench.fleet.folder / 'known_hosts'}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        f"root@{server.host}",
        command,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise BenchFailed(f"ssh {command[:80]}... exited {done.returncode}:\n{done.stderr}")
