"""What "consistent" means, as the tests check it on a fleet of real hosts and PostgreSQL.

Every host serves the same release; ``verify_schema`` run with that release's code finds no
error; the sites answer with that release and can read every column they need; no row was
lost; no lock, no journal and no detached remote step still running are left.

    before = Snapshot.take(fleet, postgres_server)
    ... an operation, a fault, maybe fab recover ...
    problems = inconsistencies(fleet, postgres_server, before, sites)   # [] when consistent
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from deploying import live
from fleet import Fleet
from project import ROOT

TABLES = ("resource", "asset", "auth_user")


def journal(fleet: Fleet) -> Path:
    """The journal of an operation under way, on the primary."""
    return fleet.deploy_to[0] / ".deploy" / "journal.json"


def locks(fleet: Fleet) -> list[str]:
    """The hosts (deploy_to folder names) where a deploy lock is left."""
    return [d.name for d in fleet.deploy_to if (d / ".deploy" / "lock").exists()]


def running_steps(fleet: Fleet) -> list[str]:
    """Detached remote steps (``<deploy_to>/.deploy/steps/*``) with no exit status yet whose
    process is alive."""
    found = []
    for deploy_to in fleet.deploy_to:
        for step in sorted((deploy_to / ".deploy" / "steps").glob("*/")):
            pid = (step / "pid").read_text().strip() if (step / "pid").exists() else ""
            if not (step / "status").exists() and pid.isdigit() and alive(int(pid)):
                found.append(step.name)
    return found


def alive(pid: int | None) -> bool:
    """The process runs (a zombie nobody reaped has ended)."""
    if pid is None:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def history_lines(fleet: Fleet) -> int:
    path = fleet.deploy_to[0] / ".deploy" / "history.jsonl"
    return len(path.read_text().splitlines()) if path.exists() else 0


@dataclass(frozen=True)
class Snapshot:
    """The fleet before an operation: what is live, the rows, how long the history is."""

    live: tuple[str | None, ...]
    columns: dict[str, tuple[str, ...]]  # table -> its columns then
    rows: dict[str, tuple[int, str]]  # table -> (count, digest of those columns)
    events: int

    @classmethod
    def take(cls, fleet: Fleet, postgres, columns: dict | None = None) -> Snapshot:
        """``columns``: the columns to compare, by table (default: all there are now)."""
        columns = columns or {table: table_columns(postgres, fleet, table) for table in TABLES}
        rows = {table: digest(postgres, fleet, table, columns[table]) for table in TABLES}
        return cls(tuple(live(fleet)), columns, rows, history_lines(fleet))


def table_columns(postgres, fleet: Fleet, table: str) -> tuple[str, ...]:
    query = (
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY column_name"
    )
    return tuple(row[0] for row in postgres.execute(fleet.db, query, [table]))


def digest(postgres, fleet: Fleet, table: str, columns: tuple[str, ...]) -> tuple[int, str]:
    """How many rows, and an md5 of ``columns`` of every row (other columns may come and go)."""
    fields = ", ".join(f'"{c}"' for c in columns)
    query = (
        f"SELECT count(*), md5(coalesce(string_agg(row({fields})::text, ',' "
        f"ORDER BY row({fields})::text), '')) FROM \"{table}\""
    )
    count, md5 = postgres.execute(fleet.db, query)[0]
    return count, md5


def inconsistencies(fleet: Fleet, postgres, before: Snapshot, sites=()) -> list[str]:
    """Every way the fleet is not consistent, in words; [] when it is."""
    found: list[str] = []
    serving = live(fleet)
    release = serving[0]
    if release is None or len(set(serving)) != 1:
        found.append(f"hosts serve different releases: {serving}")
    found += [f"deploy lock left on {name}" for name in locks(fleet)]
    if journal(fleet).exists():
        found.append("journal left on the primary")
    found += [f"remote step {name} still runs" for name in running_steps(fleet)]
    if release is not None:
        found += schema_problems(fleet, release)
    for site, expected in zip(sites, serving, strict=False):
        found += site_problems(site, expected)
    found += row_problems(fleet, postgres, before)
    return found


def schema_problems(fleet: Fleet, release: str) -> list[str]:
    """``manage.py verify_schema`` in the release's folder on the primary, with its code."""
    folder = fleet.deploy_to[0] / "releases" / release
    done = subprocess.run(
        [sys.executable, "manage.py", "verify_schema", "--format", "json"],
        cwd=folder,
        env={**os.environ, "DATABASE_URL": fleet.database_url, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return [f"verify_schema with {release} did not answer: {done.stderr[-500:]}"]
    errors = [p["message"] for p in report["problems"] if p["severity"] == "error"]
    if done.returncode == 0 and report["ok"] and not errors:
        return []
    return [f"verify_schema with {release}: " + ("; ".join(errors) or f"exit {done.returncode}")]


def site_problems(site, release: str | None) -> list[str]:
    """The host's gunicorn answers with ``release`` and reads every column it needs."""
    try:
        status, _, body = site.get("/version")
        answering = json.loads(body).get("release") if status == 200 else f"HTTP {status}"
        assets, _, _ = site.get("/assets")
    except (OSError, ValueError) as error:
        return [f"site on {site.deploy_to.name} does not answer: {error}"]
    found = []
    if answering != release:
        found.append(f"{site.deploy_to.name} serves {answering}, its current is {release}")
    if assets != 200:
        found.append(f"{site.deploy_to.name}: /assets answers {assets}")
    return found


def row_problems(fleet: Fleet, postgres, before: Snapshot) -> list[str]:
    found = []
    for table, columns in before.columns.items():
        missing = set(columns) - set(table_columns(postgres, fleet, table))
        if missing:
            found.append(f"columns lost from {table}: {', '.join(sorted(missing))}")
            continue
        count, md5 = digest(postgres, fleet, table, columns)
        if (count, md5) != before.rows[table]:
            found.append(f"rows of {table} changed: {before.rows[table][0]} before, {count} now")
    return found
