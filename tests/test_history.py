"""The deploy history against a real OpenSSH server: whole lines, read back exactly."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from fleet import Fleet

from deployment import history
from deployment.history import Event, Migrations
from deployment.hosts import Host
from deployment.layout import Layout

Connect = Callable[[], Host]

CONTRACT_KEYS = [
    "event",
    "outcome",
    "time",
    "operator",
    "commit",
    "release",
    "previous_release",
    "backup",
    "migrations",
    "durations_ms",
    "message",
]


def deploy(number: int, **fields) -> Event:
    return Event(
        "deploy",
        "success",
        env="test",
        operator="alice@laptop",
        time=f"2026-05-02T12:00:{number:02d}Z",
        commit=f"{number:040x}",
        release=f"20260502120000-{number:07x}",
        previous_release=None,
        backup=f"backup-{number}",
        migrations=Migrations(applied=("content.0002_asset_resource",), reversed=()),
        durations_ms={"backup": 120, "migrate": 40 + number},
        **fields,
    )


# --- events ---


def test_an_event_is_the_contract_and_its_line_adds_env() -> None:
    event = deploy(1, message="ok")
    assert list(event.as_json()) == CONTRACT_KEYS
    assert event.as_json()["migrations"] == {
        "applied": ["content.0002_asset_resource"],
        "reversed": [],
    }
    line = event.line()
    assert "\n" not in line and json.loads(line) == {**event.as_json(), "env": "test"}
    assert Event.from_json({**json.loads(line), "added_later": 1}) == event


def test_an_event_defaults_to_now_and_to_this_operator() -> None:
    event = Event("unlock", "success", env="test")
    assert event.operator == history.current_operator() and "@" in event.operator
    assert event.time.endswith("Z") and event.as_json()["commit"] is None


def test_only_contract_events_and_outcomes_are_recorded() -> None:
    with pytest.raises(ValueError, match="not a history event"):
        history.record(None, Layout("/srv"), Event("failure", "success", env="test"))  # type: ignore[arg-type]


# --- on a host ---


@pytest.mark.integration
def test_record_then_read_round_trip(host: Host, layout: Layout) -> None:
    assert history.read(host, layout) == []  # no history yet, nothing created
    assert not Path(layout.deploy_to).exists()
    events = [deploy(n) for n in range(1, 4)]

    for event in events:
        history.record(host, layout, event)

    assert history.read(host, layout) == events
    assert history.read(host, layout, limit=2) == events[1:]
    assert history.read(host, layout, limit=0) == []
    assert [p.name for p in Path(layout.history).parent.iterdir()] == ["history.jsonl"]


@pytest.mark.integration
def test_a_truncated_last_line_is_skipped(host: Host, layout: Layout) -> None:
    events = [deploy(1), deploy(2)]
    for event in events:
        history.record(host, layout, event)
    with open(layout.history, "a") as file:
        file.write(deploy(3).line()[:50])

    assert history.read(host, layout) == events
    assert history.read(host, layout, limit=2) == events


@pytest.mark.integration
def test_concurrent_appends_leave_whole_lines(opener: Connect, layout: Layout) -> None:
    writers, each = 6, 4
    links = [opener() for _ in range(writers)]
    start = threading.Barrier(writers)

    def write(i: int) -> None:
        start.wait()
        for n in range(each):
            # Longer than PIPE_BUF (4096): a line must still land in one piece.
            history.record(links[i], layout, deploy(n, message=f"{i}:" + "x" * 6000))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    lines = Path(layout.history).read_text().splitlines()
    assert len(lines) == writers * each
    writers_seen = [json.loads(line)["message"].split(":")[0] for line in lines]
    assert sorted(writers_seen) == sorted(str(i) for i in range(writers) for _ in range(each))


@pytest.mark.integration
def test_hostile_messages_round_trip_exactly_and_run_nothing(
    host: Host, layout: Layout, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    message = (
        f'it\'s "quoted" $(touch {marker}) `touch {marker}`; touch {marker} && echo\n'
        "second line\r\n\ttab \\ backslash %s %n %% ${HOME} * ~ \x00 é ✓ 🙂 '"
    )

    history.record(host, layout, deploy(1, message=message))

    assert history.read(host, layout)[0].message == message
    assert not marker.exists()


@pytest.mark.integration
def test_a_very_long_message_is_shortened(host: Host, layout: Layout) -> None:
    history.record(host, layout, deploy(1, message="y" * 50_000))
    message = history.read(host, layout)[0].message
    assert message == "y" * history.MAX_MESSAGE + " [...]"


# --- fab history ---


@pytest.mark.integration
def test_fab_history_json_is_the_contract(fleet: Fleet) -> None:
    layout = Layout(str(fleet.deploy_to[0]))
    Path(layout.history).parent.mkdir(parents=True)
    events = [deploy(n, message=f"step {n}") for n in range(1, 4)]
    Path(layout.history).write_text("".join(e.line() + "\n" for e in events))

    done = fleet.fab("history", "--env=test", "--json")
    limited = fleet.fab("history", "--env=test", "--json", "--limit=1")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"env": "test", "events": [e.as_json() for e in events]}
    assert json.loads(limited.stdout)["events"] == [events[-1].as_json()]


@pytest.mark.integration
def test_fab_history_shows_a_table(fleet: Fleet) -> None:
    empty = fleet.fab("history", "--env=test")
    assert (empty.returncode, empty.stdout.strip()) == (0, "no history on test yet")

    layout = Layout(str(fleet.deploy_to[0]))
    Path(layout.history).parent.mkdir(parents=True)
    Path(layout.history).write_text(deploy(1, message="[bold]not markup[/]").line() + "\n")

    done = fleet.fab("history", "--env=test", env={"COLUMNS": "200"})

    assert done.returncode == 0, done.stderr
    for text in ("2026-05-02T12:00:01Z", "deploy", "success", "0000000", "backup-1", "alice@"):
        assert text in done.stdout
    assert "[bold]not markup[/]" in done.stdout
    narrow = fleet.fab("history", "--env=test", env={"COLUMNS": "80"})
    assert narrow.stdout.splitlines()[1:] == [
        "2026-05-02T12:00:01Z  deploy  success  by alice@laptop",
        "    release 20260502120000-0000001  commit 0000000  backup backup-1",
        "    [bold]not markup[/]",
    ]


def test_a_release_is_bad_after_a_failed_deploy_until_a_later_one_of_it_succeeds():
    from deployment.releases.records import bad_releases

    def event(kind, outcome, release, previous=None):
        return Event(kind, outcome, env="prod", release=release, previous_release=previous)

    events = [
        event("deploy", "success", "r1"),
        event("deploy", "inconsistent", "r2"),
        event("deploy", "failed", "r3"),
    ]
    assert bad_releases(events) == {"r2", "r3"}
    events.append(event("deploy", "success", "r2"))  # fab recover finished it forward
    assert bad_releases(events) == {"r3"}
    events.append(event("rollback", "success", "r1", previous="r2"))
    assert bad_releases(events) == {"r2", "r3"}
