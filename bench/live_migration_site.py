"""The lock-contention bench's site: the example project served while its next migration runs.

A throwaway PostgreSQL (``tests/servers``) holds the example project migrated to everything
but ``content.0002_asset_description`` (which adds a column to ``asset``), with 50 resources
and 500 assets. gunicorn (``tests/servers/wsgi.py``) serves the release *before* that
migration: a copy of ``examples/cms`` without the field and its migration, as a deployed host
would still serve it while the new release migrates. ``manage.py`` runs from
``examples/cms`` itself, the new release, as the test suite runs it (``tests/project``).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CMS = REPO / "examples" / "cms"
sys.path[:0] = [str(REPO / "tests")]

from project import manage  # noqa: E402
from servers import PostgresServer  # noqa: E402
from servers.wsgi import WsgiServer  # noqa: E402

DATABASE = "bench_live_migration"
SETTINGS = "cms.settings"
TABLE = "asset"
MIGRATION = "0002_asset_description"
FIELD = '    description = models.TextField(blank=True, default="")\n'
APPLICATION = "bench long transaction"
SEED = """
INSERT INTO resource (name, slug, created, is_active)
  SELECT 'resource ' || i, 'r', now(), true FROM generate_series(1, 50) i;
INSERT INTO asset (title, resource_id, file_size, checksum, created)
  SELECT 'asset ' || i, r.id, i, 'c', now()
  FROM generate_series(1, 500) i JOIN resource r ON r.name = 'resource ' || (1 + i % 50);
"""


class BenchFailed(RuntimeError):
    """A step of the benchmark did not do what it is measured for."""


@dataclass(frozen=True)
class Done:
    """One ``manage.py`` process: when it ran (monotonic seconds) and what it said."""

    args: tuple[str, ...]
    started: float
    ended: float
    code: int
    stdout: str
    stderr: str

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class Site:
    folder: Path
    database: PostgresServer
    server: WsgiServer | None = None

    @property
    def url(self) -> str:
        return self.database.url(DATABASE)

    def manage(self, *args: str) -> Done:
        """``manage.py args`` with the new release's code; timed, exit code not checked."""
        started = time.monotonic()
        run = manage(self.url, *args, settings=SETTINGS, pythonpath=[CMS, REPO])
        return Done(args, started, time.monotonic(), run.code, run.stdout, run.stderr)

    def must(self, *args: str) -> Done:
        done = self.manage(*args)
        if done.code != 0:
            raise BenchFailed(f"manage.py {' '.join(args)} exited {done.code}:\n{done.stderr}")
        return done

    def migrated(self) -> bool:
        """Whether the migrated column is there: the state after a phase, not what it said."""
        query = (
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = %s AND column_name = 'description'"
        )
        return self.database.execute(DATABASE, query, [TABLE])[0][0] == 1

    def waited_for(self) -> bool:
        """Whether a session waits for a lock on ``asset`` (the migration's ALTER TABLE first)."""
        query = "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted"
        return self.database.execute(DATABASE, query, [TABLE])[0][0] > 0

    @contextmanager
    def long_transaction(self) -> Iterator[LongTransaction]:
        """A session that has read ``asset`` in a transaction it keeps open (ACCESS SHARE)."""
        with self.database.connect(DATABASE) as connection:
            connection.execute(f"SET application_name = '{APPLICATION}'")
            connection.autocommit = False
            (pid,) = connection.execute("SELECT pg_backend_pid()").fetchone()
            connection.execute(f"SELECT count(*) FROM {TABLE}").fetchall()
            holder = LongTransaction(pid, connection)
            try:
                yield holder
            finally:
                holder.end()


@dataclass
class LongTransaction:
    pid: int
    connection: object
    ended: float | None = None

    def end(self) -> None:
        if self.ended is None:
            self.connection.rollback()
            self.ended = time.monotonic()


@contextmanager
def started(database: PostgresServer, progress) -> Iterator[Site]:
    """The database one migration behind, the old release served; gunicorn stopped after."""
    folder = Path(tempfile.mkdtemp(prefix="schema-safety-bench-live-"))
    site = Site(folder, database)
    try:
        database.create_database(DATABASE)
        progress.print("migrating the example project to content 0001 ...")
        site.must("migrate", "--no-input", "-v0")
        site.must("migrate", "content", "0001", "--no-input", "-v0")
        site.database.execute(DATABASE, SEED)
        environment = {"DATABASE_URL": site.url, "PYTHONPATH": str(REPO)}
        site.server = WsgiServer(_old_release(folder), environment)
        site.server.start()
        yield site
    finally:
        if site.server is not None:
            site.server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _old_release(folder: Path) -> Path:
    """A host's folder whose ``current`` is examples/cms without the field content.0002 adds."""
    release = folder / "releases" / "before-0002"
    ignore = shutil.ignore_patterns("__pycache__", "db.sqlite3", "static")
    shutil.copytree(CMS, release, ignore=ignore)
    models = release / "content" / "models.py"
    source = models.read_text()
    if FIELD not in source:
        raise BenchFailed(f"examples/cms/content/models.py has no line {FIELD.strip()!r}")
    models.write_text(source.replace(FIELD, ""))
    (release / "content" / "migrations" / f"{MIGRATION}.py").unlink()
    (folder / "current").symlink_to(release)
    return folder
