"""fab deploy and fab rollback against real sshd hosts, a git origin and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from fleet import Fleet, Origin

ROWS = "SELECT count(*) FROM resource"


@pytest.fixture(scope="module")
def hosts(sshd_servers):
    return [sshd_servers.start("127.0.0.7"), sshd_servers.start("127.0.0.8")]


@pytest.fixture
def fleet(tmp_path, hosts, postgres_server, request):
    name = f"deploy_{abs(hash(request.node.name)) % 10**8}"
    postgres_server.drop_database(name)
    postgres_server.create_database(name)
    fleet = Fleet(tmp_path, Origin(tmp_path), hosts, postgres_server.url(name), confirm="none")
    fleet.trust()
    fleet.db = name
    return fleet


def _live(fleet) -> list[str]:
    return [os.path.basename(os.readlink(d / "current")) for d in fleet.deploy_to]


def _sql(postgres_server, fleet, sql):
    return postgres_server.execute(fleet.db, sql)


def _add_field(origin: Origin, line: str) -> None:
    """A new Resource field in the models (the migration follows separately)."""
    models = origin.work / "content" / "models.py"
    anchor = "    is_active = models.BooleanField(default=True)\n"
    models.write_text(models.read_text().replace(anchor, anchor + f"    {line}\n"))


def _add_migration(origin: Origin, name: str, body: str) -> None:
    path = origin.work / "content" / "migrations" / f"{name}.py"
    path.write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [('content', '{_leaf(origin)}')]\n"
        f"    operations = [\n{body}\n    ]\n"
    )
    origin.commit(f"migration {name}")


def _leaf(origin: Origin) -> str:
    names = sorted(p.stem for p in (origin.work / "content" / "migrations").glob("0*.py"))
    return names[-1]


def _superuser(fleet) -> None:
    fleet.add_superuser()


def test_first_deploy_then_a_migration_then_rollback_keeps_every_row(fleet, postgres_server):
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    first = _live(fleet)
    assert first[0] == first[1]
    _superuser(fleet)
    _sql(
        postgres_server,
        fleet,
        "INSERT INTO resource (name, slug, created, is_active) VALUES ('before', 'b', now(), true)",
    )

    _add_field(fleet.origin, "homepage = models.CharField(max_length=200, default='')")
    _add_migration(
        fleet.origin,
        "0003_resource_homepage",
        "        migrations.AddField("
        "'resource', 'homepage', models.CharField(max_length=200, default='')),",
    )
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    second = _live(fleet)
    assert second[0] == second[1] != first[0]
    columns = _sql(
        postgres_server,
        fleet,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'resource'",
    )
    assert ("homepage",) in columns
    _sql(
        postgres_server,
        fleet,
        "INSERT INTO resource (name, slug, created, is_active, homepage) "
        "VALUES ('between', 'w', now(), true, '')",
    )

    done = fleet.fab("rollback", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    assert _live(fleet) == first
    columns = _sql(
        postgres_server,
        fleet,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'resource'",
    )
    assert ("homepage",) not in columns
    assert _sql(postgres_server, fleet, ROWS) == [(2,)]

    events = json.loads(fleet.fab("history", "--env=test", "--json").stdout)["events"]
    assert [(e["event"], e["outcome"]) for e in events] == [
        ("deploy", "success"),
        ("deploy", "success"),
        ("rollback", "success"),
    ]
    assert events[1]["migrations"]["applied"] == ["content.0003_resource_homepage"]
    assert events[2]["migrations"]["reversed"] == ["content.0003_resource_homepage"]


def test_a_migration_failing_halfway_leaves_the_previous_release_and_data(fleet, postgres_server):
    assert fleet.fab("deploy", "--env=test", "--yes").returncode == 0
    _superuser(fleet)
    before = _live(fleet)
    _sql(
        postgres_server,
        fleet,
        "INSERT INTO resource (name, slug, created, is_active) VALUES ('kept', 'k', now(), true)",
    )
    _add_field(fleet.origin, "note = models.TextField(default='')")
    _add_migration(
        fleet.origin,
        "0003_add_note",
        "        migrations.AddField('resource', 'note', models.TextField(default='')),",
    )
    _add_migration(
        fleet.origin,
        "0004_broken",
        "        migrations.RunSQL('SELECT 1/0', reverse_sql=migrations.RunSQL.noop),",
    )
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 1
    assert "failed at migrate" in done.stderr
    assert _live(fleet) == before
    columns = _sql(
        postgres_server,
        fleet,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'resource'",
    )
    assert ("note",) not in columns
    assert _sql(postgres_server, fleet, ROWS) == [(1,)]
    assert not (fleet.deploy_to[0] / ".deploy" / "lock").exists()
    events = json.loads(fleet.fab("history", "--env=test", "--json").stdout)["events"]
    assert (events[-1]["event"], events[-1]["outcome"]) == ("deploy", "rolled_back")


def test_no_terminal_and_no_yes_refuses_with_exit_4_and_changes_nothing(fleet):
    fleet.write_inventory(confirm="yes-no")
    done = fleet.fab("deploy", "--env=test")
    assert done.returncode == 4
    assert "pass --yes" in done.stderr
    assert not (fleet.deploy_to[0] / "releases").exists()


def test_a_held_lock_refuses_a_second_deploy_with_exit_3(fleet):
    lock = fleet.deploy_to[0] / ".deploy" / "lock"
    lock.mkdir(parents=True)
    (lock / "info.json").write_text(json.dumps({"task": "deploy", "operator": "ci@runner"}))
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 3
    assert "ci@runner" in done.stderr


def test_a_ref_that_is_not_on_the_branch_is_refused(fleet):
    origin = fleet.origin
    subprocess.run(["git", "checkout", "-q", "-b", "experiment"], cwd=origin.work, check=True)
    origin.commit("an experiment")
    done = fleet.fab("deploy", "--env=test", "--yes", "--ref=experiment")
    assert done.returncode == 1
    assert "is not on main" in done.stderr


def test_fab_migrate_applies_what_is_pending_on_the_current_release(fleet, postgres_server):
    assert fleet.fab("deploy", "--env=test", "--yes").returncode == 0
    _superuser(fleet)
    from project import ROOT, manage

    back = manage(
        fleet.database_url,
        "migrate",
        "content",
        "0001",
        "-v0",
        settings="cms.settings",
        pythonpath=[fleet.origin.work, ROOT],
    )
    assert back.code == 0, back.stderr
    done = fleet.fab("migrate", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    assert "content.0002_asset_description" in done.stdout
    events = json.loads(fleet.fab("history", "--env=test", "--json").stdout)["events"]
    assert events[-1]["event"] == "migrate" and events[-1]["outcome"] == "success"
    assert events[-1]["migrations"]["applied"] == ["content.0002_asset_description"]
