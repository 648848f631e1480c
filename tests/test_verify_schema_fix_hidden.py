"""verify_schema --fix on drift made behind Django's back, on real PostgreSQL and MariaDB.

Each test makes one drift on a copy of the example project with raw SQL, sees it reported,
writes the repair with --fix, applies it with migrate (schema_safety out of the project) and
sees a clean report. The kinds --fix declines write nothing and say so.
"""

from __future__ import annotations

import pytest
from test_verify_schema_fix import Project

FK = "asset_resource_id_4b97b913_fk_resource_id"
UNIQUE = "asset_unique_title_per_resource"
TAGS = "INSERT INTO content_tag (name) VALUES ('one'), ('two'), ('three')"
NEW_TAG = "from content.models import Tag; Tag.objects.create(name='four')"

PG_DRIFTS = {
    "sequence_behind": [TAGS, "SELECT setval(pg_get_serial_sequence('content_tag', 'id'), 1)"],
    "identity_lost": [TAGS, "ALTER TABLE content_tag ALTER COLUMN id DROP IDENTITY"],
    "default_extra": ["ALTER TABLE content_tag ALTER COLUMN name SET DEFAULT 'untitled'"],
    "check_mismatch": [
        "ALTER TABLE asset DROP CONSTRAINT asset_file_size_max",
        "ALTER TABLE asset ADD CONSTRAINT asset_file_size_max CHECK (file_size <= 5)",
    ],
    "field_check_mismatch": [
        "ALTER TABLE asset DROP CONSTRAINT asset_file_size_check",
        "ALTER TABLE asset ADD CONSTRAINT asset_file_size_check CHECK (file_size > 10)",
    ],
    "index_partial": [
        "DROP INDEX asset_created_desc",
        "CREATE INDEX asset_created_desc ON asset (created DESC) WHERE title <> ''",
    ],
    "field_index_partial": [
        "DO $$ DECLARE n text; BEGIN SELECT indexname INTO n FROM pg_indexes "
        "WHERE tablename = 'asset' AND indexdef LIKE '%USING btree (title)'; "
        "EXECUTE format('DROP INDEX %I; CREATE INDEX %I ON asset (title) "
        "WHERE title <> ''''', n, n); END $$"
    ],
    "unique_reordered": [
        f"ALTER TABLE asset DROP CONSTRAINT {UNIQUE}",
        f"ALTER TABLE asset ADD CONSTRAINT {UNIQUE} UNIQUE (title, resource_id)",
    ],
    "unique_deferrable": [
        f"ALTER TABLE asset DROP CONSTRAINT {UNIQUE}",
        f"ALTER TABLE asset ADD CONSTRAINT {UNIQUE} UNIQUE (resource_id, title) "
        "DEFERRABLE INITIALLY DEFERRED",
    ],
    "foreign_key_cascade": [
        f"ALTER TABLE asset DROP CONSTRAINT {FK}",
        f"ALTER TABLE asset ADD CONSTRAINT {FK} FOREIGN KEY (resource_id) "
        "REFERENCES resource (id) ON DELETE CASCADE",
    ],
}
PG_KINDS = {
    "sequence_behind": "sequence_behind",
    "identity_lost": "default_mismatch",
    "default_extra": "default_mismatch",
    "check_mismatch": "check_mismatch",
    "field_check_mismatch": "check_mismatch",
    "index_partial": "index_mismatch",
    "field_index_partial": "index_mismatch",
    "unique_reordered": "index_mismatch",
    "unique_deferrable": "index_mismatch",
    "foreign_key_cascade": "foreign_key_mismatch",
}
MY_DRIFTS = {
    "auto_increment_lost": [TAGS, "ALTER TABLE content_tag MODIFY id bigint NOT NULL"],
    "foreign_key_cascade": [
        f"ALTER TABLE asset DROP FOREIGN KEY {FK}",
        f"ALTER TABLE asset ADD CONSTRAINT {FK} FOREIGN KEY (resource_id) "
        "REFERENCES resource (id) ON DELETE CASCADE",
    ],
}
MY_KINDS = {
    "auto_increment_lost": "default_mismatch",
    "foreign_key_cascade": "foreign_key_mismatch",
}
DECLINED = {
    "postgresql": {
        "collation_mismatch": "ALTER TABLE content_tag ALTER COLUMN name TYPE varchar(50) "
        'COLLATE "C"',
        "extra_unique": "CREATE UNIQUE INDEX asset_checksum_once ON asset (checksum)",
        "extra_index": "CREATE INDEX asset_checksum_idx ON asset (checksum)",
    },
    "mysql": {
        "collation_mismatch": "ALTER TABLE content_tag MODIFY name varchar(50) NOT NULL "
        "COLLATE utf8mb4_bin",
        "extra_unique": "CREATE UNIQUE INDEX asset_checksum_once ON asset (checksum)",
        "extra_index": "CREATE INDEX asset_checksum_idx ON asset (checksum)",
    },
}


def kinds(project) -> list[str]:
    run = project.manage("verify_schema", "--format", "json")
    assert run.code in (0, 1), run.stderr
    return [problem["kind"] for problem in run.json()["problems"]]


def repaired(project, drift: list[str], kind: str) -> None:
    """Drift, reported, fixed by the migration --fix writes, applied: a clean report."""
    assert project.manage("migrate", "-v0").code == 0
    project.execute(drift)
    assert kinds(project) == [kind]
    fixed = project.manage("verify_schema", "--fix")
    assert "applies only where drifted" in fixed.stdout, fixed.stdout + fixed.stderr
    assert "not repaired" not in fixed.stderr, fixed.stderr
    migrated = project.manage_without_schema_safety("migrate", "-v0")
    assert migrated.code == 0, migrated.stderr
    after = project.manage("verify_schema", "--format", "json")
    assert after.json()["problems"] == [] and after.code == 0, after.stdout
    inserted = project.manage("shell", "-v0", "-c", NEW_TAG)
    assert inserted.code == 0, inserted.stderr


@pytest.mark.parametrize("case", sorted(PG_DRIFTS))
def test_postgresql_drift_is_repaired(case, request, tmp_path):
    project = Project("postgresql", request, tmp_path, case)
    repaired(project, PG_DRIFTS[case], PG_KINDS[case])


@pytest.mark.parametrize("case", sorted(MY_DRIFTS))
def test_mariadb_drift_is_repaired(case, request, tmp_path):
    project = Project("mysql", request, tmp_path, case)
    repaired(project, MY_DRIFTS[case], MY_KINDS[case])


def test_the_repair_changes_nothing_on_a_clean_database(request, tmp_path):
    drifted = Project("postgresql", request, tmp_path, "all")
    assert drifted.manage("migrate", "-v0").code == 0
    for case in ("sequence_behind", "check_mismatch", "index_partial", "foreign_key_cascade"):
        drifted.execute(PG_DRIFTS[case])
    drifted.execute(["ALTER TABLE content_tag ALTER COLUMN name SET DEFAULT 'untitled'"])
    fixed = drifted.manage("verify_schema", "--fix")
    assert fixed.code == 1 and "applies only where drifted" in fixed.stdout, fixed.stderr
    (repair,) = drifted.repair_files()
    aside = repair.rename(tmp_path / repair.name)

    clean = Project("postgresql", request, tmp_path, "clean")
    assert clean.manage("migrate", "-v0").code == 0
    clean.execute([TAGS])
    before = clean.snapshot()
    aside.rename(repair)
    migrated = clean.manage("migrate", "-v0")
    assert migrated.code == 0, migrated.stderr
    assert clean.snapshot() == before
    assert clean.manage("verify_schema").code == 0
    assert clean.manage("shell", "-v0", "-c", NEW_TAG).code == 0


@pytest.mark.parametrize("vendor", ["postgresql", "mysql"])
@pytest.mark.parametrize("kind", ["collation_mismatch", "extra_unique", "extra_index"])
def test_fix_declines_what_no_migration_should_decide(vendor, kind, request, tmp_path):
    project = Project(vendor, request, tmp_path, kind)
    assert project.manage("migrate", "-v0").code == 0
    project.execute([DECLINED[vendor][kind]])
    assert kinds(project) == [kind]
    fixed = project.manage("verify_schema", "--fix")
    assert project.repair_files() == []
    assert f"not repaired: {kind_word(kind)}" in fixed.stderr, fixed.stderr


def kind_word(kind: str) -> str:
    return {"collation_mismatch": "column", "extra_unique": "unique", "extra_index": "index"}[kind]
