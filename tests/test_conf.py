"""The SCHEMA_SAFETY setting: IGNORE rules and validation, without configuring Django."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured

from schema_safety import conf
from schema_safety.conf import Rule, is_ignored
from schema_safety.problems import ERROR, WARNING, Problem


def problem(kind="missing_column", table="content_asset", column="old_notes") -> Problem:
    return Problem(kind, ERROR, table, "message", column=column)


@pytest.fixture
def setting(monkeypatch):
    """Stand in for django.conf.settings with a given SCHEMA_SAFETY value."""

    def use(value=None, *, present=True):
        fake = SimpleNamespace(SCHEMA_SAFETY=value) if present else SimpleNamespace()
        monkeypatch.setattr(conf, "settings", fake)

    return use


# --- turning entries into rules ---


@pytest.mark.parametrize(
    ("entry", "rule"),
    [
        ("legacy_*", Rule(table="legacy_*")),
        ("content_asset", Rule(table="content_asset")),
        ("content_asset.old_notes", Rule(table="content_asset", column="old_notes")),
        ("*.tmp_*", Rule(table="*", column="tmp_*")),
        ("kind:extra_table", Rule(kind="extra_table")),
        ("kind:missing_*", Rule(kind="missing_*")),
        ({"table": "t", "kind": "extra_column"}, Rule(table="t", kind="extra_column")),
        ({"column": "tmp_*"}, Rule(column="tmp_*")),
        ({}, Rule()),
    ],
)
def test_entries_become_rules(entry, rule):
    assert conf._rule(entry) == rule


def test_mapping_entry_with_an_unknown_key_is_refused():
    with pytest.raises(ImproperlyConfigured, match="colum"):
        conf._rule({"table": "t", "colum": "c"})


@pytest.mark.parametrize("entry", [3, None, ["t"], ("t", "c")])
def test_entry_that_is_neither_a_string_nor_a_mapping_is_refused(entry):
    with pytest.raises(ImproperlyConfigured, match="is not a string"):
        conf._rule(entry)


def test_mapping_entry_with_a_value_that_is_not_a_string_is_refused():
    with pytest.raises(ImproperlyConfigured):
        conf._rule({"table": 5})


# --- matching problems ---


def test_default_rule_matches_everything():
    assert Rule().matches(problem())
    assert Rule().matches(problem("missing_table", column=None))


def test_table_rule_matches_every_problem_of_the_table():
    rule = conf._rule("content_asset")
    assert rule.matches(problem("missing_table", column=None))
    assert rule.matches(problem("extra_column", column="anything"))
    assert not rule.matches(problem(table="content_resource"))


def test_table_wildcard():
    rule = conf._rule("legacy_*")
    assert rule.matches(problem("extra_table", table="legacy_notes", column=None))
    assert not rule.matches(problem("extra_table", table="notes_legacy", column=None))


def test_column_rule_matches_only_that_column():
    rule = conf._rule("content_asset.old_notes")
    assert rule.matches(problem("extra_column"))
    assert not rule.matches(problem("extra_column", column="title"))
    assert not rule.matches(problem("missing_table", column=None))
    assert not rule.matches(problem(table="other", column="old_notes"))


def test_kind_rule():
    rule = conf._rule("kind:extra_table")
    assert rule.matches(problem("extra_table", table="anything", column=None))
    assert not rule.matches(problem("extra_column"))


def test_mapping_rule_needs_every_part():
    rule = conf._rule({"table": "content_*", "kind": "extra_column"})
    assert rule.matches(problem("extra_column"))
    assert not rule.matches(problem("missing_column"))
    assert not rule.matches(problem("extra_column", table="auth_user"))


def test_matching_is_case_sensitive():
    assert not conf._rule("Content_Asset").matches(problem())
    assert not conf._rule("kind:EXTRA_TABLE").matches(problem("extra_table"))


def test_is_ignored_by_any_rule():
    rules = [conf._rule("legacy_*"), conf._rule("kind:extra_table")]
    assert is_ignored(problem("extra_table", table="audit", column=None), rules)
    assert is_ignored(problem("missing_column", table="legacy_x"), rules)
    assert not is_ignored(problem("missing_column"), rules)
    assert not is_ignored(problem(), [])


def test_rule_for_a_warning_ignores_it_like_an_error():
    warning = Problem("extra_column", WARNING, "t", "m", column="c")
    assert is_ignored(warning, [conf._rule("t.c")])


# --- reading the setting ---


def test_missing_or_empty_setting_means_no_rules(setting):
    setting(present=False)
    assert conf.options() == {}
    assert conf.ignore_rules() == []
    assert conf.critical_relationships() == []
    setting(None)
    assert conf.options() == {}


def test_setting_is_read(setting):
    setting(
        {
            "CRITICAL_RELATIONSHIPS": ["content.Asset.resource"],
            "IGNORE": ["legacy_*", "asset.old_notes", "kind:extra_table", {"column": "tmp"}],
        }
    )
    assert conf.critical_relationships() == ["content.Asset.resource"]
    assert conf.ignore_rules() == [
        Rule(table="legacy_*"),
        Rule(table="asset", column="old_notes"),
        Rule(kind="extra_table"),
        Rule(column="tmp"),
    ]


def test_setting_that_is_not_a_dict_is_refused(setting):
    setting(["legacy_*"])
    with pytest.raises(ImproperlyConfigured, match="must be a dict"):
        conf.options()


def test_setting_with_an_unknown_key_is_refused(setting):
    setting({"IGNORED": ["legacy_*"]})
    with pytest.raises(ImproperlyConfigured, match="IGNORED"):
        conf.ignore_rules()
