"""What ``fab releases --json`` and ``fab status --json`` print, and status's one-line verdict.

Pure functions over what ``gather`` found; nothing here talks to a host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import lock
from ..releases.records import bad_releases

if TYPE_CHECKING:
    from .gather import HostState, Primary


def releases_report(env: str, states: list[HostState], primary: Primary) -> dict:
    """The ``fab releases --json`` document."""
    bad = bad_releases(primary.events)
    return {"env": env, "hosts": [_host_releases(s, bad, primary.records) for s in states]}


def _host_releases(state: HostState, bad: set[str], records: dict) -> dict:
    entries = []
    for name, commit in state.releases.items():
        record = records.get(name) or {}
        entries.append(
            {
                "name": name,
                "commit": commit or record.get("commit"),
                "current": name == state.current,
                "bad": name in bad,
                "migrations": record.get("state"),
                "backup": record.get("backup"),
                **({"image": record["image"]} if record.get("image") else {}),
            }
        )
    return {"host": state.host, "current": state.current, "error": state.error, "releases": entries}


def status_report(env: str, states: list[HostState], primary: Primary) -> dict:
    """The ``fab status --json`` document."""
    ok, verdict = judge(env, states, primary)
    return {
        "env": env,
        "ok": ok,
        "verdict": verdict,
        "exit_code": exit_code(states, primary, ok),
        "journal": primary.journal.as_json() if primary.journal else None,
        "running": list(primary.running),
        "hosts": [
            {
                "host": s.host,
                "current": s.current,
                "commit": s.commit,
                "error": s.error,
                **({"image": s.image} if s.image else {}),
            }
            for s in states
        ],
        "lock": None if primary.lock is None else _lock(primary.lock),
        "last_event": primary.events[-1].as_json() if primary.events else None,
    }


def judge(env: str, states: list[HostState], primary: Primary) -> tuple[bool, str]:
    """One line: is the environment serving one release, idle, and was the last step fine?"""
    unreachable = [s.host for s in states if s.error]
    live = {s.current for s in states}
    info, last = primary.lock, (primary.events[-1] if primary.events else None)
    if unreachable:
        return False, f"cannot reach {', '.join(unreachable)}"
    if primary.journal is not None:
        return False, interrupted(env, primary)
    if live == {None}:
        return True, f"nothing deployed on {env} yet"
    if len(live) > 1:
        serving = ", ".join(f"{s.host}: {s.current or 'nothing'}" for s in states)
        advice = f"fab recover --env={env} brings them onto the one that matches the database"
        return False, f"hosts serve different releases ({serving}); {advice}"
    if info is not None and (info.stale or info.operator is None):
        return False, lock.held_message(info, env)
    if info is not None and lock.orphaned(info):
        return False, f"{lock.orphaned(info)}; fab recover --env={env} takes over"
    if info is not None:
        return True, f"busy: {info.holder()} running since {info.time or '?'}"
    (release,) = live
    if last is not None and last.outcome != "success":
        why = f": {last.message}" if last.message else ""
        return False, f"last {last.event} {last.outcome} at {last.time}{why}; {release} is live"
    return True, f"{release} is live on {len(states)} host(s)"


def interrupted(env: str, primary: Primary) -> str:
    """What the journal says was interrupted, what still runs, and the command to run."""
    found = primary.journal
    text = (
        f"an interrupted {found.task} of {found.release or '?'} (at {found.step}, started "
        f"{found.started} by {found.operator}) left its journal"
    )
    if primary.running:
        text += f"; {len(primary.running)} remote step(s) still running on the primary"
    return f"{text}: fab recover --env={env}"


def exit_code(states: list[HostState], primary: Primary, ok: bool) -> int:
    """0 fine, 1 needs attention, 2 a host unreachable, 5 inconsistent or interrupted."""
    if any(s.error for s in states):
        return 2
    if primary.journal is not None or len({s.current for s in states}) > 1:
        return 5
    return 0 if ok else 1


def _lock(info: lock.LockInfo) -> dict:
    return {
        "holder": info.holder(),
        "operator": info.operator,
        "task": info.task,
        "ref": info.ref,
        "pid": info.pid,
        "host": info.host,
        "since": info.time,
        "refreshed": info.refreshed,
        "age_seconds": info.age_seconds,
        "idle_seconds": info.idle_seconds,
        "stale": info.stale,
    }
