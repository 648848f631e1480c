"""``OnHosts``: an operation's way to its environment's connected hosts (deploy, rollback):
the primary, each host's layout, work on every host in parallel, a release put live."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from . import live
from .layout import Layout


class OnHosts:
    """For operations over an environment's connected hosts (``environment``, ``hosts``)."""

    environment: object
    hosts: dict

    @property
    def primary(self):
        return self.hosts[self.environment.primary.name]

    @property
    def primary_layout(self) -> Layout:
        return Layout(self.environment.primary.deploy_to)

    def spec(self, name: str):
        """The inventory's entry (``HostSpec``) for the host called ``name``."""
        return next(s for s in self.environment.hosts if s.name == name)

    def layout(self, name: str) -> Layout:
        return Layout(self.spec(name).deploy_to)

    def each(self, action) -> list:
        """``action(name, host)`` on every host in parallel; the first error is raised."""
        with ThreadPoolExecutor(max_workers=min(16, len(self.hosts))) as pool:
            return list(pool.map(lambda item: action(*item), self.hosts.items()))

    def put_live(self, name: str, release: str, switched: list, check: bool = True) -> None:
        """``release`` live on host ``name`` (``live.go``), health-checked when ``check``."""
        spec, host = self.spec(name), self.hosts[name]
        healthcheck = spec.healthcheck if check else None
        restart = self.environment.restart
        live.go(host, self.layout(name), release, restart, healthcheck, switched, name)
