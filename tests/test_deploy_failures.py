"""fab deploy when things go wrong: a host drops mid-deploy, two deploys race, a dangerous
migration meets production. Real sshd, PostgreSQL and git."""

from __future__ import annotations

import json
import shlex
import time

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
    release_folders,
    remove_field,
    sql,
    start_fab,
)
from fault_points import Points

ROW = "INSERT INTO resource (name, slug, created, is_active) VALUES ('kept', 'k', now(), true)"


@pytest.fixture(scope="module")
def hosts(sshd_servers):
    return [sshd_servers.start("127.0.0.23"), sshd_servers.start("127.0.0.24")]


@pytest.fixture
def fleet(tmp_path, hosts, postgres_server, request):
    fleet = make_fleet(tmp_path, hosts, postgres_server, request.node.name, confirm="none")
    yield fleet
    for server in hosts:  # a test that stopped a host leaves it running for the next one
        server.start()


def _deployed(fleet, postgres_server, env: str = "test", row: str = ROW) -> list[str | None]:
    done = fleet.fab("deploy", f"--env={env}", "--yes")
    assert done.returncode == 0, done.stderr
    fleet.add_superuser()
    sql(postgres_server, fleet, row)
    return live(fleet)


def _wait_for(path, process, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_a_host_dropping_during_go_live_is_reported_and_recoverable(fleet, hosts, postgres_server):
    """The second host's sshd goes down while it restarts the new release.

    What fab does: it cannot switch the lost host back, so it puts the first host forward
    on the new release again (the fleet is never left mixed) and leaves the migration
    applied (no host serves a release whose migrations are not applied). It cannot check
    the lost host, so it does not claim the environment consistent: exit 5, the journal and
    the lock stay for ``fab recover``, which (once the host is back) finishes the deploy
    forward. Then either way out works: ``fab rollback`` and ``fab deploy``.
    """
    before = _deployed(fleet, postgres_server)
    rows = sql(postgres_server, fleet, "SELECT count(*) FROM resource")
    marker = fleet.folder / "host1-restarting"
    # On the second host only, the restart signals the test, which stops that host's sshd.
    restart = f'case "$(pwd)" in */host1/current) touch {shlex.quote(str(marker))}; sleep 60;; esac'
    fleet.write_inventory(confirm="none", restart=[restart])
    add_field(fleet.origin, HOMEPAGE)
    add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)

    process = start_fab(fleet, "deploy", "--env=test", "--yes")
    _wait_for(marker, process)
    hosts[1].stop()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 5, stderr
    assert "failed at go live: lost the connection to 127.0.0.24" in stderr
    assert "cannot switch back 127.0.0.24" in stderr
    assert "left inconsistent: cannot tell what 127.0.0.24" in stderr
    assert "fab recover --env=test" in stderr and "Traceback" not in stderr
    new = live(fleet)[1]
    assert live(fleet) == [new, new] and new != before[1]  # the whole fleet on the new release
    assert "homepage" in columns(postgres_server, fleet)  # the lost host's release needs it
    assert sql(postgres_server, fleet, "SELECT count(*) FROM resource") == rows
    assert lock_held(fleet) and (fleet.deploy_to[0] / ".deploy" / "journal.json").exists()
    assert events(fleet)[-1]["outcome"] == "inconsistent"

    hosts[1].start()
    status = fleet.fab("status", "--env=test", "--json")
    assert status.returncode == 5, status.stderr
    report = json.loads(status.stdout)
    assert [h["current"] for h in report["hosts"]] == [new, new]
    assert report["journal"]["release"] == new and "fab recover" in report["verdict"]
    refused = fleet.fab("deploy", "--env=test", "--yes")
    assert refused.returncode == 3 and "fab recover --env=test" in refused.stderr

    fleet.write_inventory(confirm="none")
    recovered = fleet.fab("recover", "--env=test", "--yes")
    assert recovered.returncode == 0, recovered.stderr
    assert "forward, every host on " + new in recovered.stdout
    assert live(fleet) == [new, new] and not lock_held(fleet)
    assert not (fleet.deploy_to[0] / ".deploy" / "journal.json").exists()
    assert [e["event"] for e in events(fleet)[-2:]] == ["deploy", "recover"]
    assert json.loads(fleet.fab("status", "--env=test", "--json").stdout)["ok"] is True

    # Either way out works: a rollback brings the code and the database back ...
    done = fleet.fab("rollback", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    assert live(fleet) == before
    assert "homepage" not in columns(postgres_server, fleet)
    assert sql(postgres_server, fleet, "SELECT count(*) FROM resource") == rows
    # ... and a deploy goes forward again.
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    assert live(fleet)[0] == live(fleet)[1] != before[0]
    assert "homepage" in columns(postgres_server, fleet)
    assert json.loads(fleet.fab("status", "--env=test", "--json").stdout)["ok"] is True


def test_two_deploys_at_once_one_wins_the_other_exits_3(fleet):
    racers = [start_fab(fleet, "deploy", "--env=test", "--yes") for _ in range(2)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in racers]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 3], results
    _, winner_out, _ = next(r for r in results if r[0] == 0)
    _, _, loser_err = next(r for r in results if r[0] == 3)
    [event] = events(fleet)
    assert (event["event"], event["outcome"]) == ("deploy", "success")
    assert f"held by {event['operator']} (deploy)" in loser_err
    assert live(fleet) == [event["release"], event["release"]]
    assert f"deployed {event['release']}" in winner_out
    assert release_folders(fleet) == [[event["release"]], [event["release"]]]
    assert not lock_held(fleet)


def test_a_dangerous_migration_on_production_needs_allow_dangerous(fleet, postgres_server):
    fleet.write_inventory(name="production", confirm="yes-no", accept_new_host_keys=False)
    add_field(fleet.origin, HOMEPAGE)
    add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)
    row = ROW.replace("is_active)", "is_active, homepage)").replace("true)", "true, '')")
    before = _deployed(fleet, postgres_server, env="production", row=row)
    data = checksum(postgres_server, fleet)
    remove_field(fleet.origin, HOMEPAGE)
    add_migration(
        fleet.origin,
        "0004_remove_resource_homepage",
        "        migrations.RemoveField('resource', 'homepage'),",
    )

    refused = fleet.fab("deploy", "--env=production", "--yes")
    assert refused.returncode == 1, refused.stderr
    assert "dangerous operations stop a production deploy" in refused.stderr
    assert "content.0004_remove_resource_homepage" in refused.stderr
    assert "--allow-dangerous" in refused.stderr
    assert live(fleet) == before
    assert release_folders(fleet) == [[before[0]], [before[1]]]
    assert "homepage" in columns(postgres_server, fleet)
    assert checksum(postgres_server, fleet) == data
    assert not lock_held(fleet)

    done = fleet.fab("deploy", "--env=production", "--yes", "--allow-dangerous", "--allow-downtime")
    assert done.returncode == 0, done.stderr
    assert live(fleet)[0] == live(fleet)[1] != before[0]
    assert "homepage" not in columns(postgres_server, fleet)
    assert sql(postgres_server, fleet, "SELECT name FROM resource") == [("kept",)]
    outcomes = [(e["event"], e["outcome"]) for e in events(fleet, "production")]
    assert outcomes[0] == ("deploy", "success") and outcomes[-1] == ("deploy", "success")


def test_an_irreversible_migration_undone_by_restoring_the_backup(fleet, postgres_server):
    """The new release drops a column, then fails its health check: reverse migrations cannot
    bring the column's data back, so the undo restores the backup taken before migrating."""
    add_field(fleet.origin, HOMEPAGE)
    add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)
    row = ROW.replace("is_active)", "is_active, homepage)")
    row = row.replace("true)", "true, 'kept.example')")
    before = _deployed(fleet, postgres_server, row=row)
    data = checksum(postgres_server, fleet)
    remove_field(fleet.origin, HOMEPAGE)
    add_migration(
        fleet.origin,
        "0004_remove_resource_homepage",
        "        migrations.RemoveField('resource', 'homepage'),",
    )
    nowhere = {"url": "http://127.0.0.1:9/healthz", "timeout": 1}
    fleet.write_inventory(confirm="none", healthcheck=nowhere)

    done = fleet.fab("deploy", "--env=test", "--yes", "--allow-downtime")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "failed at go live" in done.stderr
    assert live(fleet) == before
    assert "homepage" in columns(postgres_server, fleet)  # the backup brought the column back
    assert sql(postgres_server, fleet, "SELECT homepage FROM resource") == [("kept.example",)]
    assert checksum(postgres_server, fleet) == data
    last = events(fleet)[-1]
    assert (last["event"], last["outcome"]) == ("deploy", "rolled_back")
    assert last["migrations"]["applied"] == ["content.0004_remove_resource_homepage"]
    assert not lock_held(fleet)


def test_fab_unlock_while_a_deploy_runs_stops_it_at_its_next_step(fleet, postgres_server, tmp_path):
    """The lock is cleared while the backup runs: the deploy must not go on without it."""
    before = _deployed(fleet, postgres_server)
    points = Points(tmp_path / "faults")
    fleet.write_inventory(confirm="none", manage=points.manage(fleet.manage_command))
    add_field(fleet.origin, HOMEPAGE)
    add_migration(fleet.origin, "0003_resource_homepage", ADD_HOMEPAGE)
    points.pause("backup_database")
    process = start_fab(fleet, "deploy", "--env=test", "--yes")
    try:
        points.wait("backup_database", process)
        unlocked = fleet.fab("unlock", "--env=test", "--reason=the deploy looks stuck")
        assert unlocked.returncode == 0, unlocked.stderr
    finally:
        points.go("backup_database")
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 3, stderr
    assert "cleared" in stderr and "the deploy looks stuck" in stderr
    assert "Traceback" not in stderr
    assert live(fleet) == before  # stopped before migrate and go live
    assert "homepage" not in columns(postgres_server, fleet)
    assert not lock_held(fleet)  # and it did not take the lock again
