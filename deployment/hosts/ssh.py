"""A host over SSH: one ``fabric.Connection``, opened once and reused by every command."""

from __future__ import annotations

import logging
import os
import socket

import fabric
import invoke
import paramiko

from deployment.errors import (
    ConnectionFailed,
    ConnectionLost,
    HostKeyRefused,
    RemoteCommandFailed,
)
from deployment.remote.commands import Command

from .base import PathLike, Result, attached_options, invoke_run, run_options, shell_line
from .known_hosts import KnownHosts, changed_key_message, hostkey_name, revoked_key_message

# paramiko logs a traceback from its transport thread when a connection fails, which Python
# prints on stderr when nothing configured logging; the failure reaches the caller anyway.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

# What a broken or closed connection raises from paramiko, sockets and invoke's I/O threads.
LINK_ERRORS = (paramiko.SSHException, OSError, EOFError, invoke.ThreadException)


class SshHost:
    """A host reached with ``fabric.Connection`` (so ``~/.ssh/config`` and ssh-agent apply).

    Host keys are checked against ``known_hosts``; the TCP socket is opened here with
    TCP_NODELAY (paramiko never sets it, and Nagle's algorithm then adds ~40 ms to every
    command), except when ssh_config routes the host through a ProxyJump or ProxyCommand.
    """

    def __init__(
        self, name: str, connection: fabric.Connection, known_hosts: KnownHosts, accept_new: bool
    ) -> None:
        self.name = name
        self.connection = connection
        self._known_hosts = known_hosts
        self._accept_new = accept_new

    def open(self) -> None:
        """Connect, unless connected; a connection that dropped is opened again."""
        if self.connection.is_connected:
            return
        self.connection.close()
        for hop in self._hops():
            self._known_hosts.install(hop.client, _label(hop), self._accept_new)
        sock = None if self.connection.gateway else self._nodelay_socket()
        self.connection.connect_kwargs = {**self.connection.connect_kwargs, "sock": sock}
        try:
            self.connection.open()
            self._refuse_revoked()
        except BaseException as error:
            self.close()
            raise self._connect_error(error) from None

    def _nodelay_socket(self) -> socket.socket:
        address = (self.connection.host, self.connection.port)
        try:
            sock = socket.create_connection(address, timeout=self.connection.connect_timeout)
        except OSError as error:
            reason = error.strerror or str(error) or type(error).__name__
            where = f"{address[0]} port {address[1]}"
            raise ConnectionFailed(f"cannot connect to {self.name} ({where}): {reason}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _refuse_revoked(self) -> None:
        key = self.connection.transport.get_remote_server_key()
        if self._known_hosts.revoked(key):
            raise HostKeyRefused(revoked_key_message(_label(self.connection), key))

    def run(
        self, command: Command | str, *, timeout: float | None = None, stdin: str | None = None
    ) -> Result:
        """Run ``command`` through the remote user's shell (no pty); see ``Host.run``."""
        self.open()
        line = shell_line(command)
        try:
            result = invoke_run(self.name, self.connection.run, line, run_options(timeout, stdin))
        except LINK_ERRORS as error:
            raise self._lost(line, error) from None
        # -1: the channel closed without an exit status, as when the connection drops.
        if result.exit_code == -1 and not self.connection.is_connected:
            raise self._lost(line, None)
        return result

    def attach(self, command: Command, *, pty: bool) -> int:
        """Run ``command`` with the operator's streams; see ``Host.attach``."""
        self.open()
        line = shell_line(command)
        try:
            return self.connection.run(line, **attached_options(pty)).exited
        except LINK_ERRORS as error:
            raise self._lost(line, error) from None

    def put(self, local_path: PathLike, remote_path: PathLike) -> None:
        """Copy a local file to the host over SFTP (the file's mode is kept)."""
        self.open()
        try:
            self.connection.put(os.fspath(local_path), remote=os.fspath(remote_path))
        except LINK_ERRORS as error:
            raise self._transfer_error(
                f"{local_path} to {self.name}:{remote_path}", error
            ) from None

    def get(self, remote_path: PathLike, local_path: PathLike) -> None:
        """Copy a file from the host over SFTP."""
        self.open()
        try:
            self.connection.get(os.fspath(remote_path), local=os.fspath(local_path))
        except LINK_ERRORS as error:
            raise self._transfer_error(
                f"{self.name}:{remote_path} to {local_path}", error
            ) from None

    def close(self) -> None:
        """Close the connection and any ProxyJump hops; safe to call twice."""
        for hop in self._hops():
            hop.close()

    def _hops(self) -> list[fabric.Connection]:
        """This connection, then its ProxyJump hops from the nearest to the first one."""
        hops, hop = [], self.connection
        while isinstance(hop, fabric.Connection):
            hops.append(hop)
            hop = hop.gateway
        return hops

    def _connect_error(self, error: BaseException) -> BaseException:
        """Turn what ``Connection.open`` raised into one line naming the host."""
        label = _label(self.connection)
        if isinstance(error, ConnectionFailed | KeyboardInterrupt | SystemExit):
            return error
        if isinstance(error, paramiko.BadHostKeyException):
            hops = [hop for hop in self._hops() if hop.host == error.hostname] or self._hops()
            name = hostkey_name(hops[-1].host, hops[-1].port)
            files = self._known_hosts.sources(name)
            return HostKeyRefused(changed_key_message(_label(hops[-1]), name, error.key, files))
        if isinstance(error, paramiko.AuthenticationException):
            who = f"{self.connection.user}@{label}"
            return ConnectionFailed(f"authentication failed for {who}: {error}")
        if isinstance(error, LINK_ERRORS):
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            via = [_label(hop) for hop in self._hops()[1:]]
            through = f" through {', '.join(via)}" if via else ""
            return ConnectionFailed(f"cannot connect to {label}{through}: {reason}")
        return error

    def _lost(self, command: str, error: BaseException | None) -> ConnectionLost:
        why = f" ({error})" if error is not None and str(error) else ""
        lines = command.strip().splitlines() or [""]
        shown = lines[0] if len(lines) == 1 and len(lines[0]) <= 80 else lines[0][:60] + " ..."
        return ConnectionLost(f"lost the connection to {self.name} while running: {shown}{why}")

    def _transfer_error(
        self, what: str, error: BaseException
    ) -> ConnectionFailed | RemoteCommandFailed:
        if not self.connection.is_connected:
            return ConnectionLost(f"lost the connection to {self.name} copying {what}")
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        return RemoteCommandFailed(f"cannot copy {what}: {reason}")


def _label(connection: fabric.Connection) -> str:
    """How errors name a host: the ssh target, plus its known_hosts name where that differs."""
    name = hostkey_name(connection.host, connection.port)
    target = connection.original_host
    return name if target in (name, connection.host) else f"{target} ({name})"
