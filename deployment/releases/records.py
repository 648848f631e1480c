"""What a deploy records of each release on the primary, and which releases were good.

``.deploy/releases/<release>.json`` records the migration state a release runs with and
the backup taken before it migrated: what a rollback brings back.
"""

from __future__ import annotations

import json
import posixpath

from .. import history
from ..layout import Layout
from ..remote import documents
from ..remote.commands import Command, all_of, quiet, to_file
from ..remote.run import checked


def folder(layout: Layout) -> str:
    return posixpath.join(posixpath.dirname(layout.history), "releases")


def meta_path(layout: Layout, release: str) -> str:
    return posixpath.join(folder(layout), f"{release}.json")


def write_meta_command(layout: Layout, release: str, meta: dict) -> Command:
    path = meta_path(layout, release)
    document = json.dumps(meta, sort_keys=True)
    return all_of(
        ["mkdir", "-p", posixpath.dirname(path)],
        to_file(["printf", "%s", document], path),  # one quoted argument: stdin is slow
    )


def record_deploy(host, layout: Layout, meta: dict, event: history.Event) -> list[history.Event]:
    """One round trip: the release's state recorded, the event appended; the history read back."""
    command = all_of(
        write_meta_command(layout, meta["release"], meta),
        history.record_command(layout, event),
        history.read_command(layout, None),
    )
    events = history.parse_lines(checked(host, command, f"recording {meta['release']}"))
    history.recorded(event)
    return events


def read_meta(host, layout: Layout, release: str) -> dict | None:
    result = host.run(quiet(["cat", meta_path(layout, release)]))
    try:
        return json.loads(result.stdout) if result.ok else None
    except json.JSONDecodeError:
        return None


def every_meta_command(layout: Layout, marker: str) -> Command:
    """What every release's deploy recorded (``parse_metas`` reads it)."""
    return documents.command(folder(layout), marker)


def parse_metas(output: str, marker: str) -> dict[str, dict]:
    return documents.parse(output, marker)


def state_after(plan: dict) -> dict:
    """Every app's last migration once the plan has run."""
    return {**plan.get("before", {}), **plan.get("after", {})}


def bad_releases(events: list[history.Event]) -> set[str]:
    """Releases whose last deploy did not succeed, and releases that were rolled back from.

    A later successful deploy of the same release (``fab recover`` finishing it) makes it good
    again; a rollback from it after that makes it bad again."""
    bad: set[str] = set()
    for e in events:
        if e.event == "deploy" and e.release:
            (bad.discard if e.outcome == "success" else bad.add)(e.release)
        elif e.event == "rollback" and e.outcome == "success" and e.previous_release:
            bad.add(e.previous_release)
    return bad


def good_releases(events: list[history.Event]) -> list[str]:
    """Releases that went live successfully (deploy or rollback), oldest first."""
    live = [
        e.release
        for e in events
        if e.event in ("deploy", "rollback") and e.outcome == "success" and e.release
    ]
    return list(dict.fromkeys(live))
