"""What a check reads (``Facts``: one host's answers) and what it returns (a ``Check``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..remote.round_trip import Section
from . import promotion_gate as promotions

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
NOTHING_DEPLOYED = "nothing deployed yet"
TURNED_OFF = "turned off in the inventory"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    elapsed_ms: int = 0
    # A failure a deploy's migrations may repair (schema drift): the rehearsal decides.
    repairable: bool = field(default=False, compare=False)

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "elapsed_ms": self.elapsed_ms,
        }


@dataclass(frozen=True)
class Facts:
    """What one host answered, and what the environment expects of it."""

    sections: dict[str, Section]
    branch: str
    repository: str
    containers: tuple[str, ...]
    primary: bool
    primary_name: str
    django: dict | None = None  # predeploy_report JSON, primary only
    local: bool = False  # this machine, no SSH
    promote_from: str | None = None
    source: promotions.Source | None = None  # promote_from's history, primary only
    env: str = "?"
    off: tuple[str, ...] = ()  # checks the inventory turned off (``checks: {name: false}``)
    rehearsal_database: str | None = None  # the inventory's: the rehearsal needs no CREATEDB

    def deployed(self) -> bool:
        current = self.sections.get("current")
        return bool(current and current.ok and current.output.strip())


def last_line(text: str) -> str:
    """The last non-blank line of a command's output: usually the error."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
