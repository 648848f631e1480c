"""Which hidden-drift problems --fix repairs, which it declines, and what it says (no database)."""

from __future__ import annotations

from types import SimpleNamespace

from schema_safety import repairs_hidden
from schema_safety.problems import Problem

STATUS = SimpleNamespace(column="status", primary_key=False)
MODEL = SimpleNamespace(
    _meta=SimpleNamespace(db_table="zoo_animal", local_concrete_fields=[STATUS])
)
POSTGRESQL = SimpleNamespace(vendor="postgresql")


def problem(kind: str, **fields) -> Problem:
    return Problem(kind, "error", "zoo_animal", fields.pop("message", "m"), **fields)


def test_a_foreign_key_pointing_elsewhere_is_left_to_the_classic_repairs():
    action = "ON DELETE CASCADE ON UPDATE NO ACTION NOT DEFERRABLE"
    assert repairs_hidden.wanted(problem("foreign_key_mismatch", expected=action))
    assert not repairs_hidden.wanted(problem("foreign_key_mismatch", expected="keeper(id)"))
    assert not repairs_hidden.wanted(problem("missing_index"))
    assert repairs_hidden.wanted(problem("extra_index"))


def test_a_missing_db_default_is_left_to_a_migration_altering_the_field():
    missing = problem(
        "default_mismatch",
        column="status",
        expected="'new'",
        actual="no default",
        message="column zoo_animal.status has no database default",
    )
    repairs, notes = repairs_hidden.for_model(POSTGRESQL, MODEL, [missing])
    assert repairs == []
    assert notes == [
        "not repaired: column zoo_animal.status has no database default; "
        "write a migration altering the field by hand\n"
    ]


def test_collations_and_keys_no_model_declares_are_declined_with_their_reason():
    found = [
        problem("extra_index", message="index i on t is declared by no model"),
        problem("collation_mismatch", message="column t.c has collation C"),
    ]
    repairs, notes = repairs_hidden.for_model(POSTGRESQL, MODEL, found)
    assert repairs == []
    assert notes[0].startswith("not repaired: column t.c has collation C; changing a column's")
    assert notes[1].startswith("not repaired: index i on t is declared by no model; no model")
