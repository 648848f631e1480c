"""verify_schema end to end on real PostgreSQL, MariaDB and SQLite, as an operator runs it."""

from __future__ import annotations

import itertools

import pytest
from project import drifts, manage, problems

BACKENDS = ["sqlite", "postgresql", "mysql"]
_names = itertools.count()


class Database:
    """A fresh database of one backend, with the test project migrated onto it."""

    def __init__(self, vendor: str, request, tmp_path_factory):
        self.vendor = vendor
        self.name = f"ss_{vendor}_{next(_names)}"
        if vendor == "sqlite":
            self.path = str(tmp_path_factory.mktemp("sqlite") / "db.sqlite3")
            self.url = f"sqlite:///{self.path}"
            self.server = None
        else:
            fixture = "postgres_server" if vendor == "postgresql" else "mysql_server"
            self.server = request.getfixturevalue(fixture)
            self.server.create_database(self.name)
            self.url = self.server.url(self.name)
        migrated = manage(self.url, "migrate", "--no-input", "-v0")
        assert migrated.code == 0, migrated.stderr

    def execute(self, sql: str):
        return self.server.execute(self.name, sql)

    def inject_drifts(self) -> None:
        if self.vendor == "sqlite":
            drifts.inject_sqlite(self.path)
        else:
            drifts.inject_server(self.vendor, self.execute)

    def verify(self, *args: str):
        return manage(self.url, "verify_schema", *args)


@pytest.fixture(scope="module", params=BACKENDS)
def clean(request, tmp_path_factory) -> Database:
    return Database(request.param, request, tmp_path_factory)


@pytest.fixture(scope="module", params=BACKENDS)
def drifted(request, tmp_path_factory):
    database = Database(request.param, request, tmp_path_factory)
    database.inject_drifts()
    run = database.verify("--format", "json")
    return database, run


def test_a_freshly_migrated_database_has_no_problem(clean):
    run = clean.verify("--format", "json")
    report = run.json()
    assert report["problems"] == [], run.stdout
    assert run.code == 0
    assert report["ok"] is True
    assert report["vendor"] == clean.vendor
    assert report["critical"] == [
        {
            "relationship": "content.Asset.resource",
            "ok": True,
            "message": "asset.resource_id -> resource(id), no orphans",
        }
    ]


def test_text_report_of_a_clean_database_says_ok(clean):
    run = clean.verify("--app", "content")
    assert run.code == 0
    assert run.stdout.startswith("critical content.Asset.resource: ok")
    assert "OK: " in run.stdout and "0 error(s), 0 warning(s)" in run.stdout


def test_every_drift_is_reported_with_kind_table_column_and_severity(drifted):
    database, run = drifted
    found = problems(run.json())
    assert drifts.EXPECTED[database.vendor] <= found
    assert run.code == 1


def test_nothing_but_the_drifts_is_reported(drifted):
    database, run = drifted
    unexpected = problems(run.json()) - drifts.EXPECTED[database.vendor]
    # A dropped table takes its own keys with it; everything else is a false positive.
    assert unexpected == set(), unexpected


def test_json_report_follows_the_contract(drifted):
    _, run = drifted
    report = run.json()
    assert list(report) == [
        "ok",
        "database",
        "vendor",
        "counts",
        "problems",
        "critical",
        "elapsed_ms",
    ]
    assert report["ok"] is False
    assert report["counts"]["problems"] == len(report["problems"])
    for problem in report["problems"]:
        assert list(problem) == [
            "kind",
            "severity",
            "app",
            "model",
            "table",
            "column",
            "expected",
            "actual",
            "message",
            "hint",
        ]
        assert problem["message"]
    assert [c["ok"] for c in report["critical"]] == [False]


def test_the_story_is_told_history_lies(drifted):
    _, run = drifted
    missing = _one(run.json(), "missing_column", "asset", "description")
    assert "History lies: migration content.0002_asset_description" in missing["hint"]


def test_invalid_and_not_valid_constraints_count_as_missing_on_postgresql(drifted):
    database, run = drifted
    if database.vendor != "postgresql":
        pytest.skip("NOT VALID constraints and invalid indexes exist on PostgreSQL only")
    report = run.json()
    check = _one(report, "missing_check", "zoo_animal", "weight_g")
    assert check["actual"] == "NOT VALID" and "VALIDATE CONSTRAINT" in check["hint"]
    unique = _one(report, "missing_unique", "asset", "resource_id, title")
    assert unique["actual"] == "INVALID" and "CONCURRENTLY" in unique["hint"]


def test_fail_on_warning_fails_on_warnings_only(clean):
    ignore = clean.verify("--format", "json", "--fail-on", "warning")
    assert ignore.code == 0


def _one(report: dict, kind: str, table: str, column: str | None) -> dict:
    matches = [
        p
        for p in report["problems"]
        if (p["kind"], p["table"], p["column"]) == (kind, table, column)
    ]
    assert len(matches) == 1, report["problems"]
    return matches[0]
