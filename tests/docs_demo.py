"""The `demo` environment of the docs, in a temporary folder: this machine, SQLite, no SSH.

inventory/demo.yml deploys this repository's ``main`` to /tmp/schema-safety-demo. Here the
same file is copied into a temporary inventory, with two changes: ``repository`` is a bare
copy of this checkout's HEAD (as ``main``: CI may check out a detached HEAD), and every
/tmp/schema-safety-demo becomes a temporary folder (in the commands run, and back in what
they print), so runs never meet each other or a user's demo.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import yaml
from docs_blocks import ROOT
from docs_worlds import World

DEMO = "/tmp/schema-safety-demo"
TESTS = ROOT / "tests"


def git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def demo_world(folder: Path) -> World:
    target, inventory = folder / "srv", folder / "inventory"
    repository = folder / "repo.git"
    git("clone", "-q", "--bare", str(ROOT), str(repository))
    head = git("-C", str(ROOT), "rev-parse", "HEAD").strip()
    git("-C", str(repository), "update-ref", "refs/heads/main", head)
    text = (ROOT / "inventory" / "demo.yml").read_text()
    data = yaml.safe_load(text.replace(DEMO, str(target)))
    assert data["repository"] == "..", "inventory/demo.yml deploys this repository"
    data["repository"] = str(repository)
    inventory.mkdir()
    (inventory / "demo.yml").write_text(yaml.safe_dump(data, sort_keys=False))

    world = World(folder, {"DEPLOY_INVENTORY": str(inventory)})
    world.to_real = [(DEMO, str(target))]
    world.to_doc |= {str(target): DEMO, str(folder): "/tmp"}
    # `python manage.py ...` of the README's "verify_schema in your project": in the live
    # release's example project, on the demo's database. `--database replica` needs a second
    # alias, which tests/docs_settings.py adds (the same SQLite file).
    world.project = target / "current" / "examples" / "cms"
    assert data["env_file"] == "shared/.env", "the README writes that file"
    world.env |= {"DATABASE_URL": f"sqlite:///{target}/shared/db.sqlite3"}
    world.rules = [("python manage.py verify_schema --database", _with_replica)]
    return world


def _with_replica(command: str) -> str:
    return f"DJANGO_SETTINGS_MODULE=docs_settings PYTHONPATH={shlex.quote(str(TESTS))} {command}"
