"""normalize_type for MySQL/MariaDB: Django's db_type and the catalog's COLUMN_TYPE meet.

The pairs come from a Django 5.2 migrate on MariaDB 10.11 (every built-in field
and the contrib apps) and from MySQL 8's documented COLUMN_TYPE spellings.
"""

from types import SimpleNamespace

import pytest

from schema_safety.introspection.mysql import normalize_type

MARIADB = SimpleNamespace(mysql_is_mariadb=True)
MYSQL = SimpleNamespace(mysql_is_mariadb=False)

# (Django db_type, MariaDB COLUMN_TYPE, MySQL 8 COLUMN_TYPE)
SAME_COLUMN = [
    ("integer AUTO_INCREMENT", "int(11)", "int"),
    ("bigint AUTO_INCREMENT", "bigint(20)", "bigint"),
    ("smallint AUTO_INCREMENT", "smallint(6)", "smallint"),
    ("bool", "tinyint(1)", "tinyint(1)"),
    ("varchar(100)", "varchar(100)", "varchar(100)"),
    ("date", "date", "date"),
    ("datetime(6)", "datetime(6)", "datetime(6)"),
    ("time(6)", "time(6)", "time(6)"),
    ("numeric(12, 2)", "decimal(12,2)", "decimal(12,2)"),
    ("bigint", "bigint(20)", "bigint"),
    ("double precision", "double", "double"),
    ("integer", "int(11)", "int"),
    ("smallint", "smallint(6)", "smallint"),
    ("char(15)", "char(15)", "char(15)"),
    ("char(39)", "char(39)", "char(39)"),
    ("char(32)", "char(32)", "char(32)"),
    ("integer UNSIGNED", "int(10) unsigned", "int unsigned"),
    ("smallint UNSIGNED", "smallint(5) unsigned", "smallint unsigned"),
    ("bigint UNSIGNED", "bigint(20) unsigned", "bigint unsigned"),
    ("longtext", "longtext", "longtext"),
    ("longblob", "longblob", "longblob"),
]


@pytest.mark.parametrize(("django", "mariadb", "mysql"), SAME_COLUMN)
def test_django_and_catalog_spellings_meet(django, mariadb, mysql):
    assert normalize_type(django, MARIADB) == normalize_type(mariadb, MARIADB)
    assert normalize_type(django, MYSQL) == normalize_type(mysql, MYSQL)


def test_canonical_spelling():
    assert normalize_type("integer UNSIGNED", MYSQL) == "int unsigned"
    assert normalize_type("smallint(5) unsigned", MARIADB) == "smallint unsigned"
    assert normalize_type("numeric(12, 2)", MYSQL) == "decimal(12,2)"
    assert normalize_type("bigint AUTO_INCREMENT", MYSQL) == "bigint"


def test_json_is_longtext_on_mariadb_only():
    assert normalize_type("json", MARIADB) == normalize_type("longtext", MARIADB)
    assert normalize_type("json", MYSQL) == normalize_type("json", MYSQL) == "json"
    assert normalize_type("json", MYSQL) != normalize_type("longtext", MYSQL)


def test_native_uuid_on_mariadb():
    assert normalize_type("uuid", MARIADB) == normalize_type("uuid", MARIADB) == "uuid"
    # A char(32) column left by Django < 5.0 is not what Django 5 expects there.
    assert normalize_type("uuid", MARIADB) != normalize_type("char(32)", MARIADB)


@pytest.mark.parametrize(
    ("expected", "live"),
    [
        ("varchar(100)", "varchar(50)"),
        ("integer", "bigint(20)"),
        ("integer AUTO_INCREMENT", "bigint"),
        ("numeric(10, 2)", "decimal(12,2)"),
        ("numeric(12, 2)", "decimal(12,3)"),
        ("integer", "int(10) unsigned"),
        ("integer UNSIGNED", "int"),
        ("datetime(6)", "datetime"),
        ("time(6)", "time"),
        ("bool", "tinyint(4)"),
        ("bool", "tinyint"),
        ("double precision", "float"),
        ("char(32)", "varchar(32)"),
        ("longtext", "text"),
        ("smallint", "tinyint(4)"),
    ],
)
def test_real_differences_stay_different(expected, live):
    for connection in (MARIADB, MYSQL):
        assert normalize_type(expected, connection) != normalize_type(live, connection)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("INT(11)", "int"),
        ("Integer  Unsigned", "int(10) UNSIGNED"),
        ("decimal", "decimal(10,0)"),
        ("decimal(8)", "numeric(8, 0)"),
        ("datetime(0)", "datetime"),
        ("boolean", "tinyint(1)"),
        ("bigint signed", "bigint(20)"),
    ],
)
def test_equivalent_spellings(a, b):
    assert normalize_type(a, MYSQL) == normalize_type(b, MYSQL)


def test_quoted_members_keep_their_case():
    assert normalize_type("ENUM('A', 'b')", MYSQL) == "enum('A','b')"
    assert normalize_type("enum('a','b')", MYSQL) != normalize_type("enum('A','b')", MYSQL)
