"""The command line's contract, task by task: long options only, exit codes in every task's
help, --json everywhere (one document on stdout, also on failure), bad usage exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from fleet import FAB, deploy_by_hand
from project import ROOT

from tasks import MODULES, named, ns

TASKS = sorted(ns.tasks)


def fab(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(FAB), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("name", TASKS)
def test_every_task_takes_json_and_no_short_flag(name):
    arguments = ns.tasks[name].get_arguments()
    assert "json" in {argument.name for argument in arguments}
    for argument in arguments:
        assert all(len(flag) > 1 for flag in argument.names), (name, argument.names)


@pytest.mark.parametrize("name", TASKS)
def test_every_task_help_lists_its_exit_codes(name):
    done = fab("-h", name)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert "Exit 0" in said or "Exit codes: 0" in said, said
    assert " 2 " in said


def test_an_unknown_option_is_bad_usage_exit_2_said_once():
    done = fab("deploy", "--dryrun")
    assert done.returncode == 2
    assert done.stderr.count("No idea what '--dryrun' is!") == 1
    assert done.stdout == ""


def test_an_unknown_option_under_json_prints_the_failure_document():
    done = fab("deploy", "--env=demo", "--json", "--dryrun")
    assert done.returncode == 2
    assert json.loads(done.stdout) == {
        "ok": False,
        "error": "No idea what '--dryrun' is!",
        "exit_code": 2,
    }


def test_an_unknown_task_is_bad_usage():
    assert fab("deplyo").returncode == 2


def test_an_empty_env_says_so(tmp_path):
    done = fab("status", "--env=")
    assert done.returncode == 2
    assert "--env is empty: pass --env=NAME" in done.stderr
    assert "None" not in done.stderr


def test_a_failure_under_json_is_one_document_on_stdout():
    done = fab("status", "--env=nope", "--json")
    assert done.returncode == 2
    document = json.loads(done.stdout)
    assert document["ok"] is False and document["exit_code"] == 2
    assert document["error"].startswith("unknown environment 'nope'")
    assert document["env"] == "nope"
    assert done.stderr.count("unknown environment") == 1


def test_compare_all_under_json_prints_the_failure_document(tmp_path):
    (tmp_path / "only.yml").write_text("")
    done = fab("compare", "--all", "--json", env={"DEPLOY_INVENTORY": str(tmp_path)})
    assert done.returncode == 2
    document = json.loads(done.stdout)
    assert (document["ok"], document["exit_code"]) == (False, 2)
    assert "--all needs two environments" in document["error"]


def test_rollback_to_an_unknown_release_is_bad_usage(fleet):
    done = fleet.fab("rollback", "--env=test", "--to=nope", "--yes", "--json")
    assert done.returncode == 2, done.stderr
    document = json.loads(done.stdout)
    assert (document["ok"], document["exit_code"], document["step"]) == (False, 2, "choose")
    assert "release nope is not on every host" in document["error"]
    assert document["steps"][0]["step"] == "choose"
    assert document["steps"][0]["outcome"] == "failed"


def test_restore_of_an_unknown_backup_is_bad_usage_with_its_document(fleet):
    deploy_by_hand(fleet.origin, fleet.deploy_to[0])
    done = fleet.fab("restore", "--env=test", "--backup=nope", "--yes", "--json")
    assert done.returncode == 2
    document = json.loads(done.stdout)
    assert (document["ok"], document["exit_code"], document["env"]) == (False, 2, "test")


def test_unlock_json_says_there_was_no_lock(fleet):
    done = fleet.fab("unlock", "--env=test", "--reason=test", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ok": True, "env": "test", "cleared": None, "reason": "test"}


def test_piped_output_never_wraps(fleet):
    """No terminal and no COLUMNS: a long line on stdout stays one line (names kept whole)."""
    operator = "ci@" + "runner-" * 30
    lock = fleet.deploy_to[0] / ".deploy" / "lock"
    lock.mkdir(parents=True)
    (lock / "info.json").write_text(json.dumps({"task": "deploy", "operator": operator}))
    done = fleet.fab("unlock", "--env=test", "--reason=gone", env={"COLUMNS": ""})
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    assert line.startswith("cleared the deploy lock on test, held by " + operator), line


def test_an_unknown_ref_is_bad_usage(fleet):
    done = fleet.fab("deploy", "--env=test", "--yes", "--ref=nope", "--json", "--skip-verification")
    assert done.returncode == 2, done.stderr
    document = json.loads(done.stdout)
    assert (document["exit_code"], document["step"]) == (2, "release")
    assert document["error"].startswith("release failed: nope names no commit")
    assert not (fleet.deploy_to[0] / "releases").exists() or not any(
        (fleet.deploy_to[0] / "releases").iterdir()
    )


# --- fab imports the modules of the tasks its command line names, not every task's ---


def test_every_task_is_mapped_to_the_module_that_defines_it():
    assert sorted(MODULES) == TASKS
    for name, module in MODULES.items():
        assert ns.tasks[name].body.__module__ == f"tasks.{module}"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["fab", "status", "--env=staging"], ["status"]),
        (["/venv/bin/fab", "-H", "web1", "predeploy", "--json"], ["predeploy"]),
        (["fab", "-h", "restore"], ["restore"]),
        (["fab", "-H", "deploy", "predeploy"], ["predeploy", "deploy"]),  # a host named deploy
        (["fab", "manage", "--env=x", "--", "migrate", "status"], ["manage"]),
        (["fab", "-l"], list(MODULES)),
        (["fab", "predeply"], list(MODULES)),  # a typo: invoke names the known tasks
        (["pytest", "-k", "status"], list(MODULES)),
    ],
)
def test_the_tasks_a_command_line_names(argv, expected):
    assert named(argv) == expected


def test_fab_status_does_not_import_the_deploy():
    probe = "import sys; sys.argv = ['fab', 'status']; import tasks; print(sorted(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = done.stdout
    assert "'tasks.status'" in loaded
    assert "'deployment.operations.deploy'" not in loaded and "'tasks.deploy'" not in loaded
