"""deployment/ci/schema-checks.sh on a copy of examples/cms: what CI runs on a pull request."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from project import CMS, ROOT

SCRIPT = ROOT / "deployment" / "ci" / "schema-checks.sh"
MIGRATIONS = Path("content") / "migrations"
MARKER = "# schema-safety: allow-dangerous"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git (BASE_REF)")


def migration(name: str, operations: str, *, header: str = "") -> str:
    """The source of a content migration after 0002 running ``operations``."""
    return (
        f"{header}from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("content", "0002_asset_description")]\n\n'
        f"    operations = [{operations}]\n"
    )


REMOVE_DESCRIPTION = 'migrations.RemoveField(model_name="asset", name="description")'
DRIFT = (
    "migrations.RunSQL(\"ALTER TABLE resource ADD COLUMN legacy varchar(10) NOT NULL DEFAULT ''\","
    ' reverse_sql="ALTER TABLE resource DROP COLUMN legacy")'
)


class Project:
    """A copy of examples/cms in its own git repository; the first commit is tagged ``base``."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.folder = tmp_path / "cms"
        ignore = shutil.ignore_patterns("db.sqlite3", "__pycache__", "static")
        shutil.copytree(CMS, self.folder, ignore=ignore)
        self.git("init", "--quiet", "--initial-branch=main")
        self.commit("base")
        self.git("tag", "base")
        self.runs = 0

    def git(self, *args: str) -> None:
        identity = ["-c", "user.name=CI", "-c", "user.email=ci@example.com"]
        subprocess.run(["git", *identity, *args], cwd=self.folder, check=True)

    def commit(self, message: str) -> None:
        self.git("add", "--all")
        self.git("commit", "--quiet", "--message", message)

    def write(self, relative: Path | str, text: str) -> None:
        (self.folder / relative).write_text(text)

    def edit_models(self, old: str, new: str) -> None:
        path = self.folder / "content" / "models.py"
        source = path.read_text()
        assert old in source
        path.write_text(source.replace(old, new))

    def check(self, database: str | None = None) -> subprocess.CompletedProcess:
        """Run the script as a developer would, on a new empty SQLite database by default."""
        self.runs += 1
        database = database or f"sqlite:///{self.tmp / f'ci{self.runs}.sqlite3'}"
        env = {
            **os.environ,
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
            "PYTHONPATH": str(ROOT),
            "MANAGE": "python manage.py",
            "DATABASE_URL": database,
            "BASE_REF": "base",
            "NO_COLOR": "1",
        }
        env.pop("GITHUB_ACTIONS", None)
        return subprocess.run(
            ["bash", str(SCRIPT)],
            cwd=self.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def failure(done: subprocess.CompletedProcess) -> str:
    """The script's one FAIL line."""
    lines = [line for line in done.stderr.splitlines() if line.startswith("FAIL: ")]
    assert len(lines) == 1, done.stdout + done.stderr
    return lines[0]


def test_clean_project_passes(project):
    done = project.check()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All schema checks passed." in done.stdout
    assert "no new migrations" in done.stdout
    assert "ok content.Asset.resource" in done.stdout


def test_model_change_without_migration_fails(project):
    project.edit_models(
        "checksum = models.CharField(max_length=64)",
        'checksum = models.CharField(max_length=64)\n    summary = models.TextField(default="")',
    )
    done = project.check()
    assert done.returncode == 1
    line = failure(done)
    assert "models changed without a migration in app(s) content" in line
    assert "makemigrations" in line


def test_conflicting_migrations_fail_naming_the_app(project):
    project.write(MIGRATIONS / "0003_first.py", migration("0003_first", ""))
    project.write(MIGRATIONS / "0003_second.py", migration("0003_second", ""))
    done = project.check()
    assert done.returncode == 1
    line = failure(done)
    assert "conflicting migrations in app(s) content" in line
    assert "makemigrations --merge" in line
    assert "0003_first, 0003_second" in done.stdout


def test_drift_between_migrations_and_models_fails(project):
    project.write(MIGRATIONS / "0003_legacy.py", migration("0003_legacy", DRIFT))
    done = project.check()
    assert done.returncode == 1
    assert "resource.legacy" in done.stdout
    assert "schema differs from the models" in failure(done)


def test_dangerous_new_migration_needs_the_marker(project):
    project.edit_models('    description = models.TextField(blank=True, default="")\n', "")
    name = "0003_remove_asset_description"
    project.write(MIGRATIONS / f"{name}.py", migration(name, REMOVE_DESCRIPTION))
    project.commit("drop the description")  # committed after base: still new

    done = project.check()
    assert done.returncode == 1
    assert "drops column description of table asset" in done.stdout
    line = failure(done)
    assert f"content.{name}" in line
    assert MARKER in line

    text = migration(name, REMOVE_DESCRIPTION, header=f"{MARKER}: nothing reads it any more\n")
    project.write(MIGRATIONS / f"{name}.py", text)
    done = project.check()
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"allowed by marker: content.{name}" in done.stdout


def test_dangerous_migration_already_in_base_is_not_new(project):
    project.edit_models('    description = models.TextField(blank=True, default="")\n', "")
    name = "0003_remove_asset_description"
    project.write(MIGRATIONS / f"{name}.py", migration(name, REMOVE_DESCRIPTION))
    project.commit("drop the description")
    project.git("tag", "--force", "base")
    done = project.check()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no new migrations" in done.stdout


def test_refuses_a_database_that_is_not_empty(project, tmp_path):
    database = f"sqlite:///{tmp_path / 'used.sqlite3'}"
    assert project.check(database).returncode == 0
    done = project.check(database)
    assert done.returncode == 2
    assert "is not empty" in failure(done)


def test_without_the_base_ref_every_migration_is_new(project):
    project.git("tag", "--delete", "base")
    done = project.check()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every migration of the project counts as new" in done.stderr
    assert "new: content.0001_initial" in done.stdout


WORKFLOW = ROOT / ".github" / "workflows" / "schema-verification.yml"
SCRIPTS = [
    SCRIPT,
    ROOT / "deployment" / "pre-deploy-checks.sh",
    ROOT / "deployment" / "scripts" / "safe_migration.sh",
]


def tool(name: str) -> str | None:
    """``name`` next to this python (the virtualenv's bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def test_workflow_passes_actionlint():
    actionlint = tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install the pin from requirements.txt)")
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(actionlint).parent), os.environ["PATH"]]),
    }
    done = subprocess.run(
        [actionlint, "-no-color", str(WORKFLOW)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_runs_the_script_on_models_and_migrations():
    text = WORKFLOW.read_text()
    for expected in ('"**/models.py"', '"**/migrations/**"', "postgres:16", "fetch-depth: 0"):
        assert expected in text
    assert "deployment/ci/schema-checks.sh" in text


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_shell_scripts_parse_and_pass_shellcheck(script):
    assert os.access(script, os.X_OK)
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    shellcheck = tool("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (pip install the pin from requirements.txt)")
    done = subprocess.run([shellcheck, str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
