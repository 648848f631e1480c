"""rehearse_migrations on real PostgreSQL, MariaDB and SQLite: the pending migrations of a new
release (a copy of the example project with one more migration) applied to a scratch copy of
the live schema; what fails there, what the running release would fail on, what needs rows;
the live database untouched and no scratch left behind."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from project import CMS, ROOT, TESTS, manage

_names = itertools.count()
DESCRIPTION = '    description = models.TextField(blank=True, default="")\n'
REMOVE = "migrations.RemoveField('asset', 'description')"
NEEDS_ROWS = "migrations.RunPython(home_page, migrations.RunPython.noop)"
HOME_PAGE = """

def home_page(apps, schema_editor):
    Resource = apps.get_model("content", "Resource")
    Resource.objects.get(name="home")  # there is one in production; the copy has no rows
"""
MIGRATION = """from django.db import migrations
{functions}

class Migration(migrations.Migration):
    dependencies = [("content", "0002_asset_description")]
    operations = [{operation}]
"""


class Release:
    """A copy of the example project: the new release, with ``0003_next`` pending."""

    def __init__(self, folder: Path, operation: str, functions: str = ""):
        self.root = folder / "cms"
        shutil.copytree(CMS, self.root, ignore=shutil.ignore_patterns("__pycache__"))
        migration = MIGRATION.format(operation=operation, functions=functions)
        (self.root / "content" / "migrations" / "0003_next.py").write_text(migration)
        if operation == REMOVE:
            models = self.root / "content" / "models.py"
            assert DESCRIPTION in models.read_text()
            models.write_text(models.read_text().replace(DESCRIPTION, ""))

    def manage(self, url: str, *args: str):
        return manage(url, *args, pythonpath=[TESTS, self.root, ROOT])


class Database:
    """The live database of one backend, migrated to content.0002 by the running release."""

    def __init__(self, vendor: str, server, folder: Path):
        self.vendor, self.name, self.server = vendor, f"rh_{vendor}_{next(_names)}", server
        if vendor == "sqlite":
            self.url = f"sqlite:///{folder / 'live.sqlite3'}"
        else:
            self.server.create_database(self.name)
            self.url = self.server.url(self.name)
        migrated = manage(self.url, "migrate", "--no-input", "-v0")
        assert migrated.code == 0, migrated.stderr

    def execute(self, sql: str):
        if self.server is None:
            import sqlite3

            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                return db.execute(sql).fetchall()
        return self.server.execute(self.name, sql)

    def applied(self) -> list[str]:
        return sorted(
            f"{a}.{n}" for a, n in self.execute("SELECT app, name FROM django_migrations")
        )

    def scratches(self) -> list[str]:
        """Scratch databases (or files) left on the server."""
        if self.vendor == "sqlite":  # in this test's own TMPDIR (private_temp)
            return [p.name for p in Path(os.environ["TMPDIR"]).glob("schema-safety-rehearsal-*")]
        if self.vendor == "postgresql":
            rows = self.server.execute(None, "SELECT datname FROM pg_database")
        else:
            rows = self.server.execute(None, "SHOW DATABASES")
        return [name for (name,) in rows if "_rehearsal_" in name]


@pytest.fixture(autouse=True)
def private_temp(tmp_path, monkeypatch):
    """The commands' temporary files in a folder of this test's: another test's rehearsal may
    run beside it (pytest-xdist)."""
    tempfile.gettempdir()  # this process's own (the servers' folders) is settled first
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def live(request, tmp_path) -> Database:
    vendor = request.param
    fixture = {"postgresql": "postgres_server", "mysql": "mysql_server"}.get(vendor)
    return Database(vendor, request.getfixturevalue(fixture) if fixture else None, tmp_path)


def rehearsed(release: Release, live: Database, *args: str) -> tuple[int, dict]:
    before = live.applied()
    run = release.manage(live.url, "rehearse_migrations", *args)
    assert run.stdout, run.stderr
    assert live.applied() == before  # the live database is never migrated
    assert live.scratches() == []
    return run.code, run.json()


def test_a_removed_field_is_what_the_running_release_fails_on(live, tmp_path):
    code, report = rehearsed(Release(tmp_path, REMOVE), live)

    assert (code, report["ok"], report["new_release"]) == (0, True, [])
    assert report["migrations"] == [{"migration": "content.0003_next", "outcome": "rehearsed"}]
    fails_on = {(p["kind"], p["table"], p["column"]) for p in report["running_release"]}
    assert fails_on == {("missing_column", "asset", "description")}


def test_a_migration_that_fails_on_the_drifted_schema_stops_there(live, tmp_path):
    """The seed's incident, the other way round: production lost a column its history says
    it has; the new release's migration that drops it fails on the copy, as it would live."""
    live.execute("ALTER TABLE asset DROP COLUMN description")

    code, report = rehearsed(Release(tmp_path, REMOVE), live)

    assert (code, report["ok"]) == (1, False)
    assert report["failed"]["migration"] == "content.0003_next"
    assert "description" in report["failed"]["error"]


def test_a_data_migration_that_needs_rows_does_not_stop_it(live, tmp_path):
    release = Release(tmp_path, NEEDS_ROWS, HOME_PAGE)
    code, report = rehearsed(release, live)

    assert (code, report["ok"]) == (0, True)
    (step,) = report["migrations"]
    assert step["migration"] == "content.0003_next" and step["outcome"] == "needs_rows"
    assert step["detail"].startswith("RunPython raised DoesNotExist: Resource matching query")


def test_without_createdb_it_is_unavailable_unless_given_a_database(postgres_server, tmp_path):
    live = Database("postgresql", postgres_server, tmp_path)
    role = f"no_createdb_{next(_names)}"
    postgres_server.execute(
        live.name,
        f"CREATE ROLE {role} LOGIN NOCREATEDB; GRANT ALL ON SCHEMA public TO {role}; "
        f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}; "
        f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}",
    )
    live.url = live.url.replace("postgres://postgres@", f"postgres://{role}@")
    release = Release(tmp_path, REMOVE)

    code, report = rehearsed(release, live)
    assert (code, report["available"]) == (3, False)
    assert "permission denied to create database" in report["error"]

    given = f"{live.name}_given"
    postgres_server.create_database(given)
    postgres_server.execute(None, f"ALTER DATABASE {given} OWNER TO {role}")
    postgres_server.execute(
        given, f"CREATE TABLE leftover (id int); ALTER TABLE leftover OWNER TO {role}"
    )
    code, report = rehearsed(release, live, "--scratch", given)
    assert (code, report["ok"]) == (0, True)
    assert postgres_server.execute(
        given, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    ) == [(0,)]
