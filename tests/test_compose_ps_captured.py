"""The containers check on real `docker compose ps --all --format json` outputs: one per state
of a service, captured from Compose 2.40.3 by tests/test_docker_servers.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deployment.checks.containers import assess, parse_ps

FIXTURES = Path(__file__).parent / "fixtures" / "compose"
VERDICTS = {
    "lines-v2.40-running.json": ("pass", "web running"),
    "lines-v2.40-exited.json": ("fail", "web exited (exit code 3)"),
    "lines-v2.40-stopped.json": ("fail", "web exited (exit code 0)"),
    "lines-v2.40-unhealthy.json": ("fail", "web unhealthy"),
}


@pytest.mark.parametrize(("name", "verdict"), VERDICTS.items())
def test_each_state_gets_its_verdict(name: str, verdict: tuple[str, str]) -> None:
    assert assess(("web",), parse_ps((FIXTURES / name).read_text())) == verdict


@pytest.mark.parametrize(("name", "verdict"), VERDICTS.items())
def test_the_array_shape_of_older_releases_gets_the_same(name: str, verdict) -> None:
    rows = [json.loads(line) for line in (FIXTURES / name).read_text().splitlines()]

    assert assess(("web",), parse_ps(json.dumps(rows))) == verdict
