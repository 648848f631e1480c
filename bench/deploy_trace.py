"""Where a fab command's time goes: every SSH connection and remote command, timed.

    .venv/bin/python bench/deploy_trace.py TRACE.json -- -i KEY rollback --env=bench --yes

Runs ``fab`` in this process with ``SshHost.open`` and ``SshHost.run`` wrapped, and writes
to TRACE.json, on exit, one entry per call: when it started (the system's monotonic clock,
shared with the process that launched this one), how long it took, and what it ran.
``trace(...)`` is the launching side: it runs the command and reads the entries back.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def trace(fab_args: list[str], env: dict, cwd: Path, output: Path) -> tuple[float, float, list]:
    """Run ``fab fab_args`` traced: (started, ended, entries), monotonic seconds."""
    argv = [sys.executable, str(HERE), str(output), "--", *fab_args]
    started = time.monotonic()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    ended = time.monotonic()
    if done.returncode != 0:
        raise RuntimeError(f"traced fab {' '.join(fab_args)} failed:\n{done.stderr[-3000:]}")
    return started, ended, json.loads(output.read_text())


def _install(entries: list) -> None:
    from deployment.hosts import ssh

    run, open_ = ssh.SshHost.run, ssh.SshHost.open

    def timed_run(self, command, **kwargs):
        started = time.monotonic()
        try:
            return run(self, command, **kwargs)
        finally:
            entries.append([started, time.monotonic() - started, command])

    def timed_open(self):
        if self.connection.is_connected:  # run() calls open() first: nothing to do, no entry
            return open_(self)
        started = time.monotonic()
        try:
            return open_(self)
        finally:
            entries.append([started, time.monotonic() - started, "(ssh connection)"])

    ssh.SshHost.run, ssh.SshHost.open = timed_run, timed_open


def _main(output: str, fab_args: list[str]) -> None:
    entries: list = [[time.monotonic(), 0.0, "(python started, importing fab)"]]
    atexit.register(lambda: Path(output).write_text(json.dumps(entries)))
    sys.path.insert(0, os.getcwd())
    _install(entries)
    from fabric.main import program

    entries.append([time.monotonic(), 0.0, "(fab imported, running the task)"])
    program.run(["fab", *fab_args])


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[3:])
