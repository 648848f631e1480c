"""What an inventory file describes, once validated: plain frozen values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

LOCAL = "local"  # the host name that means this machine, no SSH
PROTECTED = "production"  # the environment protected by default


def protected_by_default(env: str) -> bool:
    """Whether an environment of this name is protected: no trust on first use, dangerous
    migrations stopped unless allowed."""
    return env == PROTECTED


# The names the inventory may use; tests/test_inventory.py holds them equal to the engine's
# (``checks.ORDER`` and the promotion check, ``history.EVENTS``), which this layer does not import.
CHECK_NAMES = (
    "connectivity",
    "git_status",
    "branch",
    "containers",
    "schema",
    "migrations",
    "critical_relationships",
    "admin_user",
    "disk_space",
    "lock",
    "promotion",
)
EVENT_NAMES = (
    "deploy",
    "rollback",
    "migrate",
    "restore",
    "backup",
    "unlock",
    "override",
    "recover",
)
HOOK_PHASES = ("before_build", "before_migrate", "after_go_live", "after_rollback", "on_failure")

Confirm = Literal["type-env", "yes-no", "none"]
OnFailure = Literal["rollback", "stop"]


@dataclass(frozen=True)
class Healthcheck:
    """An HTTP URL requested from the host itself, retried for up to ``timeout`` seconds."""

    url: str
    timeout: int = 30


@dataclass(frozen=True)
class Notify:
    """Where each history event is posted (as JSON, from the operator's machine), and which."""

    url: str
    events: tuple[str, ...] = EVENT_NAMES


@dataclass(frozen=True)
class HostSpec:
    """One deploy target, with the environment's values filled in where the entry sets none.

    ``name`` identifies the host in messages, ``primary`` and ``fab -H``: its ``host``, or
    ``host:port`` / ``host:deploy_to`` where several entries share one ``host``.
    ``user`` and ``port`` are None where ssh_config (or ssh's defaults) decide.
    """

    name: str
    host: str
    user: str | None
    port: int | None
    deploy_to: str
    healthcheck: Healthcheck | None

    @property
    def is_local(self) -> bool:
        """True for ``local``: commands run on this machine, without SSH."""
        return self.host == LOCAL


@dataclass(frozen=True)
class Environment:
    """One ``inventory/<name>.yml``, validated, with every default applied."""

    name: str
    hosts: tuple[HostSpec, ...]
    primary: HostSpec
    repository: str
    branch: str
    deploy_to: str
    manage: str
    build: tuple[str, ...]
    restart: tuple[str, ...]
    healthcheck: Healthcheck | None
    containers: tuple[str, ...]
    shared: tuple[str, ...]
    keep_releases: int
    keep_backups: int
    confirm: Confirm
    known_hosts: tuple[Path, ...]
    accept_new_host_keys: bool
    on_failure: OnFailure
    promote_from: str | None
    file: Path
    checks_off: tuple[str, ...] = ()  # pre-deploy checks turned off (``checks: {name: false}``)
    hooks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # phase -> commands
    notify: Notify | None = None

    @property
    def protected(self) -> bool:
        return protected_by_default(self.name)

    def matching(self, host: str) -> tuple[HostSpec, ...]:
        """The hosts whose name or ``host`` is ``host`` (as given to ``fab -H``)."""
        return tuple(spec for spec in self.hosts if host in (spec.name, spec.host))
