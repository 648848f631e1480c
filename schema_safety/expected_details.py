"""Column and key details of what Django creates: nullability, primary keys, auto keys,
database defaults, collations, foreign key deferral, index methods (``expected.py``)."""

from __future__ import annotations

from django.db import models

AUTO_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})


def column_details(field, params: dict, connection) -> dict:
    """``auto``, ``default`` and ``collation`` of the column Django creates for ``field``."""
    return {
        "auto": field.primary_key and field.get_internal_type() in AUTO_FIELDS,
        "default": _db_default(field, connection),
        "collation": params.get("collation") or getattr(field, "db_collation", None),
    }


def _db_default(field, connection) -> str | None:
    """The model's db_default as the schema editor writes it (None: the model has none)."""
    if getattr(field, "db_default", models.NOT_PROVIDED) is models.NOT_PROVIDED:
        return None
    try:
        editor = connection.schema_editor(collect_sql=True, atomic=False)
        sql, params = editor.db_default_sql(field)
        return sql % tuple(editor.quote_value(value) for value in params)
    except Exception:  # only a message needs the text; the presence is what is compared
        return repr(field.db_default)


def foreign_key_deferral(connection) -> str:
    """Django creates every foreign key with the backend's deferral, and no action."""
    return connection.ops.deferrable_sql().strip()


def index_method(index) -> str:
    """``GinIndex`` and friends (django.contrib.postgres) say their method in ``suffix``."""
    suffix = getattr(index, "suffix", "idx")
    return "btree" if suffix in ("idx", "") else suffix


def constraint_deferral(constraint) -> str:
    deferrable = getattr(constraint, "deferrable", None)
    if deferrable is None:
        return ""
    if deferrable == models.Deferrable.DEFERRED:
        return "DEFERRABLE INITIALLY DEFERRED"
    return "DEFERRABLE"


def auto_through_types(meta, field, connection) -> tuple[str, ...]:
    """Any auto field type for the id of an auto-created many-to-many table.

    Its type comes from whichever DEFAULT_AUTO_FIELD was in force when the migration
    creating it ran, while the runtime model follows today's setting (Django ticket
    #32674): a project that moved to BigAutoField keeps integer ids there, and both are right.
    """
    if not (meta.auto_created and field.primary_key):
        return ()
    kinds = (models.AutoField, models.BigAutoField, models.SmallAutoField)
    return tuple(kind().db_type(connection) for kind in kinds)


def nullable(field) -> bool | None:
    """None for generated columns: backends report them nullable whatever the model says."""
    if getattr(field, "generated", False):
        return None
    return bool(field.null) and not field.primary_key


def primary_key(meta) -> tuple[str, ...]:
    pk = meta.pk
    if pk is None:
        return ()
    if getattr(pk, "fields", None):  # CompositePrimaryKey
        return tuple(field.column for field in pk.fields)
    return (pk.column,)
