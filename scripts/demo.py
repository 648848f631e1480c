"""The story of schema_safety on the embedded default: local, SQLite, nothing to install.

Copies examples/cms to a temporary folder, breaks its database the way the "Schema Safety
Protocol" incident did (asset.resource_id became publishing_organization_id), then shows
verify_schema finding the drift, explaining it, and repairing it without losing a row.
Then scripts/demo_deploy.py tells the deploy story: fab predeploy, deploy, a failed deploy
rolled back, fab rollback, history, on the `demo` environment (this machine, SQLite).
Run it with `make demo`: exit 0 when both stories go as expected, 1 otherwise.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import demo_deploy
from demo_story import REPO, StoryBroken, check, console, heading
from rich.markup import escape
from rich.syntax import Syntax

EXAMPLE = REPO / "examples" / "cms"

SEED = (
    "from content.models import Asset, Resource; "
    'r = Resource.objects.create(name="Newsroom", slug="newsroom"); '
    'Asset.objects.create(title="Logo", resource=r, file_size=2048, checksum="c0ffee")'
)
SHOW = (
    "from content.models import Asset; "
    'print(*[f"asset {a.title!r} -> resource {a.resource.name!r}" for a in Asset.objects.all()])'
)
DRIFT = "ALTER TABLE asset RENAME COLUMN resource_id TO publishing_organization_id"


@dataclass(frozen=True)
class Project:
    """A copy of examples/cms with its own SQLite database, run with this Python."""

    folder: Path
    database: Path

    def manage(self, *args: str, expect: int = 0, show: bool = True) -> str:
        console.print(f"[bold]$ python manage.py {escape(shlex.join(args))}[/]")
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{self.database}", "PYTHONPATH": str(REPO)}
        command = [sys.executable, "manage.py", *args]
        done = subprocess.run(command, cwd=self.folder, env=env, capture_output=True, text=True)
        if show:
            sys.stdout.write(done.stdout)
        check(
            done.returncode == expect,
            f"manage.py {shlex.join(args)} exited {done.returncode}, expected {expect}\n"
            f"{done.stdout}{done.stderr}",
        )
        return done.stdout


def prepare(tmp: Path) -> Project:
    heading(1, "A fresh copy of the example project, on SQLite")
    ignore = shutil.ignore_patterns("db.sqlite3", "__pycache__", "static")
    project = Project(shutil.copytree(EXAMPLE, tmp / "cms", ignore=ignore), tmp / "db.sqlite3")
    console.print(f"project  {project.folder}\ndatabase sqlite:///{project.database}")
    imported = project.manage("shell", "-v0", "-c", "import schema_safety as s; print(s.__file__)")
    check(Path(imported.strip()).is_relative_to(REPO), "the copy must import this repo's code")
    return project


def start_clean(project: Project) -> None:
    heading(2, "Migrate, then verify: the schema matches the models")
    project.manage("migrate", "-v0")
    console.print("One resource and one asset, to follow them through the incident:")
    project.manage("shell", "-v0", "-c", SEED)
    project.manage("verify_schema")


def inject_drift(project: Project) -> None:
    heading(3, "The incident: the database drifts away from the models")
    console.print("Migrations recorded as applied on a database with an older schema:")
    console.print(f"[bold]$ sqlite3 db.sqlite3 {escape(shlex.quote(DRIFT))}[/]")
    db = sqlite3.connect(project.database)
    with db:
        db.execute(DRIFT)
    db.close()


def detect(project: Project) -> None:
    heading(4, "verify_schema finds the drift, explains it, and fails the deploy")
    text = project.manage("verify_schema", expect=1)
    check("resource_id" in text, "the report must name asset.resource_id")
    check("Likely a rename" in text, "the report must suggest a rename")
    console.print("\nThe same report for machines (summary of the JSON):")
    report = json.loads(project.manage("verify_schema", "--format", "json", expect=1, show=False))
    for problem in report["problems"]:
        console.print(f"  {problem['kind']:<22} {problem['table']}.{problem['column']}")
    kinds = {problem["kind"] for problem in report["problems"]}
    check({"missing_column", "extra_column"} <= kinds, f"unexpected problem kinds: {kinds}")


def fix(project: Project, *args: str) -> None:
    """Run verify_schema --fix (still exit 1: the drift is there until migrate) and show its
    file lines; the report itself is the one shown above."""
    output = project.manage("verify_schema", *args, expect=1, show=False)
    lines = [line for line in output.splitlines() if line.startswith(("would write", "wrote"))]
    console.print("\n".join(lines) or output)


def write_repair(project: Project) -> None:
    heading(5, "verify_schema --fix writes the repair migration (the database is untouched)")
    migrations = project.folder / "content" / "migrations"
    before = set(migrations.glob("*.py"))
    fix(project, "--fix", "--dry-run")
    check(set(migrations.glob("*.py")) == before, "--dry-run must write nothing")
    fix(project, "--fix")
    written = set(migrations.glob("*.py")) - before
    check(len(written) == 1, f"expected one new migration, got {sorted(map(str, written))}")
    console.print(Syntax(written.pop().read_text(), "python", theme="ansi_dark"))


def repair(project: Project) -> None:
    heading(6, "Migrate applies the repair; verify is clean and the rows survived")
    project.manage("migrate")
    project.manage("verify_schema")
    rows = project.manage("shell", "-v0", "-c", SHOW)
    check("'Logo' -> resource 'Newsroom'" in rows, "the asset and its resource must survive")


def schema_story(tmp: Path) -> None:
    project = prepare(tmp)
    start_clean(project)
    inject_drift(project)
    detect(project)
    write_repair(project)
    repair(project)


def deploy_story(tmp: Path) -> None:

    demo_deploy.tell(tmp, first=7)


def main() -> int:
    try:
        for story in (schema_story, deploy_story):
            with tempfile.TemporaryDirectory(prefix="schema-safety-demo-") as tmp:
                story(Path(tmp))
    except StoryBroken as error:
        console.print(f"\n[bold red]demo failed:[/] {escape(str(error))}")
        return 1
    console.print(
        "\n[bold green]Shown:[/] a drifted column caught before it became "
        "`column asset.resource_id does not exist`, explained as a likely rename, repaired by a "
        "generated migration, data intact; then a deploy that migrated, verified and went live, "
        "a rehearsal that stopped a migration the running release would fail on, "
        "a broken migration rolled back with the old release still serving, and a rollback that "
        "reversed the schema and kept every row. The whole suite: [bold]make test[/]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
