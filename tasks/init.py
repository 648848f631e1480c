"""fab init: a commented inventory file for a new environment, from flags or questions."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from rich.markup import escape
from rich.prompt import Prompt

from deployment import inventory
from deployment.errors import InventoryError, UsageError
from deployment.inventory.template import Answers, text

from . import environment as environments
from . import render
from .errors import reported
from .options import JSON, task

QUESTIONS = {  # flag -> what is asked for it
    "host": "hosts (ssh targets, comma separated; the first is the primary)",
    "repository": "repository the hosts clone (git@github.com:acme/cms.git)",
    "deploy_to": "folder on the hosts (/srv/cms)",
    "manage": "how to run manage.py in a release (.venv/bin/python manage.py)",
}


@task(
    help={
        "name": "the environment's name: the file is inventory/<name>.yml",
        "host": "the hosts, comma separated (the first is the primary)",
        "repository": "the repository the hosts clone",
        "branch": "the only branch it deploys from (default: main)",
        "deploy_to": "the folder on the hosts",
        "manage": "how to run manage.py in a release",
        "user": "the ssh login (default: ssh_config's)",
        **JSON,
    }
)
@reported
def init(
    c,
    name=None,
    host=None,
    repository=None,
    branch="main",
    deploy_to=None,
    manage=None,
    user=None,
    json=False,
):
    """Write a commented inventory file for a new environment, checked by loading it.

    What no flag gives is asked on a terminal; without one, every flag is needed. The file
    is refused if it exists already, or if it would not load (the reason is the inventory's
    one-line error). Exit 0 written, 2 usage (a missing value, an existing file, an invalid
    inventory).

        fab init --name=staging --host=web1.example.com,web2.example.com \\
            --repository=git@github.com:acme/cms.git --deploy-to=/srv/cms \\
            --manage=".venv/bin/python manage.py"
    """
    given = {"host": host, "repository": repository, "deploy_to": deploy_to, "manage": manage}
    name = name or _ask("name", "environment name (staging)")
    values = {flag: value or _ask(flag, QUESTIONS[flag]) for flag, value in given.items()}
    hosts = tuple(h.strip() for h in values.pop("host").split(",") if h.strip())
    answers = Answers(hosts=hosts, branch=branch, user=user, **values)
    directory = inventory.inventory_dir(environments.DEFAULT_INVENTORY)
    path = _write(directory, name, text(name, answers))
    if json:
        render.as_json({"ok": True, "env": name, "file": str(path)})
        return
    render.out.print(f"[bold green]wrote[/] {escape(str(path))}", soft_wrap=True)
    render.out.print(f"next: fab predeploy --env={escape(name)}", soft_wrap=True)


def _ask(flag: str, question: str) -> str:
    option = "--" + flag.replace("_", "-")
    if not sys.stdin.isatty():
        raise UsageError(f"pass {option}=... (no terminal to ask on)")
    answer = Prompt.ask(question, console=render.err).strip()
    if not answer:
        raise UsageError(f"{option} is needed")
    return answer


def _write(directory: Path, name: str, content: str) -> Path:
    """Checked in a scratch folder under the same name, then created (never overwritten)."""
    if not name or name.startswith((".", "-")) or "/" in name or os.sep in name:
        raise UsageError(f"--name={name!r} is not an environment name (a file name, no /)")
    target = directory / f"{name}{inventory.SUFFIX}"
    if target.exists():
        raise UsageError(f"{target} exists already: edit it, or pick another --name")
    known = inventory.environments(directory) if directory.is_dir() else []
    with tempfile.TemporaryDirectory() as scratch:
        draft = Path(scratch) / target.name
        draft.write_text(content)
        try:
            inventory.read(draft, [*known, name])
        except InventoryError as error:  # said of the file it would have been
            raise InventoryError(str(error).replace(str(draft), str(target))) from None
    directory.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x") as file:
            file.write(content)
    except FileExistsError:
        raise UsageError(f"{target} exists already: edit it, or pick another --name") from None
    return target
