"""gunicorn serving a host's ``current`` release on 127.0.0.1, as a deployed site is served.

The master starts with ``--chdir <deploy_to>/current`` (the link, not the release it points
to) and imports no application code (no ``--preload``), so on ``HUP`` its new workers import
the release ``current`` points to then. ``restart_command()`` is the inventory's ``restart``:
it sends ``HUP`` and returns once the old workers have finished their requests and exited, so
the health check that follows can only be answered by the new code.

    server = WsgiServer(deploy_to, {"DATABASE_URL": url, "PYTHONPATH": root})
    server.start()                        # waits until /healthz answers
    server.get("/version")                # -> (200, {"x-release": ...}, b'{"release": ...}')
    inventory: restart: [server.restart_command()], healthcheck: server.healthcheck(30)
    server.stop()
"""

from __future__ import annotations

import atexit
import http.client
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from .base import HOST, ServerError, free_port, log_tail

READY_TIMEOUT = 30.0
GRACEFUL_TIMEOUT = 20

# $1: the pidfile. HUP, then wait for the workers that were there before it to exit.
RESTART = """
master=$(cat "$1") || exit 1
old=$(pgrep -P "$master")
kill -HUP "$master" || exit 1
deadline=$(( $(date +%s) + $2 ))
while :; do
  alive=
  for pid in $old; do kill -0 "$pid" 2>/dev/null && alive=$pid; done
  [ -z "$alive" ] && exit 0
  [ "$(date +%s)" -ge "$deadline" ] && break
  sleep 0.05
done
echo "gunicorn worker $alive still serving the old release after $2 s" >&2
exit 1
"""


class WsgiServer:
    """gunicorn with ``workers`` sync workers on a free loopback port, for one host."""

    def __init__(self, deploy_to: Path, environment: dict[str, str], workers: int = 2) -> None:
        self.deploy_to = deploy_to
        self.environment = environment
        self.workers = workers
        self.port = free_port()
        self.run = deploy_to / "run"
        self.pidfile = self.run / "gunicorn.pid"
        self.log = self.run / "gunicorn.log"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, path: str = "/healthz") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def healthcheck(self, timeout: int = 30) -> dict:
        """The inventory's ``healthcheck`` for this server."""
        return {"url": self.url("/healthz"), "timeout": timeout}

    def restart_command(self) -> str:
        """The inventory's ``restart``: reload into ``current``, back once the old code is gone."""
        argv = ["sh", "-c", RESTART, "gunicorn-restart", str(self.pidfile), str(GRACEFUL_TIMEOUT)]
        return shlex.join(argv)

    def argv(self) -> list[str]:
        return [
            str(Path(sys.executable).with_name("gunicorn")),
            "--chdir",
            str(self.deploy_to / "current"),
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--graceful-timeout",
            str(GRACEFUL_TIMEOUT),
            "--pid",
            str(self.pidfile),
            "--error-logfile",
            str(self.log),
            "--no-control-socket",  # its default path is one per user, not one per server
            "cms.wsgi:application",
        ]

    def start(self) -> None:
        """Start gunicorn and wait until /healthz answers 200."""
        self.run.mkdir(parents=True, exist_ok=True)
        atexit.register(self.stop)
        self.process = subprocess.Popen(
            self.argv(),
            cwd=self.deploy_to,  # not current: the master's own directory must not pin a release
            env={**os.environ, **self.environment},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                why = "exited" if self.process.poll() is not None else "did not answer"
                self.stop()
                raise ServerError(f"gunicorn on port {self.port} {why}:\n{log_tail(self.log)}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            return self.get("/healthz")[0] == 200
        except OSError:
            return False

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
        """One GET on a new connection: status, headers (lower-case names), body."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            headers = {name.lower(): value for name, value in response.getheaders()}
            return response.status, headers, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop the master (its workers go with it). Safe to call more than once."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=GRACEFUL_TIMEOUT + 10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
