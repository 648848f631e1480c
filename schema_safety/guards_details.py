"""Catalog tests for the drift made behind Django's back (repairs_hidden.py): whether a key
is fed by an identity, a sequence or AUTO_INCREMENT, whether a column has a database
default, and whether a check, index or foreign key named so is defined otherwise than the
model says. Each returns an SQL condition true when the probed thing is there.
"""

from __future__ import annotations

import re

WHATS = ("auto", "default", "check_differs", "index_differs", "foreign_key_differs")
PG_COLUMN = (
    "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
    "AND table_name = {table} AND column_name = {name} AND {test})"
)
PG_AUTO = "(is_identity = 'YES' OR column_default LIKE 'nextval(%')"
PG_DEFAULT = (
    "column_default IS NOT NULL AND is_identity = 'NO' AND column_default NOT LIKE 'nextval(%'"
)
PG_TABLE = "to_regclass(quote_ident({table}))"
PG_CHECK = (
    "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = {relation} "
    "AND k.contype = 'c' AND k.conname = {name} "
    "AND pg_catalog.pg_get_constraintdef(k.oid) <> {definition})"
)
# As verify_schema prints an index: UNIQUE, the definition from USING on, its deferral.
PG_INDEX = (
    "EXISTS (SELECT 1 FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i "
    "ON i.oid = x.indexrelid WHERE x.indrelid = {relation} AND i.relname = {name} "
    "AND CASE WHEN x.indisunique THEN 'UNIQUE ' ELSE '' END "
    "|| substring(pg_catalog.pg_get_indexdef(x.indexrelid) from ' USING (.*)$') "
    "|| coalesce((SELECT CASE WHEN k.condeferred THEN ' DEFERRABLE INITIALLY DEFERRED' "
    "ELSE ' DEFERRABLE' END FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid "
    "AND k.condeferrable AND k.contype IN ('u', 'p', 'x')), '') <> {definition})"
)
PG_FOREIGN_KEY = (
    "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = {relation} "
    "AND k.contype = 'f' AND k.conname = {name} AND (k.confdeltype, k.confupdtype, "
    "k.condeferrable, k.condeferred) <> ({delete}, {update}, {deferrable}, {deferred}))"
)
PG_ACTIONS = {
    "NO ACTION": "a",
    "RESTRICT": "r",
    "CASCADE": "c",
    "SET NULL": "n",
    "SET DEFAULT": "d",
}
CLAUSES = re.compile(r"^ON DELETE (.+) ON UPDATE (.+?) (NOT DEFERRABLE|DEFERRABLE.*)$")

MY_COLUMN = (
    "EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
    "AND TABLE_NAME = {table} AND COLUMN_NAME = {name} AND EXTRA LIKE '%auto_increment%')"
)
MY_FOREIGN_KEY = (
    "EXISTS (SELECT 1 FROM information_schema.REFERENTIAL_CONSTRAINTS "
    "WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = {table} AND CONSTRAINT_NAME = {name} "
    "AND (DELETE_RULE NOT IN ({delete}) OR UPDATE_RULE NOT IN ({update})))"
)


def postgresql(probe, literal) -> str:
    table, name = literal(probe.table), literal(probe.name)
    relation = PG_TABLE.format(table=table)
    if probe.what in ("auto", "default"):
        test = PG_AUTO if probe.what == "auto" else PG_DEFAULT
        return PG_COLUMN.format(table=table, name=name, test=test)
    if probe.what == "check_differs":
        definition = literal(probe.definition)
        return PG_CHECK.format(relation=relation, name=name, definition=definition)
    if probe.what == "index_differs":
        definition = literal(probe.definition)
        return PG_INDEX.format(relation=relation, name=name, definition=definition)
    delete, update, deferral = clauses(probe.definition)
    return PG_FOREIGN_KEY.format(
        relation=relation,
        name=name,
        delete=literal(PG_ACTIONS[delete]),
        update=literal(PG_ACTIONS[update]),
        deferrable="true" if deferral.startswith("DEFERRABLE") else "false",
        deferred="true" if deferral.endswith("DEFERRED") else "false",
    )


def mysql(probe, literal) -> str:
    table, name = literal(probe.table), literal(probe.name)
    if probe.what == "auto":
        return MY_COLUMN.format(table=table, name=name)
    if probe.what != "foreign_key_differs":
        raise ValueError(f"MySQL/MariaDB has no catalog test for {probe.what}")
    delete, update, _ = clauses(probe.definition)
    return MY_FOREIGN_KEY.format(
        table=table, name=name, delete=_my_rules(delete, literal), update=_my_rules(update, literal)
    )


def clauses(text: str) -> tuple[str, str, str]:
    """("NO ACTION", "NO ACTION", "DEFERRABLE INITIALLY DEFERRED") from a foreign key's
    clauses as verify_schema prints them."""
    found = CLAUSES.match(text)
    if found is None:
        raise ValueError(f"not a foreign key's clauses: {text!r}")
    delete, update, deferral = found.groups()
    return delete, update, deferral


def _my_rules(action: str, literal) -> str:
    """InnoDB's RESTRICT is its NO ACTION (introspection/mysql.py reads it so)."""
    rules = ("NO ACTION", "RESTRICT") if action == "NO ACTION" else (action,)
    return ", ".join(literal(rule) for rule in rules)
