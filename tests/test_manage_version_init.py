"""fab manage (a management command in the live release, with a terminal when there is one),
fab version, fab init (a commented inventory, checked by loading it)."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import termios

import pytest
import yaml
from deploying import TerminalRun, _converse, fab_argv, fab_environment, fab_in_terminal
from fleet import FAB, Fleet, Origin, deploy_by_hand
from project import ROOT

from deployment import inventory


@pytest.fixture
def deployed(tmp_path, sshd_server, postgres_server, request) -> Fleet:
    """The example project live on one sshd host, its database migrated."""
    name = f"manage_{abs(hash(request.node.name)) % 10**8}"
    postgres_server.drop_database(name)
    postgres_server.create_database(name)
    fleet = Fleet(tmp_path, Origin(tmp_path), [sshd_server], postgres_server.url(name))
    fleet.trust()
    deploy_by_hand(fleet.origin, fleet.deploy_to[0])
    fleet.migrate()
    fleet.db = name
    return fleet


def test_manage_runs_the_command_in_the_live_release(deployed, postgres_server):
    done = deployed.fab("manage", "--env=test", "--", "showmigrations", "content")
    assert done.returncode == 0, done.stderr
    assert "[X] 0001_initial" in done.stdout
    done = deployed.fab("manage", "--env=test", "--json", "--", "showmigrations", "nope app")
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert (document["ok"], document["exit_code"]) == (False, 1)
    assert document["args"] == ["showmigrations", "nope app"], "the words are kept as typed"
    assert "No installed app with label 'nope app'" in document["stderr"]
    assert done.stderr.count("showmigrations exited") == 1


def _controlling_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is its stdin, so that
    fab is in the terminal's foreground, as in an operator's shell."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def in_foreground_terminal(fleet: Fleet, args: list[str], replies) -> TerminalRun:
    """fab on a pseudo-terminal it controls; each ``(expect, reply)`` typed when seen."""
    master, slave = os.openpty()
    process = subprocess.Popen(
        fab_argv(fleet, *args),
        cwd=ROOT,
        env=fab_environment(fleet, {"TERM": "xterm", "COLUMNS": "160"}),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        preexec_fn=_controlling_terminal,
    )
    os.close(slave)
    try:
        return _converse(process, master, list(replies))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


def test_manage_gives_createsuperuser_a_terminal(deployed, postgres_server):
    run = in_foreground_terminal(
        deployed,
        ["manage", "--env=test", "--", "createsuperuser", "--email=a@example.com"],
        [
            ("Username", "ops"),
            ("Password:", "a long and unusual passphrase 7"),
            ("Password (again):", "a long and unusual passphrase 7"),
        ],
    )
    assert run.returncode == 0, run.output
    assert "Superuser created successfully." in run.output
    users = postgres_server.execute(deployed.db, "SELECT username FROM auth_user")
    assert users == [("ops",)]


def test_manage_needs_a_command_and_a_release(fleet):
    done = fleet.fab("manage", "--env=test")
    assert done.returncode == 2
    assert "pass the command after --" in done.stderr
    done = fleet.fab("manage", "--env=test", "--", "check")
    assert done.returncode == 2
    assert "nothing deployed on test yet" in done.stderr


def test_version_of_the_orchestrator_and_of_schema_safety_on_the_primary(deployed):
    import schema_safety

    done = deployed.fab("version", "--env=test", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["orchestrator"] == "0.1.0"
    assert (document["schema_safety"], document["schema_safety_error"]) == (
        schema_safety.__version__,
        None,
    )
    done = deployed.fab("version")
    assert done.stdout == "orchestrator (schema-safety-deploy) 0.1.0\n"


def test_version_says_why_the_primary_did_not_answer(fleet):
    done = fleet.fab("version", "--env=test")
    assert done.returncode == 0, done.stderr
    assert "schema_safety on test's primary: unknown: " in done.stdout


def _init(directory, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(FAB), "init", *args],
        cwd=ROOT,
        env={**os.environ, "DEPLOY_INVENTORY": str(directory)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


FLAGS = [
    "--host=web1.example.com, web2.example.com",
    "--repository=git@github.com:acme/cms.git",
    "--deploy-to=/srv/cms",
    "--manage=env DJANGO_SETTINGS_MODULE=cms.prod .venv/bin/python manage.py",
]


def test_init_writes_a_commented_inventory_that_loads(tmp_path):
    done = _init(tmp_path, "--name=staging", "--user=deploy", *FLAGS)
    assert done.returncode == 0, done.stderr
    written = (tmp_path / "staging.yml").read_text()
    assert written.startswith("# The staging environment")
    assert "# hooks:" in written and "# notify:" in written and "# checks:" in written
    environment = inventory.load("staging", tmp_path)
    assert [h.name for h in environment.hosts] == ["web1.example.com", "web2.example.com"]
    assert (environment.primary.user, environment.branch) == ("deploy", "main")
    assert environment.manage == FLAGS[3].removeprefix("--manage=")
    assert yaml.safe_load(written)["deploy_to"] == "/srv/cms"


def test_init_refuses_to_overwrite_or_to_write_an_invalid_file(tmp_path):
    (tmp_path / "staging.yml").write_text("# mine\n")
    done = _init(tmp_path, "--name=staging", *FLAGS)
    assert done.returncode == 2
    assert "staging.yml exists already" in done.stderr
    assert (tmp_path / "staging.yml").read_text() == "# mine\n"
    done = _init(tmp_path, "--name=prod", *FLAGS[:2], "--deploy-to=srv/cms", FLAGS[3])
    assert done.returncode == 2
    assert f"{tmp_path}/prod.yml: deploy_to: must be an absolute path" in done.stderr
    assert not (tmp_path / "prod.yml").exists()
    done = _init(tmp_path, "--name=qa", "--json", *FLAGS[1:])
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"] == "pass --host=... (no terminal to ask on)"


def test_init_asks_on_a_terminal(tmp_path, fleet):
    fleet.inventory = tmp_path / "asked"
    run = fab_in_terminal(
        fleet,
        ["init", "--name=qa"],
        [
            ("hosts", "qa.example.com"),
            ("repository", "https://example.com/cms.git"),
            ("folder on the hosts", "/srv/qa"),
            ("manage.py", ".venv/bin/python manage.py"),
        ],
    )
    assert run.returncode == 0, run.output
    assert inventory.load("qa", tmp_path / "asked").primary.name == "qa.example.com"
