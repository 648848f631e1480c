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

    def preview(self, token: str) -> str:
        """A throwaway copy of a release, for --dry-run."""
        return self._join(".deploy", f"preview-{token}")

    @property
    def lock(self) -> str:
        return self._join(".deploy", "lock")

    @property
    def history(self) -> str:
        return self._join(".deploy", "history.jsonl")
