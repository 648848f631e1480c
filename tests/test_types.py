"""normalize_type for PostgreSQL and SQLite: Django's db_type meets the catalog's spelling.

PostgreSQL pairs are (Django 5.2 db_type, format_type() output).
"""

import pytest

from schema_safety.introspection import postgresql, sqlite

SAME_ON_POSTGRESQL = [
    ("varchar(100)", "character varying(100)"),
    ("numeric(12, 2)", "numeric(12,2)"),
    ("timestamp with time zone", "timestamp with time zone"),
    ("timestamptz", "timestamp with time zone"),
    ("timestamp", "timestamp without time zone"),
    ("timestamp(6) with time zone", "timestamp(6) with time zone"),
    ("time", "time without time zone"),
    ("time(3)", "time(3) without time zone"),
    ("date", "date"),
    ("varchar(10)[]", "character varying(10)[]"),
    ("integer[][]", "integer[][]"),
    ("serial", "integer"),
    ("bigserial", "bigint"),
    ("smallserial", "smallint"),
    ("integer", "integer"),
    ("bigint", "bigint"),
    ("jsonb", "jsonb"),
    ("uuid", "uuid"),
    ("double precision", "double precision"),
    ("real", "real"),
    ("smallint", "smallint"),
    ("boolean", "boolean"),
    ("bool", "boolean"),
    ("inet", "inet"),
    ("cidr", "cidr"),
    ("interval", "interval"),
    ("bytea", "bytea"),
    ("text", "text"),
    ("char(32)", "character(32)"),
    ("decimal(5, 2)", "numeric(5,2)"),
    ("varbit(8)", "bit varying(8)"),
    ("int4range", "int4range"),
    ("VARCHAR(100)", "character  varying(100)"),
]

DIFFERENT_ON_POSTGRESQL = [
    ("varchar(100)", "varchar(50)"),
    ("varchar(100)", "text"),
    ("integer", "bigint"),
    ("smallint", "integer"),
    ("numeric(12,2)", "numeric(10,2)"),
    ("numeric(12,2)", "numeric"),
    ("jsonb", "json"),
    ("timestamp with time zone", "timestamp without time zone"),
    ("time with time zone", "time without time zone"),
    ("timestamp(6) with time zone", "timestamp(3) with time zone"),
    ("text", "text[]"),
    ("integer[]", "integer[][]"),
    ("char(32)", "varchar(32)"),
    ("uuid", "char(32)"),
]


@pytest.mark.parametrize(("django", "catalog"), SAME_ON_POSTGRESQL)
def test_postgresql_spellings_meet(django, catalog):
    assert postgresql.normalize_type(django) == postgresql.normalize_type(catalog)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_ON_POSTGRESQL)
def test_postgresql_different_types_stay_different(a, b):
    assert postgresql.normalize_type(a) != postgresql.normalize_type(b)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("character varying(100)", "varchar(100)"),
        ("character varying(10)[]", "varchar(10)[]"),
        ("numeric(12, 2)", "numeric(12,2)"),
        ("timestamp(6) with time zone", "timestamp(6) with time zone"),
        ("time", "time without time zone"),
        ("character(32)", "char(32)"),
        ("serial", "integer"),
    ],
)
def test_postgresql_canonical_spelling(raw, canonical):
    assert postgresql.normalize_type(raw) == canonical


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("int4", "integer"),
        ("int8", "bigint"),
        ("int2", "smallint"),
        ("serial8", "bigint"),
        ("float8", "double precision"),
        ("float4", "real"),
    ],
)
def test_postgresql_aliases_with_digits(alias, canonical):
    assert postgresql.normalize_type(alias) == postgresql.normalize_type(canonical)


def test_postgresql_array_of_a_type_named_with_a_digit_keeps_one_dimension():
    assert postgresql.normalize_type("int4range[]") == "int4range[]"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("varchar(10)", "VARCHAR(10)"),
        ("varchar(10)", "varchar (10)"),
        ("decimal(12,2)", "DECIMAL(12, 2)"),
        ("integer unsigned", "INTEGER  UNSIGNED"),
        ("bigint", " bigint "),
        ("double precision", "DOUBLE\tPRECISION"),
    ],
)
def test_sqlite_ignores_case_and_spacing(a, b):
    assert sqlite.normalize_type(a) == sqlite.normalize_type(b)


def test_sqlite_ignores_spacing_inside_parentheses():
    assert sqlite.normalize_type("VARCHAR ( 10 )") == sqlite.normalize_type("varchar(10)")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("varchar(10)", "varchar(20)"),
        ("integer", "bigint"),
        ("text", "varchar(10)"),
        ("decimal", "real"),
    ],
)
def test_sqlite_different_declared_types_stay_different(a, b):
    assert sqlite.normalize_type(a) != sqlite.normalize_type(b)


def test_sqlite_canonical_spelling():
    assert sqlite.normalize_type("DECIMAL (12, 2)") == "decimal(12,2)"
