"""The seed's entry points: pre-deploy-checks.sh and scripts/safe_migration.sh (deployment/).

Both are thin wrappers over fab; here they run against a local environment (``hosts: [local]``,
SQLite) deploying a copy of the example project, as in inventory/demo.yml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fleet import Origin
from project import ROOT

PREDEPLOY = ROOT / "deployment" / "pre-deploy-checks.sh"
SAFE_MIGRATION = ROOT / "deployment" / "scripts" / "safe_migration.sh"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git (releases)")

INVENTORY = """\
hosts: [local]
repository: {repository}
branch: main
deploy_to: {deploy_to}
manage: env DATABASE_URL=sqlite:///{deploy_to}/shared/db.sqlite3 python manage.py
build:
  - python -c "import django, dj_database_url"
confirm: none
on_failure: rollback
"""


class Seed:
    """An inventory folder with one environment, ``seed``, and a way to run the wrappers."""

    def __init__(self, tmp_path: Path):
        origin = Origin(tmp_path / "origin")
        self.deploy_to = tmp_path / "deploy"
        self.inventory = tmp_path / "inventory"
        self.inventory.mkdir()
        text = INVENTORY.format(repository=origin.bare, deploy_to=self.deploy_to)
        (self.inventory / "seed.yml").write_text(text)

    def environ(self, **env: str) -> dict[str, str]:
        environ = {
            **os.environ,
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
            "PYTHONPATH": str(ROOT),  # the releases find schema_safety here
            "DEPLOY_INVENTORY": str(self.inventory),
            "NO_COLOR": "1",
            "COLUMNS": "120",
        }
        environ.pop("SKIP_VERIFICATION", None)
        return {**environ, **env}

    def run(self, script: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(script), *args],
            cwd=self.inventory,  # anywhere: the wrappers run fab from the repository root
            env=self.environ(**env),
            capture_output=True,
            text=True,
            timeout=300,
        )

    def deploy(self) -> None:
        fab = Path(sys.executable).parent / "fab"
        done = subprocess.run(
            [str(fab) if fab.exists() else "fab", "deploy", "--env=seed", "--yes"],
            cwd=ROOT,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def seed(tmp_path: Path) -> Seed:
    return Seed(tmp_path)


@pytest.mark.parametrize("script", [PREDEPLOY, SAFE_MIGRATION], ids=["predeploy", "migration"])
def test_without_an_environment_prints_one_usage_line(seed, script):
    done = seed.run(script)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("usage: ") and "ENV" in done.stderr


def test_pre_deploy_checks_show_the_checks_table(seed):
    done = seed.run(PREDEPLOY, "seed")
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ("connectivity", "branch", "schema", "migrations", "disk_space", "lock"):
        assert check in done.stdout
    assert "nothing deployed yet" in done.stdout
    assert "Safe to deploy seed" in done.stdout


def test_pre_deploy_checks_honour_skip_verification(seed):
    done = seed.run(PREDEPLOY, "seed", SKIP_VERIFICATION="true")
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "SKIP_VERIFICATION" in output
    assert "skipped" in output


def test_pre_deploy_checks_pass_extra_arguments_to_fab(seed):
    done = seed.run(PREDEPLOY, "seed", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.lstrip().startswith("{")


def test_safe_migration_with_nothing_deployed_fails_clearly(seed):
    done = seed.run(SAFE_MIGRATION, "seed")
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stdout + done.stderr
    assert "nothing is deployed to seed yet: run fab deploy --env=seed first" in errors[0]


def test_safe_migration_migrates_a_deployed_environment(seed):
    seed.deploy()
    done = seed.run(SAFE_MIGRATION, "seed", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "migrated seed: nothing to apply" in done.stdout + done.stderr
