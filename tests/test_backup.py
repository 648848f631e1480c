"""fab backup, fab backups and fab restore: the pure parts, then real sshd hosts and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fleet import Fleet, Origin

from deployment.database import backups as backup
from deployment.errors import DeployError, UsageError
from deployment.remote import documents
from deployment.remote.commands import render

ROWS = "SELECT name FROM resource ORDER BY name"

# --- pure: commands and parsing ---


def test_documents_are_split_at_their_marker_and_broken_ones_left_out():
    output = (
        "\n@@m a.json\n" + json.dumps({"id": "a"}) + "\n@@m b.json\n{not json"
        "\n@@m c.json\n" + json.dumps([1]) + "\n@@m d.json\n" + json.dumps({"id": "d"}, indent=2)
    )
    assert documents.parse(output, "@@m") == {"a": {"id": "a"}, "d": {"id": "d"}}
    assert documents.parse("", "@@m") == {}


def test_the_documents_command_quotes_the_folder_and_passes_it_as_an_argument():
    command = render(documents.command("/srv/it's here", "@@m"))
    assert command.startswith("sh -c ")
    assert command.endswith(" documents '/srv/it'\"'\"'s here' @@m")


def test_a_manual_backup_id_is_stamped_in_utc():
    moment = datetime(2026, 11, 24, 10, 15, 0, tzinfo=UTC)
    assert backup.manual_id(moment) == "manual-20261124101500"


def test_manifests_come_newest_first_and_an_unknown_id_names_the_newest():
    found = backup.newest_first(
        [
            {"id": "a", "created": "2026-01-01T00:00:00Z"},
            {"id": "c", "created": "2026-03-01T00:00:00Z"},
            {"id": "b", "created": "2026-02-01T00:00:00Z"},
        ]
    )
    assert [m["id"] for m in found] == ["c", "b", "a"]
    assert backup.find(found, "b", "web1") == found[1]
    with pytest.raises(DeployError, match="no backup x on web1; the newest there: c, b, a"):
        backup.find(found, "x", "web1")
    with pytest.raises(UsageError):
        backup.find(found, "../etc/passwd", "web1")


def test_drift_names_the_apps_whose_last_migration_differs():
    manifest = {"migrations": {"content": ["0001_initial", "0002_x"], "auth": ["0001_initial"]}}
    assert backup.drift(manifest, None) == []
    assert backup.drift(manifest, {"content": "0002_x", "auth": "0001_initial"}) == []
    assert backup.drift(manifest, {"content": "0003_y", "auth": "0001_initial"}) == [
        "content: backup 0002_x, release 0003_y"
    ]


# --- against real hosts: one deploy for the whole module ---


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, sshd_servers, postgres_server):
    hosts = [sshd_servers.start("127.0.0.11"), sshd_servers.start("127.0.0.12")]
    folder = tmp_path_factory.mktemp("backup_tasks")
    name = "backup_tasks"
    postgres_server.drop_database(name)
    postgres_server.create_database(name)
    fleet = Fleet(folder, Origin(folder), hosts, postgres_server.url(name), confirm="none")
    fleet.trust()
    fleet.db = name
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    fleet.add_superuser()
    return fleet


@pytest.fixture
def rows(fleet, postgres_server):
    """Empty the resource table; ``rows()`` lists its names, ``rows.add(name)`` inserts one."""

    class Rows:
        def __call__(self) -> list[str]:
            return [name for (name,) in postgres_server.execute(fleet.db, ROWS)]

        def add(self, name: str) -> None:
            postgres_server.execute(
                fleet.db,
                "INSERT INTO resource (name, slug, created, is_active) "
                "VALUES (%s, %s, now(), true)",
                [name, name],
            )

    postgres_server.execute(fleet.db, "DELETE FROM resource")
    return Rows()


def _backup(fleet) -> dict:
    done = fleet.fab("backup", "--env=test", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _backups(fleet) -> list[dict]:
    done = fleet.fab("backups", "--env=test", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["env"] == "test"
    return document["backups"]


def _events(fleet) -> list[dict]:
    return json.loads(fleet.fab("history", "--env=test", "--json").stdout)["events"]


def test_a_backup_is_verified_recorded_and_listed_newest_first(fleet):
    manifest = _backup(fleet)
    assert manifest["id"].startswith("manual-")
    assert manifest["vendor"] == "postgresql"
    assert manifest["migrations"]["content"]
    dump = fleet.deploy_to[0] / "backups" / manifest["file"]
    assert dump.stat().st_size == manifest["size"]

    listed = _backups(fleet)
    assert listed[0] == manifest
    assert len(listed) >= 2  # and the backup the deploy took
    created = [m["created"] for m in listed]
    assert created == sorted(created, reverse=True)

    event = _events(fleet)[-1]
    assert (event["event"], event["outcome"], event["backup"]) == (
        "backup",
        "success",
        manifest["id"],
    )
    assert event["release"] == (fleet.deploy_to[0] / "current").readlink().name
    assert manifest["sha256"] in event["message"]

    table = fleet.fab("backups", "--env=test")
    assert table.returncode == 0, table.stderr
    assert manifest["id"] in table.stdout
    assert not (fleet.deploy_to[0] / ".deploy" / "lock").exists()


def test_restore_brings_rows_back_and_the_safety_backup_keeps_the_newer_ones(fleet, rows):
    rows.add("kept")
    taken = _backup(fleet)
    rows.add("later")

    done = fleet.fab("restore", "--env=test", f"--backup={taken['id']}", "--yes")
    assert done.returncode == 0, done.stderr
    assert rows() == ["kept"]
    event = _events(fleet)[-1]
    assert (event["event"], event["outcome"], event["backup"]) == (
        "restore",
        "success",
        taken["id"],
    )
    safety = next(m for m in _backups(fleet) if m["id"].startswith("safety-"))
    assert taken["id"] in event["message"] and safety["id"] in event["message"]
    assert safety["id"].endswith(f"-before-restoring-{taken['id']}")

    done = fleet.fab("restore", "--env=test", f"--backup={safety['id']}", "--yes")
    assert done.returncode == 0, done.stderr
    assert rows() == ["kept", "later"]


def test_a_corrupted_backup_is_refused_and_nothing_changes(fleet, rows):
    rows.add("before")
    taken = _backup(fleet)
    rows.add("after")
    dump = fleet.deploy_to[0] / "backups" / taken["file"]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    before = {m["id"] for m in _backups(fleet)}

    done = fleet.fab("restore", "--env=test", f"--backup={taken['id']}", "--yes")
    assert done.returncode == 1
    assert "failed verification" in done.stderr
    assert "Traceback" not in done.stderr
    assert rows() == ["after", "before"]
    assert {m["id"] for m in _backups(fleet)} == before  # not even a safety backup
    assert not (fleet.deploy_to[0] / ".deploy" / "lock").exists()
    event = _events(fleet)[-1]
    assert (event["event"], event["outcome"], event["backup"]) == ("restore", "failed", taken["id"])


def test_an_unknown_backup_is_refused_naming_the_ones_there_are(fleet):
    done = fleet.fab("restore", "--env=test", "--backup=nope", "--yes")
    assert done.returncode == 2
    assert "no backup nope" in done.stderr
    done = fleet.fab("restore", "--env=test", "--yes")
    assert done.returncode == 2
    assert "--backup=ID" in done.stderr


def test_restore_without_a_terminal_and_without_yes_exits_4(fleet, rows):
    rows.add("untouched")
    taken = _backups(fleet)[0]
    fleet.write_inventory(name="asking", confirm="yes-no")
    done = fleet.fab("restore", "--env=asking", f"--backup={taken['id']}")
    assert done.returncode == 4
    assert "pass --yes" in done.stderr
    assert rows() == ["untouched"]
    assert _backups(fleet)[0] == taken


def test_backup_refuses_when_nothing_is_deployed(fleet, tmp_path):
    server = fleet.servers[0]
    empty = str(tmp_path / "empty")
    fleet.write_inventory(
        name="empty",
        hosts=[{"host": server.host, "port": server.port, "deploy_to": empty}],
        deploy_to=empty,
    )
    done = fleet.fab("backup", "--env=empty")
    assert done.returncode == 1
    assert "nothing is deployed" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    listed = fleet.fab("backups", "--env=empty", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {"env": "empty", "backups": []}


def test_a_held_lock_refuses_backup_and_restore_with_exit_3(fleet):
    folder = fleet.deploy_to[0] / ".deploy" / "lock"
    folder.mkdir()
    (folder / "info.json").write_text(json.dumps({"task": "deploy", "operator": "ci@runner"}))
    try:
        done = fleet.fab("backup", "--env=test")
        assert done.returncode == 3
        assert "ci@runner" in done.stderr
        done = fleet.fab("restore", "--env=test", "--backup=whatever", "--yes")
        assert done.returncode == 3
    finally:
        (folder / "info.json").unlink()
        folder.rmdir()
