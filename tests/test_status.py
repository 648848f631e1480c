"""fab releases and fab status: the pure parts, then two deploys and a rollback on real hosts."""

from __future__ import annotations

import json
import os
import time

import pytest
from fleet import Fleet, Origin, git

from deployment import history, lock
from deployment.layout import Layout
from deployment.remote.commands import render
from deployment.status import gather as status
from deployment.status import reports

# --- pure: parsing and the verdict ---


def test_a_host_listing_gives_releases_oldest_first_with_their_commits():
    output = (
        "current /srv/cms/releases/20260102000000-bbbbbbb\n"
        "release 20260102000000-bbbbbbb bbbbbbbbbb\n"
        "release 20260101000000-aaaaaaa aaaaaaaaaa\n"
        "release 20260103000000-ccccccc -\n"
    )
    state = status.parse_host("web1", output)
    assert list(state.releases) == [
        "20260101000000-aaaaaaa",
        "20260102000000-bbbbbbb",
        "20260103000000-ccccccc",
    ]
    assert state.current == "20260102000000-bbbbbbb"
    assert state.commit == "bbbbbbbbbb"
    assert state.releases["20260103000000-ccccccc"] is None
    assert status.parse_host("web1", "").current is None


def test_the_host_command_passes_the_folder_as_an_argument():
    command = render(status.host_command(Layout("/srv/a b")))
    assert command.startswith("sh -c ") and command.endswith(" releases '/srv/a b' commits")


def _states(*currents):
    return [
        status.HostState(f"web{i}", {c: "c" * 40} if c else {}, c) for i, c in enumerate(currents)
    ]


def test_the_verdict_says_what_needs_attention_first():
    ok = history.Event("deploy", "success", env="prod")
    failed = history.Event("deploy", "failed", env="prod", message="migrate failed")
    held = lock.LockInfo("web0", "ci@runner", "deploy", "2026-01-01T00:00:00Z", "t", idle_seconds=3)
    stale = lock.LockInfo(
        "web0", "ci@runner", "deploy", "2026-01-01T00:00:00Z", "t", idle_seconds=600
    )

    def judge(states, **primary):
        return reports.judge("prod", states, status.Primary(**primary))

    assert judge(_states("r1", "r1"), events=[ok]) == (True, "r1 is live on 2 host(s)")
    assert judge(_states(None, None)) == (True, "nothing deployed on prod yet")
    assert judge(_states("r1", "r2"))[0] is False
    assert "different releases" in judge(_states("r1", "r2"))[1]
    assert judge(_states("r1"), events=[failed]) == (
        False,
        f"last deploy failed at {failed.time}: migrate failed; r1 is live",
    )
    assert judge(_states("r1"), lock=held) == (
        True,
        "busy: ci@runner (deploy) running since 2026-01-01T00:00:00Z",
    )
    verdict = judge(_states("r1"), lock=stale, events=[ok])
    assert verdict[0] is False and "fab unlock --env=prod" in verdict[1]
    unreachable = [status.HostState("web9", error="connection refused"), *_states("r1")]
    assert judge(unreachable) == (False, "cannot reach web9")


# --- against real hosts: two deploys and a rollback for the whole module ---


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, sshd_servers, postgres_server):
    hosts = [sshd_servers.start("127.0.0.13"), sshd_servers.start("127.0.0.14")]
    folder = tmp_path_factory.mktemp("status_tasks")
    name = "status_tasks"
    postgres_server.drop_database(name)
    postgres_server.create_database(name)
    fleet = Fleet(folder, Origin(folder), hosts, postgres_server.url(name), confirm="none")
    fleet.trust()
    _deploy(fleet)
    fleet.add_superuser()
    fleet.first = _live(fleet)
    _add_homepage(fleet.origin)
    _deploy(fleet)
    fleet.second = _live(fleet)
    done = fleet.fab("rollback", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    return fleet


def _deploy(fleet) -> None:
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr


def _live(fleet) -> str:
    return os.path.basename(os.readlink(fleet.deploy_to[0] / "current"))


def _add_homepage(origin: Origin) -> None:
    models = origin.work / "content" / "models.py"
    anchor = "    is_active = models.BooleanField(default=True)\n"
    field = "    homepage = models.CharField(max_length=200, db_default='')\n"
    models.write_text(models.read_text().replace(anchor, anchor + field))
    (origin.work / "content" / "migrations" / "0003_resource_homepage.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('content', '0002_asset_description')]\n"
        "    operations = [\n"
        "        migrations.AddField('resource', 'homepage', "
        "models.CharField(max_length=200, db_default='')),\n"
        "    ]\n"
    )
    origin.commit("homepage")


def _json(fleet, *args, expect: int = 0) -> dict:
    done = fleet.fab(*args, "--env=test", "--json")
    assert done.returncode == expect, done.stderr
    return json.loads(done.stdout)


def test_releases_lists_both_releases_the_live_one_and_the_bad_one(fleet):
    report = _json(fleet, "releases")
    assert report["env"] == "test"
    assert [h["host"] for h in report["hosts"]] == [s.host for s in fleet.servers]
    commits = git("-C", str(fleet.origin.bare), "rev-list", "--reverse", "main").split()
    for host in report["hosts"]:
        assert host["error"] is None
        assert host["current"] == fleet.first
        first, second = host["releases"]
        assert (first["name"], second["name"]) == (fleet.first, fleet.second)
        assert (first["current"], second["current"]) == (True, False)
        assert (first["bad"], second["bad"]) == (False, True)
        assert (first["commit"], second["commit"]) == (commits[0], commits[1])
        assert first["migrations"]["content"] == "0002_asset_description"
        assert second["migrations"]["content"] == "0003_resource_homepage"
        assert second["backup"] == fleet.second

    text = fleet.fab("releases", "--env=test")
    assert text.returncode == 0, text.stderr
    assert fleet.first in text.stdout and "bad" in text.stdout and "live" in text.stdout


def test_status_shows_the_live_release_the_last_event_and_a_verdict(fleet):
    report = _json(fleet, "status")
    commit = git("-C", str(fleet.origin.bare), "rev-list", "--reverse", "main").split()[0]
    assert report["env"] == "test"
    assert report["hosts"] == [
        {"host": s.host, "current": fleet.first, "commit": commit, "error": None}
        for s in fleet.servers
    ]
    assert report["lock"] is None
    last = report["last_event"]
    assert (last["event"], last["outcome"], last["release"]) == ("rollback", "success", fleet.first)
    assert last["previous_release"] == fleet.second
    assert report["ok"] is True
    assert report["verdict"] == f"{fleet.first} is live on 2 host(s)"

    text = fleet.fab("status", "--env=test")
    assert text.returncode == 0, text.stderr
    assert "lock: free" in text.stdout and "last: rollback success" in text.stdout


def test_status_shows_who_holds_the_lock_and_when_the_holder_looks_gone(fleet):
    folder = fleet.deploy_to[0] / ".deploy" / "lock"
    folder.mkdir()
    info = {"operator": "ci@runner", "task": "deploy", "pid": 4711, "host": "runner-7"}
    (folder / "info.json").write_text(json.dumps({**info, "time": "2026-01-01T00:00:00Z"}))
    try:
        report = _json(fleet, "status")
        held = report["lock"]
        assert {key: held[key] for key in info} == info
        assert held["holder"] == "ci@runner (deploy)" and held["stale"] is False
        assert report["ok"] is True and report["verdict"].startswith("busy: ci@runner")
        text = fleet.fab("status", "--env=test")
        assert "held by ci@runner (deploy)" in text.stdout

        an_hour_ago = time.time() - 3600
        os.utime(folder / "info.json", (an_hour_ago, an_hour_ago))
        report = _json(fleet, "status", expect=1)  # needs attention
        assert report["exit_code"] == 1
        assert report["lock"]["stale"] is True
        assert report["ok"] is False and "fab unlock --env=test" in report["verdict"]
    finally:
        (folder / "info.json").unlink()
        folder.rmdir()


def test_nothing_deployed_yet_and_an_unreachable_host(fleet, tmp_path):
    server = fleet.servers[0]
    empty = str(tmp_path / "empty")
    fleet.write_inventory(
        name="empty",
        hosts=[
            {"host": server.host, "port": server.port, "deploy_to": empty},
            {"host": "127.0.0.15", "port": 1, "deploy_to": empty},
        ],
        deploy_to=empty,
    )
    done = fleet.fab("status", "--env=empty", "--json")
    assert done.returncode == 2
    report = json.loads(done.stdout)
    assert report["hosts"][0] == {
        "host": server.host,
        "current": None,
        "commit": None,
        "error": None,
    }
    assert report["hosts"][1]["error"]
    assert report["ok"] is False and report["verdict"] == "cannot reach 127.0.0.15"
    assert (report["lock"], report["last_event"]) == (None, None)
    done = fleet.fab("releases", "--env=empty", "--json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["hosts"][0] == {
        "host": server.host,
        "current": None,
        "error": None,
        "releases": [],
    }


def test_fab_releases_shows_only_the_migrations_that_differ():
    from tasks.releases import _differing, _migrations

    old = {"auth": "0012_alter_user", "content": "0002_asset_description"}
    new = {"auth": "0012_alter_user", "content": "0003_resource_homepage", "shop": "0001_initial"}
    differing = _differing([old, new, None])
    assert differing == {"content", "shop"}
    assert _migrations(old, differing) == "content 0002, shop none"
    assert _migrations(new, differing) == "content 0003, shop 0001"
    assert _migrations(None, differing) == "not recorded"
    assert _migrations(old, _differing([old, old])) == "-"
