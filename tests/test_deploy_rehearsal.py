"""fab deploy rehearses its migrations on a scratch copy of the live schema before anything
changes, on real PostgreSQL over real sshd: a RemoveField the running release would fail on
stops the deploy at the plan (nothing changed) unless --allow-downtime; the plan and the
history say what happened."""

from __future__ import annotations

import pytest
from deploying import add_migration, columns, events, live, make_fleet, remove_field

DESCRIPTION = 'description = models.TextField(blank=True, default="")'
REMOVE_DESCRIPTION = "        migrations.RemoveField('asset', 'description'),"
NULLABLE = (
    "        migrations.AlterField('asset', 'description', "
    "models.TextField(blank=True, default='', null=True)),"
)


@pytest.fixture(scope="module")
def host(sshd_servers):
    return sshd_servers.start("127.0.0.82")


@pytest.mark.integration
def test_a_change_the_running_release_fails_on_needs_allow_downtime(
    host, postgres_server, tmp_path, request
):
    fleet = make_fleet(tmp_path, [host], postgres_server, request.node.name, confirm="none")
    first = fleet.fab("deploy", "--env=test", "--yes")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "rehearsed on a copy of the live schema" in first.stderr
    fleet.add_superuser()
    serving = live(fleet)
    remove_field(fleet.origin, DESCRIPTION)
    add_migration(fleet.origin, "0003_remove_asset_description", REMOVE_DESCRIPTION)

    stopped = fleet.fab("deploy", "--env=test", "--yes")

    said = stopped.stdout + stopped.stderr
    assert stopped.returncode == 1, said
    assert (
        "failed at plan: the running release would fail on the migrated schema until go-live: "
        "column asset.description does not exist"
    ) in said
    assert "--allow-downtime" in said
    assert live(fleet) == serving
    assert "description" in columns(postgres_server, fleet, "asset")

    dry = fleet.fab("deploy", "--env=test", "--dry-run")
    assert dry.returncode == 1, dry.stdout + dry.stderr
    assert "the running release will fail on: column asset.description does not exist" in dry.stderr

    done = fleet.fab("deploy", "--env=test", "--yes", "--allow-downtime")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "description" not in columns(postgres_server, fleet, "asset")
    last = events(fleet)[-1]
    assert (last["event"], last["outcome"]) == ("deploy", "success")
    assert last["message"].startswith("--allow-downtime: the running release failed on 1 ")


@pytest.mark.integration
def test_a_post_deploy_migration_runs_after_go_live(host, postgres_server, tmp_path, request):
    """Dropping a column in two phases: made nullable before go-live (the running release
    still writes it), dropped after, once the new release, which no longer has it, serves."""
    fleet = make_fleet(tmp_path, [host], postgres_server, request.node.name, confirm="none")
    assert fleet.fab("deploy", "--env=test", "--yes").returncode == 0
    fleet.add_superuser()
    remove_field(fleet.origin, DESCRIPTION)
    add_migration(fleet.origin, "0003_asset_description_null", NULLABLE)
    add_migration(fleet.origin, "0004_remove_asset_description", REMOVE_DESCRIPTION, True)

    plan = fleet.fab("deploy", "--env=test", "--dry-run")
    assert "content.0004_remove_asset_description (after go-live)" in plan.stderr, plan.stderr

    done = fleet.fab("deploy", "--env=test", "--yes")

    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    steps = [
        line.split()[-1] for line in done.stderr.splitlines() if line.strip().startswith("done ")
    ]
    assert steps[-3:] == ["verify", "live", "post-deploy"]
    assert "description" not in columns(postgres_server, fleet, "asset")
    last = events(fleet)[-1]
    assert last["migrations"]["applied"] == [
        "content.0003_asset_description_null",
        "content.0004_remove_asset_description",
    ]
