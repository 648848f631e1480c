"""MySQL and MariaDB column types, spelled one way for comparison."""

from __future__ import annotations

import re

QUOTED = re.compile(r"('(?:[^'\\]|\\.|'')*')")
SPACES = re.compile(r"\s+")
SYNONYMS = [
    (re.compile(r"\binteger\b"), "int"),
    (re.compile(r"\bbool(ean)?\b"), "tinyint(1)"),
    (re.compile(r"\b(numeric|dec|fixed)\b"), "decimal"),
    (re.compile(r"\b(double precision|real)\b"), "double"),
    (re.compile(r"\b(auto_increment|signed)\b"), ""),
    (re.compile(r"\s*([(,])\s*"), r"\1"),
    (re.compile(r"\s+\)"), ")"),
    # Display widths mean nothing, except tinyint(1), which spells a boolean.
    (
        re.compile(r"\b(tinyint|smallint|mediumint|int|bigint)\(\d+\)"),
        lambda match: match[0] if match[0] == "tinyint(1)" else match[1],
    ),
    (re.compile(r"\bdecimal\((\d+)\)"), r"decimal(\1,0)"),
    (re.compile(r"\bdecimal\b(?!\()"), "decimal(10,0)"),
    (re.compile(r"\b(datetime|timestamp|time)\(0\)"), r"\1"),
    (SPACES, " "),
]


def normalize_type(raw: str, connection) -> str:
    """A canonical spelling of a MySQL/MariaDB column type.

    Django's ``db_type`` and the catalog's COLUMN_TYPE come out equal for the
    same column ("integer UNSIGNED" and "int(10) unsigned" both give
    "int unsigned"); lengths, precisions, signedness and integer sizes stay.
    Quoted literals (ENUM and SET members) keep their case.
    """
    pieces = QUOTED.split(raw.strip())
    spelled = "".join(
        piece if index % 2 else _normalize_words(piece) for index, piece in enumerate(pieces)
    ).strip()
    if spelled == "json" and connection.mysql_is_mariadb:
        return "longtext"  # MariaDB's JSON is LONGTEXT with a json_valid() check
    return spelled


def _normalize_words(text: str) -> str:
    text = SPACES.sub(" ", text.lower())
    for pattern, replacement in SYNONYMS:
        text = pattern.sub(replacement, text)
    return text
