"""Bad input: one line on stderr, exit 2, no traceback."""

from __future__ import annotations

import socket

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


def test_unknown_critical_relationship_is_a_failed_check(sqlite_url):
    run = manage(
        sqlite_url, "verify_schema", "--format", "json", "--critical", "content.Asset.nope"
    )
    report = run.json()
    assert run.code == 1
    assert {
        "relationship": "content.Asset.nope",
        "ok": False,
        "message": "content.Asset.nope: Asset has no field 'nope'",
    } in report["critical"]


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
