"""Where things live on a host (design: "Remote layout"), and ``OnHosts``: an operation's
way to its hosts (each in parallel, their layouts, a release put live)."""

from __future__ import annotations

import posixpath
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    deploy_to: str

    def _join(self, *parts: str) -> str:
        return posixpath.join(self.deploy_to, *parts)

    @property
    def repo(self) -> str:
        return self._join("repo")

    @property
    def releases(self) -> str:
        return self._join("releases")

    def release(self, name: str) -> str:
        return self._join("releases", name)

    @property
    def current(self) -> str:
        return self._join("current")

    @property
    def shared(self) -> str:
        return self._join("shared")

    @property
    def backups(self) -> str:
        return self._join("backups")

    def preview(self, token: str) -> str:
        """A throwaway copy of a release, for --dry-run."""
        return self._join(".deploy", f"preview-{token}")

    @property
    def lock(self) -> str:
        return self._join(".deploy", "lock")

    @property
    def history(self) -> str:
        return self._join(".deploy", "history.jsonl")


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
        from . import live

        spec, host = self.spec(name), self.hosts[name]
        healthcheck = spec.healthcheck if check else None
        restart = self.environment.restart
        live.go(host, self.layout(name), release, restart, healthcheck, switched, name)
