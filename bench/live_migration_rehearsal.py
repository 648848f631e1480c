"""The rehearsal's cost on a 300-table schema, against the project's own start-up.

The database is built from the generated project (``bench/genproject``) of 300 models
(``bench/database.py``: its tables, ``gen.0001_initial`` recorded); a copy of the project gets
one more migration, ``gen.0002_note`` (a nullable text column on one model), which pends.
Then, interleaved ``repetitions`` times: ``manage.py migrate --plan`` (start-up, system checks
and the migration graph: the floor any Django command pays) and ``rehearse_migrations``.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from database import build
from genproject import Project, ensure_project, model_name

MODELS = 300
NOTED = 299  # a model without Meta: the new field goes first in its class
PENDING = "gen.0002_note"
FLOOR = ["manage.py", "migrate", "--plan"]
OURS = ["manage.py", "rehearse_migrations"]
NOTE = "    note = models.TextField(null=True)\n"
MIGRATION = f'''"""Added by bench/live_migration_rehearsal.py: the migration rehearsed."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("gen", "0001_initial")]

    operations = [
        migrations.AddField("{model_name(NOTED).lower()}", "note", models.TextField(null=True)),
    ]
'''


class RehearsalFailed(RuntimeError):
    """The rehearsal did not rehearse the pending migration cleanly."""


@dataclass
class Rehearsal:
    built: float = 0.0  # seconds to build the database
    floor: list[float] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)
    elapsed_ms: list[int] = field(default_factory=list)  # what rehearse_migrations reports
    tables: int = 0

    def median(self, name: str) -> float:
        return statistics.median(getattr(self, name))


def measure(server, folder: Path, repetitions: int, progress) -> Rehearsal:
    url, built = build(server, ensure_project(MODELS), f"bench_rehearsal_{MODELS}")
    project = pending_project(folder)
    result = Rehearsal(built=built, tables=_tables(server, f"bench_rehearsal_{MODELS}"))
    progress.print(f"{MODELS} models: database built in {built:.1f} s; rehearsing ...")
    plan = _timed(project, FLOOR, url)[1]
    if PENDING.split(".")[1] not in plan or "0001_initial" in plan:
        raise RehearsalFailed(f"migrate --plan does not show {PENDING} alone pending:\n{plan}")
    for _ in range(repetitions):
        result.floor.append(_timed(project, FLOOR, url)[0])
        seconds, out = _timed(project, OURS, url)
        result.ours.append(seconds)
        result.elapsed_ms.append(_clean(out)["elapsed_ms"])
    return result


def pending_project(folder: Path) -> Project:
    """A copy of the generated project with one more migration than its database will have."""
    generated = ensure_project(MODELS)
    root = folder / f"{generated.root.name}-pending"
    shutil.copytree(generated.root, root, ignore=shutil.ignore_patterns("__pycache__"))
    models = root / "gen" / "models.py"
    header = f"class {model_name(NOTED)}(models.Model):\n"
    models.write_text(models.read_text().replace(header, header + NOTE))
    (root / "gen" / "migrations" / "0002_note.py").write_text(MIGRATION)
    return Project(root, MODELS)


def _tables(server, name: str) -> int:
    query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    return server.execute(name, query)[0][0]


def _timed(project: Project, args: list[str], url: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = project.run(args, url)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        said = f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        raise RehearsalFailed(f"{' '.join(args)} exited {done.returncode}:\n{said}")
    return seconds, done.stdout


def _clean(out: str) -> dict:
    """rehearse_migrations' JSON, which must show the pending migration applied, nothing else."""
    try:
        document = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RehearsalFailed(f"rehearse_migrations printed no JSON:\n{out[-3000:]}") from None
    problems = document["new_release"] + document["running_release"]
    if not document["ok"] or problems or PENDING not in json.dumps(document["migrations"]):
        raise RehearsalFailed(f"rehearse_migrations did not rehearse {PENDING} cleanly:\n{out}")
    return document
