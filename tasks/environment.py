"""Which environment and which hosts a task works on: ``--env=NAME`` or ``fab -H HOST``."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from rich.markup import escape

from deployment import hosts, inventory
from deployment.errors import UsageError

from . import notify, render

DEFAULT_INVENTORY = Path(__file__).resolve().parent.parent / "inventory"


def resolve(c, env: str | None) -> inventory.Environment:
    """The environment named by ``--env``, or the one holding ``-H HOST`` (narrowed to it)."""
    directory = inventory.inventory_dir(DEFAULT_INVENTORY)
    target = getattr(c, "original_host", None)
    if env is not None and not env.strip():
        known = ", ".join(inventory.environments(directory)) or "none"
        raise UsageError(f"--env is empty: pass --env=NAME; environments: {known}")
    if env is None and target is None:
        known = ", ".join(inventory.environments(directory)) or "none"
        raise UsageError(f"pass --env=NAME or -H HOST; environments: {known}")
    environment = inventory.load(env, directory) if env else inventory.find_host(target, directory)
    notify.watch(environment)
    for warning in environment.warnings:
        render.err.print(f"[yellow]warning[/]: {escape(environment.name)}: {escape(warning)}")
    if target is None:
        return environment
    matching = environment.matching(target)
    if not matching:
        raise UsageError(f"host {target} is not in the {environment.name} environment")
    return dataclasses.replace(environment, hosts=matching)


def connectors(c):
    """``connector(environment)`` for any environment of the inventory (a promotion source)."""
    return lambda environment: connector(c, environment)


def connector(c, environment: inventory.Environment):
    """``connect(spec) -> Host`` for this run: known_hosts parsed once, shared by every host."""
    known_hosts = hosts.KnownHosts.default(
        *environment.known_hosts, learn_to=learned_keys(environment)
    )
    config = getattr(c, "config", None)

    def connect(spec: inventory.HostSpec) -> hosts.Host:
        return hosts.connect(
            spec.host,
            user=spec.user,
            port=spec.port,
            known_hosts=known_hosts,
            accept_new=environment.accept_new_host_keys,
            config=config if _is_fabric(config) else None,
        )

    return connect


def learned_keys(environment: inventory.Environment) -> Path:
    """Where host keys trusted on first use go: the environment's own known_hosts file, or
    ``known_hosts.<env>`` beside its inventory file; never ~/.ssh/known_hosts."""
    if environment.known_hosts:
        return environment.known_hosts[0]
    return environment.file.parent / f"known_hosts.{environment.name}"


def skip_verification(flag: bool) -> bool:
    """The emergency override: ``--skip-verification`` or ``SKIP_VERIFICATION=true``."""
    return flag or os.environ.get("SKIP_VERIFICATION", "").strip().lower() in {"1", "true", "yes"}


def _is_fabric(config) -> bool:
    import fabric

    return isinstance(config, fabric.Config)


def connect_all(c, environment: inventory.Environment) -> dict:
    """Every host of the environment, connected (in parallel), by name."""
    from concurrent.futures import ThreadPoolExecutor

    connect = connector(c, environment)
    with ThreadPoolExecutor(max_workers=environment.workers()) as pool:
        connected = list(pool.map(connect, environment.hosts))
    return {spec.name: host for spec, host in zip(environment.hosts, connected, strict=True)}


def reconnector(c, environment: inventory.Environment):
    """A fresh connection to the primary, for the lock's heartbeat."""
    connect = connector(c, environment)
    return lambda: connect(environment.primary)
