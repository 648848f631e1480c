"""Differences between environments' schema snapshots (``manage.py schema_snapshot``).

Pure functions: each snapshot is flattened into items keyed by (what, table, name)
with a value describing them; an item whose value is not the same in every
environment is a difference. Items of a table missing somewhere are not listed
one by one: the table difference says it all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

WHAT = ("database", "table", "view", "column", "primary_key", "sequence", "foreign_key", "index")
WHAT += ("check",)
PRESENT = "present"
APPLIED = "applied"


@dataclass(frozen=True)
class Difference:
    """One item whose value differs; ``values`` maps environment -> value (None: absent)."""

    what: str  # database, table, view, column, primary_key, foreign_key, index, check, migration
    table: str  # the table, or the app for a migration
    name: str
    values: dict[str, str | None]

    def as_json(self) -> dict:
        return {"what": self.what, "table": self.table, "name": self.name, **self.values}


def differences(snapshots: dict[str, dict]) -> list[Difference]:
    """Every item that is not the same in all the snapshots (by environment name)."""
    flat = {env: items(snapshot) for env, snapshot in snapshots.items()}
    keys = set().union(*flat.values()) if flat else set()
    found = []
    for key in sorted(keys, key=_order):
        values = {env: flat[env].get(key) for env in snapshots}
        if len(set(values.values())) > 1 and not _inside_missing_table(key, flat):
            found.append(Difference(*key, values))
    return found


def items(snapshot: dict) -> dict[tuple[str, str, str], str]:
    """``{(what, table, name): value}`` for everything a snapshot describes."""
    found = {("database", "", "vendor"): str(snapshot.get("vendor"))}
    for view in snapshot.get("views", []):
        found["view", view, ""] = PRESENT
    for name, table in snapshot.get("tables", {}).items():
        found["table", name, ""] = PRESENT
        found.update(_table_items(name, table))
    for app, names in snapshot.get("migrations", {}).items():
        for migration in names:
            found["migration", app, migration] = APPLIED
    return found


def _table_items(name: str, table: dict) -> dict[tuple[str, str, str], str]:
    found = {}
    for column in table.get("columns", []):
        found["column", name, column["name"]] = _column(column)
    if table.get("primary_key"):
        found["primary_key", name, ""] = _columns(table["primary_key"])
    if table.get("sequence_behind"):
        found["sequence", name, ""] = "behind the highest key"
    shapes = [("foreign_key", _foreign_key(fk)) for fk in table.get("foreign_keys", [])]
    shapes += [("index", _index(index)) for index in table.get("indexes", [])]
    shapes += [
        ("check", check.get("definition") or _columns(check["columns"]))
        for check in table.get("checks", [])
    ]
    for (what, shape), count in Counter(shapes).items():
        found[what, name, shape] = PRESENT if count == 1 else f"{PRESENT} x{count}"
    return found


def _column(column: dict) -> str:
    """``bigint NOT NULL``, then what only some columns have: a default, auto, a collation."""
    null = {True: "NULL", False: "NOT NULL", None: ""}[column.get("null")]
    text = f"{column['type']} {null}".strip()
    if column.get("auto"):
        text += " auto"
    elif column.get("default"):
        text += f" default {column['default']}"
    if column.get("collation"):
        text += f" collate {column['collation']}"
    return text


def _foreign_key(fk: dict) -> str:
    text = f"{_columns(fk['columns'])} -> {fk['target_table']}{_columns(fk['target_columns'])}"
    for key in ("on_delete", "on_update"):
        if fk.get(key) and fk[key].upper() not in ("NO ACTION", "A"):
            text += f" {key.replace('_', ' ')} {fk[key].lower()}"
    # Django makes its PostgreSQL foreign keys DEFERRABLE INITIALLY DEFERRED: shown otherwise.
    deferral = fk.get("deferral") or ""
    shown = deferral and deferral != "DEFERRABLE INITIALLY DEFERRED"
    return text + (f" {deferral.lower()}" if shown else "")


def _index(index: dict) -> str:
    orders = index.get("orders") or []
    parts = []
    for position, column in enumerate(index["columns"]):
        part = column if column is not None else "<expression>"
        opclasses = index.get("opclasses") or []
        if position < len(opclasses) and opclasses[position]:
            part += f" {opclasses[position]}"
        if position < len(orders) and orders[position] == "DESC":
            part += " DESC"
        parts.append(part)
    shape = ("unique " if index.get("unique") else "") + f"({', '.join(parts)})"
    if index.get("include"):
        shape += f" include {_columns(index['include'])}"
    if index.get("method") and index["method"] != "btree":
        shape += f" using {index['method']}"
    if index.get("deferral"):
        shape += f" {index['deferral']}"
    if index.get("partial"):
        shape += f" partial: {index['definition']}" if index.get("definition") else " partial"
    return shape


def _columns(columns) -> str:
    return f"({', '.join(c if c is not None else '<expression>' for c in columns)})"


def _inside_missing_table(key: tuple[str, str, str], flat: dict[str, dict]) -> bool:
    what, table, _ = key
    if what in ("database", "table", "view", "migration"):
        return False
    return any(("table", table, "") not in env_items for env_items in flat.values())


def _order(key: tuple[str, str, str]) -> tuple:
    what, table, name = key
    if what == "migration":
        return (2, table, 0, name)
    return (0 if what == "database" else 1, table, WHAT.index(what), name)
