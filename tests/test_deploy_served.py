"""The example project served by gunicorn while fab deploys, rolls back and fails a health check.

One host behind a real sshd, PostgreSQL, a git origin; gunicorn serves the host's ``current``
(tests/servers/wsgi.py) and the inventory's ``restart`` reloads it. Each step asks the site
over HTTP which release answers (``/version``: release folder and commit) and reads the
content through it (``/assets``), so a test sees what a visitor would.
"""

from __future__ import annotations

import json

import pytest
from deploying import (
    add_field,
    add_migration,
    checksum,
    columns,
    events,
    live,
    lock_held,
    make_fleet,
)
from fleet import git
from project import ROOT
from servers.wsgi import WsgiServer

RESOURCE = "INSERT INTO resource (name, slug, created, is_active) VALUES (%s, 's', now(), true)"
ASSET = (
    "INSERT INTO asset (title, resource_id, file_size, checksum, description, created) "
    "SELECT %s, id, 1, 'c', '', now() FROM resource WHERE name = %s"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory, sshd_servers, postgres_server):
    """A fleet of one host with the example project deployed, migrated and served."""
    host = sshd_servers.start("127.0.0.51")
    folder = tmp_path_factory.mktemp("served")
    fleet = make_fleet(folder, [host], postgres_server, "served", confirm="none")
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    fleet.add_superuser()
    environment = {"DATABASE_URL": fleet.database_url, "PYTHONPATH": str(ROOT)}
    server = WsgiServer(fleet.deploy_to[0], environment)
    server.start()
    fleet.write_inventory(
        confirm="none", restart=[server.restart_command()], healthcheck=server.healthcheck(30)
    )
    yield fleet, server
    server.stop()


def answering(server: WsgiServer) -> dict:
    """What /version says: the release folder and commit serving requests now."""
    status, _, body = server.get("/version")
    assert status == 200, body
    return json.loads(body)


def titles(server: WsgiServer) -> set[str]:
    """The asset titles the site shows (it reads every column of asset and resource)."""
    status, _, body = server.get("/assets")
    assert status == 200, body[-2000:]
    return {a["title"] for a in json.loads(body)["assets"]}


def write(postgres_server, fleet, name: str) -> None:
    """A resource and an asset of it, as the site's editors would add them."""
    postgres_server.execute(fleet.db, RESOURCE, [name])
    postgres_server.execute(fleet.db, ASSET, [name, name])


def test_deploy_rollback_deploy_each_serves_its_release_and_keeps_the_rows(served, postgres_server):
    fleet, server = served
    first = answering(server)
    assert first["release"] == live(fleet)[0]
    write(postgres_server, fleet, "before")

    add_field(fleet.origin, "summary = models.TextField(null=True)")
    summary = "        migrations.AddField('resource', 'summary', models.TextField(null=True)),"
    add_migration(fleet.origin, "0003_resource_summary", summary)
    commit = git("rev-parse", "HEAD", cwd=fleet.origin.work)
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    second = answering(server)
    assert second == {"release": live(fleet)[0], "commit": commit}
    assert second["release"] != first["release"]
    write(postgres_server, fleet, "between")
    assert {"before", "between"} <= titles(server)

    done = fleet.fab("rollback", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    assert answering(server) == first
    assert "summary" not in columns(postgres_server, fleet)
    write(postgres_server, fleet, "after")
    assert {"before", "between", "after"} <= titles(server)

    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    third = answering(server)
    assert third == {"release": live(fleet)[0], "commit": commit}
    assert third["release"] not in (first["release"], second["release"])
    assert "summary" in columns(postgres_server, fleet)
    assert {"before", "between", "after"} <= titles(server)
    outcomes = [(e["event"], e["outcome"]) for e in events(fleet)]
    assert outcomes[-3:] == [("deploy", "success"), ("rollback", "success"), ("deploy", "success")]


def test_a_release_failing_its_health_check_leaves_the_previous_one_answering(
    served, postgres_server
):
    fleet, server = served
    write(postgres_server, fleet, "kept")
    before, release = answering(server), live(fleet)
    data = {t: checksum(postgres_server, fleet, t) for t in ("resource", "asset")}
    schema = columns(postgres_server, fleet, "asset")
    fleet.write_inventory(
        confirm="none", restart=[server.restart_command()], healthcheck=server.healthcheck(2)
    )
    views = fleet.origin.work / "cms" / "views.py"
    broken = views.read_text().replace('HttpResponse("ok"', 'HttpResponse("ko", status=500')
    views.write_text(broken)
    add_field(fleet.origin, "note = models.TextField(null=True)")
    note = "        migrations.AddField('resource', 'note', models.TextField(null=True)),"
    add_migration(fleet.origin, "0004_resource_note", note)

    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 1, done.stderr
    assert "failed at go live" in done.stderr and "health check" in done.stderr
    assert live(fleet) == release
    assert answering(server) == before
    assert server.get("/healthz")[0] == 200
    assert "note" not in columns(postgres_server, fleet)
    assert columns(postgres_server, fleet, "asset") == schema
    assert {t: checksum(postgres_server, fleet, t) for t in data} == data
    assert "kept" in titles(server)
    assert not lock_held(fleet)
    last = events(fleet)[-1]
    assert (last["event"], last["outcome"]) == ("deploy", "rolled_back")
    assert last["migrations"]["applied"] == ["content.0004_resource_note"]
