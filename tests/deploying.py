"""Helpers for the deploy integration tests: a fleet per test, its state, fab in a terminal.

fleet = make_fleet(tmp_path, hosts, postgres_server, request.node.name, confirm="none")
add_field(fleet.origin, "homepage = models.CharField(max_length=200, db_default='')")
add_migration(fleet.origin, "0003_resource_homepage", "        migrations.AddField(...),")
done = fab_in_terminal(fleet, ["deploy", "--env=test"], [("Type", "test")])
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fleet import FAB, Fleet, Origin
from project import ROOT

from deployment import history, lock
from deployment.layout import Layout

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
DEADLINE = 120.0


def make_fleet(folder: Path, hosts, postgres_server, test_name: str, **keys) -> Fleet:
    """A fleet of ``hosts`` with a fresh database named after the test, host keys trusted."""
    name = f"deploy_{abs(hash(test_name)) % 10**8}"
    postgres_server.drop_database(name)
    postgres_server.create_database(name)
    fleet = Fleet(folder, Origin(folder), hosts, postgres_server.url(name), **keys)
    fleet.trust()
    fleet.db = name
    return fleet


# --- what the hosts and the database look like ---


def live(fleet: Fleet) -> list[str | None]:
    """The release each host's ``current`` points to (None: nothing live)."""
    return [
        os.path.basename(os.readlink(d / "current")) if (d / "current").is_symlink() else None
        for d in fleet.deploy_to
    ]


def release_folders(fleet: Fleet) -> list[list[str]]:
    """The release folders on each host."""
    return [
        sorted(p.name for p in (d / "releases").iterdir()) if (d / "releases").exists() else []
        for d in fleet.deploy_to
    ]


def sql(postgres_server, fleet: Fleet, query: str) -> list[tuple]:
    return postgres_server.execute(fleet.db, query)


def columns(postgres_server, fleet: Fleet, table: str = "resource") -> set[str]:
    query = f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"
    return {row[0] for row in sql(postgres_server, fleet, query)}


def checksum(postgres_server, fleet: Fleet, table: str = "resource") -> str:
    query = f"SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {table} t"
    return sql(postgres_server, fleet, query)[0][0]


def events(fleet: Fleet, env: str = "test") -> list[dict]:
    done = fleet.fab("history", f"--env={env}", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["events"]


def stale_lock(
    layout: Layout, idle: timedelta, age: timedelta = timedelta(hours=1), env: str = "test"
) -> dict:
    """A lock left by a holder that died ``idle`` ago, written as a cancelled CI job would."""
    now = datetime.now(UTC)
    info = {
        "operator": "ci@runner-7",
        "host": "runner-7",
        "pid": 4711,
        "task": "deploy",
        "env": env,
        "ref": "main",
        "time": history.timestamp(now - age),
        "refreshed": history.timestamp(now - idle),
        "token": "0" * 32,
    }
    path = Path(lock.info_path(layout))
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(info, sort_keys=True) + "\n")
    moment = (now - idle).timestamp()
    os.utime(path, (moment, moment))
    return info


def lock_held(fleet: Fleet) -> bool:
    return (fleet.deploy_to[0] / ".deploy" / "lock").exists()


# --- changing the team's repository ---

HOMEPAGE = "homepage = models.CharField(max_length=200, db_default='')"
ADD_HOMEPAGE = (
    "        migrations.AddField("
    "'resource', 'homepage', models.CharField(max_length=200, db_default='')),"
)


def add_field(origin: Origin, line: str) -> None:
    """A new Resource field in the models (the migration follows separately)."""
    models = origin.work / "content" / "models.py"
    anchor = "    is_active = models.BooleanField(default=True)\n"
    models.write_text(models.read_text().replace(anchor, anchor + f"    {line}\n"))


def remove_field(origin: Origin, line: str) -> None:
    models = origin.work / "content" / "models.py"
    models.write_text(models.read_text().replace(f"    {line}\n", ""))


def add_migration(origin: Origin, name: str, body: str, post_deploy: bool = False) -> None:
    """A migration of the content app after the newest one, committed and pushed;
    ``post_deploy``: it runs after go-live."""
    path = origin.work / "content" / "migrations" / f"{name}.py"
    path.write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        + ("    post_deploy = True\n" if post_deploy else "")
        + f"    dependencies = [('content', '{_leaf(origin)}')]\n"
        f"    operations = [\n{body}\n    ]\n"
    )
    origin.commit(f"migration {name}")


def _leaf(origin: Origin) -> str:
    names = sorted(p.stem for p in (origin.work / "content" / "migrations").glob("0*.py"))
    return names[-1]


# --- running fab ---


def fab_environment(fleet: Fleet, env: dict | None = None) -> dict:
    return {
        **os.environ,
        "DEPLOY_INVENTORY": str(fleet.inventory),
        "HOME": str(fleet.home),
        **(env or {}),
    }


def fab_argv(fleet: Fleet, *args: str) -> list[str]:
    return [str(FAB), "-i", str(fleet.servers[0].client_key_path), *args]


def fab_piped(fleet: Fleet, *args: str, answer: str = "") -> subprocess.CompletedProcess:
    """fab with stdin a pipe (no terminal), ``answer`` written to it."""
    return subprocess.run(
        fab_argv(fleet, *args),
        cwd=ROOT,
        env=fab_environment(fleet),
        input=answer,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )


def start_fab(fleet: Fleet, *args: str) -> subprocess.Popen:
    """fab in the background, stdin closed, output captured."""
    return subprocess.Popen(
        fab_argv(fleet, *args),
        cwd=ROOT,
        env=fab_environment(fleet),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@dataclass
class TerminalRun:
    returncode: int
    output: str  # stdout and stderr as the terminal showed them, colours removed
    prompts_seen: list[str]


def fab_in_terminal(fleet: Fleet, args: list[str], replies: list[tuple[str, str]]) -> TerminalRun:
    """Run fab on a pseudo-terminal; when ``expect`` appears, type ``reply`` and Enter.

    Replies go in order, each once. Fails the test if fab runs past ``DEADLINE``.
    """
    master, slave = os.openpty()
    process = subprocess.Popen(
        fab_argv(fleet, *args),
        cwd=ROOT,
        env=fab_environment(fleet, {"TERM": "xterm", "COLUMNS": "160"}),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    try:
        return _converse(process, master, list(replies))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


def _converse(process: subprocess.Popen, master: int, pending: list) -> TerminalRun:
    deadline, raw, text, seen, answered_at = time.monotonic() + DEADLINE, b"", "", [], 0
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"fab did not finish in {DEADLINE} s:\n{text}"
        ready, _, _ = select.select([master], [], [], min(remaining, 0.5))
        chunk = _read(master) if ready else b""
        if ready and chunk is None:  # the terminal closed: fab is gone
            break
        raw += chunk or b""
        text = ANSI.sub("", raw.decode(errors="replace"))
        if pending and pending[0][0] in text[answered_at:]:
            expect, reply = pending.pop(0)
            seen.append(expect)
            answered_at = len(text)
            os.write(master, reply.encode() + b"\r")
        if not ready and process.poll() is not None:
            break
    return TerminalRun(process.wait(), text.replace("\r\n", "\n"), seen)


def _read(master: int) -> bytes | None:
    try:
        data = os.read(master, 65536)
    except OSError:  # EIO once every holder of the slave side has closed it
        return None
    return data or None
