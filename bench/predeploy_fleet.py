"""The benchmark's environment: real sshd hosts, a git origin, releases, PostgreSQL.

Reuses the test suite's helpers (``tests/servers``, ``tests/fleet.py``): every host is an
OpenSSH server on its own 127.0.0.x address with the example project deployed as
``deploy_by_hand`` lays it out, and one migrated database with a superuser, so every check
does real work.
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

from fleet import Fleet, Origin, deploy_by_hand  # noqa: E402
from servers import PostgresServer, ServerError  # noqa: E402, F401
from servers.sshd import SshdServers  # noqa: E402

ENV = "bench"
DATABASE = "bench_predeploy"


@dataclass
class Bench:
    """Everything started once and shared by every fleet size."""

    folder: Path
    origin: Origin
    servers: list  # SshdServer, started
    database_url: str

    def fleet(self, size: int) -> Fleet:
        """The environment ``bench`` with the first ``size`` hosts, all trusted."""
        fleet = Fleet(self.folder, self.origin, self.servers[:size], self.database_url)
        fleet.write_inventory(name=ENV)
        fleet.trust()
        return fleet


def _origin(folder: Path) -> Origin:
    """The example project's repository, ignoring bytecode as a team's repository does.

    Without it, the ``__pycache__`` folders the first Django start-up writes into a release
    would show as local edits, and git_status would fail from the second run on.
    """
    origin = Origin(folder)
    (origin.work / ".gitignore").write_text("__pycache__/\n")
    origin.commit("ignore bytecode")
    return origin


@contextmanager
def started(hosts: int, progress, lean_shell: bool = False) -> Iterator[Bench]:
    """Start ``hosts`` sshd servers and PostgreSQL, deploy and migrate; stop all on exit.

    ``lean_shell``: sessions get an empty HOME, so the remote shell reads no ~/.bashrc
    (root's may start pyenv or the like, paid once per command on every host).
    """
    folder = Path(tempfile.mkdtemp(prefix="schema-safety-bench-predeploy-"))
    # The test servers' sessions skip the login's ~/.bashrc; a benchmark pays for it, as a
    # real host's sessions do, unless told otherwise.
    home = folder / "remote-home" if lean_shell else Path.home()
    extra = (f"SetEnv HOME={home}",)
    database = sshd = None
    try:
        database = PostgresServer.start()
        database.create_database(DATABASE)
        sshd = SshdServers.create()
        (folder / "remote-home").mkdir()
        servers = [sshd.start(f"127.0.0.{2 + i}", extra=extra) for i in range(hosts)]
        progress.print(f"{hosts} sshd servers and PostgreSQL started; deploying ...")
        origin = _origin(folder / "origin")
        bench = Bench(folder, origin, servers, database.url(DATABASE))
        fleet = bench.fleet(hosts)
        for deploy_to in fleet.deploy_to:
            deploy_by_hand(origin, deploy_to)
        fleet.migrate()
        fleet.add_superuser()
        yield bench
    finally:
        if sshd is not None:
            sshd.stop_all()
        if database is not None:
            database.stop()
        shutil.rmtree(folder, ignore_errors=True)
