"""A database password in env_file never reaches a command line, output, the history or any
file of the hosts: the hosts' process list is sampled while predeploy, deploy and rollback
run, and every output and file under deploy_to is searched for it."""

from __future__ import annotations

import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from deploying import ADD_HOMEPAGE, HOMEPAGE, add_field, add_migration, make_fleet
from project import ROOT

SECRET = "s3cret-Pa55-7f1e"  # noqa: S105 (the value looked for, not a credential)


@pytest.fixture(scope="module")
def hosts(sshd_servers):
    return [sshd_servers.start("127.0.0.45")]


class ProcessList:
    """Every command line of this machine (the hosts' too: they are on 127.0.0.x) that shows
    the secret, sampled until stopped."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ProcessList:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            listed = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True)
            self.samples += 1
            self.seen += [line for line in listed.stdout.splitlines() if SECRET in line]


def test_a_password_in_env_file_is_never_in_argv_output_history_or_files(
    tmp_path, hosts, postgres_server, request
):
    fleet = make_fleet(tmp_path, hosts, postgres_server, request.node.name, confirm="none")
    url = fleet.database_url.replace("postgres://postgres@", f"postgres://postgres:{SECRET}@")
    assert SECRET in url
    env_file = fleet.deploy_to[0] / "shared" / ".env"
    env_file.parent.mkdir(parents=True)
    env_file.write_text(f"DATABASE_URL={url}\nPYTHONPATH={ROOT}\n")
    manage = shlex.join([sys.executable, "manage.py"])
    fleet.write_inventory(confirm="none", manage=manage, env_file="shared/.env")

    outputs = []
    with ProcessList() as processes:
        for args in (("predeploy",), ("deploy", "--yes")):
            outputs.append(fleet.fab(*args, "--env=test"))
        fleet.add_superuser()
        add_field(fleet.origin, HOMEPAGE)
        add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)
        for args in (("deploy", "--yes"), ("rollback", "--yes"), ("history", "--json")):
            outputs.append(fleet.fab(*args, "--env=test"))
    assert [done.returncode for done in outputs] == [0, 0, 0, 0, 0], outputs[-1].stderr
    assert processes.samples > 50 and processes.seen == []
    for done in outputs:
        assert SECRET not in done.stdout + done.stderr
    leaked = [
        path
        for path in Path(fleet.deploy_to[0]).rglob("*")
        if path.is_file() and path != env_file and SECRET.encode() in path.read_bytes()
    ]
    assert leaked == []
