"""compare(): every kind of problem from hand-built schemas, no database.

Each test starts from a live schema equal to the expected one and breaks one
thing, so the only problem reported is the one under test.
"""

from dataclasses import replace

import pytest

from schema_safety.compare import compare, extra_tables
from schema_safety.hints import likely_renames
from schema_safety.introspection.postgresql import normalize_type
from schema_safety.problems import ERROR, KINDS, WARNING, Problem
from schema_safety.schema import Check, Column, ForeignKey, Index, Schema, Table


def normalize(raw: str) -> str:
    return normalize_type(raw)


def asset_table(**changes) -> Table:
    """What the models expect of content_asset (Django's spellings)."""
    table = Table(
        "content_asset",
        columns={
            "id": Column("id", "bigint", False, field="id"),
            "title": Column("title", "varchar(100)", False, field="title"),
            "price": Column("price", "numeric(12, 2)", True, field="price"),
            "resource_id": Column("resource_id", "bigint", False, field="resource"),
        },
        primary_key=("id",),
        foreign_keys=[ForeignKey(("resource_id",), "content_resource", ("id",))],
        indexes=[
            Index(("id",), unique=True, primary=True),
            Index(("resource_id",)),
            Index(("title", "resource_id"), unique=True),
        ],
        checks=[Check(frozenset({"price"}), "price_positive")],
        app="content",
        model="Asset",
    )
    return replace(table, **changes)


def live_asset_table(**changes) -> Table:
    """The same table as PostgreSQL reports it: catalog spellings, generated names."""
    table = Table(
        "content_asset",
        columns={
            "id": Column("id", "bigint", False, has_default=True),
            "title": Column("title", "character varying(100)", False),
            "price": Column("price", "numeric(12,2)", True),
            "resource_id": Column("resource_id", "bigint", False),
        },
        primary_key=("id",),
        foreign_keys=[
            ForeignKey(
                ("resource_id",),
                "content_resource",
                ("id",),
                "content_asset_resource_id_0a1b2c3d_fk_content_resource_id",
            )
        ],
        indexes=[
            Index(("id",), unique=True, name="content_asset_pkey", primary=True),
            Index(("resource_id",), name="content_asset_resource_id_0a1b2c3d"),
            Index(("title", "resource_id"), unique=True, name="content_asset_title_5e6f_uniq"),
        ],
        checks=[Check(frozenset({"price"}), "price_positive", "CHECK ((price >= 0))")],
    )
    return replace(table, **changes)


def schemas(expected: Table | None = None, live: Table | None = None, vendor="postgresql"):
    expected = expected or asset_table()
    live = live or live_asset_table()
    return (
        Schema(vendor, {expected.name: expected}),
        Schema(vendor, {live.name: live}),
    )


def problems_for(expected: Table | None = None, live: Table | None = None, vendor="postgresql"):
    return compare(*schemas(expected, live, vendor), normalize)


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def without_column(table: Table, name: str) -> Table:
    return replace(table, columns={k: v for k, v in table.columns.items() if k != name})


def with_column(table: Table, column: Column) -> Table:
    return replace(table, columns={**table.columns, column.name: column})


# --- nothing to report ---


def test_live_equal_to_expected_reports_nothing():
    assert problems_for() == []


def test_identical_schemas_report_nothing():
    table = asset_table()
    assert (
        compare(Schema("sqlite", {table.name: table}), Schema("sqlite", {table.name: table}), str)
        == []
    )


# --- tables ---


def test_missing_table():
    expected = Schema("postgresql", {"content_asset": asset_table()})
    problem = only(compare(expected, Schema("postgresql"), normalize))
    assert (problem.kind, problem.severity, problem.table, problem.column) == (
        "missing_table",
        ERROR,
        "content_asset",
        None,
    )
    assert (problem.expected, problem.actual) == ("content_asset", None)
    assert (problem.app, problem.model) == ("content", "Asset")


def test_missing_table_that_is_a_view():
    expected = Schema("postgresql", {"content_asset": asset_table()})
    live = Schema("postgresql", views=frozenset({"content_asset"}))
    problem = only(compare(expected, live, normalize))
    assert (problem.kind, problem.severity) == ("missing_table", ERROR)
    assert problem.actual == "a view"


def test_extra_table_is_a_warning():
    live = Schema(
        "postgresql",
        {name: Table(name) for name in ("legacy_notes", "content_asset", "audit_log")},
    )
    problems = extra_tables(live, owned={"content_asset"})
    assert [(p.kind, p.severity, p.table, p.column) for p in problems] == [
        ("extra_table", WARNING, "audit_log", None),
        ("extra_table", WARNING, "legacy_notes", None),
    ]
    assert all(p.hint for p in problems)


def test_django_migrations_is_never_an_extra_table():
    live = Schema("postgresql", {"django_migrations": Table("django_migrations")})
    assert extra_tables(live, owned=set()) == []


def test_views_are_never_extra_tables():
    live = Schema("postgresql", views=frozenset({"reporting_view"}))
    assert extra_tables(live, owned=set()) == []


# --- columns ---


def test_missing_column():
    problem = only(problems_for(live=without_column(live_asset_table(), "title")))
    assert (problem.kind, problem.severity, problem.table, problem.column) == (
        "missing_column",
        ERROR,
        "content_asset",
        "title",
    )
    assert problem.expected == "varchar(100)"
    assert problem.actual is None
    assert (problem.app, problem.model) == ("content", "Asset")


def test_extra_column_not_null_without_default_is_an_error():
    live = with_column(live_asset_table(), Column("legacy_code", "integer", False))
    problem = only(problems_for(live=live))
    assert (problem.kind, problem.severity, problem.column) == (
        "extra_column",
        ERROR,
        "legacy_code",
    )
    assert (problem.expected, problem.actual) == (None, "integer")
    assert "every insert" in problem.message


@pytest.mark.parametrize(
    "column",
    [
        Column("legacy_code", "integer", True),
        Column("legacy_code", "integer", False, has_default=True),
        Column("legacy_code", "integer", True, has_default=True),
    ],
    ids=["nullable", "with-default", "nullable-with-default"],
)
def test_extra_column_that_inserts_tolerate_is_a_warning(column):
    problem = only(problems_for(live=with_column(live_asset_table(), column)))
    assert (problem.kind, problem.severity, problem.column) == (
        "extra_column",
        WARNING,
        "legacy_code",
    )


def test_type_mismatch_reports_normalized_types():
    live = with_column(live_asset_table(), Column("title", "character varying(50)", False))
    problem = only(problems_for(live=live))
    assert (problem.kind, problem.severity, problem.column) == ("type_mismatch", ERROR, "title")
    assert (problem.expected, problem.actual) == ("varchar(100)", "varchar(50)")


def test_types_are_compared_through_normalize():
    live = with_column(live_asset_table(), Column("title", "VARCHAR(100)", False))
    assert problems_for(live=live) == []
    assert compare(*schemas(live=live), str) != []


def test_null_mismatch_model_null_database_not_null_is_an_error():
    live = with_column(live_asset_table(), Column("price", "numeric(12,2)", False))
    problem = only(problems_for(live=live))
    assert (problem.kind, problem.severity, problem.column) == ("null_mismatch", ERROR, "price")
    assert (problem.expected, problem.actual) == ("NULL", "NOT NULL")


def test_null_mismatch_model_not_null_database_null_is_a_warning():
    live = with_column(live_asset_table(), Column("title", "character varying(100)", True))
    problem = only(problems_for(live=live))
    assert (problem.kind, problem.severity, problem.column) == (
        "null_mismatch",
        WARNING,
        "title",
    )
    assert (problem.expected, problem.actual) == ("NOT NULL", "NULL")


@pytest.mark.parametrize("live_null", [True, False])
def test_generated_column_nullability_is_never_compared(live_null):
    expected = with_column(asset_table(), Column("total", "numeric(12, 2)", None, field="total"))
    live = with_column(
        live_asset_table(), Column("total", "numeric(12,2)", live_null, has_default=True)
    )
    assert problems_for(expected, live) == []


def test_primary_key_mismatch():
    problem = only(problems_for(live=live_asset_table(primary_key=("id", "title"))))
    assert (problem.kind, problem.severity, problem.column) == (
        "primary_key_mismatch",
        ERROR,
        None,
    )
    assert (problem.expected, problem.actual) == ("id", "id, title")


def test_missing_primary_key():
    live = live_asset_table(primary_key=(), indexes=live_asset_table().indexes[1:])
    problem = only(problems_for(live=live))
    assert problem.kind == "primary_key_mismatch"
    assert (problem.expected, problem.actual) == ("id", None)


# --- foreign keys ---


def test_missing_foreign_key():
    problem = only(problems_for(live=live_asset_table(foreign_keys=[])))
    assert (problem.kind, problem.severity, problem.column) == (
        "missing_foreign_key",
        ERROR,
        "resource_id",
    )
    assert (problem.expected, problem.actual) == ("content_resource(id)", None)


def test_foreign_key_pointing_elsewhere_is_a_mismatch():
    wrong = ForeignKey(("resource_id",), "content_oldresource", ("id",), "asset_resource_fk")
    problem = only(problems_for(live=live_asset_table(foreign_keys=[wrong])))
    assert (problem.kind, problem.severity, problem.column) == (
        "foreign_key_mismatch",
        ERROR,
        "resource_id",
    )
    assert (problem.expected, problem.actual) == ("content_resource(id)", "content_oldresource(id)")


def test_not_valid_foreign_key_is_missing_with_a_validate_hint():
    key = ForeignKey(("resource_id",), "content_resource", ("id",), "asset_resource_fk", False)
    problem = only(problems_for(live=live_asset_table(foreign_keys=[key])))
    assert (problem.kind, problem.severity, problem.column) == (
        "missing_foreign_key",
        ERROR,
        "resource_id",
    )
    assert (problem.expected, problem.actual) == ("content_resource(id)", "NOT VALID")
    assert "ALTER TABLE content_asset VALIDATE CONSTRAINT asset_resource_fk" in problem.hint


def test_a_valid_foreign_key_beside_a_not_valid_one_is_enough():
    keys = [
        ForeignKey(("resource_id",), "content_resource", ("id",), "old_fk", False),
        ForeignKey(("resource_id",), "content_resource", ("id",), "new_fk", True),
    ]
    assert problems_for(live=live_asset_table(foreign_keys=keys)) == []


# --- uniques, indexes, checks ---


def test_missing_unique():
    live = live_asset_table(
        indexes=[i for i in live_asset_table().indexes if not i.name.endswith("uniq")]
    )
    problem = only(problems_for(live=live))
    assert (problem.kind, problem.severity, problem.column) == (
        "missing_unique",
        ERROR,
        "title, resource_id",
    )
    assert problem.expected == "(title, resource_id)"
    assert problem.actual is None


def test_missing_index():
    live = live_asset_table(indexes=[i for i in live_asset_table().indexes if i.unique])
    problem = only(problems_for(live=live))
    assert (problem.kind, problem.severity, problem.column) == (
        "missing_index",
        ERROR,
        "resource_id",
    )
    assert (problem.expected, problem.actual) == ("(resource_id)", None)


def test_invalid_index_is_missing_with_an_invalid_hint():
    invalid = Index(("resource_id",), name="content_asset_resource_ccnew", valid=False)
    indexes = [i for i in live_asset_table().indexes if i.unique] + [invalid]
    problem = only(problems_for(live=live_asset_table(indexes=indexes)))
    assert (problem.kind, problem.severity, problem.column) == (
        "missing_index",
        ERROR,
        "resource_id",
    )
    assert problem.actual == "INVALID"
    assert "INVALID" in problem.hint
    assert "DROP INDEX CONCURRENTLY content_asset_resource_ccnew" in problem.hint


def test_missing_check():
    problem = only(problems_for(live=live_asset_table(checks=[])))
    assert (problem.kind, problem.severity, problem.column) == ("missing_check", ERROR, "price")
    assert (problem.expected, problem.actual) == ("price_positive", None)


def test_not_valid_check_is_missing_with_a_validate_hint():
    check = Check(frozenset({"price"}), "price_positive", "CHECK ((price >= 0))", valid=False)
    problem = only(problems_for(live=live_asset_table(checks=[check])))
    assert (problem.kind, problem.severity, problem.column) == ("missing_check", ERROR, "price")
    assert problem.actual == "NOT VALID"
    assert problem.hint == "ALTER TABLE content_asset VALIDATE CONSTRAINT price_positive"


def test_unnamed_check_is_labelled_by_its_definition():
    expected = asset_table(checks=[Check(frozenset({"price"}), None, '"price" >= 0')])
    problem = only(problems_for(expected, live_asset_table(checks=[])))
    assert problem.expected == '"price" >= 0'


# --- no cascade from a missing column ---


def test_missing_column_does_not_cascade_into_index_foreign_key_or_check():
    live = without_column(live_asset_table(), "resource_id")
    live = replace(
        live,
        foreign_keys=[],
        indexes=[i for i in live.indexes if "resource_id" not in i.columns],
    )
    problem = only(problems_for(live=live))
    assert (problem.kind, problem.column) == ("missing_column", "resource_id")


def test_missing_checked_column_does_not_cascade_into_missing_check():
    live = replace(without_column(live_asset_table(), "price"), checks=[])
    problem = only(problems_for(live=live))
    assert (problem.kind, problem.column) == ("missing_column", "price")


def test_problems_follow_the_expected_table_order():
    first, second = asset_table(), Table("content_resource", app="content", model="Resource")
    expected = Schema("postgresql", {first.name: first, second.name: second})
    live = Schema("postgresql", {first.name: live_asset_table(checks=[])})
    assert [p.kind for p in compare(expected, live, normalize)] == [
        "missing_check",
        "missing_table",
    ]


def test_every_kind_produced_is_a_contract_kind():
    live = live_asset_table(checks=[], foreign_keys=[], indexes=[], primary_key=())
    live = with_column(without_column(live, "title"), Column("legacy", "text", False))
    problems = problems_for(live=live)
    assert {p.kind for p in problems} <= set(KINDS)
    assert {p.severity for p in problems} <= {ERROR, WARNING}


# --- likely renames ---


def rename_case(live_type: str):
    expected = asset_table()
    live = with_column(
        without_column(live_asset_table(), "resource_id"),
        Column("publishing_organization_id", live_type, False),
    )
    live = replace(live, foreign_keys=[], indexes=[i for i in live.indexes if i.unique])
    expected_schema, live_schema = schemas(expected, live)
    problems = compare(expected_schema, live_schema, normalize)
    return likely_renames(problems, expected_schema, live_schema, normalize)


def test_missing_and_extra_column_of_one_type_are_hinted_as_a_rename():
    problems = rename_case("bigint")
    hints = {p.kind: p.hint for p in problems}
    assert set(hints) == {"missing_column", "extra_column"}
    assert "Likely a rename" in hints["missing_column"]
    assert "content_asset.publishing_organization_id" in hints["missing_column"]
    assert "resource_id" in hints["missing_column"]
    assert hints["extra_column"] == "Likely the old name of content_asset.resource_id."


def test_missing_and_extra_column_of_different_types_are_not_hinted():
    problems = rename_case("text")
    assert {p.kind for p in problems} == {"missing_column", "extra_column"}
    assert all(p.hint is None for p in problems)


# --- the Problem value ---


def test_as_json_has_exactly_the_contract_keys_in_order():
    problem = Problem(
        "missing_column",
        ERROR,
        "content_asset",
        "column content_asset.title does not exist",
        app="content",
        model="Asset",
        column="title",
        expected="varchar(100)",
    )
    data = problem.as_json()
    assert list(data) == [
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
    assert data == {
        "kind": "missing_column",
        "severity": "error",
        "app": "content",
        "model": "Asset",
        "table": "content_asset",
        "column": "title",
        "expected": "varchar(100)",
        "actual": None,
        "message": "column content_asset.title does not exist",
        "hint": None,
    }


def test_key_ignores_wording_and_values_of_column_problems():
    a = Problem("type_mismatch", ERROR, "t", "one wording", column="c", expected="x", actual="y")
    b = Problem("type_mismatch", WARNING, "t", "another", column="c", expected="z", actual="w")
    assert a.key == b.key == ("type_mismatch", "t", "c", None)


@pytest.mark.parametrize(
    "kind",
    [
        "missing_unique",
        "missing_index",
        "missing_check",
        "missing_foreign_key",
        "foreign_key_mismatch",
    ],
)
def test_key_of_constraint_problems_includes_what_is_expected(kind):
    a = Problem(kind, ERROR, "t", "m", column="a", expected="(a, b)")
    b = Problem(kind, ERROR, "t", "other words", column="a", expected="(a, c)")
    assert a.key == (kind, "t", "a", "(a, b)")
    assert a.key != b.key


def test_with_hint_appends_and_ignores_empty_hints():
    problem = Problem("extra_column", WARNING, "t", "m", column="c")
    assert problem.with_hint(None) is problem
    assert problem.with_hint("") is problem
    assert problem.with_hint("first").with_hint("second").hint == "first second"
