"""Drifts injected into the 100-model database, and whether each tool noticed them.

Each drift hits its own table, so a finding is attributed by the table (and column) it names.
For sqldiff only differences that the clean database did not already show count.
"""

from __future__ import annotations

from dataclasses import dataclass

from genproject import model_name, table_name

CONSTRAINT = """
SELECT con.conname FROM pg_constraint con
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)
WHERE con.conrelid = %s::regclass AND con.contype = %s AND a.attname = %s
"""

PLAIN_INDEX = """
SELECT i.relname FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
WHERE x.indrelid = %s::regclass AND a.attname = %s AND NOT x.indisunique
  AND x.indnatts = 1 AND pg_get_indexdef(x.indexrelid) NOT LIKE '%%pattern_ops%%'
"""


@dataclass(frozen=True)
class Drift:
    """One change made to the database behind Django's back."""

    label: str
    number: int  # which generated model's table; 0 = the last model
    column: str | None
    kind: str  # the verify_schema problem kind that reports it

    def table(self, models: int) -> str:
        return table_name(self.number or models)

    def model(self, models: int) -> str:
        return model_name(self.number or models)


DRIFTS = [
    Drift("missing column", 10, "quantity", "missing_column"),
    Drift("extra NOT NULL column", 14, "legacy_code", "extra_column"),
    Drift("type varchar(100) -> varchar(50)", 20, "title", "type_mismatch"),
    Drift("dropped NOT NULL", 25, "quantity", "null_mismatch"),
    Drift("dropped foreign key", 30, "previous_id", "missing_foreign_key"),
    Drift("dropped unique constraint", 35, "code", "missing_unique"),
    Drift("dropped index", 40, "title", "missing_index"),
    Drift("dropped check constraint", 45, "rank", "missing_check"),
    Drift("missing table", 0, None, "missing_table"),
    Drift("NOT VALID foreign key", 60, "previous_id", "missing_foreign_key"),
    Drift("invalid index", 70, "title", "missing_index"),
]


def inject(server, db: str, models: int) -> None:
    """Apply every drift to database ``db`` (a copy of a clean ``models``-model database)."""
    for drift in DRIFTS:
        for statement in _statements(server, db, drift, drift.table(models)):
            server.execute(db, statement)


def _statements(server, db: str, drift: Drift, table: str) -> list[str]:
    column = drift.column
    if drift.label == "missing column":
        return [f"ALTER TABLE {table} DROP COLUMN {column}"]
    if drift.label == "extra NOT NULL column":
        return [f"ALTER TABLE {table} ADD COLUMN {column} integer NOT NULL"]
    if drift.label.startswith("type"):
        return [f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(50)"]
    if drift.label == "dropped NOT NULL":
        return [f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL"]
    if drift.label == "missing table":
        return [f"DROP TABLE {table}"]
    if "index" in drift.label:
        return _index_statements(server, db, drift, table)
    return _constraint_statements(server, db, drift, table)


def _constraint_statements(server, db: str, drift: Drift, table: str) -> list[str]:
    contype = {"foreign": "f", "unique": "u", "check": "c"}
    letter = next(code for word, code in contype.items() if word in drift.label)
    name = server.execute(db, CONSTRAINT, [table, letter, drift.column])[0][0]
    drop = f"ALTER TABLE {table} DROP CONSTRAINT {name}"
    if drift.label != "NOT VALID foreign key":
        return [drop]
    target = table_name(drift.number - 1)
    add = (
        f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({drift.column}) "
        f"REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED NOT VALID"
    )
    return [drop, add]


def _index_statements(server, db: str, drift: Drift, table: str) -> list[str]:
    name = server.execute(db, PLAIN_INDEX, [table, drift.column])[0][0]
    if drift.label == "dropped index":
        return [f"DROP INDEX {name}"]
    return [f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '{name}'::regclass"]


def ours_found(drift: Drift, models: int, problems: list[dict]) -> str:
    """What verify_schema said about the drift: its kind (and actual), or ``no``."""
    table = drift.table(models)
    for problem in problems:
        column_ok = drift.column is None or drift.column in (problem.get("column") or "")
        if problem["table"] == table and problem["kind"] == drift.kind and column_ok:
            actual = problem.get("actual")
            return f"yes: {drift.kind}" + (f" ({actual})" if actual else "")
    return "no"


def peer_found(drift: Drift, models: int, new: list[list]) -> str:
    """What sqldiff said: its new differences naming the table (and column), or ``no``."""
    table, model = drift.table(models), drift.model(models)
    said = []
    for _app, diff_model, kind, args in new:
        if table not in args and diff_model != model:
            continue
        if drift.column is None or drift.column in args:
            rest = [a for a in args if a not in (table, drift.column)]
            said.append(kind + (f" ({' vs '.join(rest)})" if rest else ""))
    return "yes: " + "; ".join(sorted(set(said))) if said else "no"


def unexplained(models: int, problems: list[dict]) -> list[dict]:
    """verify_schema's problems on the drifted database that no drift accounts for."""
    accounted = {(drift.table(models), drift.kind) for drift in DRIFTS}
    return [p for p in problems if (p["table"], p["kind"]) not in accounted]
