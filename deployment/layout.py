"""Where things live on a host (design: "Remote layout"); paths only, no I/O."""

from __future__ import annotations

import posixpath
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

    def layout(self, name: str) -> Layout:
        return Layout(next(s.deploy_to for s in self.environment.hosts if s.name == name))
