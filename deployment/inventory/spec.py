"""What an inventory file describes, once validated: plain frozen values."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

LOCAL = "local"  # the host name that means this machine, no SSH
PROTECTED = "production"  # the environment protected by default


PASSWORD_IN_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/@:]+:[^\s/@]+@", re.I)


@dataclass(frozen=True)
class Compose:
    """The release is a Docker Compose project (the inventory's ``compose``): ``file`` in the
    release folder, the ``service`` whose image runs manage.py, the ``project`` name. Each
    release builds its own image of the service, ``<project>-<service>:<release>``."""

    file: str
    service: str
    project: str

    def image(self, release: str) -> str:
        """The service's image of ``release``."""
        return f"{self.project}-{self.service}:{release}"


@dataclass(frozen=True)
class GoLive:
    """How the new release goes live (the inventory's ``go_live``): ``canary`` hosts first,
    then batches of ``batch`` hosts (a number, or ``"N%"`` of the hosts; None: all the rest at
    once), each switched, restarted and health-checked before the next starts. Up to
    ``max_failures`` hosts may fail their restart or health check (they stay on the new
    release with the others); one more, or a host that could not switch, and every host that
    switched goes back."""

    canary: int = 0
    batch: int | str | None = None
    max_failures: int = 0

    def waves(self, hosts: tuple[str, ...]) -> list[tuple[str, ...]]:
        """``hosts`` (in inventory order) in the order they go live, a wave at a time."""
        canary, rest = hosts[: self.canary], hosts[self.canary :]
        size = self.batch_size(len(hosts))
        batches = [rest[i : i + size] for i in range(0, len(rest), size)] if rest else []
        return [wave for wave in (canary, *batches) if wave]

    def batch_size(self, count: int) -> int:
        if self.batch is None:
            return max(count, 1)
        if isinstance(self.batch, str):  # "N%" of the hosts, rounded up
            return max(1, -(-count * int(self.batch[:-1]) // 100))
        return self.batch


@dataclass(frozen=True)
class Manage:
    """How to run manage.py in a release: the inventory's fragment, and the environment file
    (relative to deploy_to) whose KEY=VALUE lines it runs with. With ``compose``, it runs in a
    one-off container of the release's image, ``backups`` (the primary's) mounted in it."""

    text: str
    env_file: str | None = None
    lock_timeout: float = 5.0  # seconds a migration's statement waits for a lock; 0: forever
    lock_retries: int = 3  # retries of a migration that gave up waiting
    compose: Compose | None = None
    backups: str | None = None

    def migrate_options(self) -> tuple[str, ...]:
        """``locked_migrate``'s options for the lock limits."""
        return (
            "--lock-timeout",
            f"{self.lock_timeout:g}",
            "--lock-retries",
            str(self.lock_retries),
        )


def secret_warnings(*fragments: str) -> tuple[str, ...]:
    """A warning for each fragment that holds a URL with a password (it would be in argv)."""
    return tuple(
        f"a password in a URL in `{fragment.split()[0]} ...` goes into the process list of the "
        "host: put it in env_file instead (docs/inventory.md)"
        for fragment in fragments
        if PASSWORD_IN_URL.search(fragment)
    )


def protected_by_default(env: str) -> bool:
    """Whether an environment of this name is protected: no trust on first use, dangerous
    migrations stopped unless allowed."""
    return env == PROTECTED


# The names the inventory may use. checks.ORDER is CHECK_NAMES less promotion;
# tests/test_inventory.py holds EVENT_NAMES equal to history.EVENTS (not imported here).
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
    env_file: str | None = None  # relative to deploy_to: KEY=VALUE lines for manage, build, ...
    protected: bool = False
    warnings: tuple[str, ...] = ()  # said when the file is loaded
    parallel: int = 30  # most hosts connected and worked on at once
    checks_off: tuple[str, ...] = ()  # pre-deploy checks turned off (``checks: {name: false}``)
    hooks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # phase -> commands
    notify: Notify | None = None
    lock_timeout: float = 5.0  # seconds; 0: migrations wait for their locks as long as it takes
    lock_retries: int = 3
    rehearsal_database: str | None = None  # where the rehearsal runs; None: a scratch database
    compose: Compose | None = None  # the release is a Docker Compose project
    go_live: GoLive = GoLive()  # default: every host at once, no failure tolerated

    def workers(self, count: int | None = None) -> int:
        """Threads for work on ``count`` hosts (default: all of them), at most ``parallel``."""
        return max(1, min(self.parallel, len(self.hosts) if count is None else count))

    @property
    def managed(self) -> Manage:
        """``manage`` with the environment file it runs with."""
        backups = posixpath.join(self.primary.deploy_to, "backups")
        return Manage(
            self.manage,
            self.env_file,
            self.lock_timeout,
            self.lock_retries,
            self.compose,
            backups if self.compose else None,
        )

    @property
    def services(self) -> tuple[str, ...]:
        """The Compose services the containers check expects: ``containers``, or the
        release's own service when the release is a Compose project."""
        if self.containers or self.compose is None:
            return self.containers
        return (self.compose.service,)

    def matching(self, host: str) -> tuple[HostSpec, ...]:
        """The hosts whose name or ``host`` is ``host`` (as given to ``fab -H``)."""
        return tuple(spec for spec in self.hosts if host in (spec.name, spec.host))
