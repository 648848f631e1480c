"""The docs' real hosts, for real: production on web1 and web2.example.com, staging on
staging.example.com, each a real sshd on this machine, each environment its own PostgreSQL
database, deploying the example project from a git origin.

The environment and host names are the docs' own, and work as they do for an operator:
``~/.ssh/config`` (this world's HOME) maps each host name to its sshd's address and port, user
and key, so ``fab`` commands run exactly as the docs show them, and print the same names.
What differs, and why:
- staging says ``confirm: none``; production, protected, may not, so it says ``yes-no`` and
  its deploys, rollbacks, migrations, restores and recoveries run with ``--yes`` added (the
  docs' commands run without a terminal; a real production asks to type its name), and
  production has no ``promote_from: staging`` (the docs deploy to production first);
- every host has its own folder (the doc's /srv/cms) and the hosts share one port, given to
  ``ssh-keyscan`` with ``-p`` (which reads no ssh_config), with the addresses for the names;
- ``inventory/...`` and /etc/cms-inventory in a command are this world's inventory folder.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import yaml
from docs_blocks import ROOT
from docs_worlds import World
from fleet import Origin
from project import manage

ADDRESSES = {"web1.example.com": "127.0.0.41", "web2.example.com": "127.0.0.42"}
ENVIRONMENTS = {"production": ["web1.example.com", "web2.example.com"]}
ENVIRONMENTS["staging"] = ["staging.example.com"]  # on web1's sshd, its own folder
SUPERUSER = "from django.contrib.auth.models import User; User.objects.create_superuser('root')"


def _size(path: Path) -> int | None:
    return path.stat().st_size if path.is_file() else None


def shared_port() -> int:
    """A port free on every address (sshd listens on ADDRESS:port for each)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((ADDRESSES["web1.example.com"], 0))
            port = probe.getsockname()[1]
        try:
            with socket.socket() as other:
                other.bind((ADDRESSES["web2.example.com"], port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free on every address")


class FleetWorld(World):
    def __init__(self, folder: Path, servers, postgres_server):
        self.origin = Origin(folder)
        self.servers, self.postgres = servers, postgres_server
        self.home, self.inventory = folder / "home", folder / "inventory"
        super().__init__(folder, {"HOME": str(self.home), "DEPLOY_INVENTORY": str(self.inventory)})
        self.urls = {env: self._database(f"docs_{env}") for env in ENVIRONMENTS}
        self._ssh_config()
        self.inventory.mkdir()
        (self.inventory / "known_hosts").touch()
        for env, hosts in ENVIRONMENTS.items():
            self._write_inventory(env, hosts)
        self.to_real = [
            ("/etc/cms-inventory", str(self.inventory)),
            ("inventory/", f"{self.inventory}/"),
        ]
        self.to_doc |= {str(self.folder / "srv"): "/srv"}
        for env, hosts in ENVIRONMENTS.items():
            self.to_doc |= {str(self.deploy_to(env, host)): "/srv/cms" for host in hosts}
        self.rules = [("ssh-keyscan ", self._keyscan), ("ssh-keygen -R ", self._keygen)]
        for task in ("deploy", "rollback", "migrate", "restore", "recover"):
            self.rules.append((f"fab {task} --env=production", _confirmed))
        self.values = {"BACKUP_ID": self.newest_backup}
        self._hide_addresses()
        self._checkout()

    def _hide_addresses(self) -> None:
        """The sshd's address and port, as the docs show a real host's."""
        for number, server in enumerate(self.servers, start=1):
            self.to_doc[f"{server.host} port {server.port}"] = f"192.0.2.1{number} port 22"

    def _checkout(self) -> None:
        """The team's checkout pushes to the origin (``git push``), as a clone would."""
        work, bare = self.origin.work, str(self.origin.bare)
        for args in (["remote", "add", "origin", bare], ["fetch", "-q", "origin"]):
            subprocess.run(["git", *args], cwd=work, check=True)
        subprocess.run(["git", "branch", "-q", "-u", "origin/main"], cwd=work, check=True)
        self.env |= {"GIT_AUTHOR_NAME": "Alice", "GIT_COMMITTER_NAME": "Alice"}
        self.env |= {"GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_EMAIL": "a@example.com"}
        self.to_doc[str(work)] = "~/cms"

    def tag(self, name: str) -> None:
        """Tag the newest commit and push the tag, as a release manager would."""
        for args in (["tag", name], ["push", "-q", "origin", name]):
            subprocess.run(["git", *args], cwd=self.origin.work, check=True, env=self.env)

    def newest_backup(self) -> str:
        done = subprocess.run(
            ["fab", "backups", "--env=production", "--json"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)["backups"][0]["id"]

    def footprint(self, env: str) -> dict[str, list[str]]:
        """What ``env``'s hosts hold besides the mirror: releases, ``current``, ``.deploy/``."""
        found = {}
        for host in ENVIRONMENTS[env]:
            folder = self.deploy_to(env, host)
            paths = [*(folder / "releases").iterdir(), *(folder / ".deploy").iterdir()]
            live = os.readlink(folder / "current")
            found[host] = [live, *sorted(f"{p.parent.name}/{p.name} {_size(p)}" for p in paths)]
        return found

    def use_database(self, env: str) -> None:
        """``python manage.py`` reads ``env``'s database, as the inventory's ``manage`` does."""
        self.env |= {"DATABASE_URL": self.urls[env], "PYTHONPATH": str(ROOT)}

    def deploy_to(self, env: str, host: str) -> Path:
        return self.folder / "srv" / f"{env}-{host.split('.')[0]}"

    def _database(self, name: str) -> str:
        self.postgres.drop_database(name)
        self.postgres.create_database(name)
        return self.postgres.url(name)

    def _ssh_config(self) -> None:
        (self.home / ".ssh").mkdir(parents=True)
        web1, web2 = self.servers
        aliases = {"web1.example.com staging.example.com": web1, "web2.example.com": web2}
        lines = [
            f"Host {names}\n  HostName {s.host}\n  Port {s.port}" for names, s in aliases.items()
        ]
        key = web1.client_key_path
        lines.append(f"Host *\n  User root\n  IdentityFile {key}\n  IdentitiesOnly yes")
        (self.home / ".ssh" / "config").write_text("\n".join(lines) + "\n")

    def _write_inventory(self, env: str, hosts: list[str]) -> None:
        variables = [f"DATABASE_URL={self.urls[env]}", f"PYTHONPATH={ROOT}"]
        document = {
            "hosts": [
                {"host": host, "deploy_to": str(self.deploy_to(env, host))} for host in hosts
            ],
            "repository": str(self.origin.bare),
            "branch": "main",
            "deploy_to": str(self.deploy_to(env, hosts[0])),
            "manage": shlex.join(["env", *variables, sys.executable, "manage.py"]),
            "known_hosts": "known_hosts",
            "confirm": "yes-no" if env == "production" else "none",
        }
        (self.inventory / f"{env}.yml").write_text(yaml.safe_dump(document, sort_keys=False))

    def _keyscan(self, command: str) -> str:
        command = command.replace("ssh-keyscan ", f"ssh-keyscan -p {self.servers[0].port} ", 1)
        for name, address in ADDRESSES.items():
            command = command.replace(name, address)
        return command

    def _keygen(self, command: str) -> str:
        """``ssh-keygen -R NAME``: the name as known_hosts has it, ``[address]:port``."""
        port = self.servers[0].port
        for name, address in ADDRESSES.items():
            command = command.replace(f"-R {name}", f"-R '[{address}]:{port}'")
        return command

    def manage(self, env: str, *args: str):
        """manage.py of the example project on ``env``'s database, as a developer runs it."""
        pythonpath = [self.origin.work, ROOT]
        run = manage(self.urls[env], *args, settings="cms.settings", pythonpath=pythonpath)
        assert run.code == 0, run.stdout + run.stderr
        return run

    def add_superuser(self, env: str) -> None:
        self.manage(env, "shell", "-v0", "-c", SUPERUSER)


def _confirmed(command: str) -> str:
    """``--yes`` where a person at a terminal would have answered the question."""
    return command if " --yes" in command else f"{command} --yes"
