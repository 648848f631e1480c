"""fab verify: verify_schema on the primary over real SSH, with the live release's code."""

from __future__ import annotations

import json
import sqlite3

import pytest
from fleet import Fleet, Origin, deploy_by_hand


@pytest.fixture
def fleet(tmp_path, sshd_server):
    database = tmp_path / "db.sqlite3"
    fleet = Fleet(tmp_path, Origin(tmp_path), [sshd_server], f"sqlite:///{database}")
    fleet.trust()
    fleet.database = database
    return fleet


def test_nothing_deployed_is_one_clear_line(fleet):
    done = fleet.fab("verify", "--env=test")
    assert done.returncode == 2, "nothing to verify is not drift"
    assert "nothing deployed on test yet" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_clean_database_then_a_dropped_column(fleet):
    release = deploy_by_hand(fleet.origin, fleet.deploy_to[0])
    fleet.migrate()
    done = fleet.fab("verify", "--env=test")
    assert done.returncode == 0, done.stderr
    host = fleet.servers[0].host
    assert f"verify_schema on test ({host}), release {release.name}:" in done.stderr
    assert "\nOK: " in done.stdout and "0 error(s), 0 warning(s)" in done.stdout, done.stdout
    assert "critical content.Asset.resource: ok" in done.stdout

    with sqlite3.connect(fleet.database) as db:
        db.execute("ALTER TABLE resource DROP COLUMN is_active")
    done = fleet.fab("verify", "--env=test")
    assert done.returncode == 1, done.stderr
    assert "is_active" in done.stdout and "PROBLEMS: " in done.stdout
    done = fleet.fab("verify", "--env=test", "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is False
    missing = [p for p in report["problems"] if p["kind"] == "missing_column"]
    assert [(p["table"], p["column"]) for p in missing] == [("resource", "is_active")]

    done = fleet.fab("verify", "--env=test", "--app=accounts", "--json")
    assert json.loads(done.stdout)["ok"] is True, "--app narrows the comparison"
    assert done.returncode == 0


def test_a_wrong_manage_command_says_what_to_check(fleet):
    deploy_by_hand(fleet.origin, fleet.deploy_to[0])
    fleet.write_inventory(manage="no-such-python manage.py")
    done = fleet.fab("verify", "--env=test")
    assert done.returncode == 2
    assert "verify_schema could not run" in done.stderr
    assert "check `manage` in the test inventory" in done.stderr
