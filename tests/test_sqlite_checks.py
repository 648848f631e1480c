"""sqlite.parse_checks: CHECK clauses read from the CREATE TABLE statement."""

from schema_safety.introspection.sqlite import parse_checks
from schema_safety.schema import Check


def checks(sql: str, *columns: str) -> list[Check]:
    return list(parse_checks(sql, set(columns)))


def test_column_level_check_as_django_writes_it():
    sql = (
        'CREATE TABLE "zoo_animal" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"legs" integer unsigned NOT NULL CHECK ("legs" >= 0))'
    )
    assert checks(sql, "id", "legs") == [Check(frozenset({"legs"}), None, '"legs" >= 0')]


def test_named_table_level_check():
    sql = (
        'CREATE TABLE "zoo_animal" ("id" integer NOT NULL PRIMARY KEY, "legs" integer NOT NULL, '
        '"arms" integer NOT NULL, CONSTRAINT "limbs_positive" CHECK (("legs" + "arms") > 0))'
    )
    (check,) = checks(sql, "id", "legs", "arms")
    assert check.name == "limbs_positive"
    assert check.columns == frozenset({"legs", "arms"})
    assert check.definition == '( "legs" + "arms" ) > 0'


def test_unquoted_names_and_lowercase_keywords():
    (check,) = checks("create table t (a int, constraint a_pos check (a > 0))", "a")
    assert (check.name, check.columns) == ("a_pos", frozenset({"a"}))


def test_json_valid_check():
    sql = (
        'CREATE TABLE "zoo_doc" ("id" integer NOT NULL PRIMARY KEY, '
        '"data" text NOT NULL CHECK ((JSON_VALID("data") OR "data" IS NULL)))'
    )
    (check,) = checks(sql, "id", "data")
    assert check.columns == frozenset({"data"})
    assert check.name is None
    assert "JSON_VALID" in check.definition


def test_nested_parentheses_end_at_the_matching_one():
    sql = 'CREATE TABLE t ("a" int CHECK ("a" > 0 AND ("a" < 5 OR ("a" > 10))), "b" int)'
    (check,) = checks(sql, "a", "b")
    assert check.columns == frozenset({"a"})
    assert check.definition == '"a" > 0 AND ( "a" < 5 OR ( "a" > 10 ) )'


def test_the_word_check_inside_a_string_literal_is_not_a_check():
    sql = (
        "CREATE TABLE t (\"note\" text DEFAULT 'CHECK (note)' NOT NULL, "
        "\"kind\" text CHECK (\"kind\" IN ('check', 'CHECK (x)')))"
    )
    (check,) = checks(sql, "note", "kind", "x")
    assert check.columns == frozenset({"kind"})
    assert check.definition == "\"kind\" IN ( 'check' , 'CHECK (x)' )"


def test_string_literal_naming_a_column_does_not_count_as_using_it():
    (check,) = checks("CREATE TABLE t (a text, b text CHECK (b <> 'a'))", "a", "b")
    assert check.columns == frozenset({"b"})


def test_quoted_identifiers_of_every_style():
    sql = (
        'CREATE TABLE [t] ([my col] int, `b` int, "we""ird" int CHECK ("we""ird" > 0), '
        "CONSTRAINT [col_gt_b] CHECK ([my col] > `b`), "
        'CONSTRAINT "quoted ""name""" CHECK ("b" < 100))'
    )
    found = checks(sql, "my col", "b", 'we"ird')
    assert [(c.name, c.columns) for c in found] == [
        (None, frozenset({'we"ird'})),
        ("col_gt_b", frozenset({"my col", "b"})),
        ('quoted "name"', frozenset({"b"})),
    ]


def test_a_quoted_column_named_check_is_not_a_check():
    sql = 'CREATE TABLE t ("check" int NOT NULL, "n" int CHECK ("n" >= 0))'
    assert checks(sql, "check", "n") == [Check(frozenset({"n"}), None, '"n" >= 0')]


def test_every_check_of_a_table_in_order():
    sql = (
        'CREATE TABLE "t" ("n" integer NOT NULL CHECK ("n" >= 0), '
        '"m" smallint NOT NULL CHECK ("m" >= 0), '
        'CONSTRAINT "n_lt_m" CHECK ("n" < "m"))'
    )
    assert [(c.name, c.columns) for c in checks(sql, "n", "m")] == [
        (None, frozenset({"n"})),
        (None, frozenset({"m"})),
        ("n_lt_m", frozenset({"n", "m"})),
    ]


def test_only_the_table_columns_are_reported():
    (check,) = checks('CREATE TABLE t ("a" int CHECK (length("a") > abs(-1)))', "a")
    assert check.columns == frozenset({"a"})


def test_table_without_checks():
    assert checks('CREATE TABLE t ("id" integer NOT NULL PRIMARY KEY)', "id") == []
    assert checks("", "id") == []


def test_unterminated_check_takes_the_rest():
    (check,) = checks("CREATE TABLE t (a int CHECK (a > 0", "a")
    assert check.columns == frozenset({"a"})
