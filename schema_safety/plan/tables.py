"""Which tables an operation touches, named from the migration state."""

from __future__ import annotations

from django.db.migrations import operations as ops

from .state import Context, named


def touched(operation, ctx: Context) -> list[str]:
    """The tables ``operation`` creates, alters or drops (none for RunPython/RunSQL)."""
    if isinstance(operation, ops.CreateModel):
        explicit = operation.options.get("db_table")
        return [explicit or ctx.default_table(operation.name_lower)]
    if isinstance(operation, ops.RenameModel | ops.AlterModelTable):
        return list(dict.fromkeys(t for t in renamed(operation, ctx) if t))
    if isinstance(operation, ops.AddField | ops.RemoveField):
        return _field_tables(operation, ctx)
    model = getattr(operation, "model_name_lower", None) or getattr(operation, "name_lower", None)
    table = ctx.table(model) if model else None
    return [table] if table else []


def renamed(operation, ctx: Context) -> tuple[str | None, str | None]:
    """(old, new) table of a RenameModel or AlterModelTable."""
    if isinstance(operation, ops.AlterModelTable):
        new = operation.table or ctx.default_table(operation.name_lower)
        return ctx.table(operation.name_lower), new
    model = ctx.model(operation.old_name_lower)
    if model is None:
        return None, None
    if model.options.get("db_table"):
        return ctx.table(operation.old_name_lower), model.options["db_table"]
    return ctx.table(operation.old_name_lower), ctx.default_table(operation.new_name_lower)


def _field_tables(operation, ctx: Context) -> list[str]:
    if isinstance(operation, ops.AddField):
        field = named(operation.field, operation.name)
    else:
        field = ctx.field(operation.model_name_lower, operation.name)
    if field is not None and field.many_to_many:
        table = ctx.m2m_table(operation.model_name_lower, field)
    else:
        table = ctx.table(operation.model_name_lower)
    return [table] if table else []
