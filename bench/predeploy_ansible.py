"""The same checks as an Ansible playbook (``predeploy_ansible/playbook.yml``), timed.

The inventory is generated from the fleet's (same hosts, ports, user, key, known_hosts,
deploy folders, ``manage``). Ansible runs as configured out of the box (OpenSSH with
ControlPersist, no pipelining, linear strategy) except: host keys checked against the
fleet's known_hosts, ``forks`` = number of hosts, ``gather_facts: false`` and the remote
Python named (no interpreter discovery). Every run starts without SSH master connections.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml
from predeploy_fleet import Fleet
from predeploy_measure import BenchFailed

PLAYBOOK = Path(__file__).resolve().parent / "predeploy_ansible" / "playbook.yml"
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
REMOTE_PYTHON = "/usr/bin/python3"
EXEC = re.compile(r"^<([^>]+)> SSH: EXEC ", re.M)
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def available() -> bool:
    return ANSIBLE_PLAYBOOK.exists()


def inventory(fleet: Fleet) -> Path:
    """An Ansible inventory of the fleet's hosts, the first one in group ``primary``."""
    known_hosts = fleet.folder / "known_hosts"
    hosts = {
        server.host: {"ansible_host": server.host, "ansible_port": server.port, "deploy_to": str(d)}
        for server, d in zip(fleet.servers, fleet.deploy_to, strict=True)
    }
    document = {
        "all": {
            "hosts": hosts,
            "vars": {
                "ansible_user": "root",
                "ansible_ssh_private_key_file": str(fleet.servers[0].client_key_path),
                "ansible_ssh_common_args": f"-o UserKnownHostsFile={known_hosts}",
                "ansible_python_interpreter": REMOTE_PYTHON,
                "repository": str(fleet.origin.bare),
                "branch": "main",
                "manage": fleet.manage_command,
            },
            "children": {"primary": {"hosts": {fleet.servers[0].host: {}}}},
        }
    }
    path = fleet.folder / "ansible" / f"inventory-{len(fleet.servers)}.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def run(fleet: Fleet, pipelining: bool = False) -> tuple[float, int]:
    """Time ``ansible-playbook`` as a whole process; wall seconds and tasks run (ok)."""
    seconds, done = _playbook(fleet, pipelining)
    return seconds, _tasks_ok(done, len(fleet.servers))


def round_trips(fleet: Fleet, pipelining: bool = False) -> Counter:
    """SSH commands per host (``ssh``/``sftp`` runs over the master), from a ``-vvv`` run."""
    _, done = _playbook(fleet, pipelining, "-vvv")
    _tasks_ok(done, len(fleet.servers))
    return Counter(EXEC.findall(done.stdout))


def _playbook(fleet: Fleet, pipelining: bool, *options: str):
    hosts_file = inventory(fleet)
    scratch = fleet.folder / "ansible" / "run"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    (scratch / "ansible.cfg").write_text("[defaults]\n")  # nothing from /etc or ~ applies
    environment = _environment(scratch, len(fleet.servers), pipelining)
    started = time.perf_counter()
    done = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), *options, "-i", str(hosts_file), str(PLAYBOOK)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.perf_counter() - started
    _close_masters(scratch / "cp")
    return seconds, done


def _environment(scratch: Path, forks: int, pipelining: bool) -> dict[str, str]:
    return {
        **os.environ,
        "ANSIBLE_HOME": str(scratch / "home"),
        "ANSIBLE_LOCAL_TEMP": str(scratch / "tmp"),
        "ANSIBLE_REMOTE_TEMP": str(scratch / "remote-tmp"),
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(scratch / "cp"),
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_FORKS": str(forks),
        "ANSIBLE_PIPELINING": str(pipelining),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_CONFIG": str(scratch / "ansible.cfg"),
    }


def _close_masters(control_dir: Path) -> None:
    """Stop the ControlPersist masters the run left behind, so the next run starts cold."""
    if not control_dir.is_dir():
        return
    for socket_path in control_dir.iterdir():
        subprocess.run(
            ["ssh", "-S", str(socket_path), "-O", "exit", "bench"],
            capture_output=True,
            timeout=10,
        )


def _tasks_ok(done: subprocess.CompletedProcess, hosts: int) -> int:
    recap = RECAP.findall(done.stdout)
    failing = [name for name, _, unreachable, failed in recap if unreachable + failed != "00"]
    if done.returncode != 0 or len(recap) != hosts or failing:
        raise BenchFailed(
            f"ansible-playbook exited {done.returncode} (failing: {failing}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
        )
    return sum(int(ok) for _, ok, _, _ in recap)
