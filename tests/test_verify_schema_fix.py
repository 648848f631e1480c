"""verify_schema --fix on the seed's incident, on a copy of the example project, every backend."""

from __future__ import annotations

import re
import shutil

import pytest
from project import CMS, ROOT, manage

BACKENDS = ["sqlite", "postgresql", "mysql"]
SEED_DRIFT = {
    "postgresql": [
        "ALTER TABLE asset RENAME COLUMN resource_id TO publishing_organization_id",
        "DROP INDEX asset_created_desc",
        "ALTER TABLE resource ALTER COLUMN slug DROP NOT NULL",
    ],
    "mysql": [
        "ALTER TABLE asset RENAME COLUMN resource_id TO publishing_organization_id",
        "DROP INDEX asset_created_desc ON asset",
        "ALTER TABLE resource MODIFY slug varchar(50) NULL",
    ],
    "sqlite": [
        "ALTER TABLE asset RENAME COLUMN resource_id TO publishing_organization_id",
        "DROP INDEX asset_created_desc",
    ],
}
ROWS = (
    "from content.models import Asset, Resource; "
    "r = Resource.objects.create(name='Docs', slug='docs'); "
    "Asset.objects.create(title='manual.pdf', resource=r, file_size=10, checksum='x')"
)
COUNT = (
    "from content.models import Asset; print(Asset.objects.filter(resource__name='Docs').count())"
)
SNAPSHOT = (
    "from django.db import connection; from schema_safety.introspection import read_schema; "
    "tables = read_schema(connection).tables; "
    "print(sorted((n, sorted(map(repr, t.columns.values())), sorted(map(repr, t.indexes)), "
    "sorted(map(repr, t.foreign_keys)), sorted(map(repr, t.checks))) for n, t in tables.items()))"
)

WITHOUT_SCHEMA_SAFETY = """import sys

from cms.settings import *  # noqa: F403
from cms.settings import INSTALLED_APPS

sys.modules["schema_safety"] = None  # import schema_safety raises ImportError
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "schema_safety"]
"""


class Project:
    """A copy of examples/cms on one fresh database, run through its manage.py."""

    def __init__(self, vendor, request, tmp_path, name):
        self.folder = tmp_path / "cms"
        if not self.folder.exists():
            ignore = shutil.ignore_patterns("db.sqlite3", "__pycache__", "static")
            shutil.copytree(CMS, self.folder, ignore=ignore)
        self.vendor = vendor
        if vendor == "sqlite":
            self.url = f"sqlite:///{tmp_path / (name + '.sqlite3')}"
            self.server = None
        else:
            fixture = "postgres_server" if vendor == "postgresql" else "mysql_server"
            self.server = request.getfixturevalue(fixture)
            self.name = f"fix_{vendor}_{name}"
            self.server.drop_database(self.name)
            self.server.create_database(self.name)
            self.url = self.server.url(self.name)

    def manage(self, *args):
        return manage(self.url, *args, settings="cms.settings", pythonpath=[self.folder, ROOT])

    def execute(self, statements):
        if self.server is not None:
            for statement in statements:
                self.server.execute(self.name, statement)
            return
        import sqlite3

        connection = sqlite3.connect(self.url.removeprefix("sqlite:///"))
        for statement in statements:
            connection.execute(statement)
        connection.commit()
        connection.close()

    def manage_without_schema_safety(self, *args):
        """manage.py with schema_safety out of INSTALLED_APPS, and any import of it failing."""
        settings = self.folder / "cms" / "settings_without_schema_safety.py"
        settings.write_text(WITHOUT_SCHEMA_SAFETY)
        return manage(
            self.url,
            *args,
            settings="cms.settings_without_schema_safety",
            pythonpath=[self.folder],
            cwd=self.folder,
        )

    def snapshot(self) -> str:
        return self.manage("shell", "-v0", "-c", SNAPSHOT).stdout

    def repair_files(self):
        return sorted((self.folder / "content" / "migrations").glob("*schema_safety_repair.py"))


@pytest.mark.parametrize("vendor", BACKENDS)
def test_fix_repairs_the_seed_incident_and_keeps_the_rows(vendor, request, tmp_path):
    clean = Project(vendor, request, tmp_path, "reference")
    assert clean.manage("migrate", "-v0").code == 0
    project = Project(vendor, request, tmp_path, "drifted")
    assert project.manage("migrate", "-v0").code == 0
    assert project.manage("shell", "-c", ROWS).code == 0
    project.execute(SEED_DRIFT[vendor])

    dry = project.manage("verify_schema", "--fix", "--dry-run")
    assert dry.code == 1
    assert "would write" in dry.stdout and project.repair_files() == []

    fixed = project.manage("verify_schema", "--fix")
    assert fixed.code == 1, fixed.stderr
    assert [f.name for f in project.repair_files()] == ["0003_schema_safety_repair.py"]
    steps = "  - rename asset.publishing_organization_id back to resource_id, keeping its data\n"
    assert steps + "  - create asset_created_desc on asset\n" in fixed.stdout
    text = project.repair_files()[0].read_text()
    assert "migrations.RunSQL(" in text and "publishing_organization_id" in text

    # Applied and reversed by a project that no longer has schema_safety at all.
    migrated = project.manage_without_schema_safety("migrate", "-v0")
    assert migrated.code == 0, migrated.stderr
    after = project.manage("verify_schema", "--format", "json")
    assert after.json()["problems"] == [] and after.code == 0
    assert project.manage("shell", "-v0", "-c", COUNT).stdout.strip() == "1"
    assert project.snapshot() == clean.snapshot()  # byte for byte

    reversed_ = project.manage_without_schema_safety("migrate", "content", "0002", "-v0")
    assert reversed_.code == 0, reversed_.stderr
    again = project.manage_without_schema_safety("migrate", "-v0")
    assert again.code == 0, again.stderr
    assert project.snapshot() == clean.snapshot()
    assert project.manage("shell", "-v0", "-c", COUNT).stdout.strip() == "1"


@pytest.mark.parametrize("vendor", ["postgresql", "mysql"])
def test_repair_migration_changes_nothing_on_a_clean_database(vendor, request, tmp_path):
    drifted = Project(vendor, request, tmp_path, "source")
    assert drifted.manage("migrate", "-v0").code == 0
    drifted.execute(SEED_DRIFT[vendor])
    fixed = drifted.manage("verify_schema", "--fix")
    assert fixed.code == 1 and "applies only where drifted" in fixed.stdout
    (repair,) = drifted.repair_files()
    aside = repair.rename(tmp_path / repair.name)

    clean = Project(vendor, request, tmp_path, "clean")
    assert clean.manage("migrate", "-v0").code == 0
    before = clean.snapshot()
    aside.rename(repair)
    migrated = clean.manage("migrate", "-v0")
    assert migrated.code == 0, migrated.stderr
    assert "[X] 0003_schema_safety_repair" in clean.manage("showmigrations", "content").stdout
    assert clean.snapshot() == before
    assert clean.manage("verify_schema").code == 0
    assert clean.manage("migrate", "content", "0002", "-v0").code == 0
    assert clean.snapshot() == before


def test_sqlite_guards_what_it_can_and_says_which_database_a_repair_is_for(request, tmp_path):
    """SQLite creates indexes IF NOT EXISTS, but cannot test a column before renaming it."""
    drifted = Project("sqlite", request, tmp_path, "source")
    assert drifted.manage("migrate", "-v0").code == 0
    drifted.execute(["DROP INDEX asset_created_desc"])
    fixed = drifted.manage("verify_schema", "--fix")
    assert "applies only where drifted" in fixed.stdout, fixed.stdout
    (index_only,) = drifted.repair_files()
    clean = Project("sqlite", request, tmp_path, "clean")
    assert clean.manage("migrate", "-v0").code == 0
    before = clean.snapshot()
    assert clean.manage("migrate", "-v0").code == 0 and clean.snapshot() == before
    index_only.unlink()
    elsewhere = Project("sqlite", request, tmp_path, "elsewhere")
    assert elsewhere.manage("migrate", "-v0").code == 0

    drifted.execute(["ALTER TABLE asset RENAME COLUMN resource_id TO publishing_organization_id"])
    fixed = drifted.manage("verify_schema", "--fix")
    assert "for this database only (SQLite)" in fixed.stdout, fixed.stdout
    assert "apply\n# this migration to the database it was written from only" in (
        drifted.repair_files()[0].read_text()
    )
    refused = elsewhere.manage("migrate", "-v0")
    assert refused.code == 1 and "no such column" in refused.stderr
    assert elsewhere.snapshot() == before  # the failed migration was rolled back whole


KEYS_DRIFT = {
    "postgresql": [
        "ALTER TABLE asset DROP CONSTRAINT asset_resource_id_4b97b913_fk_resource_id",
        "ALTER TABLE asset DROP CONSTRAINT asset_unique_title_per_resource",
        "ALTER TABLE resource DROP CONSTRAINT resource_name_key",
    ],
    "mysql": [
        "ALTER TABLE asset DROP FOREIGN KEY asset_resource_id_4b97b913_fk_resource_id",
        "ALTER TABLE resource DROP INDEX name",
    ],
}
# The name the database gave resource.name's inline UNIQUE when the table was created; the
# repair adds it under Django's name for a unique added later, so only that name differs.
INLINE_UNIQUE = {"postgresql": "resource_name_key", "mysql": "name"}
ADDED_UNIQUE = re.compile(r"resource_name_[0-9a-f]{8}_uniq")


@pytest.mark.parametrize("vendor", ["postgresql", "mysql"])
def test_dropped_keys_come_back_and_nowhere_else(vendor, request, tmp_path):
    clean = Project(vendor, request, tmp_path, "clean")
    assert clean.manage("migrate", "-v0").code == 0
    before = clean.snapshot()
    drifted = Project(vendor, request, tmp_path, "keys")
    assert drifted.manage("migrate", "-v0").code == 0
    drifted.execute(KEYS_DRIFT[vendor])
    fixed = drifted.manage("verify_schema", "--fix")
    assert "applies only where drifted" in fixed.stdout, fixed.stdout + fixed.stderr
    assert "  - add the foreign key of asset.resource_id\n" in fixed.stdout

    for project in (drifted, clean):
        migrated = project.manage("migrate", "-v0")
        assert migrated.code == 0, migrated.stderr
        assert project.manage("verify_schema").code == 0
    assert clean.snapshot() == before  # every guard saw nothing to repair
    repaired = ADDED_UNIQUE.sub(INLINE_UNIQUE[vendor], drifted.snapshot())
    assert repaired == before


def test_a_fields_check_is_left_to_a_note(request, tmp_path):
    """PostgreSQL named it when it made the table: no guard could tell whether it is there."""
    project = Project("postgresql", request, tmp_path, "check")
    assert project.manage("migrate", "-v0").code == 0
    project.execute(["ALTER TABLE asset DROP CONSTRAINT asset_file_size_check"])
    fixed = project.manage("verify_schema", "--fix")
    assert fixed.code == 1 and project.repair_files() == []
    assert 'not repaired: check constraint "file_size" >= 0 on asset is missing' in fixed.stderr


def test_fix_writes_the_missing_migration_for_changed_models(request, tmp_path):
    project = Project("sqlite", request, tmp_path, "models")
    assert project.manage("migrate", "-v0").code == 0
    models = project.folder / "content" / "models.py"
    models.write_text(
        models.read_text().replace(
            "    is_active = models.BooleanField(default=True)\n",
            "    is_active = models.BooleanField(default=True)\n"
            "    homepage = models.URLField(blank=True, default='')\n",
        )
    )
    before = project.manage("verify_schema", "--format", "json")
    missing = [p for p in before.json()["problems"] if p["column"] == "homepage"]
    assert missing and "Missing migration" in missing[0]["hint"]
    fixed = project.manage("verify_schema", "--fix")
    assert "wrote:" in fixed.stdout and "0003_resource_homepage.py" in fixed.stdout
    assert project.manage("migrate", "-v0").code == 0
    assert project.manage("verify_schema").code == 0


LEGACY_REPAIR = """from django.db import migrations

import schema_safety.operations


class Migration(migrations.Migration):
    dependencies = [("content", "0002_asset_description")]
    operations = [
        schema_safety.operations.RepairModel(
            "Asset", renames={"publishing_organization_id": "resource_id"}
        ),
    ]
"""


def test_a_repair_written_by_an_earlier_version_still_applies(request, tmp_path):
    """Before --fix wrote RunSQL it wrote RepairModel, which schema_safety keeps for them."""
    project = Project("sqlite", request, tmp_path, "legacy")
    assert project.manage("migrate", "-v0").code == 0
    project.execute(SEED_DRIFT["sqlite"])
    legacy = project.folder / "content" / "migrations" / "0003_schema_safety_repair.py"
    legacy.write_text(LEGACY_REPAIR)
    migrated = project.manage("migrate", "-v0")
    assert migrated.code == 0, migrated.stderr
    assert project.manage("verify_schema").code == 0
