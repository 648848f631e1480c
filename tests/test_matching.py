"""matching: live indexes and checks satisfy expected ones by what they cover."""

import pytest

from schema_safety.compare import compare
from schema_safety.matching import find_index, match_checks
from schema_safety.problems import Problem
from schema_safety.schema import Check, Column, ForeignKey, Index, Schema, Table

VENDORS = ["postgresql", "mysql", "sqlite"]


def compare_tables(expected: Table, live: Table, vendor: str = "postgresql") -> list[Problem]:
    return compare(
        Schema(vendor, {expected.name: expected}),
        Schema(vendor, {live.name: live}),
        str.lower,
    )


def columns(*names: str) -> dict[str, Column]:
    return {name: Column(name, "integer", False) for name in names}


# --- generated names never matter ---


def test_generated_names_differ_and_everything_still_matches():
    expected = Table(
        "shop_order",
        columns=columns("id", "customer_id", "code", "total"),
        primary_key=("id",),
        foreign_keys=[ForeignKey(("customer_id",), "shop_customer", ("id",))],
        indexes=[
            Index(("id",), unique=True, primary=True),
            Index(("customer_id",)),
            Index(("customer_id", "code"), unique=True),
            Index(("total",), name="order_total_idx"),
        ],
        checks=[Check(frozenset({"total"}), "order_total_positive")],
    )
    live = Table(
        "shop_order",
        columns=columns("id", "customer_id", "code", "total"),
        primary_key=("id",),
        foreign_keys=[
            ForeignKey(("customer_id",), "shop_customer", ("id",), "shop_order_customer_id_fk_9")
        ],
        indexes=[
            Index(("id",), unique=True, name="shop_order_pkey", primary=True),
            Index(("customer_id",), name="shop_order_customer_id_a1b2"),
            Index(("customer_id", "code"), unique=True, name="shop_order_customer_code_uniq"),
            Index(("total",), name="shop_order_total_c3d4"),
        ],
        checks=[Check(frozenset({"total"}), "shop_order_total_check")],
    )
    for vendor in VENDORS:
        assert compare_tables(expected, live, vendor) == []


@pytest.mark.parametrize("vendor", VENDORS)
def test_unique_is_satisfied_by_a_unique_index_in_another_column_order(vendor):
    expected = Index(("a", "b"), unique=True)
    live = Index(("b", "a"), unique=True, name="t_b_a_uniq")
    assert find_index(expected, [live], vendor) is live


@pytest.mark.parametrize("vendor", VENDORS)
def test_unique_is_not_satisfied_by_a_plain_index(vendor):
    expected = Index(("a", "b"), unique=True)
    assert find_index(expected, [Index(("a", "b"), name="t_a_b")], vendor) is None


@pytest.mark.parametrize("vendor", VENDORS)
def test_unique_is_not_satisfied_by_a_partial_unique_index(vendor):
    expected = Index(("a",), unique=True)
    live = Index(("a",), unique=True, name="t_a_live", partial=True)
    assert find_index(expected, [live], vendor) is None


@pytest.mark.parametrize("vendor", VENDORS)
def test_plain_index_is_satisfied_by_a_unique_index_on_its_columns(vendor):
    live = Index(("a", "b"), unique=True, name="t_a_b_uniq")
    assert find_index(Index(("a", "b")), [live], vendor) is live


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize(
    "live",
    [
        Index(("a",), name="t_a_partial", partial=True),
        Index(("a", None), name="t_a_expression"),
        Index((None,), name="t_lower_a"),
        Index(("a",), name="t_a_covering", include=("b",)),
    ],
    ids=["partial", "column-and-expression", "expression", "covering"],
)
def test_plain_index_is_not_satisfied_by_a_partial_expression_or_covering_index(vendor, live):
    assert find_index(Index(("a",)), [live], vendor) is None


def test_plain_index_is_not_satisfied_by_an_opclass_index():
    live = Index(("a",), name="t_a_like", opclasses=("varchar_pattern_ops",))
    assert find_index(Index(("a",)), [live], "postgresql") is None


def test_named_expression_index_is_matched_by_name_case_insensitively():
    expected = Index((None,), name="user_lower_email_idx")
    live = Index((None,), name="USER_LOWER_EMAIL_IDX")
    assert find_index(expected, [live], "postgresql") is live


def test_named_expression_index_is_not_satisfied_by_a_plain_index_on_other_name():
    expected = Index((None,), name="user_lower_email_idx")
    assert find_index(expected, [Index(("email",), name="user_email")], "postgresql") is None


def test_named_index_does_not_match_a_plain_index_by_name_when_unique_is_required():
    expected = Index(("a",), unique=True, name="t_a_key")
    assert find_index(expected, [Index(("a",), name="t_a_key")], "postgresql") is None


def test_partial_index_under_another_name_with_the_same_shape_is_matched():
    expected = Index(("a",), name="t_a_active", partial=True)
    live = Index(("a",), name="t_a_where_active_renamed", partial=True)
    assert find_index(expected, [live], "postgresql") is live


def test_partial_index_is_not_satisfied_by_a_full_index():
    expected = Index(("a",), name="t_a_active", partial=True)
    assert find_index(expected, [Index(("a",), name="t_a_full")], "postgresql") is None


def test_opclass_index_under_another_name_needs_the_same_opclasses():
    expected = Index(("a",), name="t_a_like", opclasses=("varchar_pattern_ops",))
    same = Index(("a",), name="renamed_like", opclasses=("varchar_pattern_ops",))
    other = Index(("a",), name="renamed_trgm", opclasses=("gin_trgm_ops",))
    assert find_index(expected, [other, same], "postgresql") is same
    assert find_index(expected, [other], "postgresql") is None


def test_covering_index_needs_the_same_include():
    expected = Index(("a",), name="t_a_cover", include=("b",))
    assert find_index(expected, [Index(("a",), name="x", include=("b",))], "postgresql")
    assert find_index(expected, [Index(("a",), name="x", include=("c",))], "postgresql") is None


# --- descending indexes ---

DESC_EXPECTED = Index(("created",), name="t_created_desc", orders=("DESC",))
ASC_LIVE = Index(("created",), name="t_created_other", orders=("ASC",))


def test_desc_index_is_missing_on_postgresql_when_the_live_index_is_ascending():
    assert find_index(DESC_EXPECTED, [ASC_LIVE], "postgresql") is None


def test_desc_index_is_accepted_on_mysql_when_the_live_index_has_no_desc():
    assert find_index(DESC_EXPECTED, [ASC_LIVE], "mysql") is ASC_LIVE


def test_desc_index_on_mysql_is_not_accepted_when_the_live_index_orders_differently():
    expected = Index(("a", "b"), name="t_a_desc_b", orders=("DESC", "ASC"))
    live = Index(("a", "b"), name="t_other", orders=("ASC", "DESC"))
    assert find_index(expected, [live], "mysql") is None


@pytest.mark.parametrize("vendor", VENDORS)
def test_desc_index_under_another_name_with_the_same_orders_is_matched(vendor):
    live = Index(("created",), name="t_created_renamed", orders=("DESC",))
    assert find_index(DESC_EXPECTED, [live], vendor) is live


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_plain_index_is_not_satisfied_by_a_descending_index(vendor):
    expected = Index(("a", "b"))
    live = Index(("a", "b"), name="t_a_b_desc", orders=("ASC", "DESC"))
    assert find_index(expected, [live], vendor) is None


def test_desc_index_missing_on_postgresql_is_reported_with_its_order():
    expected = Table("t", columns=columns("created"), indexes=[DESC_EXPECTED])
    live = Table("t", columns=columns("created"), indexes=[ASC_LIVE])
    (problem,) = compare_tables(expected, live, "postgresql")
    assert problem.kind == "missing_index"
    assert problem.expected == "t_created_desc (created DESC)"
    assert compare_tables(expected, live, "mysql") == []


# --- the MySQL foreign key prefix rule ---


def test_mysql_single_column_index_is_satisfied_by_an_index_starting_with_it():
    live = Index(("customer_id", "code"), name="t_customer_code")
    assert find_index(Index(("customer_id",)), [live], "mysql") is live


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_other_backends_need_the_exact_columns(vendor):
    live = Index(("customer_id", "code"), name="t_customer_code")
    assert find_index(Index(("customer_id",)), [live], vendor) is None


def test_mysql_prefix_rule_needs_the_column_first():
    live = Index(("code", "customer_id"), name="t_code_customer")
    assert find_index(Index(("customer_id",)), [live], "mysql") is None


def test_mysql_prefix_rule_is_for_single_columns_only():
    live = Index(("a", "b", "c"), name="t_a_b_c")
    assert find_index(Index(("a", "b")), [live], "mysql") is None


def test_mysql_prefix_rule_does_not_make_a_wider_unique_satisfy_a_unique():
    live = Index(("a", "b"), unique=True, name="t_a_b_uniq")
    assert find_index(Index(("a",), unique=True), [live], "mysql") is None


def test_foreign_key_index_on_mysql_matches_the_constraint_index():
    expected = Table(
        "t",
        columns=columns("customer_id"),
        foreign_keys=[ForeignKey(("customer_id",), "c", ("id",))],
        indexes=[Index(("customer_id",))],
    )
    live = Table(
        "t",
        columns=columns("customer_id"),
        foreign_keys=[ForeignKey(("customer_id",), "c", ("id",), "t_customer_id_fk_c_id")],
        indexes=[Index(("customer_id",), name="t_customer_id_fk_c_id")],
    )
    assert compare_tables(expected, live, "mysql") == []


# --- validity ---


def test_a_valid_index_is_preferred_over_an_invalid_one():
    invalid = Index(("a",), name="t_a_ccnew", valid=False)
    valid = Index(("a",), name="t_a")
    assert find_index(Index(("a",)), [invalid, valid], "postgresql") is valid
    assert find_index(Index(("a",)), [invalid], "postgresql") is invalid


# --- checks ---


def test_checks_are_matched_by_name_first():
    expected = [Check(frozenset({"a"}), "a_positive")]
    live = [Check(frozenset({"a"}), "other"), Check(frozenset({"a"}), "A_POSITIVE")]
    assert match_checks(expected, live) == {0: live[1]}


def test_checks_are_matched_by_columns_when_the_name_differs():
    expected = [Check(frozenset({"a", "b"}), "a_lt_b")]
    live = [Check(frozenset({"a"}), "t_a_check"), Check(frozenset({"b", "a"}), "renamed")]
    assert match_checks(expected, live) == {0: live[1]}


def test_two_expected_checks_on_one_column_need_two_live_checks():
    expected = [Check(frozenset({"n"}), None, '"n" >= 0'), Check(frozenset({"n"}), "n_lt_10")]
    one = [Check(frozenset({"n"}), "n_lt_10")]
    assert match_checks(expected, one) == {0: None, 1: one[0]}
    two = [Check(frozenset({"n"}), "t_n_check"), Check(frozenset({"n"}), "n_lt_10")]
    assert match_checks(expected, two) == {0: two[0], 1: two[1]}


def test_two_unnamed_checks_on_one_column_with_one_live_check():
    expected = [Check(frozenset({"n"})), Check(frozenset({"n"}))]
    live = [Check(frozenset({"n"}), "t_n_check")]
    pairs = match_checks(expected, live)
    assert sorted(pairs.values(), key=lambda c: c is None) == [live[0], None]


def test_second_check_on_one_column_is_reported_missing():
    expected = Table(
        "t",
        columns=columns("n"),
        checks=[Check(frozenset({"n"}), None, '"n" >= 0'), Check(frozenset({"n"}), "n_lt_10")],
    )
    live = Table("t", columns=columns("n"), checks=[Check(frozenset({"n"}), "n_lt_10")])
    (problem,) = compare_tables(expected, live)
    assert (problem.kind, problem.expected) == ("missing_check", '"n" >= 0')


def test_a_valid_check_is_preferred_over_a_not_valid_one():
    expected = [Check(frozenset({"a"}))]
    live = [Check(frozenset({"a"}), "old", valid=False), Check(frozenset({"a"}), "new")]
    assert match_checks(expected, live) == {0: live[1]}


def test_check_without_columns_or_name_matches_nothing():
    assert match_checks([Check(frozenset())], [Check(frozenset(), "anything")]) == {0: None}
