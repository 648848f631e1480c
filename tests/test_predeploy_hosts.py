"""fab predeploy against real OpenSSH hosts, a real git origin and a real PostgreSQL."""

from __future__ import annotations

import json

import pytest
from fleet import Fleet, Origin, deploy_by_hand, detail, git, statuses

CONTRACT_CHECKS = [
    "connectivity",
    "git_status",
    "branch",
    "containers",
    "schema",
    "migrations",
    "critical_relationships",
    "admin_user",
    "disk_space",
    "lock",
]


@pytest.fixture(scope="module")
def hosts(sshd_servers):
    return [sshd_servers.start("127.0.0.2"), sshd_servers.start("127.0.0.3")]


@pytest.fixture
def fleet(tmp_path, hosts, postgres_server, request):
    name = f"fleet_{abs(hash(request.node.name)) % 10**8}"
    postgres_server.drop_database(name)
    postgres_server.create_database(name)
    origin = Origin(tmp_path)
    fleet = Fleet(tmp_path, origin, hosts, postgres_server.url(name))
    fleet.trust()
    return fleet


@pytest.fixture
def deployed(fleet):
    for deploy_to in fleet.deploy_to:
        deploy_by_hand(fleet.origin, deploy_to)
    fleet.migrate()
    fleet.add_superuser()
    return fleet


def test_every_check_passes_on_every_host_of_a_healthy_environment(deployed):
    code, report = deployed.predeploy()
    assert code == 0, report
    assert report["ok"] is True and report["env"] == "test" and report["skipped"] is False
    primary, other = statuses(report).values()
    assert list(primary) == CONTRACT_CHECKS
    assert {name for name, status in primary.items() if status != "pass"} == {"containers"}
    assert other["schema"] == "skip" and other["git_status"] == "pass"
    assert "database: connected to PostgreSQL" in detail(report, "127.0.0.2", "connectivity")


def test_before_the_first_deploy_release_checks_are_skipped(fleet):
    code, report = fleet.predeploy()
    assert code == 0
    for checks in statuses(report).values():
        for name in ("git_status", "schema", "migrations", "critical_relationships", "admin_user"):
            assert checks[name] == "skip"
    assert detail(report, "127.0.0.2", "schema") == "nothing deployed yet"


def test_a_file_edited_on_one_host_fails_git_status_there_only(deployed):
    (deployed.deploy_to[1] / "current" / "cms" / "settings.py").write_text("DEBUG = True\n")
    code, report = deployed.predeploy()
    assert code == 1 and report["ok"] is False
    assert statuses(report)["127.0.0.3"]["git_status"] == "fail"
    assert "cms/settings.py" in detail(report, "127.0.0.3", "git_status")
    assert statuses(report)["127.0.0.2"]["git_status"] == "pass"


def test_a_branch_missing_on_the_remote_fails(deployed):
    deployed.write_inventory(branch="release/2026")
    code, report = deployed.predeploy()
    assert code == 1
    assert "branch release/2026 does not exist" in detail(report, "127.0.0.2", "branch")


def test_a_live_release_that_is_not_on_the_branch_warns(fleet):
    origin = fleet.origin
    git("checkout", "-q", "-b", "hotfix", cwd=origin.work)
    origin.commit("a hotfix deployed from a side branch")
    for deploy_to in fleet.deploy_to:
        deploy_by_hand(origin, deploy_to, ref="hotfix")
    fleet.migrate()
    fleet.add_superuser()
    code, report = fleet.predeploy()
    assert code == 0
    assert statuses(report)["127.0.0.2"]["branch"] == "warn"
    assert "is not on main" in detail(report, "127.0.0.2", "branch")


def test_a_drifted_column_fails_the_schema_and_the_critical_relationship(deployed, postgres_server):
    name = deployed.database_url.rsplit("/", 1)[1]
    postgres_server.execute(name, "ALTER TABLE asset RENAME COLUMN resource_id TO legacy_id")
    code, report = deployed.predeploy()
    checks = statuses(report)["127.0.0.2"]
    assert code == 1
    assert checks["schema"] == "fail" and checks["critical_relationships"] == "fail"
    assert "column asset.resource_id does not exist" in detail(report, "127.0.0.2", "schema")


def test_no_active_superuser_fails_admin_user(fleet):
    for deploy_to in fleet.deploy_to:
        deploy_by_hand(fleet.origin, deploy_to)
    fleet.migrate()
    code, report = fleet.predeploy()
    assert code == 1 and statuses(report)["127.0.0.2"]["admin_user"] == "fail"


def test_a_held_lock_fails_with_who_and_since_when(deployed):
    lock = deployed.deploy_to[0] / ".deploy" / "lock"
    lock.mkdir(parents=True)
    info = {"task": "deploy", "operator": "ana@laptop", "time": "2026-11-24T10:00:00Z"}
    (lock / "info.json").write_text(json.dumps(info))
    code, report = deployed.predeploy()
    assert code == 1
    assert "deploy by ana@laptop since 2026-11-24T10:00:00Z" in detail(report, "127.0.0.2", "lock")


def test_one_host_unreachable_is_reported_beside_the_others(deployed, sshd_servers):
    spare = sshd_servers.start("127.0.0.4")
    deployed.servers = [*deployed.servers, spare]
    deployed.deploy_to.append(deployed.folder / "host2")
    deployed.write_inventory()
    deployed.trust(*deployed.servers)
    spare.stop()
    code, report = deployed.predeploy()
    assert code == 2
    unreachable = statuses(report)["127.0.0.4"]
    assert unreachable == {"connectivity": "fail"}
    assert "127.0.0.4" in detail(report, "127.0.0.4", "connectivity")
    assert statuses(report)["127.0.0.2"]["schema"] == "pass"


def test_a_changed_host_key_is_refused(deployed, sshd_servers):
    server = sshd_servers.start("127.0.0.5")
    deployed.servers = [server]
    deployed.deploy_to = deployed.deploy_to[:1]
    deployed.write_inventory()
    deployed.trust(server)
    server.stop()
    server.new_host_key()
    server.start()
    code, report = deployed.predeploy()
    assert code == 2
    assert "CHANGED" in detail(report, "127.0.0.5", "connectivity")


def test_an_unknown_host_key_is_refused_with_the_line_to_add(deployed):
    (deployed.folder / "known_hosts").write_text("")
    code, report = deployed.predeploy()
    assert code == 2
    message = detail(report, "127.0.0.2", "connectivity")
    assert "is not known" in message and deployed.servers[0].host_key_line() in message


def test_dash_h_checks_one_host_and_finds_its_environment(deployed):
    done = deployed.fab("-H", "127.0.0.3", "predeploy", "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 0, done.stderr
    assert report["env"] == "test" and [h["host"] for h in report["hosts"]] == ["127.0.0.3"]


def test_the_emergency_override_checks_nothing_and_says_so(deployed):
    done = deployed.fab("predeploy", "--env=test", "--json", env={"SKIP_VERIFICATION": "true"})
    assert done.returncode == 0
    assert json.loads(done.stdout) == {
        "ok": True,
        "env": "test",
        "skipped": True,
        "elapsed_ms": 0,
        "hosts": [],
    }
    assert "SKIP_VERIFICATION" in done.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["predeploy", "--env=nowhere"], "unknown environment 'nowhere'; known environments: test"),
        (["-H", "10.9.9.9", "predeploy"], "10.9.9.9"),
        (["predeploy"], "pass --env=NAME or -H HOST"),
    ],
)
def test_usage_errors_exit_2_with_one_line(deployed, args, says):
    done = deployed.fab(*args)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_a_malformed_inventory_exits_2_naming_file_and_key(deployed):
    deployed.write_inventory(keep_releases="five")
    done = deployed.fab("predeploy", "--env=test")
    assert done.returncode == 2
    assert "test.yml: keep_releases:" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_override_is_recorded_once_there_is_a_history(deployed):
    (deployed.deploy_to[0] / ".deploy").mkdir(parents=True, exist_ok=True)
    done = deployed.fab("predeploy", "--env=test", env={"SKIP_VERIFICATION": "true"})
    assert done.returncode == 0, done.stderr
    events = json.loads(deployed.fab("history", "--env=test", "--json").stdout)["events"]
    assert [(e["event"], e["outcome"]) for e in events] == [("override", "success")]
    assert "SKIP_VERIFICATION" in events[0]["message"]
