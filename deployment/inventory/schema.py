"""The inventory file format, validated by pydantic in strict mode (YAML types are not coerced).

Field order matters: a field's validator sees only the fields declared above it, so the
host-level fallbacks (``user``, ``port``, ``deploy_to``, ``healthcheck``) come before ``hosts``.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from deployment.inventory.spec import (
    CHECK_NAMES,
    EVENT_NAMES,
    HOOK_PHASES,
    Compose,
    Environment,
    GoLive,
    Healthcheck,
    HostSpec,
    Notify,
    protected_by_default,
    secret_warnings,
)


def _absolute(path: str) -> str:
    if not path.startswith("/"):
        raise ValueError("must be an absolute path (starting with /)")
    if posixpath.normpath(path) == "/":
        raise ValueError("must not be / itself")
    return posixpath.normpath(path)


def _inside_release(path: str) -> str:
    if path.startswith("/") or ".." in PurePosixPath(path).parts:
        raise ValueError("must be a relative path inside the release (no leading /, no ..)")
    return path


def _branch(name: str) -> str:
    """The rules of ``git check-ref-format --branch`` that matter for safety and clarity."""
    bad = set(" ~^:?*[\\") | {chr(c) for c in range(32)} | {chr(127)}
    if (
        name.startswith(("-", "/", "."))
        or name.endswith(("/", ".", ".lock"))
        or ".." in name
        or "@{" in name
        or "//" in name
        or bad & set(name)
    ):
        raise ValueError(f"{name!r} is not a valid git branch name")
    return name


def _not_an_option(value: str) -> str:
    """A value a program could read as an option is refused, whatever the quoting."""
    if value.startswith("-"):
        raise ValueError("must not start with '-' (a program would read it as an option)")
    return value


def _env_file(path: str) -> str:
    if path.startswith("/") or ".." in PurePosixPath(path).parts:
        raise ValueError("must be a path relative to deploy_to, without .. (shared/.env)")
    return _not_an_option(path)


def _host_entry(value: Any) -> Any:
    if isinstance(value, str):
        return {"host": value}
    if isinstance(value, dict):
        return value
    raise ValueError(
        "expected a host name or a mapping (host, name, user, port, deploy_to, healthcheck)"
    )


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Value = Annotated[Text, AfterValidator(_not_an_option)]
Texts = list[Text]
Port = Annotated[int, Field(ge=1, le=65535)]
RemotePath = Annotated[Text, AfterValidator(_absolute)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class HealthcheckEntry(_Strict):
    url: HttpUrl
    timeout: Annotated[int, Field(gt=0)] = 30


class HostEntry(_Strict):
    name: Value | None = None  # how reports, primary and -H call it (default: host)
    host: Value
    user: Text | None = None
    port: Port | None = None
    deploy_to: RemotePath | None = None
    healthcheck: HealthcheckEntry | None = None


def _known(names: tuple[str, ...], what: str):
    def known(name: str) -> str:
        if name not in names:
            raise ValueError(f"{name!r} is not {what}; known: {', '.join(names)}")
        return name

    return known


CheckName = Annotated[str, AfterValidator(_known(CHECK_NAMES, "a pre-deploy check"))]
HookPhase = Annotated[str, AfterValidator(_known(HOOK_PHASES, "a hook phase"))]
EventName = Annotated[str, AfterValidator(_known(EVENT_NAMES, "a history event"))]


def _named(pattern: str, rule: str):
    def named(name: str) -> str:
        if not re.fullmatch(pattern, name):
            raise ValueError(f"{name!r} is not a Compose {rule}")
        return name

    return named


ProjectName = Annotated[
    Text,
    AfterValidator(_named(r"[a-z0-9][a-z0-9_-]*", "project name (a-z, 0-9, - and _)")),
]
ServiceName = Annotated[
    Text,
    AfterValidator(_named(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", "service name (letters, 0-9, ., -, _)")),
]


class ComposeEntry(_Strict):
    file: Annotated[Text, AfterValidator(_inside_release)] = "compose.yaml"
    service: ServiceName = "web"
    project: ProjectName


def _batch(value: Any) -> Any:
    """A number of hosts (>= 1) or a percentage of them (``"25%"``)."""
    number = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    if not number and not (isinstance(value, str) and re.fullmatch(r"[1-9][0-9]?%|100%", value)):
        raise ValueError("must be a number of hosts (1 or more), or a percentage from 1% to 100%")
    return value


class GoLiveEntry(_Strict):
    canary: Annotated[int, Field(ge=0)] = 0
    batch: Annotated[int | str | None, BeforeValidator(_batch)] = None
    max_failures: Annotated[int, Field(ge=0)] = 0


class NotifyEntry(_Strict):
    url: HttpUrl
    events: Annotated[list[EventName], Field(min_length=1)] = list(EVENT_NAMES)


class InventoryFile(_Strict):
    user: Text | None = None
    port: Port | None = None
    deploy_to: RemotePath
    healthcheck: HealthcheckEntry | None = None
    hosts: Annotated[list[Annotated[HostEntry, BeforeValidator(_host_entry)]], Field(min_length=1)]
    primary: Text | None = None
    repository: Value
    branch: Annotated[Text, AfterValidator(_branch)]
    manage: Text
    env_file: Annotated[Text, AfterValidator(_env_file)] | None = None
    protected: bool | None = None  # default: true for an environment named production
    parallel: Annotated[int, Field(ge=1)] = 30
    lock_timeout: Annotated[float, Field(ge=0, le=3600)] = 5.0
    lock_retries: Annotated[int, Field(ge=0, le=20)] = 3
    rehearsal_database: Value | None = None
    build: Texts = []
    restart: Texts = []
    containers: Texts = []
    shared: list[Annotated[Text, AfterValidator(_inside_release)]] = []
    keep_releases: Annotated[int, Field(ge=2)] = 5
    keep_backups: Annotated[int, Field(ge=1)] = 10
    confirm: Literal["type-env", "yes-no", "none"] = "type-env"
    known_hosts: Annotated[Texts, BeforeValidator(_as_list)] = []
    accept_new_host_keys: bool = False
    on_failure: Literal["rollback", "stop"] = "rollback"
    promote_from: Text | None = None
    checks: dict[CheckName, Literal[False]] = {}
    hooks: dict[HookPhase, Texts] = {}
    notify: NotifyEntry | None = None
    compose: ComposeEntry | None = None
    go_live: GoLiveEntry = GoLiveEntry()

    @field_validator("hosts")
    @classmethod
    def _distinct(cls, hosts: list[HostEntry], info: ValidationInfo) -> list[HostEntry]:
        _names(hosts, info)
        return hosts

    @field_validator("primary")
    @classmethod
    def _one_of_hosts(cls, primary: str, info: ValidationInfo) -> str:
        if "hosts" in info.data:
            names = _names(info.data["hosts"], info)
            if primary not in names:
                raise ValueError(f"{primary} is not one of the hosts ({', '.join(names)})")
        return primary

    @field_validator("accept_new_host_keys")
    @classmethod
    def _not_when_protected(cls, accept: bool, info: ValidationInfo) -> bool:
        if accept and _protected(info):
            raise ValueError(
                "refused for a protected environment (production, or protected: true): add "
                "the host keys to known_hosts instead (ssh-keyscan HOST >> known_hosts, after "
                "checking the fingerprints)"
            )
        return accept

    @field_validator("confirm")
    @classmethod
    def _confirmed_when_protected(cls, confirm: str, info: ValidationInfo) -> str:
        if confirm == "none" and _protected(info):
            raise ValueError(
                "refused for a protected environment (production, or protected: true): "
                "use type-env or yes-no, and --yes in CI"
            )
        return confirm

    @field_validator("promote_from")
    @classmethod
    def _known_environment(cls, source: str, info: ValidationInfo) -> str:
        context = info.context or {}
        if source == context.get("env"):
            raise ValueError("an environment cannot promote from itself")
        known = context.get("environments")
        if known is not None and source not in known:
            raise ValueError(f"no environment {source!r}; known environments: {', '.join(known)}")
        return source

    def environment(self, name: str, file: Path) -> Environment:
        """The validated file as an ``Environment``; relative paths against ``file``'s folder."""
        hosts = self._host_specs()
        primary = next((h for h in hosts if h.name == self.primary), hosts[0])
        return Environment(
            name=name,
            hosts=hosts,
            primary=primary,
            repository=resolve_repository(self.repository, file.parent),
            branch=self.branch,
            deploy_to=self.deploy_to,
            manage=self.manage,
            build=tuple(self.build),
            restart=tuple(self.restart),
            healthcheck=_healthcheck(self.healthcheck),
            containers=tuple(self.containers),
            shared=tuple(self.shared),
            keep_releases=self.keep_releases,
            keep_backups=self.keep_backups,
            confirm=self.confirm,
            known_hosts=tuple(_local_path(p, file.parent) for p in self.known_hosts),
            accept_new_host_keys=self.accept_new_host_keys,
            on_failure=self.on_failure,
            promote_from=self.promote_from,
            file=file,
            checks_off=tuple(self.checks),
            hooks={phase: tuple(commands) for phase, commands in self.hooks.items()},
            notify=_notify(self.notify),
            env_file=self.env_file,
            parallel=self.parallel,
            lock_timeout=float(self.lock_timeout),
            lock_retries=self.lock_retries,
            rehearsal_database=self.rehearsal_database,
            compose=_compose(self.compose),
            go_live=GoLive(self.go_live.canary, self.go_live.batch, self.go_live.max_failures),
            protected=protected_by_default(name) if self.protected is None else self.protected,
            warnings=secret_warnings(
                self.manage,
                *self.build,
                *self.restart,
                *(c for cs in self.hooks.values() for c in cs),
            ),
        )

    def _hooks(self) -> list[str]:
        return [command for commands in self.hooks.values() for command in commands]

    def _host_specs(self) -> tuple[HostSpec, ...]:
        names = host_names(self.hosts, self.port, self.deploy_to)
        return tuple(
            HostSpec(
                name=name,
                host=entry.host,
                user=entry.user or self.user,
                port=entry.port or self.port,
                deploy_to=entry.deploy_to or self.deploy_to,
                healthcheck=_healthcheck(entry.healthcheck or self.healthcheck),
            )
            for name, entry in zip(names, self.hosts, strict=True)
        )


def _compose(entry: ComposeEntry | None) -> Compose | None:
    return Compose(entry.file, entry.service, entry.project) if entry else None


def _notify(entry: NotifyEntry | None) -> Notify | None:
    return Notify(url=str(entry.url), events=tuple(entry.events)) if entry else None


def _protected(info: ValidationInfo) -> bool:
    """``protected`` as set, else its default: the environment's name is production."""
    given = info.data.get("protected")
    return protected_by_default((info.context or {}).get("env")) if given is None else given


def _healthcheck(entry: HealthcheckEntry | None) -> Healthcheck | None:
    return Healthcheck(url=str(entry.url), timeout=entry.timeout) if entry else None


def host_names(hosts: Sequence[HostEntry], port: int | None, deploy_to: str | None) -> list[str]:
    """Each entry's name: its ``host``, or ``host:port`` / ``host:deploy_to`` where hosts repeat."""
    names = []
    for entry in hosts:
        if entry.name is not None:
            names.append(entry.name)
            continue
        group = [other for other in hosts if other.host == entry.host]
        ports = [other.port or port for other in group]
        folders = [other.deploy_to or deploy_to for other in group]
        if len(group) == 1:
            names.append(entry.host)
        elif None not in ports and len(set(ports)) == len(group):
            names.append(f"{entry.host}:{entry.port or port}")
        elif len(set(folders)) == len(group):
            names.append(f"{entry.host}:{entry.deploy_to or deploy_to}")
        else:
            raise ValueError(f"{entry.host} is listed twice with the same port and deploy_to")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"{twice[0]} names two hosts")
    return names


def _names(hosts: Sequence[HostEntry], info: ValidationInfo) -> list[str]:
    return host_names(hosts, info.data.get("port"), info.data.get("deploy_to"))


def resolve_repository(repository: str, directory: Path) -> str:
    """URLs and ``user@host:path`` stay as they are; a relative local path is made absolute."""
    if "://" in repository or ":" in repository.split("/", 1)[0]:
        return repository
    return str(_local_path(repository, directory))


def _local_path(path: str, directory: Path) -> Path:
    return Path(os.path.abspath(directory / Path(path).expanduser()))
