"""verify_schema honours the ignore list, database aliases and routers, and colour settings."""

from __future__ import annotations

import sqlite3

import pytest
from project import manage, problems


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert manage(url, "migrate", "-v0").code == 0
    return url


def _execute(url: str, *statements: str) -> None:
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


def test_ignored_drift_is_not_reported_and_the_rest_is(sqlite_url):
    _execute(
        sqlite_url,
        "CREATE TABLE legacy_orders (id integer)",
        "CREATE TABLE archive (id integer)",
        "ALTER TABLE asset DROP COLUMN description",
    )
    run = manage(sqlite_url, "verify_schema", "--format", "json", settings="ignore_settings")
    found = problems(run.json())
    assert ("extra_table", "archive", None, "warning") in found
    assert ("missing_column", "asset", "description", "error") in found
    assert not any(table == "legacy_orders" for _, table, _, _ in found)


def test_each_alias_is_checked_against_the_models_routed_to_it(tmp_path):
    default = f"sqlite:///{tmp_path / 'default.sqlite3'}"
    zoo = f"sqlite:///{tmp_path / 'zoo.sqlite3'}"
    env = {"ZOO_DATABASE_URL": zoo}
    for alias in ("default", "zoo"):
        migrated = manage(
            default, "migrate", "--database", alias, "-v0", settings="router_settings", env=env
        )
        assert migrated.code == 0, migrated.stderr
    for alias in ("default", "zoo"):
        run = manage(
            default,
            "verify_schema",
            "--database",
            alias,
            "--format",
            "json",
            settings="router_settings",
            env=env,
        )
        report = run.json()
        assert report["database"] == alias
        assert [p for p in report["problems"] if p["severity"] == "error"] == []
    zoo_only = manage(
        default,
        "verify_schema",
        "--database",
        "zoo",
        "--app",
        "zoo",
        "--format",
        "json",
        settings="router_settings",
        env=env,
    )
    assert zoo_only.json()["counts"]["models"] >= 8
    assert zoo_only.code == 0


def test_force_color_gives_ansi_unless_no_color_is_set(sqlite_url):
    coloured = manage(sqlite_url, "verify_schema", "--force-color", env={"NO_COLOR": ""})
    assert "\x1b[" in coloured.stdout
    plain = manage(sqlite_url, "verify_schema", "--force-color", env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout and "OK: " in plain.stdout
    flag = manage(sqlite_url, "verify_schema", "--no-color", env={"NO_COLOR": ""})
    assert "\x1b[" not in flag.stdout
