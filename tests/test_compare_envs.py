"""fab compare and manage.py schema_snapshot: the same schema everywhere, or the differences."""

from __future__ import annotations

import json

import pytest
from project import CMS, ROOT, manage
from two_envs import two_environments

from deployment.database.compare import Difference, differences

SETTINGS = {"settings": "cms.settings", "pythonpath": [CMS, ROOT]}


def _snapshot(tables=None, migrations=None, vendor="postgresql") -> dict:
    return {"vendor": vendor, "tables": tables or {}, "views": [], "migrations": migrations or {}}


def _table(*columns, indexes=(), checks=(), foreign_keys=()) -> dict:
    return {
        "columns": [{"name": n, "type": t, "null": null} for n, t, null in columns],
        "primary_key": ["id"],
        "foreign_keys": list(foreign_keys),
        "indexes": list(indexes),
        "checks": list(checks),
    }


ID = ("id", "bigint", False)
SLUG_UNIQUE = {
    "columns": ["slug"],
    "orders": ["ASC"],
    "unique": True,
    "partial": False,
    "opclasses": [],
    "include": [],
}


def test_identical_snapshots_have_no_difference() -> None:
    snapshot = _snapshot({"resource": _table(ID)}, {"content": ["0001_initial"]})
    assert differences({"staging": snapshot, "production": json.loads(json.dumps(snapshot))}) == []


def test_every_kind_of_difference_is_listed_once() -> None:
    staging = _snapshot(
        {
            "resource": _table(ID, ("slug", "varchar(50)", False), indexes=[SLUG_UNIQUE]),
            "asset": _table(ID, ("title", "text", False)),
        },
        {"content": ["0001_initial", "0002_more"]},
    )
    production = _snapshot(
        {"resource": _table(ID, ("slug", "varchar(80)", True), checks=[{"columns": ["id"]}])},
        {"content": ["0001_initial"]},
    )
    found = differences({"staging": staging, "production": production})
    assert [d.as_json() for d in found] == [
        {"what": "table", "table": "asset", "name": "", "staging": "present", "production": None},
        {
            "what": "column",
            "table": "resource",
            "name": "slug",
            "staging": "varchar(50) NOT NULL",
            "production": "varchar(80) NULL",
        },
        {
            "what": "index",
            "table": "resource",
            "name": "unique (slug)",
            "staging": "present",
            "production": None,
        },
        {
            "what": "check",
            "table": "resource",
            "name": "(id)",
            "staging": None,
            "production": "present",
        },
        {
            "what": "migration",
            "table": "content",
            "name": "0002_more",
            "staging": "applied",
            "production": None,
        },
    ]  # asset's columns are not listed one by one: the table is missing


def test_three_environments_compare_together() -> None:
    same = _snapshot({"resource": _table(ID)})
    other = _snapshot({"resource": _table(ID, ("extra", "integer", True))})
    found = differences({"development": same, "staging": same, "production": other})
    assert found == [
        Difference(
            "column",
            "resource",
            "extra",
            {"development": None, "staging": None, "production": "integer NULL"},
        )
    ]


@pytest.mark.postgres
def test_snapshot_is_canonical_across_databases(postgres_server) -> None:
    """The same schema built in two databases, index names apart, gives the same JSON."""
    documents = []
    for name, index in (("snapshot_a", "resource_name_a"), ("snapshot_b", "zz_other_name")):
        postgres_server.drop_database(name)
        postgres_server.create_database(name)
        url = postgres_server.url(name)
        assert manage(url, "migrate", "-v0", **SETTINGS).code == 0
        postgres_server.execute(name, f"CREATE INDEX {index} ON resource (name)")
        run = manage(url, "schema_snapshot", **SETTINGS)
        assert run.code == 0, run.stderr
        documents.append(run.stdout)
    assert documents[0] == documents[1]
    snapshot = json.loads(documents[0])
    assert snapshot["ok"] and snapshot["vendor"] == "postgresql"
    assert "0001_initial" in snapshot["migrations"]["content"]
    asset = snapshot["tables"]["asset"]
    assert {
        "columns": ["resource_id"],
        "target_table": "resource",
        "target_columns": ["id"],
        "on_delete": "NO ACTION",
        "on_update": "NO ACTION",
        "deferral": "DEFERRABLE INITIALLY DEFERRED",
    } in asset["foreign_keys"]
    assert all("name" not in index for index in asset["indexes"])


def test_snapshot_of_an_unknown_database_alias_exits_2() -> None:
    run = manage("sqlite:///:memory:", "schema_snapshot", "--database=nope", **SETTINGS)
    assert run.code == 2
    assert "unknown database alias 'nope'" in json.loads(run.stdout)["error"]


@pytest.fixture(scope="module")
def compare_hosts(sshd_servers):
    return [sshd_servers.start("127.0.0.31"), sshd_servers.start("127.0.0.32")]


@pytest.fixture
def envs(tmp_path, compare_hosts, postgres_server):
    staging, production = two_environments(tmp_path, compare_hosts, postgres_server, "compare")
    for fleet in (staging, production):
        done = fleet.fab("deploy", f"--env={fleet.name}", "--yes", "--allow-dangerous")
        assert done.returncode == 0, done.stderr
    return staging, production


def _compare(fleet, *args) -> tuple[int, dict]:
    done = fleet.fab("compare", "--json", *args)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_compare_identical_then_drifted_environments(envs, postgres_server) -> None:
    staging, production = envs
    code, report = _compare(staging, "--env=staging", "--against=production")
    assert (code, report) == (
        0,
        {"ok": True, "environments": ["staging", "production"], "differences": []},
    )
    postgres_server.execute(production.db, "ALTER TABLE resource ADD COLUMN extra integer")

    code, report = _compare(staging, "--env=staging", "--against=production")
    assert code == 1 and report["ok"] is False
    assert report["differences"] == [
        {
            "what": "column",
            "table": "resource",
            "name": "extra",
            "staging": None,
            "production": "integer NULL",
        }
    ]
    code, every = _compare(staging, "--all")
    assert code == 1 and every["environments"] == ["production", "staging"]
    shown = staging.fab("compare", "--env=staging", "--against=production")
    assert shown.returncode == 1
    assert "extra" in shown.stdout and "integer NULL" in shown.stdout
    assert "1 difference(s) between staging and production" in shown.stdout


def test_compare_usage_errors_exit_2(envs) -> None:
    staging, _ = envs
    assert staging.fab("compare", "--env=staging").returncode == 2
    assert staging.fab("compare", "--all", "--env=staging").returncode == 2
    unknown = staging.fab("compare", "--env=staging", "--against=nowhere")
    assert unknown.returncode == 2 and "unknown environment 'nowhere'" in unknown.stderr


def test_what_only_the_database_shows_is_compared_too():
    def snapshot(**changes) -> dict:
        column = {"name": "id", "type": "bigint", "null": False, "auto": True, "collation": None}
        fk = {"columns": ["r"], "target_table": "resource", "target_columns": ["id"]}
        fk |= {"on_delete": "NO ACTION", "deferral": "DEFERRABLE INITIALLY DEFERRED"}
        table = {"columns": [column | changes.pop("column", {})], "primary_key": ["id"]}
        table |= {"foreign_keys": [fk | changes.pop("fk", {})], "indexes": [], "checks": []}
        return {"vendor": "postgresql", "tables": {"asset": table | changes}}

    same = differences({"a": snapshot(), "b": snapshot()})
    assert same == []
    found = differences(
        {
            "a": snapshot(),
            "b": snapshot(
                column={"auto": False}, fk={"on_delete": "CASCADE"}, sequence_behind=True
            ),
        }
    )
    shown = {(d.what, d.name): (d.values["a"], d.values["b"]) for d in found}
    assert shown[("column", "id")] == ("bigint NOT NULL auto", "bigint NOT NULL")
    assert shown[("foreign_key", "(r) -> resource(id) on delete cascade")] == (None, "present")
    assert shown[("sequence", "")] == (None, "behind the highest key")
