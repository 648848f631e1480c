"""Inventory: one YAML file per environment (``inventory/<env>.yml``), validated on load.

    directory = inventory_dir(Path("inventory"))   # DEPLOY_INVENTORY wins
    env = load("staging", directory)                # Environment, or InventoryError/UsageError
    env = find_host("web1.example.com", directory)  # for fab -H HOST

Every problem is one line naming the file, the key and the reason, e.g.
``inventory/staging.yml: hosts[1].port: Input should be less than or equal to 65535``.
The keys are documented in docs/inventory.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from deployment.errors import InventoryError, UsageError
from deployment.inventory import ansible
from deployment.inventory.messages import one_line
from deployment.inventory.schema import InventoryFile
from deployment.inventory.spec import LOCAL, Environment, Healthcheck, HostSpec
from deployment.inventory.yamlfile import label, parse

__all__ = [
    "ENV_VAR",
    "LOCAL",
    "Environment",
    "Healthcheck",
    "HostSpec",
    "environments",
    "find_host",
    "inventory_dir",
    "load",
    "read",
]

ENV_VAR = "DEPLOY_INVENTORY"
SUFFIX = ".yml"


def inventory_dir(default: Path) -> Path:
    """``$DEPLOY_INVENTORY`` when set (and not empty), else ``default``."""
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value).expanduser() if value else default


def environments(directory: Path) -> list[str]:
    """The environment names in ``directory`` (its ``*.yml`` file names), sorted."""
    if not directory.is_dir():
        raise InventoryError(
            f"{label(directory)}: no inventory directory here "
            f"(create it, or set {ENV_VAR}=/path/to/inventory)"
        )
    return sorted(path.stem for path in directory.glob(f"*{SUFFIX}") if path.is_file())


def load(name: str, directory: Path) -> Environment:
    """The environment ``name`` (``directory/<name>.yml``), validated."""
    known = environments(directory)
    if name not in known:
        raise UsageError(
            f"unknown environment {name!r}; known environments: "
            f"{', '.join(known) or 'none'} (in {label(directory)})"
        )
    return read(directory / f"{name}{SUFFIX}", known)


def read(file: Path, known: list[str] | None = None) -> Environment:
    """One inventory file, validated; its environment is named after the file.

    ``known`` (default: the files next to it) are the names ``promote_from`` may use.
    """
    try:
        data = ansible.expand(parse(file), file.parent)
    except ansible.AnsibleInventoryError as exc:
        raise InventoryError(f"{label(file)}: hosts_from: {exc}") from None
    context = {"env": file.stem, "environments": known or environments(file.parent)}
    try:
        spec = InventoryFile.model_validate(data, context=context)
    except ValidationError as exc:
        raise InventoryError(f"{label(file)}: {one_line(exc)}") from exc
    return spec.environment(file.stem, file)


def find_host(host: str, directory: Path) -> Environment:
    """The one environment whose hosts include ``host`` (a host's name or ``host``)."""
    known = environments(directory)
    loaded = (read(directory / f"{name}{SUFFIX}", known) for name in known)
    found = [env for env in loaded if env.matching(host)]
    if not found:
        raise UsageError(
            f"host {host} is in no environment ({', '.join(known) or 'no inventory files'} "
            f"in {label(directory)}); add it to an inventory file or pass --env"
        )
    if len(found) > 1:
        names = [env.name for env in found]
        listed = f"{', '.join(names[:-1])} and {names[-1]}"
        raise UsageError(f"host {host} is in {listed}; pass --env")
    return found[0]
