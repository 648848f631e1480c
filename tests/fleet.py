"""A team's setup for the orchestrator tests: a git origin, hosts behind real sshd, an inventory.

The hosts are OpenSSH servers on 127.0.0.x, so their folders are this machine's: a test
may look at or edit a host's files directly, as an operator logged in there would.
Until ``fab deploy`` exists, ``deploy_by_hand`` lays out a release the way it will.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from project import CMS, ROOT, manage

FAB = Path(sys.executable).with_name("fab")


def git(*args, cwd=None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


class Origin:
    """The team's repository: the example project on ``main``, in a bare repository."""

    def __init__(self, folder: Path):
        self.work = folder / "work"
        self.bare = folder / "origin.git"
        shutil.copytree(CMS, self.work, ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__"))
        git("init", "-q", "-b", "main", cwd=self.work)
        git("-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A", cwd=self.work)
        self.commit("the example project")
        git("clone", "-q", "--bare", str(self.work), str(self.bare))

    def commit(self, message: str) -> str:
        identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
        git(*identity, "add", "-A", cwd=self.work)
        git(*identity, "commit", "-q", "--allow-empty", "-m", message, cwd=self.work)
        if self.bare.exists():
            git("push", "-q", str(self.bare), "HEAD", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)


def deploy_by_hand(origin: Origin, deploy_to: Path, ref: str = "main") -> Path:
    """The remote layout of the design, with one release of ``ref`` live."""
    for folder in ("releases", "shared", "backups", ".deploy"):
        (deploy_to / folder).mkdir(parents=True, exist_ok=True)
    repo = deploy_to / "repo"
    if not repo.exists():
        git("clone", "-q", "--mirror", str(origin.bare), str(repo))
    sha = git("-C", str(repo), "rev-parse", ref)
    release = deploy_to / "releases" / f"20261124000000-{sha[:7]}"
    git("-C", str(repo), "worktree", "add", "-q", "--detach", str(release), sha)
    (deploy_to / "current").unlink(missing_ok=True)
    (deploy_to / "current").symlink_to(release)
    return release


class Fleet:
    """An environment named ``test``: its inventory, hosts and database."""

    def __init__(self, folder: Path, origin: Origin, servers, database_url: str, **keys):
        self.folder = folder
        self.origin = origin
        self.servers = servers
        self.database_url = database_url
        self.inventory = folder / "inventory"
        self.inventory.mkdir(exist_ok=True)
        self.home = folder / "home"
        (self.home / ".ssh").mkdir(parents=True, exist_ok=True)
        self.deploy_to = [folder / f"host{i}" for i in range(len(servers))]
        self.write_inventory(**keys)

    @property
    def manage_command(self) -> str:
        variables = [f"DATABASE_URL={self.database_url}", f"PYTHONPATH={ROOT}"]
        return shlex.join(["env", *variables, sys.executable, "manage.py"])

    def write_inventory(self, name: str = "test", per_host: list | None = None, **keys) -> Path:
        """``per_host``: more keys for each host's entry (its ``healthcheck``), in order."""
        more = per_host or [{} for _ in self.servers]
        document = {
            "hosts": [
                {"host": s.host, "port": s.port, "deploy_to": str(d), **extra}
                for s, d, extra in zip(self.servers, self.deploy_to, more, strict=True)
            ],
            "user": "root",
            "repository": str(self.origin.bare),
            "branch": "main",
            "deploy_to": str(self.deploy_to[0]),
            "manage": self.manage_command,
            "known_hosts": str(self.folder / "known_hosts"),
            **keys,
        }
        path = self.inventory / f"{name}.yml"
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        return path

    def trust(self, *servers) -> None:
        lines = [server.host_key_line() for server in servers or self.servers]
        (self.folder / "known_hosts").write_text("\n".join(lines) + "\n")

    def migrate(self) -> None:
        run = manage(
            self.database_url,
            "migrate",
            "-v0",
            settings="cms.settings",
            pythonpath=[self.origin.work, ROOT],
        )
        assert run.code == 0, run.stderr

    def add_superuser(self) -> None:
        create = (
            "from django.contrib.auth.models import User; User.objects.create_superuser('root')"
        )
        run = manage(
            self.database_url,
            "shell",
            "-v0",
            "-c",
            create,
            settings="cms.settings",
            pythonpath=[self.origin.work, ROOT],
        )
        assert run.code == 0, run.stderr

    def fab(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        environment = {
            **os.environ,
            "DEPLOY_INVENTORY": str(self.inventory),
            "HOME": str(self.home),
            **(env or {}),
        }
        key = str(self.servers[0].client_key_path)
        return subprocess.run(
            [str(FAB), "-i", key, *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def predeploy(self, *args: str, env: dict | None = None) -> tuple[int, dict]:
        done = self.fab("predeploy", "--env=test", "--json", *args, env=env)
        assert done.stdout, done.stderr
        return done.returncode, json.loads(done.stdout)


def statuses(report: dict) -> dict[str, dict[str, str]]:
    """{host: {check: status}}"""
    return {h["host"]: {c["name"]: c["status"] for c in h["checks"]} for h in report["hosts"]}


def detail(report: dict, host: str, check: str) -> str:
    for entry in report["hosts"]:
        if entry["host"] == host:
            return next(c["detail"] for c in entry["checks"] if c["name"] == check)
    raise KeyError(host)
