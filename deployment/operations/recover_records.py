"""What ``fab recover`` leaves in the history: its own event, and the end of the deploy it
finished (forward: a success, with the state its release runs with; back: rolled back, so
that no rollback ever picks that release)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import history
from ..releases import records

if TYPE_CHECKING:
    from .recover import Recover


def said(work: Recover) -> str:
    """One line: what was interrupted, and where recover took the environment."""
    found, taken = work.found, work.taken_from
    lock = f"took over the lock of {taken.holder()} since {taken.time or '?'}; " if taken else ""
    if found is None and not work.direction.startswith("onto"):
        return (
            f"{lock}nothing to recover: every host serves {work.target}, and it matches the "
            "database"
        )
    what = f"{found.task} of {found.release} stopped at {found.step}" if found else "no journal"
    waited = f"; waited for {len(work.waited)} step(s) still running" if work.waited else ""
    return f"{lock}{what}{waited}: {work.direction}, every host on {work.target}"


def record(work: Recover, outcome: str, durations: dict, message: str) -> None:
    found, layout = work.found, work.primary_layout
    if found is not None and found.task == "deploy" and found.release and outcome == "success":
        _deploy_ended(work, found)
    event = history.Event(
        "recover",
        outcome,
        work.environment.name,
        release=work.target,
        previous_release=found.release if found else None,
        backup=work.restored,
        migrations=history.Migrations(tuple(work.applied), tuple(work.reversed)),
        durations_ms=durations,
        message=message,
    )
    history.record(work.primary, layout, event)


def _deploy_ended(work: Recover, found) -> None:
    forward = work.direction == "forward"
    event = history.Event(
        "deploy",
        "success" if forward else "rolled_back",
        work.environment.name,
        commit=found.commit,
        release=found.release,
        previous_release=found.previous.get(work.environment.primary.name),
        backup=found.backup,
        message=f"ended by fab recover ({work.direction})",
    )
    if not forward:
        history.record(work.primary, work.primary_layout, event)
        return
    meta = {
        "release": found.release,
        "commit": found.commit,
        "state": {**found.before, **found.after},
        "backup": found.backup,
    }
    records.record_deploy(work.primary, work.primary_layout, meta, event)
