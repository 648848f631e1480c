"""``RepairModel``, which ``verify_schema --fix`` wrote before it wrote plain RunSQL.

Kept so that repair migrations written by those versions still load and apply; new repairs
need nothing but Django (fix.py). ``RepairModel`` brings one model's table to what the
migration state says it is, on whatever database it runs: it reads the live catalog first,
repairs only what is missing there, and leaves the migration state unchanged.
"""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

from .compare import compare_table
from .expected import describe_model
from .introspection import backend
from .repairs import REPAIRABLE
from .schema import Table


class RepairModel(Operation):
    """Create what the database lacks for ``model_name``: table, columns, keys, indexes, checks.

    ``renames`` maps an old column still in the database to the column the model
    expects; it is renamed (keeping its data) when the old one is there and the new
    one is not.
    """

    reduces_to_sql = False
    reversible = True

    def __init__(self, model_name: str, renames: dict[str, str] | None = None):
        self.model_name = model_name
        self.renames = renames or {}

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        connection = schema_editor.connection
        if not self.allow_migrate_model(connection.alias, model):
            return
        live = _live_table(connection, model._meta.db_table)
        if live is None:
            schema_editor.create_model(model)
            return
        for old, new in self.renames.items():
            if old in live.columns and new not in live.columns:
                schema_editor.execute(
                    schema_editor.sql_rename_column
                    % {
                        "table": schema_editor.quote_name(live.name),
                        "old_column": schema_editor.quote_name(old),
                        "new_column": schema_editor.quote_name(new),
                    }
                )
                live = _live_table(connection, model._meta.db_table)
        for problem in _drift(model, live, connection):
            _repair(schema_editor, model, problem)
            live = _live_table(connection, model._meta.db_table)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # A repair is not undone: the state never said the drift existed.

    def describe(self):
        return f"Repair the table of {self.model_name} where the database drifted"

    @property
    def migration_name_fragment(self):
        return f"repair_{self.model_name.lower()}"


def _live_table(connection, table: str) -> Table | None:
    with connection.cursor() as cursor:
        return backend(connection).read(cursor).tables.get(table)


def _drift(model, live: Table, connection):
    module = backend(connection)
    expected = describe_model(model, connection)
    problems = compare_table(
        expected, live, lambda raw: module.normalize_type(raw, connection), connection.vendor
    )
    order = {kind: i for i, kind in enumerate(REPAIRABLE)}
    return sorted((p for p in problems if p.kind in order), key=lambda p: order[p.kind])


def _repair(editor, model, problem) -> None:
    meta = model._meta
    field = _field_for(meta, problem.column)
    if problem.kind == "missing_column" and field is not None:
        editor.add_field(model, field)
    elif problem.kind == "null_mismatch" and field is not None:
        old = field.clone()
        old.null = not field.null
        old.set_attributes_from_name(field.name)
        old.model = model
        editor.alter_field(model, old, field, strict=False)
    elif problem.kind == "missing_foreign_key" and field is not None:
        editor.execute(editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s"))
    elif problem.kind in ("missing_index", "missing_unique", "missing_check"):
        _repair_named(editor, model, problem, field)


def _repair_named(editor, model, problem, field) -> None:
    meta = model._meta
    name = (problem.expected or "").split(" ")[0]
    for index in meta.indexes:
        if index.name == name:
            return editor.add_index(model, index)
    for constraint in meta.constraints:
        if constraint.name == name:
            return editor.add_constraint(model, constraint)
    columns = [c.strip() for c in (problem.column or "").split(",")]
    fields = [f for f in (_field_for(meta, c) for c in columns) if f is not None]
    if problem.kind == "missing_unique" and fields:
        editor.execute(editor._create_unique_sql(model, fields))
    elif problem.kind == "missing_index" and fields:
        editor.execute(editor._create_index_sql(model, fields=fields))
    elif problem.kind == "missing_check" and field is not None:
        check = field.db_parameters(editor.connection)["check"]
        if check:
            name = editor._create_index_name(meta.db_table, [field.column], suffix="_check")
            editor.execute(editor._create_check_sql(model, name, check))


def _field_for(meta, column: str | None):
    for field in meta.local_concrete_fields:
        if field.column == column:
            return field
    return None
