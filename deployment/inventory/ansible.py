"""``hosts_from: {ansible: PATH, group: NAME}``: the hosts of an environment read from an Ansible
inventory, so a team that describes its fleet in Ansible keeps one source of truth.

The inventory is read through ``ansible-inventory --list`` (ansible-core, the ``ansible`` extra),
whatever its format (INI, YAML, a folder, a dynamic script); each host of the group (and of its
child groups) becomes a ``hosts`` entry named as Ansible names it, reached at its
``ansible_host``, ``ansible_port`` and ``ansible_user`` where they are set.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

KEYS = {"ansible", "group"}
TIMEOUT = 120  # seconds: a dynamic inventory script may ask a cloud


class AnsibleInventoryError(ValueError):
    """``hosts_from`` names no usable hosts; the message says why and what to do."""


def expand(data: Any, directory: Path) -> Any:
    """``data`` (an inventory file's mapping) with ``hosts_from`` replaced by ``hosts``."""
    if not isinstance(data, dict) or "hosts_from" not in data:
        return data
    source = data["hosts_from"]
    if "hosts" in data:
        raise AnsibleInventoryError("set hosts or hosts_from, not both")
    if not isinstance(source, dict) or not isinstance(source.get("ansible"), str):
        raise AnsibleInventoryError("expected a mapping with ansible: PATH (and group: NAME)")
    unknown = sorted(set(source) - KEYS)
    if unknown:
        raise AnsibleInventoryError(f"unknown key {unknown[0]}; known keys: ansible, group")
    group = source.get("group", "all")
    if not isinstance(group, str) or not group:
        raise AnsibleInventoryError("group: expected a group name")
    path = Path(source["ansible"]).expanduser()
    listing = listed(path if path.is_absolute() else directory / path)
    rest = {key: value for key, value in data.items() if key != "hosts_from"}
    return {**rest, "hosts": hosts(listing, group)}


def listed(path: Path) -> dict:
    """What ``ansible-inventory --list`` prints for ``path``."""
    program = shutil.which("ansible-inventory") or shutil.which(
        "ansible-inventory", path=str(Path(sys.executable).parent)
    )
    if program is None:
        raise AnsibleInventoryError(
            "ansible-inventory not found: install ansible-core "
            "(pip install 'schema-safety-deploy[ansible]')"
        )
    if not path.exists():
        raise AnsibleInventoryError(f"ansible: no such inventory {path}")
    argv = [program, "--inventory", str(path), "--list"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise AnsibleInventoryError(f"ansible-inventory did not answer in {TIMEOUT} s") from None
    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
    if done.returncode != 0:
        raise AnsibleInventoryError(f"ansible-inventory failed: {last}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise AnsibleInventoryError(f"ansible-inventory printed no JSON: {last}") from None


def hosts(listing: dict, group: str) -> list[dict]:
    """The ``hosts`` entries of ``group`` and its children, in Ansible's order, each once."""
    groups = [name for name in listing if name != "_meta"]
    if group not in groups:
        raise AnsibleInventoryError(
            f"no group {group!r} in the Ansible inventory; its groups: {', '.join(groups)}"
        )
    names = list(dict.fromkeys(_members(listing, group, set())))
    if not names:
        raise AnsibleInventoryError(f"the Ansible group {group!r} has no hosts")
    variables = (listing.get("_meta") or {}).get("hostvars") or {}
    return [_entry(name, variables.get(name) or {}) for name in names]


def _members(listing: dict, group: str, seen: set[str]) -> list[str]:
    if group in seen:
        return []
    seen.add(group)
    entry = listing.get(group) or {}
    found = list(entry.get("hosts") or [])
    for child in entry.get("children") or []:
        found += _members(listing, child, seen)
    return found


def _entry(name: str, variables: dict) -> dict:
    entry: dict[str, Any] = {"name": name, "host": str(variables.get("ansible_host") or name)}
    port = variables.get("ansible_port")
    if port is not None:
        entry["port"] = int(port) if str(port).isdigit() else port
    if variables.get("ansible_user"):
        entry["user"] = str(variables["ansible_user"])
    return entry
