"""The failure paths of issue 13, end to end on real sshd hosts with PostgreSQL: a signal
during migrate, a killed fab and fab recover, a non-atomic migration that stops half way, a
damaged backup, a rollback across a dropped column. Each ends consistent, or says it did not
and fab recover makes it so."""

from __future__ import annotations

import json
import signal

import pytest
from deploying import (
    ADD_HOMEPAGE,
    HOMEPAGE,
    add_field,
    add_migration,
    checksum,
    columns,
    events,
    live,
    lock_held,
    make_fleet,
    remove_field,
    sql,
    start_fab,
)
from test_deploy_failures import ROW, _deployed, _wait_for


@pytest.fixture(scope="module")
def hosts(sshd_servers):
    return [sshd_servers.start("127.0.0.35"), sshd_servers.start("127.0.0.36")]


@pytest.fixture
def fleet(tmp_path, hosts, postgres_server, request):
    return make_fleet(tmp_path, hosts, postgres_server, request.node.name, confirm="none")


def _journal(fleet):
    return fleet.deploy_to[0] / ".deploy" / "journal.json"


def _paused_migration(fleet) -> tuple:
    """A migration adding ``homepage`` whose RunPython waits for the test's go-ahead."""
    reached, go = fleet.folder / "migrate-reached", fleet.folder / "migrate-go"
    add_field(fleet.origin, HOMEPAGE)
    body = f"{ADD_HOMEPAGE}\n        migrations.RunPython(wait, migrations.RunPython.noop),"
    add_migration(fleet.origin, "0003_resource_homepage", body)
    path = fleet.origin.work / "content" / "migrations" / "0003_resource_homepage.py"
    wait = (
        "import os, time\n\n\ndef wait(apps, schema_editor):\n"
        "    if os.environ.get('SCHEMA_SAFETY_REHEARSAL'):\n        return\n"
        f"    open({str(reached)!r}, 'w').close()\n"
        f"    while not os.path.exists({str(go)!r}):\n        time.sleep(0.05)\n\n\n"
    )
    path.write_text(path.read_text().replace("\n\nclass Migration", f"\n{wait}class Migration"))
    fleet.origin.commit("a migration that waits")
    return reached, go


def test_a_first_sigterm_during_migrate_lets_it_finish_then_undoes_it(fleet, postgres_server):
    before = _deployed(fleet, postgres_server)
    data = checksum(postgres_server, fleet)
    reached, go = _paused_migration(fleet)
    process = start_fab(fleet, "deploy", "--env=test", "--yes")
    _wait_for(reached, process)
    process.send_signal(signal.SIGTERM)
    go.touch()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert "stopping after the current step (migrate is running on 127.0.0.35" in stderr
    assert live(fleet) == before
    assert "homepage" not in columns(postgres_server, fleet)
    assert checksum(postgres_server, fleet) == data
    assert not lock_held(fleet) and not _journal(fleet).exists()
    assert events(fleet)[-1]["outcome"] == "rolled_back"


def test_a_killed_fab_leaves_the_migration_running_and_recover_finishes(fleet, postgres_server):
    before = _deployed(fleet, postgres_server)
    reached, go = _paused_migration(fleet)
    process = start_fab(fleet, "deploy", "--env=test", "--yes")
    _wait_for(reached, process)
    process.kill()
    process.wait()
    assert _journal(fleet).exists() and lock_held(fleet)
    status = fleet.fab("status", "--env=test", "--json")
    assert status.returncode == 5, status.stderr
    report = json.loads(status.stdout)
    assert report["journal"]["step"] == "migrate" and len(report["running"]) == 1
    refused = fleet.fab("predeploy", "--env=test", "--json")
    schema = next(
        c for c in json.loads(refused.stdout)["hosts"][0]["checks"] if c["name"] == "schema"
    )
    assert schema["status"] == "fail" and "fab recover --env=test" in schema["detail"]

    go.touch()  # the migration, still running on the host, ends now
    recovered = fleet.fab("recover", "--env=test", "--yes")
    assert recovered.returncode == 0, recovered.stderr
    new = live(fleet)[0]
    assert live(fleet) == [new, new] and new != before[0]
    assert "homepage" in columns(postgres_server, fleet)
    assert not lock_held(fleet) and not _journal(fleet).exists()
    assert [(e["event"], e["outcome"]) for e in events(fleet)[-2:]] == [
        ("deploy", "success"),
        ("recover", "success"),
    ]
    again = fleet.fab("recover", "--env=test", "--yes")
    assert again.returncode == 0 and "nothing to recover" in again.stdout


def test_a_non_atomic_migration_stopping_half_way_is_undone_from_the_backup(fleet, postgres_server):
    before = _deployed(fleet, postgres_server)
    data = checksum(postgres_server, fleet)
    add_field(fleet.origin, "motto = models.TextField()")
    body = (
        "        migrations.AddField('resource', 'motto', models.TextField(default='m'),"
        " preserve_default=False),\n"
        "        migrations.RunPython(fail, migrations.RunPython.noop),"
    )
    add_migration(fleet.origin, "0003_resource_motto", body)
    path = fleet.origin.work / "content" / "migrations" / "0003_resource_motto.py"
    text = path.read_text().replace(
        "class Migration(migrations.Migration):\n",
        "def fail(apps, schema_editor):\n    raise RuntimeError('half way')\n\n\n"
        "class Migration(migrations.Migration):\n    atomic = False\n",
    )
    path.write_text(text)
    fleet.origin.commit("a non-atomic migration that fails after adding its column")

    # The NOT NULL column without a default is what the running release fails on.
    done = fleet.fab("deploy", "--env=test", "--yes", "--allow-downtime")
    assert done.returncode == 1, done.stderr
    assert "not atomic: content.0003_resource_motto" in done.stderr
    assert "database restored from backup" in done.stderr
    assert live(fleet) == before
    assert "motto" not in columns(postgres_server, fleet)
    assert checksum(postgres_server, fleet) == data
    last = events(fleet)[-1]
    assert (last["event"], last["outcome"]) == ("deploy", "rolled_back")


def _dropped_homepage(fleet, postgres_server) -> list:
    """Deployed with ``homepage``, then a release that removes it (irreversible: the data)."""
    add_field(fleet.origin, HOMEPAGE)
    add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)
    row = ROW.replace("is_active)", "is_active, homepage)").replace("true)", "true, 'h')")
    with_homepage = _deployed(fleet, postgres_server, row=row)
    remove_field(fleet.origin, HOMEPAGE)
    add_migration(
        fleet.origin,
        "0004_remove_resource_homepage",
        "        migrations.RemoveField('resource', 'homepage'),",
    )
    done = fleet.fab("deploy", "--env=test", "--yes", "--allow-downtime")
    assert done.returncode == 0, done.stderr
    assert "homepage" not in columns(postgres_server, fleet)
    return with_homepage


def test_a_rollback_whose_backup_is_damaged_changes_nothing(fleet, postgres_server):
    _dropped_homepage(fleet, postgres_server)
    now = live(fleet)
    for dump in (fleet.deploy_to[0] / "backups").glob(f"{now[0]}.dump"):
        dump.write_bytes(b"damaged")
    done = fleet.fab("rollback", "--env=test", "--yes")
    assert done.returncode == 1, done.stderr
    assert "failed verification" in done.stderr
    assert live(fleet) == now and not lock_held(fleet) and not _journal(fleet).exists()
    assert "done go live" not in done.stderr and "done database" not in done.stderr


def test_a_rollback_across_a_dropped_column_moves_the_database_first(fleet, postgres_server):
    with_homepage = _dropped_homepage(fleet, postgres_server)
    done = fleet.fab("rollback", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    assert "order: database first" in done.stderr
    assert done.stderr.index("done database") < done.stderr.index("done go live")
    assert "data written since then is replaced; it is kept in safety backup" in done.stderr
    assert "fab restore --env=test --backup=safety-" in done.stdout
    assert live(fleet) == with_homepage
    assert sql(postgres_server, fleet, "SELECT name, homepage FROM resource") == [("kept", "h")]
    safety = sorted((fleet.deploy_to[0] / "backups").glob("safety-*.json"))[-1]
    assert len(json.loads(safety.read_text())["commit"]) == 40  # a commit, not a release name
