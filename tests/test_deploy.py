"""fab deploy and fab rollback against real sshd hosts, a git origin and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from deploying import (
    ADD_HOMEPAGE,
    HOMEPAGE,
    add_field,
    add_migration,
    checksum,
    columns,
    release_folders,
)
from fleet import Fleet, Origin

from deployment.releases import worktree as releases

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

    add_field(fleet.origin, "homepage = models.CharField(max_length=200, db_default='')")
    add_migration(
        fleet.origin,
        "0003_resource_homepage",
        "        migrations.AddField("
        "'resource', 'homepage', models.CharField(max_length=200, db_default='')),",
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

    done = fleet.fab("rollback", "--env=test", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert _live(fleet) == first
    document = json.loads(done.stdout)
    assert (document["ok"], document["release"]) == (True, first[0])
    assert document["reversed"] == ["content.0003_resource_homepage"]
    assert [(s["step"], s["outcome"]) for s in document["steps"]] == [
        ("choose", "done"),
        ("plan", "done"),
        ("confirm", "done"),
        ("go live", "done"),
        ("database", "done"),
    ]
    said = done.stderr
    assert said.index("done go live") < said.index("done database"), (
        "going back, the older code goes live before the column it does not know is dropped"
    )
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
    add_field(fleet.origin, "note = models.TextField(db_default='')")
    add_migration(
        fleet.origin,
        "0003_add_note",
        "        migrations.AddField('resource', 'note', models.TextField(db_default='')),",
    )
    add_migration(
        fleet.origin,
        "0004_broken",
        # Fails on production's rows only: the rehearsal, on a copy without rows, passes it.
        "        migrations.RunSQL('ALTER TABLE resource ADD CONSTRAINT name_short "
        "CHECK (length(name) < 3)', reverse_sql=migrations.RunSQL.noop),",
    )
    done = fleet.fab("deploy", "--env=test", "--yes", "--json")
    assert done.returncode == 1
    assert done.stderr.count("failed at migrate") == 1, "the error is said once"
    assert "error:" not in done.stderr
    document = json.loads(done.stdout)  # one document, also on failure
    assert (document["ok"], document["exit_code"], document["step"]) == (False, 1, "migrate")
    assert "failed" in document["error"]
    outcomes = {s["step"]: s["outcome"] for s in document["steps"]}
    assert outcomes == {
        "checks": "done",
        "release": "undone",
        "plan": "done",
        "backup": "done",
        "confirm": "done",
        "migrate": "undone",
    }
    assert all(isinstance(s["elapsed_ms"], int) for s in document["steps"])
    planned = [f"{m['app']}.{m['name']}" for m in document["plan"]["migrations"]]
    assert planned == ["content.0003_add_note", "content.0004_broken"]
    assert document["backup"] == document["release"]
    assert document["hosts"] == dict.fromkeys(document["previous"], before[0])
    assert document["consistent"] is True
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


def _deployed_with_rows(fleet, postgres_server) -> list[str]:
    assert fleet.fab("deploy", "--env=test", "--yes").returncode == 0
    _superuser(fleet)
    _sql(
        postgres_server,
        fleet,
        "INSERT INTO resource (name, slug, created, is_active) VALUES ('kept', 'k', now(), true)",
    )
    return _live(fleet)


def test_a_failing_verification_after_migrating_rolls_code_and_database_back(
    fleet, postgres_server
):
    before = _deployed_with_rows(fleet, postgres_server)
    data = checksum(postgres_server, fleet)
    # The migration adds a NOT NULL column the models do not have: verify_schema refuses it.
    add_migration(
        fleet.origin,
        "0003_orphan_column",
        "        migrations.RunSQL("
        "'ALTER TABLE resource ADD COLUMN orphan integer NOT NULL DEFAULT 0; "
        "ALTER TABLE resource ALTER COLUMN orphan DROP DEFAULT', "
        "reverse_sql='ALTER TABLE resource DROP COLUMN orphan'),",
    )
    # The rehearsal would stop it before anything changed; this is the path when none ran.
    done = fleet.fab("deploy", "--env=test", "--yes", "--no-rehearsal")
    assert done.returncode == 1
    assert "failed at verify" in done.stderr and "orphan" in done.stderr
    assert _live(fleet) == before
    assert checksum(postgres_server, fleet) == data


def test_a_failing_health_check_switches_every_host_back(fleet, postgres_server):
    before = _deployed_with_rows(fleet, postgres_server)
    data = checksum(postgres_server, fleet)
    fleet.write_inventory(
        confirm="none", healthcheck={"url": "http://127.0.0.1:9/healthz", "timeout": 2}
    )
    add_field(fleet.origin, "homepage = models.CharField(max_length=200, db_default='')")
    add_migration(
        fleet.origin,
        "0003_resource_homepage",
        "        migrations.AddField("
        "'resource', 'homepage', models.CharField(max_length=200, db_default='')),",
    )
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 1
    assert "health check" in done.stderr
    assert _live(fleet) == before
    assert checksum(postgres_server, fleet) == data
    columns = _sql(
        postgres_server,
        fleet,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'resource'",
    )
    assert ("homepage",) not in columns
    assert not (fleet.deploy_to[0] / ".deploy" / "lock").exists()


def test_an_irreversible_migration_is_rolled_back_by_restoring_its_backup(fleet, postgres_server):
    first = _deployed_with_rows(fleet, postgres_server)
    add_migration(
        fleet.origin,
        "0003_irreversible",
        '        migrations.RunSQL("UPDATE resource SET slug = upper(slug)"),',
    )
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    assert "restore backup" in done.stderr  # the plan said how a rollback would go
    _sql(
        postgres_server,
        fleet,
        "INSERT INTO resource (name, slug, created, is_active) VALUES ('after', 'a', now(), true)",
    )
    done = fleet.fab("rollback", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    assert "restored from backup" in done.stdout
    assert _live(fleet) == first
    assert _sql(postgres_server, fleet, "SELECT name, slug FROM resource ORDER BY name") == [
        ("kept", "k")
    ]
    safety = sorted((fleet.deploy_to[0] / "backups").glob("safety-*.dump"))
    assert len(safety) == 1
    listing = subprocess.run(
        [_pg_restore(), "--data-only", "--table=resource", "--file=-", str(safety[0])],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "after" in listing.stdout  # the rows written after the deploy are in the safety backup


def _tree(fleet) -> list[str]:
    """Every path under the hosts' deploy folders but the mirror's insides, and the
    mirror's worktrees (the mirror is a cache of the repository, which --dry-run updates)."""
    paths = [
        str(p)
        for d in fleet.deploy_to
        for p in d.rglob("*")
        if "__pycache__" not in str(p) and not p.is_relative_to(d / "repo")
    ]
    worktrees = [
        subprocess.run(
            ["git", "-C", str(d / "repo"), "worktree", "list", "--porcelain"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for d in fleet.deploy_to
    ]
    return sorted(paths) + worktrees


def test_dry_run_shows_the_plan_and_changes_nothing(fleet, postgres_server):
    _deployed_with_rows(fleet, postgres_server)
    add_field(fleet.origin, HOMEPAGE)
    add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)
    tree, data = _tree(fleet), checksum(postgres_server, fleet)
    done = fleet.fab("deploy", "--env=test", "--dry-run", env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "content.0003_resource_homepage" in done.stderr, "the plan is shown"
    assert "Add field homepage to resource" in done.stderr
    assert "dry run of test" in done.stderr
    assert _tree(fleet) == tree
    assert checksum(postgres_server, fleet) == data
    assert "homepage" not in columns(postgres_server, fleet)
    done = fleet.fab("deploy", "--env=test", "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert (document["ok"], document["dry_run"], document["blocked"]) == (True, True, None)
    planned = [f"{m['app']}.{m['name']}" for m in document["plan"]["migrations"]]
    assert planned == ["content.0003_resource_homepage"]
    assert _tree(fleet) == tree


def _pg_restore() -> str:
    import glob
    import shutil

    return (
        shutil.which("pg_restore") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_restore"))[-1]
    )


@pytest.mark.parametrize("ref", ["--upload-pack=touch /tmp/pwned", "main; touch /tmp/pwned"])
def test_a_hostile_ref_is_refused_before_anything_runs(fleet, ref):
    done = fleet.fab("deploy", "--env=test", "--yes", f"--ref={ref}")
    assert done.returncode in (1, 2)
    assert not os.path.exists("/tmp/pwned")
    assert not (fleet.deploy_to[0] / "current").exists()


def test_old_releases_and_backups_are_pruned_after_a_deploy(fleet):
    fleet.write_inventory(confirm="none", keep_releases=2, keep_backups=1)
    deployed = []
    for change in ("one", "two", "three"):
        fleet.origin.commit(change)
        done = fleet.fab("deploy", "--env=test", "--yes")
        assert done.returncode == 0, done.stderr
        deployed.append(_live(fleet)[0])
        if len(deployed) == 1:
            _superuser(fleet)  # the checks of the next deploys want one
    first, previous, current = deployed
    for folder, worktrees in zip(fleet.deploy_to, release_folders(fleet), strict=True):
        assert worktrees == [previous, current]
        listed = subprocess.run(
            ["git", "-C", str(folder / "repo"), "worktree", "list"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert first not in listed, "the mirror forgets the removed worktree"
    backups = sorted(p.name for p in (fleet.deploy_to[0] / "backups").iterdir())
    assert [name.split(".")[0] for name in backups] == [current, current], backups


def test_which_releases_are_pruned():
    listing = releases.Listing(("r1", "r2", "r3", "r4", "r5"), "r5")
    assert releases.to_prune(listing, 2, {"r5", "r4"}) == ["r1", "r2", "r3"]
    assert releases.to_prune(listing, 2, {"r5", "r4", "r1"}) == ["r2", "r3"]
    assert releases.to_prune(listing, 5, {"r5"}) == []
    assert releases.to_prune(listing, 0, {"r5", "r4", "r2"}) == ["r1", "r3"]
