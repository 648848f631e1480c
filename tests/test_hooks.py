"""hooks: the inventory's commands at the phases of a deploy and a rollback, on real sshd
hosts, with the DEPLOY_* values in their environment (quoted words, never their text)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from deploying import live, make_fleet
from fleet import detail, statuses

from deployment import hooks
from deployment.remote.commands import render

KEYS = {"confirm": "none", "checks": {"admin_user": False}}  # no superuser in this project
HOSTILE = "x'; touch pwned; echo '$(id) `id` --help"


def test_a_hook_command_gets_its_values_as_env_words():
    moment = hooks.Moment("production", "20261124101500-3f2a9c1", "3f2a9c1", "-rf /", "success")
    [(label, command)] = hooks.steps("after_go_live", ["./notify.sh"], "/srv/cms/current", moment)
    assert label == "after_go_live hook `./notify.sh`"
    assert render(command) == (
        "cd /srv/cms/current && env DEPLOY_ENV=production "
        "DEPLOY_RELEASE=20261124101500-3f2a9c1 DEPLOY_COMMIT=3f2a9c1 "
        "'DEPLOY_PREVIOUS=-rf /' DEPLOY_OUTCOME=success sh -c ./notify.sh"
    )


def test_hostile_values_reach_the_hook_as_they_are(tmp_path: Path):
    moment = hooks.Moment(HOSTILE, HOSTILE, None, HOSTILE, "failed")
    hook = 'printf "%s|%s|%s|%s|%s" "$DEPLOY_ENV" "$DEPLOY_RELEASE" "$DEPLOY_COMMIT" '
    hook += '"$DEPLOY_PREVIOUS" "$DEPLOY_OUTCOME"'
    command = hooks.command("on_failure", [hook], str(tmp_path), moment)
    done = subprocess.run(["sh", "-c", render(command)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{HOSTILE}|{HOSTILE}||{HOSTILE}|failed"
    assert not (tmp_path / "pwned").exists()


# --- on real hosts: deploy, a failing hook, a failed deploy, a rollback ---


@pytest.fixture(scope="module")
def hosts(sshd_servers):
    return [sshd_servers.start("127.0.0.31"), sshd_servers.start("127.0.0.32")]


def _logging(phase: str, log: Path, fails: bool = False) -> str:
    fields = '"$PWD" "$DEPLOY_ENV" "$DEPLOY_RELEASE" "$DEPLOY_COMMIT" "$DEPLOY_PREVIOUS" '
    fields += '"$DEPLOY_OUTCOME"'
    line = f"printf '{phase}|%s|%s|%s|%s|%s|%s\\n' {fields} >> {log}"
    return line + (" && exit 3" if fails else "")


def _entries(log: Path) -> list[list[str]]:
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return sorted(line.split("|") for line in lines)


def _hooks(log: Path, failing: str | None = None) -> dict:
    phases = ("before_build", "before_migrate", "after_go_live", "after_rollback", "on_failure")
    return {phase: [_logging(phase, log, phase == failing)] for phase in phases}


def test_hooks_run_at_their_phases_with_what_happened(tmp_path, hosts, postgres_server, request):
    log = tmp_path / "hooks.log"
    fleet = make_fleet(tmp_path, hosts, postgres_server, request.node.name, confirm="none")
    fleet.write_inventory(**KEYS, hooks=_hooks(log))
    homes = [str(d) for d in fleet.deploy_to]

    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    first = live(fleet)[0]
    commit = fleet.origin.commit("nothing new")  # the next deploy's commit
    entries = _entries(log)
    first_commit = entries[0][4]
    assert entries == sorted(
        [
            ["before_build", f"{home}/releases/{first}", "test", first, first_commit, "", "running"]
            for home in homes
        ]
        + [
            [
                "before_migrate",
                f"{homes[0]}/releases/{first}",
                "test",
                first,
                first_commit,
                "",
                "running",
            ]
        ]
        + [
            ["after_go_live", f"{home}/current", "test", first, first_commit, "", "success"]
            for home in homes
        ]
    )

    code, report = fleet.predeploy()  # the project has no superuser: that check is off
    assert code == 0, report
    assert {detail(report, host, "admin_user") for host in statuses(report)} == {
        "turned off in the inventory"
    }
    assert {statuses(report)[host]["admin_user"] for host in statuses(report)} == {"skip"}

    fleet.write_inventory(**KEYS, hooks=_hooks(log, failing="after_go_live"))
    done = fleet.fab("deploy", "--env=test", "--yes", "--json")
    assert done.returncode == 0, "a hook after the fact does not fail the deploy"
    second = live(fleet)[0]
    assert second != first and second.endswith(commit[:7])
    assert done.stderr.count("warning: after_go_live hook") == 2, done.stderr
    assert len(json.loads(done.stdout)["warnings"]) == 2
    _entries(log)

    fleet.write_inventory(**KEYS, hooks=_hooks(log, failing="before_migrate"))
    fleet.origin.commit("and again")
    done = fleet.fab("deploy", "--env=test", "--yes")
    assert done.returncode == 1
    assert "failed at migrate: before_migrate hook" in done.stderr
    assert live(fleet) == [second, second]
    failed = [entry for entry in _entries(log) if entry[0] == "on_failure"]
    assert [(e[1], e[5], e[6]) for e in failed] == [
        (home, second, "rolled_back") for home in sorted(homes)
    ]

    fleet.write_inventory(**KEYS, hooks=_hooks(log))
    done = fleet.fab("rollback", "--env=test", "--yes")
    assert done.returncode == 0, done.stderr
    assert live(fleet) == [first, first]
    assert _entries(log) == sorted(
        ["after_rollback", f"{home}/current", "test", first, first_commit, second, "success"]
        for home in homes
    )
    done = fleet.fab("migrate", "--env=test", "--yes")  # on the primary alone, in current
    assert done.returncode == 0, done.stderr
    assert _entries(log) == [
        ["before_migrate", f"{homes[0]}/current", "test", first, first_commit, first, "running"]
    ]
    assert not any(os.path.exists(Path(home) / "pwned") for home in homes)


def test_a_hook_in_a_release_reads_env_file_first():
    moment = hooks.Moment("staging", "r", "c", None, "running")
    [(_, command)] = hooks.steps("before_migrate", ["./x"], "/srv/r", moment, "shared/.env")
    assert render(command) == (
        "cd /srv/r && set -a && . ../../shared/.env && set +a && env DEPLOY_ENV=staging "
        "DEPLOY_RELEASE=r DEPLOY_COMMIT=c DEPLOY_PREVIOUS= DEPLOY_OUTCOME=running sh -c ./x"
    )
