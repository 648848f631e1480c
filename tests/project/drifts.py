"""Schema drifts injected with raw SQL, one set per backend, and what verify_schema must say.

Each drift touches its own table or column, so all of them can live in one
database and be checked by one verify_schema run.
"""

from __future__ import annotations

import sqlite3

COMMON = {
    ("missing_table", "accounts_profile_favourite_resources", None, "error"),
    ("extra_table", "legacy_report", None, "warning"),
    ("missing_column", "asset", "description", "error"),
    ("extra_column", "resource", "legacy_code", "error"),
    ("extra_column", "content_tag", "note", "warning"),
    ("type_mismatch", "asset", "title", "error"),
    ("null_mismatch", "resource", "slug", "warning"),
    ("null_mismatch", "zoo_animal", "born", "error"),
    ("primary_key_mismatch", "zoo_measurement", None, "error"),
    ("missing_foreign_key", "asset", "resource_id", "error"),
    ("critical_relationship", "asset", "resource_id", "error"),
    ("foreign_key_mismatch", "asset_tags", "tag_id", "error"),
    ("missing_index", "asset", "created", "error"),
    ("missing_check", "asset", "file_size", "error"),
}
EXPECTED = {
    "postgresql": COMMON
    | {
        ("missing_unique", "resource", "name", "error"),
        # NOT VALID and invalid (failed CONCURRENTLY) count as missing.
        ("missing_check", "zoo_animal", "weight_g", "error"),
        ("missing_unique", "asset", "resource_id, title", "error"),
    },
    "mysql": COMMON
    | {
        ("missing_unique", "resource", "name", "error"),
        # MySQL drops a primary key only with its AUTO_INCREMENT: inserts now fail too.
        ("default_mismatch", "zoo_measurement", "id", "error"),
    },
    "sqlite": COMMON | {("missing_unique", "asset_tags", "asset_id, tag_id", "error")},
}

SHARED_SQL = [
    "DROP TABLE accounts_profile_favourite_resources",
    "CREATE TABLE legacy_report (id integer)",
    "ALTER TABLE asset DROP COLUMN description",
]

POSTGRESQL = SHARED_SQL + [
    "ALTER TABLE resource ADD COLUMN legacy_code varchar(10) NOT NULL DEFAULT 'x'",
    "ALTER TABLE resource ALTER COLUMN legacy_code DROP DEFAULT",
    "ALTER TABLE content_tag ADD COLUMN note text",
    "ALTER TABLE asset ALTER COLUMN title TYPE varchar(50)",
    "ALTER TABLE resource ALTER COLUMN slug DROP NOT NULL",
    "ALTER TABLE zoo_animal ALTER COLUMN born SET NOT NULL",
    "ALTER TABLE zoo_measurement DROP CONSTRAINT zoo_measurement_pkey",
    "ALTER TABLE asset DROP CONSTRAINT {fk:asset.resource_id}",
    "ALTER TABLE asset_tags DROP CONSTRAINT {fk:asset_tags.tag_id}",
    "ALTER TABLE asset_tags ADD CONSTRAINT wrong_target FOREIGN KEY (tag_id) REFERENCES resource (id)",
    "ALTER TABLE resource DROP CONSTRAINT resource_name_key",
    "DROP INDEX asset_created_desc",
    "ALTER TABLE asset DROP CONSTRAINT asset_file_size_max",
    "ALTER TABLE zoo_animal DROP CONSTRAINT zoo_animal_weight_g_check",
    "ALTER TABLE zoo_animal ADD CONSTRAINT zoo_animal_weight_g_check CHECK (weight_g >= 0) NOT VALID",
    "UPDATE pg_index SET indisvalid = false "
    "WHERE indexrelid = 'asset_unique_title_per_resource'::regclass",
]

MYSQL = SHARED_SQL + [
    "ALTER TABLE resource ADD COLUMN legacy_code varchar(10) NOT NULL",
    "ALTER TABLE content_tag ADD COLUMN note longtext NULL",
    "ALTER TABLE asset MODIFY title varchar(50) NOT NULL",
    "ALTER TABLE resource MODIFY slug varchar(50) NULL",
    "ALTER TABLE zoo_animal MODIFY born date NOT NULL",
    "ALTER TABLE zoo_measurement MODIFY id bigint NOT NULL, DROP PRIMARY KEY",
    "ALTER TABLE asset DROP FOREIGN KEY {fk:asset.resource_id}",
    "ALTER TABLE asset_tags DROP FOREIGN KEY {fk:asset_tags.tag_id}",
    "ALTER TABLE asset_tags ADD CONSTRAINT wrong_target FOREIGN KEY (tag_id) REFERENCES resource (id)",
    "ALTER TABLE resource DROP INDEX name",
    "DROP INDEX asset_created_desc ON asset",
    "ALTER TABLE asset DROP CONSTRAINT asset_file_size_max",
]

FK_NAME = {
    "postgresql": (
        "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = '{table}'::regclass "
        "AND conkey = ARRAY[(SELECT attnum FROM pg_attribute "
        "WHERE attrelid = '{table}'::regclass AND attname = '{column}')]"
    ),
    "mysql": (
        "SELECT CONSTRAINT_NAME FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' AND COLUMN_NAME = '{column}' "
        "AND REFERENCED_TABLE_NAME IS NOT NULL"
    ),
}


def inject_server(vendor: str, execute) -> None:
    """Apply the drifts through ``execute(sql) -> rows`` on PostgreSQL or MariaDB."""
    for statement in POSTGRESQL if vendor == "postgresql" else MYSQL:
        execute(_resolve_names(vendor, statement, execute))


def _resolve_names(vendor: str, statement: str, execute) -> str:
    while "{fk:" in statement:
        start = statement.index("{fk:")
        end = statement.index("}", start)
        table, column = statement[start + 4 : end].split(".")
        name = execute(FK_NAME[vendor].format(table=table, column=column))[0][0]
        quote = '"' if vendor == "postgresql" else "`"
        statement = statement[:start] + quote + name + quote + statement[end + 1 :]
    return statement


# SQLite cannot alter a column: edit the table's CREATE statement in place (tables are empty).
SQLITE_EDITS = [
    (
        "resource",
        '"is_active" bool NOT NULL)',
        '"is_active" bool NOT NULL, "legacy_code" varchar(10) NOT NULL)',
    ),
    ("asset", '"title" varchar(200)', '"title" varchar(50)'),
    ("resource", '"slug" varchar(50) NOT NULL', '"slug" varchar(50) NULL'),
    ("zoo_animal", '"born" date NULL', '"born" date NOT NULL'),
    ("zoo_measurement", "PRIMARY KEY AUTOINCREMENT", ""),
    (
        "asset",
        '"resource_id" bigint NOT NULL REFERENCES "resource" ("id") DEFERRABLE INITIALLY DEFERRED',
        '"resource_id" bigint NOT NULL',
    ),
    ("asset_tags", 'REFERENCES "content_tag"', 'REFERENCES "resource"'),
    ("asset", ', CONSTRAINT "asset_file_size_max" CHECK ("file_size" <= 10000000000)', ""),
]

SQLITE_SQL = SHARED_SQL + [
    "ALTER TABLE content_tag ADD COLUMN note text",
    "DROP INDEX asset_created_desc",
]


def inject_sqlite(path: str) -> None:
    connection = sqlite3.connect(path)
    try:
        for statement in SQLITE_SQL:
            connection.execute(statement)
        (unique,) = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'asset_tags' "
            "AND sql LIKE 'CREATE UNIQUE INDEX%'"
        ).fetchone()
        connection.execute(f'DROP INDEX "{unique}"')
        connection.execute("PRAGMA writable_schema = ON")
        for table, old, new in SQLITE_EDITS:
            changed = connection.execute(
                "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE name = ? AND instr(sql, ?)",
                (old, new, table, old),
            ).rowcount
            assert changed == 1, f"drift edit did not apply to {table}: {old!r}"
        connection.execute("PRAGMA writable_schema = OFF")
        connection.commit()
    finally:
        connection.close()
