"""Bad input: one line on stderr, exit 2, no traceback."""

from __future__ import annotations

import socket
import sqlite3

import pytest
from project import manage


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('usage') / 'db.sqlite3'}"
    assert manage(url, "migrate", "-v0").code == 0
    return url


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--app", "nosuchapp"], "No installed app with label 'nosuchapp'"),
        (["--database", "elsewhere"], "unknown database alias 'elsewhere'; DATABASES has: default"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--fail-on", "info"], "invalid choice: 'info'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(sqlite_url, args, says):
    run = manage(sqlite_url, "verify_schema", *args)
    assert run.code == 2
    assert says in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_unreachable_database_exits_2_with_one_line():
    url = f"postgres://postgres@127.0.0.1:{_closed_port()}/nowhere"
    run = manage(url, "verify_schema", "--format", "json")
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot read database 'default' (postgresql)" in lines[0]
    assert run.stdout == ""


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("content.Asset.nope", "--critical content.Asset.nope: Asset has no field 'nope'"),
        ("content.Nope.resource", "model content.Nope is not installed"),
        ("content.Asset", "'content.Asset' is not app_label.Model.field"),
        ("content.Asset.title", "content.Asset.title: Asset.title is not a foreign key"),
    ],
)
def test_a_typo_in_critical_is_bad_usage(sqlite_url, spec, says):
    run = manage(sqlite_url, "verify_schema", "--format", "json", "--critical", spec)
    assert run.code == 2
    assert says in run.stderr and "app_label.Model.field" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_dry_run_without_fix_is_bad_usage(sqlite_url):
    run = manage(sqlite_url, "verify_schema", "--dry-run")
    assert run.code == 2
    assert run.stderr.strip() == "CommandError: --dry-run only goes with --fix"
    assert run.stdout == ""


def test_verbosity_0_prints_nothing_but_errors(sqlite_url, tmp_path):
    quiet = manage(sqlite_url, "verify_schema", "-v0")
    assert (quiet.code, quiet.stdout, quiet.stderr) == (0, "", "")

    drifted = f"sqlite:///{tmp_path / 'drifted.sqlite3'}"
    assert manage(drifted, "migrate", "-v0").code == 0
    with sqlite3.connect(drifted.removeprefix("sqlite:///")) as database:
        database.execute("ALTER TABLE asset RENAME COLUMN resource_id TO publishing_id")
    problems = manage(drifted, "verify_schema", "-v0")
    assert (problems.code, problems.stdout, problems.stderr) == (1, "", "")
    document = manage(drifted, "verify_schema", "-v0", "--format", "json")
    assert document.code == 1 and document.json()["ok"] is False

    usage = manage(sqlite_url, "verify_schema", "-v0", "--dry-run")
    assert usage.code == 2 and "--dry-run only goes with --fix" in usage.stderr


def test_every_option_has_help(sqlite_url):
    run = manage(sqlite_url, "help", "verify_schema")
    assert run.code == 0
    for option in ("--database", "--app", "--critical", "--format", "--fail-on", "--fix"):
        assert option in run.stdout
    text = " ".join(run.stdout.split())
    assert "one JSON document on stdout" in text and "-v0 prints nothing" in text


def test_a_relationship_named_in_settings_and_on_the_command_line_is_checked_once(sqlite_url):
    # The example project's settings name content.Asset.resource already.
    run = manage(
        sqlite_url, "verify_schema", "--format", "json", "--critical", "content.Asset.resource"
    )
    report = run.json()
    assert run.code == 0, run.stderr
    named = [c["relationship"] for c in report["critical"]]
    assert named.count("content.Asset.resource") == 1, named


def test_verify_release_reports_schema_and_system_checks_in_one_document(sqlite_url):
    run = manage(sqlite_url, "verify_release")
    assert run.code == 0, run.stderr
    report = run.json()
    assert report["ok"] is True and report["system_checks"] == {"ok": True, "detail": ""}
    assert report["schema"]["ok"] is True and report["schema"]["counts"]["models"] > 0

    broken = manage(sqlite_url, "verify_release", settings="broken_checks_settings")
    report = broken.json()
    assert broken.code == 1
    assert report["schema"]["ok"] is True
    assert report["system_checks"]["ok"] is False
    assert "STATICFILES_DIRS" in report["system_checks"]["detail"]
