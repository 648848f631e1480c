"""manage.py migration_plan end to end, on copies of examples/cms, as the orchestrator runs it."""

from __future__ import annotations

import shutil
import textwrap

import pytest
from project import CMS, ROOT, manage

from schema_safety.plan.danger import rewrites as rule

RISKY = """
    migrations.AddField("asset", "code", models.CharField(max_length=10)),
    migrations.AddField("asset", "note", models.TextField(default="")),
    migrations.AlterField("asset", "title", models.CharField(max_length=300, db_index=True)),
    migrations.AlterField("asset", "checksum", models.TextField()),
    migrations.AlterField("asset", "file_size", models.CharField(max_length=30)),
    migrations.AlterField("resource", "slug", models.SlugField(null=True)),
    migrations.AlterField("resource", "slug", models.SlugField()),
    migrations.RenameField("resource", "name", "label"),
    migrations.RemoveField("asset", "description"),
    migrations.AddIndex("resource", models.Index(fields=["slug"], name="resource_slug_idx")),
    migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RemoveField("asset", "tags")]
    ),
"""
RENAMES = "renames what the running code still reads"
RISKY_REASONS = {
    "Add field code to asset": [
        "adds NOT NULL column code without a default: fails on a table with rows, locks asset"
    ],
    "Add field note to asset": [],
    "Alter field title on asset": [],  # varchar widening: no rewrite
    "Alter field checksum on asset": [],  # varchar -> text: no rewrite
    "Alter field file_size on asset": [],
    "Alter field slug on resource": [
        "adds NOT NULL on slug: scans resource under an exclusive lock"
    ],
    "Rename field name on resource to label": [
        f"renames column name of resource to label: {RENAMES}"
    ],
    "Remove field description from asset": ["drops column description of table asset"],
    "Custom state/database change combination": ["drops table asset_tags"],
}
REWRITE = {
    "Alter field file_size on asset": [
        "rewrites table asset (column file_size changes from bigint to varchar(30))"
    ]
}
INDEX = "Create index resource_slug_idx on field(s) slug of model resource"
NEW_TABLE = """
    migrations.CreateModel("Note", [("id", models.BigAutoField(primary_key=True))]),
    migrations.AddField("note", "body", models.TextField()),
    migrations.RemoveField("note", "body"),
"""
MIGRATION = """from django.db import migrations, models


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("content", "0002_asset_description")]
    operations = [
{operations}
    ]
"""


class Site:
    """A copy of examples/cms on its own migrated database, run through its manage.py."""

    def __init__(self, vendor: str, request, tmp_path) -> None:
        self.folder = tmp_path / "cms"
        ignore = shutil.ignore_patterns("db.sqlite3", "__pycache__", "static")
        shutil.copytree(CMS, self.folder, ignore=ignore)
        self.vendor, self.server = vendor, None
        if vendor == "sqlite":
            self.url = f"sqlite:///{tmp_path / 'plan.sqlite3'}"
        else:
            fixture = "postgres_server" if vendor == "postgresql" else "mysql_server"
            self.server = request.getfixturevalue(fixture)
            self.name = f"plan_{vendor}_{request.node.name}"[:60].replace("[", "_").strip("]")
            self.server.drop_database(self.name)
            self.server.create_database(self.name)
            self.url = self.server.url(self.name)
        migrated = self.manage("migrate", "-v0")
        assert migrated.code == 0, migrated.stderr

    def manage(self, *args: str):
        return manage(self.url, *args, settings="cms.settings", pythonpath=[self.folder, ROOT])

    def plan(self, *args: str) -> dict:
        run = self.manage("migration_plan", *args)
        assert run.code == 0, run.stdout + run.stderr
        assert run.stderr == ""
        return run.json()

    def add_migration(self, name: str, operations: str) -> None:
        """Write content/migrations/<name>.py after 0002 with these operations."""
        listed = textwrap.indent(textwrap.dedent(operations).strip(), " " * 8)
        text = MIGRATION.format(operations=listed)
        (self.folder / "content" / "migrations" / f"{name}.py").write_text(text)

    def execute(self, statement: str) -> None:
        self.server.execute(self.name, statement)


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request, tmp_path) -> Site:
    return Site(request.param, request, tmp_path)


@pytest.fixture
def postgres_site(request, tmp_path) -> Site:
    return Site("postgresql", request, tmp_path)


def operations(plan: dict) -> dict[str, dict]:
    return {op["description"]: op for m in plan["migrations"] for op in m["operations"]}


def test_nothing_to_apply(site):
    plan = site.plan()
    assert plan["ok"] and plan["database"] == "default" and plan["vendor"] == site.vendor
    assert plan["migrations"] == [] and plan["dangerous"] == [] and plan["tables"] == {}
    assert plan["reversible"] is True and plan["strategy"] == "reverse migrations"
    assert plan["before"] == plan["after"]
    assert plan["before"]["content"] == "0002_asset_description"
    assert plan["before"]["accounts"] == "0001_initial"


def test_pending_add_field_with_default_is_safe_and_reversible(site):
    assert site.manage("migrate", "content", "0001", "-v0").code == 0
    plan = site.plan()
    assert plan["before"]["content"] == "0001_initial"
    assert plan["after"]["content"] == "0002_asset_description"
    assert plan["before"]["auth"] == plan["after"]["auth"]
    (migration,) = plan["migrations"]
    assert (migration["app"], migration["name"]) == ("content", "0002_asset_description")
    assert migration["reversible"] and not migration["backwards"]
    assert migration["atomic"] is (site.vendor != "mysql")
    (operation,) = migration["operations"]
    assert operation["type"] == "AddField" and operation["tables"] == ["asset"]
    assert operation["dangerous"] is False and operation["reasons"] == []
    assert plan["dangerous"] == [] and plan["strategy"] == "reverse migrations"
    assert set(plan["tables"]) == {"asset"}


def test_risky_operations_are_dangerous_and_explained(site):
    site.add_migration("0003_risky", RISKY)
    plan = site.plan()
    assert plan["after"]["content"] == "0003_risky"
    # Django can reverse every one, but not bring back what the drops held: restore instead.
    assert plan["reversible"] is False and plan["strategy"] == "restore backup"
    irreversible = {name for name, op in operations(plan).items() if not op["reversible"]}
    assert irreversible == {
        "Remove field description from asset",
        "Custom state/database change combination",
    }
    found = {name: op["reasons"] for name, op in operations(plan).items() if name != INDEX}
    expected = RISKY_REASONS | (REWRITE if site.vendor == "postgresql" else {})
    assert found == expected
    dangerous = {item["operation"]: item["reasons"] for item in plan["dangerous"]}
    assert dangerous == {name: reasons for name, reasons in expected.items() if reasons}
    assert {"asset", "resource", "asset_tags"} <= set(plan["tables"])


def test_index_on_a_small_table_is_explained_but_not_dangerous(postgres_site):
    postgres_site.add_migration("0003_risky", RISKY)
    index = operations(postgres_site.plan())[INDEX]
    assert index["reasons"] == ["builds an index on resource, blocking writes"]
    assert index["dangerous"] is False


def test_tables_created_by_the_plan_are_not_at_risk(site):
    site.add_migration("0003_note", NEW_TABLE)
    plan = site.plan()
    assert plan["dangerous"] == [] and plan["reversible"]
    assert plan["tables"] == {"content_note": {"rows": None, "bytes": None}}


def test_run_python_without_reverse_is_irreversible(site):
    site.add_migration(
        "0003_data",
        """
        migrations.RunPython(forwards),
        migrations.RunSQL("SELECT 1", reverse_sql="SELECT 1"),
        """,
    )
    plan = site.plan()
    (migration,) = plan["migrations"]
    run_python, run_sql = migration["operations"]
    assert run_python["reversible"] is False and run_python["dangerous"]
    assert run_python["reasons"] == ["irreversible data migration"]
    assert run_sql["reversible"] is True and not run_sql["dangerous"]
    assert migration["reversible"] is False
    assert plan["reversible"] is False and plan["strategy"] == "restore backup"
    assert plan["dangerous"] == [
        {
            "migration": "content.0003_data",
            "operation": run_python["description"],
            "reasons": ["irreversible data migration"],
        }
    ]


def test_backwards_target_is_dangerous(site):
    plan = site.plan("--target", "content:0001")
    assert plan["before"]["content"] == "0002_asset_description"
    assert plan["after"]["content"] == "0001_initial"
    (migration,) = plan["migrations"]
    assert migration["backwards"] is True and migration["reversible"] is False
    assert plan["strategy"] == "restore backup"
    assert plan["dangerous"][0]["migration"] == "content.0002_asset_description"
    zero = site.plan("--target", "accounts:zero")
    assert zero["after"]["accounts"] == "zero"


def test_row_estimates_come_from_the_catalog(postgres_site):
    postgres_site.execute(
        "INSERT INTO resource (name, slug, created, is_active) "
        "SELECT 'r' || i, 's', now(), true FROM generate_series(1, 120000) AS i"
    )
    postgres_site.execute("VACUUM ANALYZE resource")
    postgres_site.add_migration("0003_risky", RISKY)
    plan = postgres_site.plan()
    assert plan["tables"]["resource"]["rows"] == 120000
    assert plan["tables"]["resource"]["bytes"] > 120000
    assert plan["tables"]["asset"]["rows"] in (0, None)
    index = operations(plan)[INDEX]
    assert index["dangerous"] is True
    assert {"migration": "content.0003_risky", "operation": INDEX, "reasons": index["reasons"]} in (
        plan["dangerous"]
    )


def test_usage_errors_are_json_with_exit_2(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    folder = tmp_path / "cms"
    shutil.copytree(CMS, folder, ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__"))
    for args, message in [
        (["--target", "content:9"], "no such migration"),
        (["--target", "content"], "expected app_label:migration_name"),
        (["--target", "nowhere:0001"], "has no migrations"),
        (["--database", "other"], "unknown database alias"),
    ]:
        run = manage(
            url, "migration_plan", *args, settings="cms.settings", pythonpath=[folder, ROOT]
        )
        assert run.code == 2 and run.json()["ok"] is False and message in run.json()["error"]


def test_unreachable_database_is_exit_2(tmp_path):
    folder = tmp_path / "cms"
    shutil.copytree(CMS, folder, ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__"))
    url = "postgres://postgres@127.0.0.1:1/none"
    run = manage(url, "migration_plan", settings="cms.settings", pythonpath=[folder, ROOT])
    assert run.code == 2, run.stderr
    assert run.json()["ok"] is False and "cannot read database 'default'" in run.json()["error"]


def test_mysql_estimates_and_rewrites(request, tmp_path):
    site = Site("mysql", request, tmp_path)
    site.add_migration("0003_risky", RISKY)
    plan = site.plan()
    assert (
        "rewrites table asset" in operations(plan)["Alter field file_size on asset"]["reasons"][0]
    )
    assert isinstance(plan["tables"]["asset"]["rows"], int)
    assert plan["tables"]["asset"]["bytes"] > 0


def test_conflicting_migrations_are_exit_1(request, tmp_path):
    site = Site("sqlite", request, tmp_path)
    site.add_migration("0003_a", 'migrations.RunSQL("SELECT 1", reverse_sql="SELECT 1"),')
    site.add_migration("0003_b", 'migrations.RunSQL("SELECT 1", reverse_sql="SELECT 1"),')
    run = site.manage("migration_plan")
    assert run.code == 1 and run.json()["ok"] is False
    assert run.json()["error"] == (
        "conflicting migrations in content: 0003_a, 0003_b (run `manage.py makemigrations --merge`)"
    )


@pytest.mark.parametrize(
    "old, new, rewrites",
    [
        ("varchar(50)", "varchar(100)", False),
        ("varchar(100)", "varchar(50)", True),
        ("varchar(50)", "text", False),
        ("varchar(50)", "varchar", False),
        ("varchar", "varchar(50)", True),
        ("integer", "bigint", True),
        ("text", "text", False),
        ("varchar(50)", "longtext", True),
    ],
)
def test_type_change_rule(old, new, rewrites):
    assert rule(old, new) is rewrites
