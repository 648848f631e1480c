"""The deploy benchmark's environment: one sshd host, PostgreSQL, a git origin, gunicorn.

Reuses the test suite's helpers (``tests/servers``, ``tests/fleet.py``, ``tests/deploying.py``):
the host is an OpenSSH server on 127.0.0.2 whose ``deploy_to`` is a folder of this machine,
the first release is deployed with ``fab deploy`` itself, the database holds a few hundred
rows, and gunicorn serves ``current`` with the inventory's ``restart`` reloading it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from deploying import add_field, add_migration  # noqa: E402
from fleet import Fleet, Origin, git  # noqa: E402
from servers import PostgresServer, ServerError  # noqa: E402, F401
from servers.sshd import SshdServers  # noqa: E402
from servers.wsgi import WsgiServer  # noqa: E402

ENV = "bench"
DATABASE = "bench_deploy"
SEED = """
INSERT INTO resource (name, slug, created, is_active)
  SELECT 'resource ' || i, 'r', now(), true FROM generate_series(1, 50) i;
INSERT INTO asset (title, resource_id, file_size, checksum, description, created)
  SELECT 'asset ' || i, r.id, i, 'c', '', now()
  FROM generate_series(1, 500) i JOIN resource r ON r.name = 'resource ' || (1 + i % 50);
"""


class BenchFailed(RuntimeError):
    """A command the benchmark runs did not do what it is measured for."""


@dataclass
class Bench:
    folder: Path
    fleet: Fleet
    server: WsgiServer

    def fab(self, *args: str):
        done = self.fleet.fab(*args)
        if done.returncode != 0:
            raise BenchFailed(f"fab {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
        return done

    def commit_without_migration(self, text: str) -> str:
        """A release whose migrations are the current one's: a change to a page only."""
        (self.fleet.origin.work / "CHANGES").write_text(text + "\n")
        return self.fleet.origin.commit(text)

    def commit_with_migration(self) -> str:
        """An additive migration: a nullable column the new code reads on every page."""
        add_field(self.fleet.origin, "caption = models.TextField(null=True)")
        field = "models.TextField(null=True)"
        operation = f"        migrations.AddField('resource', 'caption', {field}),"
        add_migration(self.fleet.origin, "0003_resource_caption", operation)
        return git("rev-parse", "HEAD", cwd=self.fleet.origin.work)


@contextmanager
def started(progress, lean_shell: bool = False) -> Iterator[Bench]:
    """Start sshd and PostgreSQL, deploy, seed, serve; stop everything on exit.

    ``lean_shell``: the SSH sessions get an empty HOME, so root's shell reads no ~/.bashrc.
    """
    folder = Path(tempfile.mkdtemp(prefix="schema-safety-bench-deploy-"))
    # The test servers' sessions skip the login's ~/.bashrc; a benchmark pays for it, as a
    # real host's sessions do, unless told otherwise.
    home = folder / "remote-home" if lean_shell else Path.home()
    extra = (f"SetEnv HOME={home}",)
    (folder / "remote-home").mkdir()
    database = sshd = server = None
    try:
        database = PostgresServer.start()
        database.create_database(DATABASE)
        sshd = SshdServers.create()
        host = sshd.start("127.0.0.2", extra=extra)
        fleet = Fleet(folder, Origin(folder / "origin"), [host], database.url(DATABASE))
        fleet.write_inventory(name=ENV, confirm="none")
        fleet.trust()
        progress.print("sshd and PostgreSQL started; first deploy ...")
        bench = Bench(folder, fleet, None)
        bench.fab("deploy", f"--env={ENV}", "--yes")
        fleet.add_superuser()
        database.execute(DATABASE, SEED)
        environment = {"DATABASE_URL": fleet.database_url, "PYTHONPATH": str(REPO)}
        server = bench.server = WsgiServer(fleet.deploy_to[0], environment)
        server.start()
        fleet.write_inventory(
            name=ENV,
            confirm="none",
            restart=[server.restart_command()],
            healthcheck=server.healthcheck(30),
        )
        yield bench
    finally:
        if server is not None:
            server.stop()
        if sshd is not None:
            sshd.stop_all()
        if database is not None:
            database.stop()
        shutil.rmtree(folder, ignore_errors=True)
