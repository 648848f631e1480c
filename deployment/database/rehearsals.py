"""The rehearsal on the primary: ``rehearse_migrations`` of the new release applies the
pending migrations to a scratch copy of the live schema, before anything live changes; here,
what its answer means for the deploy (stop, warn, or go on) and how the plan shows it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import RemoteCommandFailed
from ..remote import django

UNAVAILABLE = 3  # rehearse_migrations: no scratch database can be made here


@dataclass(frozen=True)
class Rehearsal:
    available: bool = True
    ok: bool = True
    elapsed_ms: int = 0
    migrations: tuple[Mapping[str, Any], ...] = ()
    failed: Mapping[str, str] | None = None
    unfinished: Mapping[str, str] | None = None
    new_release: tuple[Mapping[str, Any], ...] = ()
    running_release: tuple[Mapping[str, Any], ...] = ()
    repaired: tuple[Mapping[str, Any], ...] = ()
    error: str | None = None
    skipped: str | None = None  # why there was none (--no-rehearsal)

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Rehearsal:
        return cls(
            available=bool(document.get("available", True)),
            ok=bool(document.get("ok")),
            elapsed_ms=int(document.get("elapsed_ms") or 0),
            migrations=tuple(document.get("migrations") or ()),
            failed=document.get("failed"),
            unfinished=document.get("unfinished"),
            new_release=tuple(document.get("new_release") or ()),
            running_release=tuple(document.get("running_release") or ()),
            repaired=tuple(document.get("repaired") or ()),
            error=document.get("error"),
        )

    def as_json(self) -> dict:
        return {
            "available": self.available,
            "ok": self.ok,
            "skipped": self.skipped,
            "elapsed_ms": self.elapsed_ms,
            "migrations": list(self.migrations),
            "failed": self.failed,
            "unfinished": self.unfinished,
            "new_release": list(self.new_release),
            "running_release": list(self.running_release),
            "repaired": list(self.repaired),
            "error": self.error,
        }

    @property
    def needs_rows(self) -> list[Mapping[str, Any]]:
        return [m for m in self.migrations if m.get("outcome") == "needs_rows"]


def rehearse(host, release_path: str, manage, scratch: str | None) -> Rehearsal:
    """``rehearse_migrations`` with the new release's code, on the primary."""
    args = ("--scratch", scratch) if scratch else ()
    try:
        document = django.run_json(
            host, release_path, manage, "rehearse_migrations", *args, accept=(0, 1, UNAVAILABLE)
        )
    except RemoteCommandFailed as error:
        if "Unknown command" not in str(error):
            raise
        older = "the release's schema_safety has no rehearse_migrations: upgrade it"
        return Rehearsal(available=False, ok=False, error=older)
    return Rehearsal.from_json(document)


def refusal(rehearsal: Rehearsal, *, allow_downtime: bool, protected: bool) -> str | None:
    """Why the deploy must stop before anything live changes (None: it goes on)."""
    if rehearsal.skipped:
        return None
    if not rehearsal.available:
        if not protected:
            return None
        return (
            f"rehearsal unavailable ({rehearsal.error}): a protected environment does not "
            "migrate unrehearsed; grant the database user CREATEDB, set rehearsal_database "
            "in the inventory, or pass --no-rehearsal"
        )
    if rehearsal.failed:
        failed = rehearsal.failed
        return (
            f"the rehearsal on a copy of the live schema failed at {failed['migration']}: "
            f"{failed['error']}; it would fail the same way live: fix the migration"
        )
    if rehearsal.error:
        return f"the rehearsal could not run: {rehearsal.error}"
    if rehearsal.new_release:
        return (
            "after its migrations the schema would not match the new release's models: "
            f"{_listed(rehearsal.new_release)}; run makemigrations and commit the result"
        )
    if rehearsal.running_release and not allow_downtime:
        return (
            "the running release would fail on the migrated schema until go-live: "
            f"{_listed(rehearsal.running_release)}; split the change over two deploys (first "
            "a db_default or null=True, the rest once the new code serves), or pass "
            "--allow-downtime"
        )
    return None


def repairs(rehearsal: Rehearsal | None) -> list[str]:
    """The migrations that bring a drifted schema back to the new release's models, as the
    rehearsal proved; [] when it did not run or did not end clean."""
    if rehearsal is None or rehearsal.skipped or not rehearsal.available or not rehearsal.ok:
        return []
    if not rehearsal.repaired:
        return []
    return [str(m["migration"]) for m in rehearsal.migrations]


def lines(rehearsal: Rehearsal | None) -> tuple[str, ...]:
    """What the plan says about the rehearsal."""
    if rehearsal is None:
        return ()
    if rehearsal.skipped:
        return (f"not rehearsed: {rehearsal.skipped}",)
    if not rehearsal.available:
        return (
            f"REHEARSAL UNAVAILABLE: {rehearsal.error}: the migrations go live untried; grant "
            "the database user CREATEDB or set rehearsal_database",
        )
    done = [m for m in rehearsal.migrations if m.get("outcome") == "rehearsed"]
    said = [
        f"rehearsed on a copy of the live schema in {rehearsal.elapsed_ms / 1000:.1f} s: "
        f"{len(done)} migration{'s' if len(done) != 1 else ''} applied there"
    ]
    said += [
        f"not rehearsed, needs rows: {m['migration']} ({m.get('detail')}: the copy has no rows)"
        for m in rehearsal.needs_rows
    ]
    if rehearsal.unfinished:
        said.append(
            f"not rehearsed from {rehearsal.unfinished['migration']} on: "
            f"{rehearsal.unfinished['error']}"
        )
    if rehearsal.running_release:
        said.append(f"the running release will fail on: {_listed(rehearsal.running_release)}")
    if rehearsal.repaired:
        said.append(f"drift the migrations repair: {_listed(rehearsal.repaired)}")
    return tuple(said)


def _listed(problems, most: int = 3) -> str:
    messages = [str(p.get("message")) for p in problems]
    more = len(messages) - most
    return "; ".join(messages[:most]) + (f" (and {more} more)" if more > 0 else "")
