"""The deploy story on the `demo` environment: local host, SQLite, no SSH, nothing to install.

The real `fab` tasks deploy a scratch clone of this repository into a temporary folder:
predeploy with nothing there, a first release, a new migration, a migration that fails halfway
(rolled back, rows kept), a rollback to the first release (reversed, rows kept), the history.
scripts/demo.py calls `tell(tmp, first)` after its schema story; it raises StoryBroken
(scripts/demo_story.py).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml
from demo_story import REPO, check, console, heading
from rich.markup import escape

BIN = Path(sys.prefix) / "bin"
ENV = "demo"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
AUTHOR = {
    "GIT_AUTHOR_NAME": "Demo",
    "GIT_AUTHOR_EMAIL": "demo@example.com",
    "GIT_COMMITTER_NAME": "Demo",
    "GIT_COMMITTER_EMAIL": "demo@example.com",
}
# db_default: the column comes with a database default, so the running release, which does
# not know it yet, can still insert rows (the rehearsal shows what a plain default breaks).
HOMEPAGE = '    homepage = models.URLField(blank=True, db_default="")\n'
MOTTO = '    motto = models.TextField(blank=True, default="")\n'
ANCHOR = "    is_active = models.BooleanField(default=True)\n"  # first in Resource
ADMIN = (
    "from django.contrib.auth import get_user_model; "
    'get_user_model().objects.create_superuser("admin", "admin@example.com", "demo-only")'
)
ROWS = 'from content.models import Resource as R; print(*R.objects.values_list("name", flat=True))'
INSERT = 'from content.models import Resource; Resource.objects.create(name="{0}", slug="{0}")'
BROKEN = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("content", "{previous}")]

    operations = [
        migrations.AddField("resource", "motto", models.TextField(blank=True, db_default="")),
        # Fails on the rows only: the rehearsal, on a copy of the schema without rows, passes.
        migrations.RunSQL("UPDATE resource SET name = NULL", reverse_sql=migrations.RunSQL.noop),
    ]
"""


def run(argv: list[str], *, cwd: Path, env: dict | None = None, expect: int = 0) -> str:
    """Show `$ command`, run it with its output streamed, and return that output (no colours)."""
    shown = [Path(a).name if a.startswith(str(BIN)) else a for a in argv]
    console.print(f"[bold]$ {escape(shlex.join(shown))}[/]")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    if console.is_terminal:
        env |= {"FORCE_COLOR": "1", "COLUMNS": str(console.width)}
    with subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        output = tee(process.stdout)
    check(
        process.returncode == expect,
        f"{shlex.join(shown)} exited {process.returncode}, expected {expect}",
    )
    return ANSI.sub("", output)


def tee(stream) -> str:
    """Echo a process's output as it comes, and return it."""
    lines = []
    for line in stream:
        print(line, end="", flush=True)
        lines.append(line)
    return "".join(lines)


class Stage:
    """The temporary folder: the scratch clone, the derived inventory, the deploy target."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.clone, self.srv = tmp, tmp / "repo", tmp / "srv"
        self.database = f"sqlite:///{self.srv / 'shared' / 'db.sqlite3'}"

    def fab(self, task: str, *args: str, expect: int = 0) -> str:
        argv = [str(BIN / "fab"), task, f"--env={ENV}", *args]
        env = {"DEPLOY_INVENTORY": str(self.tmp / "inventory")}
        return run(argv, cwd=REPO, env=env, expect=expect)

    def manage(self, *args: str) -> str:
        """The live release's manage.py, on the shared database."""
        script = self.srv / "current" / "examples" / "cms" / "manage.py"
        argv = [sys.executable, str(script.relative_to(self.tmp)), *args]
        return run(argv, cwd=self.tmp, env={"DATABASE_URL": self.database})

    def shell(self, code: str) -> str:
        return self.manage("shell", "-v0", "-c", code)

    def live(self) -> str:
        return (self.srv / "current").resolve().name

    def git(self, *args: str) -> str:
        return run(["git", *args], cwd=self.clone, env=AUTHOR)

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)


def inventory(stage: Stage, data: dict) -> None:
    """inventory/demo.yml with the clone as repository and everything inside the temp folder."""
    new = str(stage.srv)
    data |= {"repository": str(stage.clone), "deploy_to": new}
    check(data.get("env_file") == "shared/.env", f"env_file: {data.get('env_file')}")
    environment = stage.srv / data["env_file"]  # the host's own file, made by its operator
    environment.parent.mkdir(parents=True)
    environment.write_text(f"DATABASE_URL={stage.database}\n")
    (stage.tmp / "inventory").mkdir()
    (stage.tmp / "inventory" / f"{ENV}.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    console.print(f"inventory {stage.tmp / 'inventory'}: repository {stage.clone}, deploy_to {new}")


def setup(stage: Stage, number: int) -> None:
    heading(number, "Deploy story: a scratch clone of this repository, a temporary target")
    data = yaml.safe_load((REPO / "inventory" / f"{ENV}.yml").read_text())
    clone = ["git", "clone", "-q", "--branch", data["branch"], str(REPO), str(stage.clone)]
    run(clone, cwd=stage.tmp)
    inventory(stage, data)


def predeploy(stage: Stage, number: int) -> None:
    heading(number, "fab predeploy with nothing deployed: checks that need a release skip")
    check("nothing deployed yet" in stage.fab("predeploy"), "predeploy must say so")


def first_release(stage: Stage, number: int) -> str:
    heading(number, "The first release; then an admin user and a first row")
    check("deployed" in stage.fab("deploy", "--yes"), "the first deploy must say deployed")
    stage.shell(ADMIN)
    stage.shell(INSERT.format("before"))
    return stage.live()


def rows(stage: Stage) -> list[str]:
    return stage.shell(ROWS).split()


def edit_model(stage: Stage, line: str) -> None:
    models = stage.clone / "examples" / "cms" / "content" / "models.py"
    text = models.read_text()
    check(ANCHOR in text, f"{ANCHOR.strip()!r} not found in {models}")
    models.write_text(text.replace(ANCHOR, ANCHOR + line, 1))


def schema_change(stage: Stage, number: int) -> str:
    heading(number, "A new field and its migration: plan, backup, migrate, verify, go live")
    edit_model(stage, HOMEPAGE)
    env = {"DATABASE_URL": f"sqlite:///{stage.tmp / 'scratch.sqlite3'}", "PYTHONPATH": "."}
    makemigrations = [sys.executable, "examples/cms/manage.py", "makemigrations", "content"]
    run(makemigrations, cwd=stage.clone, env=env)
    stage.commit("Resource.homepage")
    said = " ".join(stage.fab("deploy", "--yes").split())
    check("0003_resource_homepage" in said, "the deploy must name the homepage migration")
    check("migrations to apply" in said, "the deploy must show the plan (migrations to apply)")
    for step in ("backup", "migrate", "verify", "go live"):
        check(f"done {step}" in said, f"the deploy must report step {step!r} done")
    stage.shell(INSERT.format("between"))
    return stage.live()


def rehearsal(stage: Stage, number: int, release: str) -> None:
    heading(number, "The rehearsal: a migration the running release would fail on is stopped")
    edit_model(stage, MOTTO)
    env = {"DATABASE_URL": f"sqlite:///{stage.tmp / 'scratch.sqlite3'}", "PYTHONPATH": "."}
    makemigrations = [sys.executable, "examples/cms/manage.py", "makemigrations", "content"]
    run([*makemigrations, "--name", "resource_motto"], cwd=stage.clone, env=env)
    stage.commit("Resource.motto, NOT NULL without a database default")
    said = " ".join(stage.fab("deploy", "--yes", expect=1).split())
    check("failed at plan" in said, "the rehearsal must stop the deploy at the plan")
    check(
        "the running release would fail on the migrated schema" in said,
        "the deploy must say what the running release would fail on",
    )
    check(stage.live() == release, f"current must still be {release}")


def broken_deploy(stage: Stage, number: int, release: str) -> None:
    heading(number, "A migration that fails halfway on the rows: the deploy rolls back")
    migrations = stage.clone / "examples" / "cms" / "content" / "migrations"
    motto = migrations / "0004_resource_motto.py"
    previous = sorted(p.stem for p in migrations.glob("0*.py") if p != motto)[-1]
    motto.write_text(BROKEN.format(previous=previous))
    models = stage.clone / "examples" / "cms" / "content" / "models.py"
    models.write_text(models.read_text().replace(MOTTO, MOTTO.replace("default", "db_default")))
    stage.commit("Resource.motto with a database default (its migration fails on the rows)")
    said = " ".join(stage.fab("deploy", "--yes", expect=1).split())
    check("failed at migrate" in said, "the deploy must say it failed at migrate")
    check("undone: migrate" in said, "the deploy must say it undid the migration")
    console.print(f"current -> releases/{stage.live()}")
    check(stage.live() == release, f"current must still be {release}")
    check(rows(stage) == ["before", "between"], "both rows must survive the failed deploy")


def rollback(stage: Stage, number: int, release: str) -> None:
    heading(number, "fab rollback: the first release, its migration reversed, rows kept")
    said = stage.fab("rollback", "--yes")
    check("0003_resource_homepage" in said, "the rollback must reverse the homepage migration")
    console.print(f"current -> releases/{stage.live()}")
    check(stage.live() == release, f"current must be the first release, {release}")
    stage.manage("verify_schema")
    kept = rows(stage)
    console.print(f"{len(kept)} rows: {', '.join(kept)}")
    check(kept == ["before", "between"], "the rollback must keep both rows")


def history(stage: Stage, number: int) -> None:
    heading(number, "What happened, as recorded on the host")
    said = stage.fab("history")
    check("rolled_back" in said and "rollback" in said, "the history must show both")
    tasks = subprocess.run([BIN / "fab", "-l"], cwd=REPO, capture_output=True, text=True)
    if re.search(r"^\s+releases\b", tasks.stdout, re.MULTILINE):
        stage.fab("releases")


def tell(tmp: Path, first: int) -> None:
    """The whole deploy story in `tmp`, headings numbered from `first`."""
    stage = Stage(tmp)
    setup(stage, first)
    predeploy(stage, first + 1)
    initial = first_release(stage, first + 2)
    second = schema_change(stage, first + 3)
    rehearsal(stage, first + 4, second)
    broken_deploy(stage, first + 5, second)
    rollback(stage, first + 6, initial)
    history(stage, first + 7)
