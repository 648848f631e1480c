"""predeploy_report end to end, in a subprocess, as the orchestrator runs it on a host."""

from __future__ import annotations

import itertools
import shutil
import sqlite3

import pytest
from project import CMS, ROOT, manage
from servers.base import free_port

_names = itertools.count()
KEYS = [
    "ok",
    "database",
    "vendor",
    "elapsed_ms",
    "connectivity",
    "schema",
    "migrations",
    "critical_relationships",
    "admin_user",
    "rehearsal",
    "database_size_bytes",
]
SCHEMA_KEYS = ["ok", "database", "vendor", "counts", "problems", "critical", "elapsed_ms"]
MIGRATION_KEYS = [
    "ok",
    "unapplied",
    "applied_missing_on_disk",
    "conflicts",
    "inconsistent",
    "detail",
]
GHOST = (
    "INSERT INTO django_migrations (app, name, applied) "
    "VALUES ('{app}', '{name}', CURRENT_TIMESTAMP)"
)
FORGET = "DELETE FROM django_migrations WHERE app = '{app}' AND name = '{name}'"
CONFLICT = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial")]
    operations = []
"""


class Database:
    """A database of one backend with the test project migrated onto it, or a copy of one."""

    def __init__(self, vendor: str, request, folder, template: Database | None = None):
        self.vendor = vendor
        self.name = f"pd_{vendor}_{next(_names)}"
        self.server = None
        if vendor == "sqlite":
            self.path = folder / f"{self.name}.sqlite3"
            self.url = f"sqlite:///{self.path}"
            if template is not None:
                shutil.copyfile(template.path, self.path)
        else:
            fixture = "postgres_server" if vendor == "postgresql" else "mysql_server"
            self.server = request.getfixturevalue(fixture)
            self.server.create_database(self.name, template and template.name)
            self.url = self.server.url(self.name)
        if template is None:
            migrated = self.manage("migrate", "--no-input", "-v0")
            assert migrated.code == 0, migrated.stderr

    def manage(self, *args: str):
        return manage(self.url, *args)

    def execute(self, sql: str) -> None:
        if self.server is not None:
            self.server.execute(self.name, sql)
            return
        connection = sqlite3.connect(self.path)
        connection.execute(sql)
        connection.commit()
        connection.close()

    def report(self, expected_code: int) -> dict:
        run = self.manage("predeploy_report")
        assert run.code == expected_code, run.stdout + run.stderr
        assert "Traceback" not in run.stderr, run.stderr
        return run.json()  # the whole of stdout is one JSON document

    def create_superuser(self, monkeypatch) -> None:
        monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "admin")
        monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "admin@example.com")
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "not-a-secret")
        created = self.manage("createsuperuser", "--noinput")
        assert created.code == 0, created.stderr


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def migrated(request, tmp_path_factory) -> Database:
    return Database(request.param, request, tmp_path_factory.mktemp("predeploy"))


@pytest.fixture
def database(migrated, request, tmp_path) -> Database:
    """A fresh copy of the migrated database, for one test to change."""
    return Database(migrated.vendor, request, tmp_path, template=migrated)


@pytest.mark.parametrize("vendor", ["sqlite", "postgresql", "mysql"])
def test_a_fresh_database_lacks_only_a_superuser(vendor, request, tmp_path, monkeypatch):
    database = Database(vendor, request, tmp_path)
    report = database.report(1)
    assert list(report) == KEYS
    assert (report["ok"], report["database"], report["vendor"]) == (False, "default", vendor)
    assert report["connectivity"]["ok"] is True
    assert report["connectivity"]["detail"].startswith("connected to ")
    assert list(report["schema"]) == SCHEMA_KEYS
    assert report["schema"]["ok"] is True, report["schema"]["problems"]
    assert report["critical_relationships"] == report["schema"]["critical"]
    assert [c["ok"] for c in report["critical_relationships"]] == [True]
    assert list(report["migrations"]) == MIGRATION_KEYS
    assert report["migrations"]["ok"] is True
    assert report["migrations"]["unapplied"] == []
    assert report["admin_user"] == {
        "ok": False,
        "count": 0,
        "detail": "no active superuser: run `manage.py createsuperuser`",
    }
    assert report["database_size_bytes"] > 0

    database.create_superuser(monkeypatch)
    report = database.report(0)
    assert report["ok"] is True
    assert report["admin_user"] == {"ok": True, "count": 1, "detail": "1 active superuser(s)"}


def test_unapplied_migrations_are_what_the_deploy_applies(database):
    database.manage("migrate", "content", "0001", "--no-input", "-v0")
    migrations = database.report(1)["migrations"]
    assert migrations["ok"] is True
    assert migrations["unapplied"] == ["content.0002_asset_description"]
    assert "1 to apply by this deploy: content.0002_asset_description" in migrations["detail"]


def test_a_recorded_migration_missing_on_disk_fails(database):
    database.execute(GHOST.format(app="content", name="0003_from_another_branch"))
    database.execute(GHOST.format(app="legacy", name="0001_initial"))
    migrations = database.report(1)["migrations"]
    assert migrations["ok"] is False
    assert migrations["applied_missing_on_disk"] == ["content.0003_from_another_branch"]
    assert "migrate --prune content" in migrations["detail"]
    assert "apps no longer installed: legacy" in migrations["detail"]


def test_a_migration_applied_before_its_dependency_fails(database):
    database.execute(FORGET.format(app="content", name="0001_initial"))
    migrations = database.report(1)["migrations"]
    assert migrations["ok"] is False
    inconsistent = {
        "migration": "content.0002_asset_description",
        "dependency": "content.0001_initial",
    }
    assert inconsistent in migrations["inconsistent"]
    assert migrations["unapplied"] == ["content.0001_initial"]


def test_a_drifted_column_fails_the_schema_and_the_critical_relationship(database):
    database.execute("ALTER TABLE asset RENAME COLUMN resource_id TO publishing_organization_id")
    report = database.report(1)
    assert report["schema"]["ok"] is False
    assert ("missing_column", "asset", "resource_id") in {
        (p["kind"], p["table"], p["column"]) for p in report["schema"]["problems"]
    }
    assert report["critical_relationships"] == [
        {
            "relationship": "content.Asset.resource",
            "ok": False,
            "message": "column asset.resource_id does not exist",
        }
    ]
    assert report["migrations"]["ok"] is True


@pytest.mark.parametrize(
    ("vendor", "url"),
    [
        ("postgresql", f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"),
        ("sqlite", "sqlite:///no/such/folder/db.sqlite3"),
    ],
    ids=["postgresql", "sqlite"],  # the same on every xdist worker (the port is not)
)
def test_an_unreachable_database_still_gets_its_json(vendor, url):
    run = manage(url, "predeploy_report")
    assert run.code == 2
    assert "Traceback" not in run.stderr
    report = run.json()
    assert list(report) == KEYS
    assert report["ok"] is False and report["vendor"] == vendor
    assert report["connectivity"]["ok"] is False
    assert report["connectivity"]["detail"].startswith(f"cannot read database 'default' ({vendor})")
    assert "\n" not in report["connectivity"]["detail"]
    assert (report["schema"], report["migrations"], report["admin_user"]) == (None, None, None)


def test_an_unknown_alias_still_gets_its_json():
    run = manage("sqlite:///unused.sqlite3", "predeploy_report", "--database", "replica")
    assert run.code == 2
    assert run.json()["connectivity"] == {
        "ok": False,
        "detail": "unknown database alias 'replica'; DATABASES has: default",
    }


def test_conflicting_migrations_are_listed(tmp_path):
    project = _cms_copy(tmp_path)
    assert project("migrate", "--no-input", "-v0").code == 0
    (tmp_path / "cms" / "content" / "migrations" / "0002_other_branch.py").write_text(CONFLICT)
    done = project("predeploy_report")
    assert done.code == 1, done.stderr
    migrations = done.json()["migrations"]
    assert migrations["ok"] is False
    assert migrations["conflicts"] == {"content": ["0002_asset_description", "0002_other_branch"]}
    assert migrations["unapplied"] == ["content.0002_other_branch"]
    assert "makemigrations --merge" in migrations["detail"]


def test_migrations_replaced_by_a_squash_are_not_missing(tmp_path):
    project = _cms_copy(tmp_path)
    assert project("migrate", "--no-input", "-v0").code == 0
    assert project("squashmigrations", "content", "0002", "--no-input", "-v0").code == 0
    for replaced in ("0001_initial.py", "0002_asset_description.py"):
        (tmp_path / "cms" / "content" / "migrations" / replaced).unlink()
    done = project("predeploy_report")
    migrations = done.json()["migrations"]
    assert migrations["applied_missing_on_disk"] == [], migrations
    assert migrations["ok"] is True and migrations["unapplied"] == []


def _cms_copy(tmp_path):
    """manage.py of a copy of examples/cms on its own SQLite database."""
    folder = tmp_path / "cms"
    shutil.copytree(CMS, folder, ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__"))
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    def run(*args):
        return manage(url, *args, settings="cms.settings", pythonpath=[folder, ROOT])

    return run
