"""verify_schema --fix on the seed's incident, on a copy of the example project, every backend."""

from __future__ import annotations

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

    def repair_files(self):
        return sorted((self.folder / "content" / "migrations").glob("*schema_safety_repair.py"))


@pytest.mark.parametrize("vendor", BACKENDS)
def test_fix_repairs_the_seed_incident_and_keeps_the_rows(vendor, request, tmp_path):
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
    text = project.repair_files()[0].read_text()
    assert "RepairModel" in text and "'publishing_organization_id': 'resource_id'" in text

    migrated = project.manage("migrate", "-v0")
    assert migrated.code == 0, migrated.stderr
    after = project.manage("verify_schema", "--format", "json")
    assert after.json()["problems"] == [] and after.code == 0
    assert project.manage("shell", "-v0", "-c", COUNT).stdout.strip() == "1"


@pytest.mark.parametrize("vendor", BACKENDS)
def test_repair_migration_changes_nothing_on_a_clean_database(vendor, request, tmp_path):
    drifted = Project(vendor, request, tmp_path, "source")
    assert drifted.manage("migrate", "-v0").code == 0
    drifted.execute(SEED_DRIFT[vendor])
    assert drifted.manage("verify_schema", "--fix").code == 1
    (repair,) = drifted.repair_files()
    aside = repair.rename(tmp_path / repair.name)

    clean = Project(vendor, request, tmp_path, "clean")
    assert clean.manage("migrate", "-v0").code == 0
    before = clean.manage("shell", "-v0", "-c", SNAPSHOT).stdout
    aside.rename(repair)
    migrated = clean.manage("migrate", "-v0")
    assert migrated.code == 0, migrated.stderr
    assert "[X] 0003_schema_safety_repair" in clean.manage("showmigrations", "content").stdout
    assert clean.manage("shell", "-v0", "-c", SNAPSHOT).stdout == before
    assert clean.manage("verify_schema").code == 0


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
