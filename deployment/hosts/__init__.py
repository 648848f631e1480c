"""Hosts behind one small interface: ``run``, ``put``, ``get``, ``close``.

    known_hosts = KnownHosts.default("inventory/known_hosts")   # once per run
    host = connect("web1.example.com", known_hosts=known_hosts)
    result = host.run(sh(["git", "-C", "/srv/cms/repo", "rev-parse", "HEAD"]))
    result.ok, result.stdout
    host.close()

``connect("local", ...)`` gives this machine, without SSH.
"""

from __future__ import annotations

import fabric

from .base import Host, Result
from .known_hosts import KnownHosts
from .local import LocalHost
from .ssh import SshHost

__all__ = ["Host", "KnownHosts", "LocalHost", "Result", "SshHost", "connect"]

LOCAL = "local"


def connect(
    target: str,
    *,
    user: str | None = None,
    port: int | None = None,
    known_hosts: KnownHosts,
    accept_new: bool = False,
    connect_timeout: float = 10,
    config: fabric.Config | None = None,
) -> Host:
    """Connect to ``target`` (an ssh target or ``~/.ssh/config`` alias; ``local``: this machine).

    ``user`` applies unless ssh_config sets one for the host (ssh_config wins, as the inventory
    contract says); ``port`` given here wins. ``config`` is the Fabric configuration (the one
    ``fab`` builds from ``-i``, ``-F`` and fabric.yml); by default, a fresh one.
    ``accept_new`` trusts unknown host keys and records them (trust on first use); a changed
    key is always refused. Raises ``ConnectionFailed`` or ``HostKeyRefused``.
    """
    if target == LOCAL:
        return LocalHost()
    config = config or fabric.Config()
    ssh_config = config.base_ssh_config.lookup(target)
    connection = fabric.Connection(
        target,
        user=None if "user" in ssh_config else user,
        port=port,
        config=config,
        connect_timeout=None if "connecttimeout" in ssh_config else connect_timeout,
        connect_kwargs=_private_connect_kwargs(config),
    )
    host = SshHost(target, connection, known_hosts, accept_new)
    host.open()
    return host


def _private_connect_kwargs(config: fabric.Config) -> dict[str, object]:
    """A copy of the configured ``connect_kwargs``: Fabric would otherwise write key file
    names into the shared configuration, and the next host would inherit them."""
    shared = {key: value for key, value in config.connect_kwargs.items() if key != "key_filename"}
    return {**shared, "sock": None}
