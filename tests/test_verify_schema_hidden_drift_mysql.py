"""Drift Django's introspection hides, made behind Django's back on real MariaDB.

MariaDB has no sequences to fall behind (InnoDB never hands out an AUTO_INCREMENT at or
below the highest key), no deferrable constraints and no partial indexes; what it has is
checked here: a lost AUTO_INCREMENT, ON DELETE / ON UPDATE actions, collations, and
unique or plain indexes no model declares.
"""

from __future__ import annotations

import pytest
from project import manage
from test_verify_schema_hidden_drift import drifted, only


@pytest.fixture(scope="module")
def my(mysql_server):
    name = "hidden_drift_mysql"
    mysql_server.drop_database(name)
    mysql_server.create_database(name)
    url = mysql_server.url(name)
    migrated = manage(url, "migrate", "--no-input", "-v0")
    assert migrated.code == 0, migrated.stderr
    return mysql_server, name, url


def test_a_clean_database_reports_nothing(my):
    run = manage(my[2], "verify_schema", "--format", "json")
    assert run.json()["problems"] == [] and run.code == 0, run.stdout


def test_an_auto_key_without_auto_increment_is_reported(my):
    drop = "ALTER TABLE zoo_measurement MODIFY id bigint NOT NULL"
    restore = "ALTER TABLE zoo_measurement MODIFY id bigint NOT NULL AUTO_INCREMENT"
    with drifted(my, drop, undo=(restore,)) as report:
        problem = only(report, "default_mismatch")
    assert (problem["table"], problem["column"], problem["severity"]) == (
        "zoo_measurement",
        "id",
        "error",
    )
    assert problem["expected"] == "AUTO_INCREMENT" and problem["actual"] == "no default"
    assert "AUTO_INCREMENT" in problem["hint"]


def _asset_resource_key(my) -> str:
    server, name, _ = my
    ((key,),) = server.execute(
        name,
        "SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
        "WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'asset' "
        "AND REFERENCED_TABLE_NAME = 'resource'",
    )
    return key


def test_a_foreign_key_with_on_delete_cascade_is_a_mismatch(my):
    key = _asset_resource_key(my)
    recreate = (
        f"ALTER TABLE asset DROP FOREIGN KEY {key}; ALTER TABLE asset ADD CONSTRAINT {key} "
        "FOREIGN KEY (resource_id) REFERENCES resource (id)"
    )
    with drifted(my, recreate + " ON DELETE CASCADE", undo=(recreate,)) as report:
        problem = only(report, "foreign_key_mismatch")
    assert (problem["table"], problem["column"], problem["severity"]) == (
        "asset",
        "resource_id",
        "error",
    )
    assert problem["expected"] == "ON DELETE NO ACTION ON UPDATE NO ACTION NOT DEFERRABLE"
    assert problem["actual"] == "ON DELETE CASCADE ON UPDATE NO ACTION NOT DEFERRABLE"


def test_a_column_with_another_collation_is_reported(my):
    swap = "ALTER TABLE content_tag MODIFY name varchar(50) NOT NULL COLLATE utf8mb4_bin"
    undo = "ALTER TABLE content_tag MODIFY name varchar(50) NOT NULL"
    with drifted(my, swap, undo=(undo,)) as report:
        problem = only(report, "collation_mismatch")
    assert (problem["column"], problem["expected"], problem["actual"]) == (
        "name",
        None,
        "utf8mb4_bin",
    )


def test_a_unique_index_no_model_declares_is_an_error(my):
    create = "CREATE UNIQUE INDEX asset_checksum_once ON asset (checksum)"
    with drifted(my, create, undo=("DROP INDEX asset_checksum_once ON asset",)) as report:
        problem = only(report, "extra_unique")
    assert (problem["table"], problem["column"], problem["severity"]) == (
        "asset",
        "checksum",
        "error",
    )
    assert report["ok"] is False


def test_an_index_no_model_declares_is_a_warning(my):
    create = "CREATE INDEX asset_checksum_idx ON asset (checksum)"
    with drifted(my, create, undo=("DROP INDEX asset_checksum_idx ON asset",)) as report:
        problem = only(report, "extra_index")
    assert problem["severity"] == "warning" and report["ok"] is True
