"""Read ``docker compose ps --format json`` (or podman's): both shapes Compose has printed.

Compose v2 before 2.21 prints one JSON array; later releases print one object
per line. Fields used: Service, State, Health, ExitCode, and Labels to leave out one-off
containers (``docker compose run``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Container:
    service: str
    state: str
    health: str
    exit_code: int


class UnreadableOutput(ValueError):
    """The output is neither a JSON array nor JSON lines."""


def parse_ps(output: str) -> list[Container]:
    """Containers from either shape; lines around the JSON (stderr warnings) are ignored."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        return []
    starts = [i for i, line in enumerate(lines) if line.startswith(("[", "{"))]
    if not starts:
        raise UnreadableOutput(f"not compose ps JSON: {lines[0][:80]}")
    try:
        if lines[starts[0]].startswith("["):
            rows, _ = json.JSONDecoder().raw_decode("\n".join(lines[starts[0] :]))
        else:
            rows = [json.loads(lines[i]) for i in starts]
    except json.JSONDecodeError as error:
        raise UnreadableOutput(f"not compose ps JSON: {error}") from None
    return [_container(row) for row in rows if isinstance(row, dict) and not _one_off(row)]


def _one_off(row: dict) -> bool:
    """A ``docker compose run`` container (a deploy's manage.py, say): not a service's own."""
    labels = row.get("Labels")
    return isinstance(labels, str) and "com.docker.compose.oneoff=True" in labels.split(",")


def _container(row: dict) -> Container:
    return Container(
        service=str(row.get("Service", "")),
        state=str(row.get("State", "")).lower(),
        health=str(row.get("Health", "") or "").lower(),
        exit_code=int(row.get("ExitCode", 0) or 0),
    )


def assess(expected: tuple[str, ...], containers: list[Container]) -> tuple[str, str]:
    """(status, detail) for the expected services: all running and not unhealthy."""
    by_service: dict[str, list[Container]] = {}
    for container in containers:
        by_service.setdefault(container.service, []).append(container)
    failures, warnings = [], []
    for service in expected:
        found = by_service.get(service)
        if not found:
            failures.append(f"{service} not created")
            continue
        for c in found:
            if c.state != "running":
                failures.append(f"{service} {c.state} (exit code {c.exit_code})")
            elif c.health == "unhealthy":
                failures.append(f"{service} unhealthy")
            elif c.health == "starting":
                warnings.append(f"{service} health check still starting")
    if failures:
        return "fail", "; ".join(failures)
    if warnings:
        return "warn", "; ".join(warnings)
    return "pass", f"{', '.join(expected)} running"
