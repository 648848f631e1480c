"""deployment.checks.containers: both shapes of `docker compose ps --format json`, the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deployment.checks.containers import Container, UnreadableOutput, assess, parse_ps

FIXTURES = Path(__file__).parent / "fixtures" / "compose"
CAPTURED = sorted(FIXTURES.glob("*.json"))


def _rows(text: str) -> list[dict]:
    """The raw objects of either shape, read independently of the code under test."""
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines()]


def _as_array(rows: list[dict]) -> str:
    return json.dumps(rows)


def _as_lines(rows: list[dict]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def running(service: str, health: str = "") -> Container:
    return Container(service, "running", health, 0)


# --- parse_ps ---


def test_every_captured_sample_is_there():
    assert {p.name for p in CAPTURED} >= {
        "array-v2.json",
        "lines-v2.26.json",
        "lines-v2.26-unhealthy.json",
    }


@pytest.mark.parametrize("path", CAPTURED, ids=lambda p: p.name)
def test_every_captured_sample_is_read_row_for_row(path: Path):
    text = path.read_text()
    rows = _rows(text)
    containers = parse_ps(text)
    assert [c.service for c in containers] == [row["Service"] for row in rows]
    assert [c.state for c in containers] == [row["State"] for row in rows]
    assert [c.exit_code for c in containers] == [row["ExitCode"] for row in rows]


@pytest.mark.parametrize("path", CAPTURED, ids=lambda p: p.name)
def test_both_shapes_of_one_sample_give_the_same_containers(path: Path):
    rows = _rows(path.read_text())
    assert parse_ps(_as_array(rows)) == parse_ps(_as_lines(rows))


def test_array_sample():
    assert parse_ps((FIXTURES / "array-v2.json").read_text()) == [
        running("db"),
        running("wordpress"),
    ]


def test_line_sample():
    assert parse_ps((FIXTURES / "lines-v2.26.json").read_text()) == [running("db")]


def test_line_sample_with_an_exited_and_an_unhealthy_service():
    assert parse_ps((FIXTURES / "lines-v2.26-unhealthy.json").read_text()) == [
        running("db"),
        Container("worker", "exited", "", 1),
        Container("web", "running", "unhealthy", 0),
    ]


def test_the_same_service_reads_the_same_in_both_captured_shapes():
    old = parse_ps((FIXTURES / "array-v2.json").read_text())
    new = parse_ps((FIXTURES / "lines-v2.26.json").read_text())
    assert [c for c in old if c.service == "db"] == [c for c in new if c.service == "db"]


@pytest.mark.parametrize("output", ["", "\n", "  \n\n", "[]", "[]\n"])
def test_no_containers(output: str):
    assert parse_ps(output) == []


def test_state_and_health_are_lowercased_and_missing_fields_have_defaults():
    output = '{"Service": "web", "State": "Running", "Health": "Healthy"}\n{"Service": "w"}\n'
    assert parse_ps(output) == [
        Container("web", "running", "healthy", 0),
        Container("w", "", "", 0),
    ]


def test_null_health_and_exit_code():
    output = '[{"Service": "web", "State": "running", "Health": null, "ExitCode": null}]'
    assert parse_ps(output) == [running("web")]


def test_a_one_off_container_of_compose_run_is_left_out():
    """A deploy's manage.py runs in ``docker compose run`` containers of the service."""
    rows = [
        {"Service": "web", "State": "running", "Labels": "com.docker.compose.oneoff=False,x=y"},
        {"Service": "web", "State": "created", "Labels": "a=b,com.docker.compose.oneoff=True"},
    ]
    assert parse_ps(_as_lines(rows)) == [running("web")]
    assert assess(("web",), parse_ps(_as_array(rows))) == ("pass", "web running")


def test_a_stderr_line_merged_before_json_lines_is_ignored():
    output = 'time="2024-05-02" level=warning msg="FOO is not set"\n' + _as_lines(
        [{"Service": "web", "State": "running", "Health": "", "ExitCode": 0}]
    )
    assert parse_ps(output) == [running("web")]


def test_a_stderr_line_merged_before_the_array_is_ignored():
    output = 'WARN[0000] The "FOO" variable is not set.\n' + _as_array(
        [{"Service": "web", "State": "running", "Health": "", "ExitCode": 0}]
    )
    assert parse_ps(output) == [running("web")]


@pytest.mark.parametrize(
    "output",
    [
        "[{",
        '[{"Service": "web"',
        "{not json}",
        '{"Service": "web", "State": "running"}\n{"Service": ',
    ],
)
def test_broken_json_is_unreadable(output: str):
    with pytest.raises(UnreadableOutput, match="not compose ps JSON"):
        parse_ps(output)


def test_text_without_any_json_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_ps("unknown flag: --format\nSee 'docker compose ps --help'.\n")


def test_unreadable_output_is_a_value_error():
    assert issubclass(UnreadableOutput, ValueError)


# --- assess ---


def test_all_expected_running_pass():
    found = [running("web"), running("worker", "healthy"), running("db")]
    assert assess(("web", "worker"), found) == ("pass", "web, worker running")


def test_a_missing_service_fails_naming_it():
    status, detail = assess(("web", "worker"), [running("web")])
    assert status == "fail"
    assert detail == "worker not created"


def test_no_containers_at_all_names_every_service():
    assert assess(("web", "worker"), []) == ("fail", "web not created; worker not created")


def test_an_exited_container_fails_with_its_exit_code():
    status, detail = assess(("web",), [Container("web", "exited", "", 1)])
    assert status == "fail"
    assert detail == "web exited (exit code 1)"
    assert "exited (exit code 1)" in detail


def test_an_unhealthy_container_fails():
    assert assess(("web",), [running("web", "unhealthy")]) == ("fail", "web unhealthy")


def test_a_starting_health_check_warns():
    status, detail = assess(("web",), [running("web", "starting")])
    assert status == "warn"
    assert detail == "web health check still starting"


def test_failures_outrank_warnings_and_all_are_listed():
    found = [running("web", "starting"), Container("worker", "exited", "", 137)]
    status, detail = assess(("web", "worker", "beat"), found)
    assert status == "fail"
    assert detail == "worker exited (exit code 137); beat not created"


@pytest.mark.parametrize(
    ("replicas", "expected"),
    [
        ([running("web"), running("web"), running("web")], ("pass", "web running")),
        (
            [running("web"), Container("web", "exited", "", 2), running("web")],
            ("fail", "web exited (exit code 2)"),
        ),
        ([running("web"), running("web", "unhealthy")], ("fail", "web unhealthy")),
        ([running("web", "starting"), running("web")], ("warn", "web health check still starting")),
    ],
    ids=["all-running", "one-exited", "one-unhealthy", "one-starting"],
)
def test_every_container_of_a_scaled_service_is_checked(replicas, expected):
    assert assess(("web",), replicas) == expected


def test_unexpected_services_are_ignored():
    found = [running("web"), Container("migrate", "exited", "", 0)]
    assert assess(("web",), found) == ("pass", "web running")


def test_the_captured_unhealthy_sample_fails_for_worker_and_web():
    found = parse_ps((FIXTURES / "lines-v2.26-unhealthy.json").read_text())
    status, detail = assess(("db", "worker", "web"), found)
    assert status == "fail"
    assert detail == "worker exited (exit code 1); web unhealthy"
