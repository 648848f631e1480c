"""The kinds beyond Django's introspection, from hand-built schemas: no database.

The live reader says what it knows in ``Schema.features``; nothing else is compared, so
a backend that cannot see a sequence or a printed expression never reports on it.
"""

from dataclasses import replace

from schema_safety.compare import compare
from schema_safety.index_differences import differences, printed
from schema_safety.schema import Check, Column, ForeignKey, Index, Schema, Sequence, Table

ALL = frozenset(
    {
        "auto_keys",
        "defaults",
        "collations",
        "sequences",
        "foreign_key_actions",
        "index_details",
        "extra_keys",
    }
)
DEFERRED = "DEFERRABLE INITIALLY DEFERRED"


def table(**changes) -> Table:
    base = Table(
        "shop_order",
        columns={
            "id": Column("id", "bigint", False, auto=True),
            "code": Column("code", "varchar(10)", False),
            "customer_id": Column("customer_id", "bigint", False),
        },
        primary_key=("id",),
        foreign_keys=[ForeignKey(("customer_id",), "shop_customer", ("id",), deferral=DEFERRED)],
        indexes=[
            Index(("id",), unique=True, primary=True),
            Index(("customer_id",)),
            Index(("code", "customer_id"), unique=True, name="order_code_uniq"),
        ],
        app="shop",
        model="Order",
    )
    return replace(base, **changes)


def kinds(expected: Table, live: Table, features=ALL) -> list[tuple[str, str, str | None]]:
    problems = compare(
        Schema("postgresql", {expected.name: expected}),
        Schema("postgresql", {live.name: live}, features=features),
        str.lower,
    )
    return [(p.kind, p.severity, p.column) for p in problems]


def test_identical_tables_have_no_problem():
    assert kinds(table(), table()) == []


def test_a_sequence_at_or_below_the_highest_key_is_behind():
    at = table(sequence=Sequence("shop_order_id_seq", "id", 7, 7))
    assert kinds(table(), at) == [("sequence_behind", "error", "id")]
    ahead = table(sequence=Sequence("shop_order_id_seq", "id", 8, 7))
    assert kinds(table(), ahead) == []
    empty = table(sequence=Sequence("shop_order_id_seq", "id", 1, None))
    assert kinds(table(), empty) == []


def test_nothing_beyond_the_readers_features_is_compared():
    live = table(sequence=Sequence("shop_order_id_seq", "id", 1, 7))
    live.columns["code"] = Column("code", "varchar(10)", False, default="'x'", collation="C")
    assert kinds(table(), live, features=frozenset()) == []


def test_auto_key_without_default_and_stray_or_missing_defaults():
    live = table()
    live.columns["id"] = Column("id", "bigint", False, auto=False)
    live.columns["code"] = Column("code", "varchar(10)", False, default="'x'::character varying")
    assert kinds(table(), live) == [
        ("default_mismatch", "error", "id"),
        ("default_mismatch", "error", "code"),
    ]
    expected = table()
    expected.columns["code"] = Column("code", "varchar(10)", False, default="'x'")
    assert kinds(expected, table()) == [("default_mismatch", "error", "code")]


def test_collation_differs():
    live = table()
    live.columns["code"] = Column("code", "varchar(10)", False, collation="C")
    assert kinds(table(), live) == [("collation_mismatch", "error", "code")]


def test_foreign_key_action_or_deferral_differs():
    key = ForeignKey(("customer_id",), "shop_customer", ("id",), "fk", deferral=DEFERRED)
    cascade = table(foreign_keys=[replace(key, on_delete="CASCADE")])
    immediate = table(foreign_keys=[replace(key, deferral="")])
    assert kinds(table(), cascade) == [("foreign_key_mismatch", "error", "customer_id")]
    assert kinds(table(), immediate) == [("foreign_key_mismatch", "error", "customer_id")]
    assert kinds(table(), table(foreign_keys=[key])) == []


def test_check_expression_differs_only_when_both_are_printed():
    expected = table(checks=[Check(frozenset({"code"}), "code_set", printed="CHECK ((a))")])
    same = table(checks=[Check(frozenset({"code"}), "code_set", printed="CHECK ((a))")])
    other = table(checks=[Check(frozenset({"code"}), "code_set", printed="CHECK ((b))")])
    unknown = table(checks=[Check(frozenset({"code"}), "code_set")])
    assert kinds(expected, same) == []
    assert kinds(expected, other) == [("check_mismatch", "error", "code")]
    assert kinds(expected, unknown) == []


def test_reordered_or_deferrable_unique_is_a_mismatch():
    uniq = Index(("code", "customer_id"), unique=True, name="order_code_uniq")
    reordered = replace(uniq, columns=("customer_id", "code"))
    deferrable = replace(uniq, deferral=DEFERRED)
    for changed in (reordered, deferrable):
        live = table(indexes=[*table().indexes[:2], changed])
        assert kinds(table(), live) == [("index_mismatch", "error", "code, customer_id")]


def test_an_unnamed_index_made_partial_is_a_mismatch_not_missing():
    live = table(indexes=[*table().indexes[::2], Index(("customer_id",), name="x", partial=True)])
    assert kinds(table(), live) == [("index_mismatch", "error", "customer_id")]


def test_extra_unique_is_an_error_and_extra_index_a_warning():
    live = table()
    live.indexes += [
        Index(("code",), unique=True, name="code_once"),
        Index(("code",), name="code_idx"),
    ]
    assert kinds(table(), live) == [
        ("extra_unique", "error", "code"),
        ("extra_index", "warning", "code"),
    ]


def test_companions_of_declared_keys_are_not_extra():
    live = table()
    live.indexes += [
        Index(("code", "customer_id"), name="pattern_ops", opclasses=("varchar_pattern_ops", "")),
        Index(("customer_id", "code"), unique=True, name="same_columns_other_order"),
    ]
    assert kinds(table(), live) == []
    declared = replace(table(), declared=frozenset({"gist_exclusion"}))
    live.indexes.append(Index(("code",), name="GIST_EXCLUSION", method="gist"))
    assert kinds(declared, live) == []


def test_differences_and_printed_definitions():
    expected = Index(("a", "b"), unique=True, name="t_ab")
    assert differences(expected, replace(expected, method="hash")) == ["method"]
    assert differences(expected, replace(expected, orders=("ASC", "DESC"))) == ["sort order"]
    live = replace(expected, partial=True, definition="btree (a, b) WHERE (a > 0)")
    assert differences(expected, live) == ["partial predicate"]
    assert printed(expected) == "UNIQUE btree (a, b)"
    assert printed(replace(expected, columns=("Mixed", None), deferral="DEFERRABLE")) == (
        'UNIQUE btree ("Mixed", <expression>) DEFERRABLE'
    )


def test_an_index_served_by_a_declared_unique_on_its_columns_is_no_mismatch():
    expected = table(indexes=[*table().indexes, Index(("code",), unique=True), Index(("code",))])
    live = table(indexes=[*table().indexes, Index(("code",), unique=True, name="code_key")])
    assert kinds(expected, live) == []
