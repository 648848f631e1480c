"""``OnHosts``: an operation's way to its environment's connected hosts (deploy, rollback):
the primary, each host's layout, work on every host in parallel, a release put live.
``OnPrimary``: the same for an operation on the primary alone (migrate, backup, restore)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ..errors import ConnectionFailed, DeployError, RemoteCommandFailed
from ..hosts import Host
from ..inventory import Environment, HostSpec
from ..layout import Layout
from ..releases import live


class OnPrimary:
    """For operations on the primary alone (``environment``, ``host``: the primary, connected)."""

    environment: Environment
    host: Host

    @property
    def primary(self) -> Host:
        return self.host

    @property
    def primary_layout(self) -> Layout:
        return Layout(self.environment.primary.deploy_to)


class OnHosts:
    """For operations over an environment's connected hosts (``environment``, ``hosts``)."""

    environment: Environment
    hosts: dict[str, Host]  # HostSpec.name -> connected Host, in inventory order

    @property
    def primary(self) -> Host:
        return self.hosts[self.environment.primary.name]

    @property
    def primary_layout(self) -> Layout:
        return Layout(self.environment.primary.deploy_to)

    def spec(self, name: str) -> HostSpec:
        """The inventory's entry for the host called ``name``."""
        return next(s for s in self.environment.hosts if s.name == name)

    def layout(self, name: str) -> Layout:
        return Layout(self.spec(name).deploy_to)

    def each(self, action) -> list:
        """``action(name, host)`` on every host in parallel; the first error is raised."""
        with ThreadPoolExecutor(max_workers=self.environment.workers(len(self.hosts))) as pool:
            return list(pool.map(lambda item: action(*item), self.hosts.items()))

    def each_caught(self, names, action) -> dict[str, DeployError]:
        """``action(name, host)`` on the hosts ``names`` in parallel, every one tried; the
        hosts where a command failed or the connection did, with their errors (any other
        error is raised once all have ended)."""

        def attempt(name):
            try:
                action(name, self.hosts[name])
            except (RemoteCommandFailed, ConnectionFailed) as error:
                return name, error
            return name, None

        with ThreadPoolExecutor(max_workers=self.environment.workers(len(names))) as pool:
            outcomes = list(pool.map(attempt, names))
        return {name: error for name, error in outcomes if error is not None}

    def put_live(self, name: str, release: str, switched: list, check: bool = True) -> None:
        """``release`` live on host ``name`` (``live.go``), health-checked when ``check``."""
        spec, host = self.spec(name), self.hosts[name]
        healthcheck = spec.healthcheck if check else None
        restart = self.environment.restart
        env, layout = self.environment, self.layout(name)
        live.go(
            host, layout, release, restart, healthcheck, switched, name, env.env_file, env.compose
        )
