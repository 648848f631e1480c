"""Throwaway OpenSSH servers on loopback addresses, for the SSH host tests.

Each server has its own folder, its own ed25519 host key and its own port; every server of a
test session authorizes the same client key. Needs root (sshd's privilege separation, and
the tests log in as root).

    servers = SshdServers.create()
    server = servers.start("127.0.0.3")
    server.host_key_line()       # "[127.0.0.3]:PORT ssh-ed25519 AAAA..."
    server.stop(); server.new_host_key(); server.start()   # the host comes back re-keyed
    servers.stop_all()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .base import ServerError, find_program, log_tail

READY_TIMEOUT = 10.0
PRIVSEP_DIR = Path("/run/sshd")


def free_port(address: str) -> int:
    """Return a TCP port on ``address`` that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def keygen(path: Path) -> None:
    """Create an ed25519 key pair without a passphrase at ``path`` and ``path.pub``."""
    path.unlink(missing_ok=True)
    Path(f"{path}.pub").unlink(missing_ok=True)
    argv = [find_program("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)]
    subprocess.run(argv, check=True, capture_output=True)


class SshdServer:
    """One OpenSSH server: ``host``, ``port``, its host key, and the client key it accepts."""

    def __init__(
        self, directory: Path, host: str, port: int, client_key_path: Path, extra: tuple = ()
    ) -> None:
        self.directory = directory
        self.extra = tuple(extra)  # more sshd_config lines, e.g. "SetEnv PATH=..."
        self.host = host
        self.port = port
        self.client_key_path = client_key_path
        self.host_key_path = directory / "ssh_host_ed25519_key"
        self.config_path = directory / "sshd_config"
        self.log = directory / "sshd.log"
        self.process: subprocess.Popen[bytes] | None = None
        authorized = directory / "authorized_keys"
        shutil.copyfile(f"{client_key_path}.pub", authorized)
        keygen(self.host_key_path)
        self.config_path.write_text(self._config(authorized))

    def _config(self, authorized_keys: Path) -> str:
        # A HOME of its own: root's ~/.bashrc on these machines runs pyenv init, about 0.2 s of
        # CPU for every command a session runs, which the suite would pay thousands of times.
        # SetEnv lines in ``extra`` are merged into the one sshd reads.
        home = self.directory / "home"
        home.mkdir(exist_ok=True)
        variables, lines = {"HOME": str(home)}, []
        for line in self.extra:
            if line.startswith("SetEnv "):
                variables |= dict(word.split("=", 1) for word in line.split()[1:])
            else:
                lines.append(line)
        setenv = "SetEnv " + " ".join(f"{name}={value}" for name, value in variables.items())
        return "\n".join(
            [
                f"ListenAddress {self.host}:{self.port}",
                f"HostKey {self.host_key_path}",
                f"PidFile {self.directory / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized_keys}",
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "Subsystem sftp internal-sftp",
                "LogLevel ERROR",
                setenv,
                *lines,
                "",
            ]
        )

    def host_key_line(self) -> str:
        """This server's known_hosts line: ``[127.0.0.2]:PORT ssh-ed25519 AAAA...``."""
        keytype, blob = Path(f"{self.host_key_path}.pub").read_text().split()[:2]
        return f"[{self.host}]:{self.port} {keytype} {blob}"

    def new_host_key(self) -> None:
        """Replace the host key; a running server presents it once restarted."""
        keygen(self.host_key_path)

    def start(self) -> None:
        """Start sshd (again) and wait until it greets on its port."""
        if self.process is not None:
            return
        PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
        argv = ["/usr/sbin/sshd", "-D", "-f", str(self.config_path), "-E", str(self.log)]
        self.process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._greets():
            if self.process.poll() is not None or time.monotonic() > deadline:
                why = "exited" if self.process.poll() is not None else "did not answer"
                self.stop()
                raise ServerError(f"sshd on {self.host}:{self.port} {why}:\n{log_tail(self.log)}")
            time.sleep(0.05)

    def _greets(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as probe:
                return probe.recv(64).startswith(b"SSH-2.0-")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop sshd and every session it serves, as if the host went down."""
        if self.process is None:
            return
        sessions = _descendants(self.process.pid)
        self.process.terminate()
        for pid in sessions:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (sshd's sessions call setsid, so a group kill misses them)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    pending = [pid]
    while pending:
        below = children.get(pending.pop(), [])
        found.extend(below)
        pending.extend(below)
    return found


class SshdServers:
    """Starts servers for one test session; they all accept the session's client key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.client_key_path = directory / "client_ed25519"
        keygen(self.client_key_path)
        self.servers: list[SshdServer] = []
        atexit.register(self.stop_all)

    @classmethod
    def create(cls) -> SshdServers:
        """A fresh temporary folder and client key; raises ``ServerError`` unless root."""
        if os.geteuid() != 0:
            raise ServerError("OpenSSH test servers need root (privilege separation, root login)")
        return cls(Path(tempfile.mkdtemp(prefix="schema-safety-sshd-")))

    def start(
        self, address: str = "127.0.0.2", port: int | None = None, extra: tuple = ()
    ) -> SshdServer:
        """Start a server on ``address`` (a loopback address) and ``port`` (default: free).

        ``extra`` lines go into its sshd_config (``SetEnv PATH=...`` gives commands a PATH).
        """
        index = len(self.servers)
        directory = self.directory / f"server-{index}-{address}"
        directory.mkdir()
        port = port or free_port(address)
        server = SshdServer(directory, address, port, self.client_key_path, extra)
        self.servers.append(server)
        server.start()
        return server

    def known_hosts(self, *servers: SshdServer, hashed: bool = False) -> Path:
        """Write a known_hosts file listing ``servers`` (hashed with ``ssh-keygen -H``)."""
        path = Path(tempfile.mkstemp(prefix="known_hosts-", dir=self.directory)[1])
        path.write_text("".join(f"{server.host_key_line()}\n" for server in servers))
        if hashed:
            argv = [find_program("ssh-keygen"), "-q", "-H", "-f", str(path)]
            subprocess.run(argv, check=True, capture_output=True)
            Path(f"{path}.old").unlink(missing_ok=True)
        return path

    def stop_all(self) -> None:
        """Stop every server and remove the session's folder. Safe to call more than once."""
        for server in self.servers:
            server.stop()
        self.servers.clear()
        shutil.rmtree(self.directory, ignore_errors=True)
