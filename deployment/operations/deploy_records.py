"""What a deploy leaves in the history and on the hosts when it ends: its event, the
state of the release it put live, and (after success) the old releases and backups pruned."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import history
from ..database import rehearsals
from ..releases import prune, records
from ..releases.worktree import Listing

if TYPE_CHECKING:
    from .deploy import Deployment


def event(deployment: Deployment, kind, outcome, durations, message=None) -> history.Event:
    release = deployment.release
    return history.Event(
        event=kind,
        outcome=outcome,
        env=deployment.environment.name,
        commit=release.commit if release else None,
        release=release.name if release else None,
        previous_release=deployment.previous.get(deployment.environment.primary.name),
        backup=deployment.backup_id,
        migrations=history.Migrations(tuple(deployment.applied), tuple(deployment.reversed)),
        durations_ms=durations,
        message=message,
        image=" ".join(deployment.image) if deployment.image else None,
    )


def meta(deployment: Deployment) -> dict:
    """What a rollback from this release needs: its migration state and its backup."""
    return {
        "release": deployment.release.name,
        "commit": deployment.release.commit,
        "state": deployment.plan.state_after if deployment.plan else {},
        "backup": deployment.backup_id,
        **({"image": " ".join(deployment.image)} if deployment.image else {}),
    }


def success(deployment: Deployment, durations: dict) -> None:
    """Two round trips on the primary (record; tidy), one on each other host (tidy)."""
    primary, env, release = deployment.primary, deployment.environment, deployment.release
    layout = deployment.primary_layout
    said = (
        "; ".join(filter(None, (moved(deployment), unrehearsed(deployment), deployment.tolerated)))
        or None
    )
    recorded = records.record_deploy(
        primary, layout, meta(deployment), event(deployment, "deploy", "success", durations, said)
    )
    good = records.good_releases(recorded)
    protected = {release.name, *deployment.previous.values(), *good[-2:]} - {None}

    def tidy(name, host) -> None:
        before = deployment.listings[name]
        after = Listing((*before.releases, release.name), release.name)
        backups = env.keep_backups if host is primary else None
        folders = deployment.layout(name)
        prune.tidy(host, folders, after, env.keep_releases, protected, backups, env.compose)

    deployment.each(tidy)


def unrehearsed(deployment: Deployment) -> str | None:
    """What the history says of a deploy whose migrations went live unrehearsed, or whose
    rehearsal showed the running release failing until go-live (--allow-downtime)."""
    rehearsal = deployment.rehearsal
    if rehearsal is None:
        return None
    if rehearsal.skipped:
        return f"not rehearsed ({rehearsal.skipped})"
    if not rehearsal.available:
        return f"not rehearsed: rehearsal unavailable ({rehearsal.error})"
    repaired = rehearsals.repairs(rehearsal)
    if repaired:
        return f"schema drift repaired by {', '.join(repaired)} (rehearsed first)"
    if rehearsal.running_release:
        count = len(rehearsal.running_release)
        return f"--allow-downtime: the running release failed on {count} change(s) until go-live"
    return None


def moved(deployment: Deployment) -> str | None:
    """The repository change the mirrors followed, for the history (None: none)."""
    if not deployment.moved:
        return None
    was = sorted(set(deployment.moved.values()))
    return (
        f"the hosts now fetch from {deployment.environment.repository} (was {', '.join(was)} on "
        f"{', '.join(deployment.moved)})"
    )


def failure(deployment: Deployment, error: BaseException, verdict) -> None:
    """The failed deploy's event (``inconsistent`` when the check after it did not pass);
    its release's state too when the fleet was left on it."""
    outcome_ = getattr(error, "outcome", None)
    undone = outcome_.undone if outcome_ else []
    undo_failures = outcome_.undo_failures if outcome_ else []
    rolled_back = "migrate" in undone or "go live" in undone
    outcome = "rolled_back" if rolled_back and not undo_failures else "failed"
    if verdict is not None and not verdict.consistent:
        outcome = "inconsistent"
    message = str(error)
    if undo_failures:
        message += "; could not undo: " + "; ".join(undo_failures)
    if outcome == "inconsistent":
        message += f"; left inconsistent: {verdict.problem}"
    durations = outcome_.durations_ms if outcome_ else {}
    failed = event(deployment, "deploy", outcome, durations, message)
    layout = deployment.primary_layout
    if deployment.switched:  # the fleet was left on it: a rollback must know its state
        records.record_deploy(deployment.primary, layout, meta(deployment), failed)
    else:
        history.record(deployment.primary, layout, failed)
