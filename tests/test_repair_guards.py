"""The SQL that guards a repair, as exact strings, hostile names included (guards.py)."""

from __future__ import annotations

from schema_safety.guards import Probe, guard

RENAME = [Probe("column", "asset", "old"), Probe("column", "asset", "new", present=False)]


def test_postgresql_runs_the_statements_in_one_do_block_only_where_the_drift_is():
    (sql,), guarded = guard("postgresql", RENAME, ['ALTER TABLE "asset" RENAME "old" TO "new"'])
    columns = (
        "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'asset' AND column_name = "
    )
    assert guarded
    assert sql == (
        "DO $repair$\nBEGIN\n"
        f"    IF {columns}'old') AND NOT ({columns}'new')) THEN\n"
        '        ALTER TABLE "asset" RENAME "old" TO "new";\n'
        "    END IF;\nEND\n$repair$"
    )


def test_mysql_decides_once_then_prepares_each_statement():
    sql, guarded = guard("mysql", [Probe("table", "t", present=False)], ["CREATE TABLE t", "X"])
    assert guarded
    assert sql == [
        "SET @repair_drifted = (SELECT NOT (EXISTS (SELECT 1 FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't')))",
        "SET @repair_sql = IF(@repair_drifted, 'CREATE TABLE t', 'DO 0')",
        "PREPARE repair_statement FROM @repair_sql",
        "EXECUTE repair_statement",
        "DEALLOCATE PREPARE repair_statement",
        "SET @repair_sql = IF(@repair_drifted, 'X', 'DO 0')",
        "PREPARE repair_statement FROM @repair_sql",
        "EXECUTE repair_statement",
        "DEALLOCATE PREPARE repair_statement",
    ]


def test_quotes_and_backslashes_in_names_and_statements_stay_inside_their_literals():
    probe = Probe("name", "o'brien", "idx'); DROP TABLE x; --", present=False)
    (pg,), _ = guard("postgresql", [probe], ["SELECT 1"])
    assert "relname = 'idx''); DROP TABLE x; --'" in pg
    mysql, _ = guard("mysql", [probe], ["CHECK (`a` = 'it''s \\ here')"])
    assert "TABLE_NAME = 'o''brien'" in mysql[0]
    assert (
        mysql[1]
        == "SET @repair_sql = IF(@repair_drifted, 'CHECK (`a` = ''it''''s \\\\ here'')', 'DO 0')"
    )


def test_sqlite_creates_if_not_exists_or_says_it_cannot_guard():
    index = [Probe("name", "asset", "asset_created_desc", present=False)]
    sql = ['CREATE INDEX "asset_created_desc" ON "asset" ("created" DESC)']
    assert guard("sqlite", index, sql) == (
        ['CREATE INDEX IF NOT EXISTS "asset_created_desc" ON "asset" ("created" DESC)'],
        True,
    )
    rename = ['ALTER TABLE "asset" RENAME COLUMN "old" TO "new"']
    assert guard("sqlite", RENAME, rename) == (rename, False)
    mixed = [*sql, 'ALTER TABLE "asset" ADD COLUMN "x" integer']
    assert guard("sqlite", index, mixed) == (mixed, False)


def test_a_backslash_is_an_escape_in_mysql_literals_only():
    probe = Probe("column", "t", "a\\b")
    (pg,), _ = guard("postgresql", [probe], ["SELECT 1"])
    mysql, _ = guard("mysql", [probe], ["SELECT 1"])
    assert "column_name = 'a\\b'" in pg and "COLUMN_NAME = 'a\\\\b'" in mysql[0]


def test_a_unique_is_found_by_the_columns_it_covers_whatever_its_name():
    probe = Probe("unique", "resource", "name,slug", present=False)
    (pg,), _ = guard("postgresql", [probe], ["SELECT 1"])
    mysql, _ = guard("mysql", [probe], ["SELECT 1"])
    assert "i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL" in pg
    assert "ORDER BY 1) = ARRAY['name', 'slug']::text[])" in pg
    assert mysql[0] == (
        "SET @repair_drifted = (SELECT NOT (EXISTS (SELECT 1 FROM information_schema.STATISTICS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'resource' AND NON_UNIQUE = 0 "
        "GROUP BY INDEX_NAME HAVING GROUP_CONCAT(COLUMN_NAME ORDER BY COLUMN_NAME SEPARATOR ',') "
        "= 'name,slug')))"
    )


def test_a_check_or_index_is_recreated_only_where_printed_otherwise():
    check = Probe("check_differs", "asset", "max'", definition="CHECK ((a <= 'x'::text))")
    (pg,), _ = guard("postgresql", [check], ["SELECT 1"])
    assert pg.startswith(
        "DO $repair$\nBEGIN\n    IF EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k "
        "WHERE k.conrelid = to_regclass(quote_ident('asset')) AND k.contype = 'c' "
        "AND k.conname = 'max''' "
        "AND pg_catalog.pg_get_constraintdef(k.oid) <> 'CHECK ((a <= ''x''::text))') THEN\n"
    )
    index = Probe("index_differs", "asset", "created", definition="btree (created DESC)")
    (pg,), _ = guard("postgresql", [index], ["SELECT 1"])
    assert "i.relname = 'created' AND CASE WHEN x.indisunique THEN 'UNIQUE ' ELSE '' END" in pg
    assert "' DEFERRABLE' END FROM pg_catalog.pg_constraint k" in pg
    assert pg.endswith(
        "), '') <> 'btree (created DESC)') THEN\n        SELECT 1;\n    END IF;\nEND\n$repair$"
    )


def test_a_foreign_key_is_recreated_only_where_its_actions_differ():
    clauses = "ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED"
    probe = Probe("foreign_key_differs", "asset", "asset_fk", definition=clauses)
    (pg,), _ = guard("postgresql", [probe], ["SELECT 1"])
    assert (
        "AND k.contype = 'f' AND k.conname = 'asset_fk' AND (k.confdeltype, k.confupdtype, "
        "k.condeferrable, k.condeferred) <> ('a', 'a', true, true))"
    ) in pg
    mysql, _ = guard("mysql", [probe], ["SELECT 1"])
    assert mysql[0] == (
        "SET @repair_drifted = (SELECT EXISTS (SELECT 1 FROM "
        "information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() "
        "AND TABLE_NAME = 'asset' AND CONSTRAINT_NAME = 'asset_fk' "
        "AND (DELETE_RULE NOT IN ('NO ACTION', 'RESTRICT') OR UPDATE_RULE NOT IN "
        "('NO ACTION', 'RESTRICT'))))"
    )
    cascade = Probe(
        "foreign_key_differs",
        "t",
        "k",
        definition="ON DELETE CASCADE ON UPDATE SET NULL NOT DEFERRABLE",
    )
    (pg,), _ = guard("postgresql", [cascade], ["SELECT 1"])
    assert "<> ('c', 'n', false, false))" in pg


def test_an_auto_key_and_a_default_are_read_from_the_columns():
    auto = Probe("auto", "content_tag", "id", present=False)
    (pg,), _ = guard("postgresql", [auto], ["SELECT 1"])
    assert (
        "AND column_name = 'id' AND (is_identity = 'YES' OR column_default LIKE 'nextval(%'))" in pg
    )
    assert "IF NOT (EXISTS" in pg
    mysql, _ = guard("mysql", [auto], ["SELECT 1"])
    assert "COLUMN_NAME = 'id' AND EXTRA LIKE '%auto_increment%')))" in mysql[0]
    default = Probe("default", "content_tag", "name")
    (pg,), _ = guard("postgresql", [default], ["SELECT 1"])
    assert "column_default IS NOT NULL AND is_identity = 'NO'" in pg
