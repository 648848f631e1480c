"""What is deployed where, and what the environment is doing: read for ``fab releases`` and
``fab status``.

One round trip per host, in parallel: the releases on it (name and commit) and which one is
live; on the primary, in the same script, the history and the release records (``releases``)
or the lock and the last event (``status``). What is made of the answers, the JSON documents
and the verdict, is in ``reports``.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from .. import history, journal, lock
from ..errors import ConnectionFailed
from ..journal import Journal
from ..layout import Layout
from ..releases import records
from ..releases.worktree import listing, parse_listing
from ..remote import compose as compose_commands
from ..remote import detached, documents
from ..remote.commands import in_dir
from ..remote.round_trip import Question, ask, new_marker


@dataclass(frozen=True)
class HostState:
    """One host: its releases (name -> commit, oldest first) and the live one."""

    host: str
    releases: dict[str, str | None] = field(default_factory=dict)
    current: str | None = None
    error: str | None = None  # could not connect
    image: str | None = None  # a Compose release's live image: ``NAME ID``

    @property
    def commit(self) -> str | None:
        return self.releases.get(self.current or "")


@dataclass(frozen=True)
class Primary:
    """What only the primary knows: history, release records, the lock."""

    events: list[history.Event] = field(default_factory=list)
    records: dict[str, dict] = field(default_factory=dict)
    lock: lock.LockInfo | None = None
    journal: Journal | None = None  # an interrupted operation's
    running: tuple[str, ...] = ()  # detached steps still running on the primary


def host_command(layout: Layout):
    """``current <path>`` (when there is one), then ``release <name> <commit or ->`` lines."""
    return listing(layout, commits=True)


def parse_host(name: str, output: str) -> HostState:
    found = parse_listing(output)
    return HostState(name, dict(found.commits), found.current)


def primary_questions(layout: Layout, want: str, marker: str) -> list[Question]:
    """``want``: "releases" (full history, release records) or "status" (lock, last event)."""
    if want == "releases":
        return [
            Question("history", history.read_command(layout, None)),
            Question("records", records.every_meta_command(layout, marker + "-record")),
        ]
    return [
        Question("history", history.read_command(layout, 1)),
        Question("lock", lock.status_command(layout)),
        Question("journal", journal.read_command(layout)),
        Question("running", detached.running_command(layout)),
    ]


def gather(environment, connect, want: str) -> tuple[list[HostState], Primary]:
    """Every host's releases, in parallel, and the primary's side of ``want``."""
    extra: dict[str, Primary] = {}

    def one(spec) -> HostState:
        try:
            host = connect(spec)
        except ConnectionFailed as error:
            return HostState(spec.name, error=str(error))
        try:
            return _ask(environment, spec, host, want, extra)
        finally:
            host.close()

    with ThreadPoolExecutor(max_workers=environment.workers()) as pool:
        states = list(pool.map(one, environment.hosts))
    if environment.primary.name not in extra:  # the primary was not among the hosts asked
        one(environment.primary)
    return states, extra.get(environment.primary.name, Primary())


def _ask(environment, spec, host, want: str, extra: dict) -> HostState:
    layout, marker = Layout(spec.deploy_to), new_marker()
    questions = [Question("host", host_command(layout))]
    if environment.compose is not None:
        image = compose_commands.image(environment.compose)
        questions.append(Question("image", in_dir(layout.current, image)))
    is_primary = spec.name == environment.primary.name
    if is_primary:
        questions += primary_questions(layout, want, marker)
    sections = ask(host, questions, marker)
    state = parse_host(spec.name, _output(sections, "host"))
    image = compose_commands.parse_image(_output(sections, "image"))
    if image is not None:
        state = replace(state, image=" ".join(image))
    if is_primary:
        extra[spec.name] = _primary(spec.name, sections, marker)
    return state


def _primary(name: str, sections: dict, marker: str) -> Primary:
    lock_section = sections.get("lock")
    held = lock_section is not None and lock_section.ok
    return Primary(
        events=_events(_output(sections, "history")),
        records=documents.parse(_output(sections, "records"), marker + "-record"),
        lock=lock.parse_status(name, lock_section.output) if held else None,
        journal=journal.parse(_output(sections, "journal")),
        running=tuple(_output(sections, "running").split()),
    )


def _output(sections: dict, name: str) -> str:
    section = sections.get(name)
    return section.output if section is not None and section.ok else ""


def _events(output: str) -> list[history.Event]:
    events = []
    for line in output.splitlines():
        try:
            events.append(history.Event.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a line cut short by an interrupted write
    return events
