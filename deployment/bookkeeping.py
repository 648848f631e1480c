"""What a deploy leaves behind on the primary: each release's database state, history, pruning.

``.deploy/releases/<release>.json`` records the migration state a release runs
with and the backup taken before it migrated: what a rollback brings back.
"""

from __future__ import annotations

import json
import posixpath

from . import history, releases
from .commands import all_of, quiet, sh, to_file
from .layout import Layout


def meta_path(layout: Layout, release: str) -> str:
    return posixpath.join(posixpath.dirname(layout.history), "releases", f"{release}.json")


def write_meta_command(layout: Layout, release: str, meta: dict) -> str:
    path = meta_path(layout, release)
    document = json.dumps(meta, sort_keys=True)
    return all_of(
        sh(["mkdir", "-p", posixpath.dirname(path)]),
        to_file(sh(["printf", "%s", document]), path),  # one quoted argument: stdin is slow
    )


def record_deploy(host, layout: Layout, meta: dict, event: history.Event) -> list[history.Event]:
    """One round trip: the release's state recorded, the event appended; the history read back."""
    command = all_of(
        write_meta_command(layout, meta["release"], meta),
        history.record_command(layout, event),
        history.read_command(layout, None),
    )
    return history.parse_lines(releases.run(host, command, f"recording {meta['release']}"))


def read_meta(host, layout: Layout, release: str) -> dict | None:
    result = host.run(quiet(sh(["cat", meta_path(layout, release)])))
    try:
        return json.loads(result.stdout) if result.ok else None
    except json.JSONDecodeError:
        return None


# $1: the folder of the recorded releases. One line per release: its name, a tab, its JSON.
EVERY_META = r"""
for path in "$1"/*.json; do
  [ -e "$path" ] || continue
  name=${path##*/}
  printf '%s\t%s\n' "${name%.json}" "$(cat "$path")"
done
"""


def every_meta_command(layout: Layout) -> str:
    """What every release's deploy recorded, one line each (``parse_metas`` reads it)."""
    folder = posixpath.dirname(meta_path(layout, "x"))
    return sh(["sh", "-c", EVERY_META, "every-meta", folder])


def parse_metas(output: str) -> dict[str, dict]:
    metas = {}
    for line in output.splitlines():
        name, _, document = line.partition("\t")
        try:
            meta = json.loads(document)
        except json.JSONDecodeError:
            continue
        if isinstance(meta, dict):
            metas[name] = meta
    return metas


def state_after(plan: dict) -> dict:
    """Every app's last migration once the plan has run."""
    return {**plan.get("before", {}), **plan.get("after", {})}


def bad_releases(events: list[history.Event]) -> set[str]:
    """Releases that failed, and releases that were rolled back from."""
    bad = {e.release for e in events if e.event == "deploy" and e.outcome != "success"}
    bad |= {e.previous_release for e in events if e.event == "rollback" and e.outcome == "success"}
    return {name for name in bad if name}


def good_releases(events: list[history.Event]) -> list[str]:
    """Releases that went live successfully (deploy or rollback), oldest first."""
    live = [
        e.release
        for e in events
        if e.event in ("deploy", "rollback") and e.outcome == "success" and e.release
    ]
    return list(dict.fromkeys(live))


def tidy(host, layout: Layout, listing, keep: int, protected: set[str], backups=None) -> None:
    """One round trip: the oldest releases beyond ``keep`` removed (never one in ``protected``
    or the current one) and, with ``backups`` (a number to keep), the oldest backups."""
    names = releases.to_prune(listing, keep, protected | {listing.current or ""})
    commands = [releases.remove(layout, name) for name in names]
    if backups is not None:
        commands.append(_prune_backups(layout, backups))
    if commands:
        host.run("; ".join(commands))


def _prune_backups(layout: Layout, keep: int) -> str:
    """Keep the newest ``keep`` backups, and apart from them the newest ``keep`` safety ones."""
    script = (
        'ls -1t -- "$1"/$3*.json 2>/dev/null | grep -v "/$4" | tail -n +"$(($2 + 1))" | '
        'while read -r m; do rm -f -- "$m" "${m%.json}.dump"; done'
    )
    return "; ".join(
        sh(["sh", "-c", script, "prune", layout.backups, str(keep), pattern, excluded])
        for pattern, excluded in (("", "safety-"), ("safety-", "-none-"))
    )
