"""Have PostgreSQL print what the models would create, to compare it with what exists.

A check's or a partial/expression index's SQL, as Django writes it, is not how the
catalog prints it (``"qty" >= 0`` comes back as ``CHECK ((qty >= 0))``). So each one
is created on a throwaway temporary table holding the columns it refers to, printed
by ``pg_get_constraintdef`` / ``pg_get_indexdef``, and everything is rolled back:
one round trip for all of them, whatever the number of models. Identical checks on
identical columns are printed once. A statement PostgreSQL refuses leaves its
definition unknown, and an unknown definition is never compared.
"""

from __future__ import annotations

from dataclasses import replace

from django.db import DatabaseError, models, transaction

from ..schema import Schema

PROBE = "schema_safety_probe"
RESULTS = "schema_safety_printed"
# pg_temp first: the throwaway tables shadow the real ones for unqualified names.
SHADOW = "SELECT set_config('search_path', 'pg_temp, ' || current_setting('search_path'), true)"
TEMP_OID = (
    "(SELECT oid FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relname = {name})"
)
PRINT = (
    "INSERT INTO {results} SELECT {key}, pg_get_indexdef(indexrelid) FROM pg_index "
    "WHERE indrelid = {table} UNION ALL SELECT {key}, pg_get_constraintdef(oid) "
    "FROM pg_constraint WHERE conrelid = {table} AND contype = 'c'"
)


def print_definitions(expected: Schema, models_, connection) -> int:
    """Fill in ``definition`` / ``printed`` of ``expected``'s checks and indexes; queries run."""
    editor = connection.schema_editor(collect_sql=True, atomic=False)
    probes: dict[str, int] = {}  # DDL -> key
    wanted = []  # (table, kind, name or position, key)
    for model in models_:
        table = expected.tables.get(model._meta.db_table)
        if table is not None:
            wanted += _probes_for(model, table, editor, probes)
    if not probes:
        return 0
    printed = _run(connection, probes)
    _fill(expected, wanted, printed)
    return 2


def _probes_for(model, table, editor, probes):
    meta, quote = model._meta, editor.quote_name
    found = []
    for position, check in enumerate(table.checks):
        sql = check.definition if check.name is None else _meta_check_sql(model, check, editor)
        if sql:
            columns = _columns(table, check.columns, quote)
            ddl = f"CREATE TEMP TABLE {PROBE} ({columns}, CHECK ({sql}))"
            found.append((table.name, "check", position, probes.setdefault(ddl, len(probes))))
    for position, index in enumerate(table.indexes):
        if index.partial or index.expressions:
            statement = _index_sql(model, index.name, editor)
            if statement:
                names = {f.column for f in meta.local_concrete_fields}
                ddl = (
                    f"CREATE TEMP TABLE {quote(table.name)} ({_columns(table, names, quote)}); "
                    f"{statement}"
                )
                found.append((table.name, "index", position, probes.setdefault(ddl, len(probes))))
    return found


def _columns(table, names, quote) -> str:
    return ", ".join(
        f"{quote(name)} {table.columns[name].type}"
        for name in sorted(names)
        if name in table.columns
    )


def _meta_check_sql(model, check, editor) -> str | None:
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint) and constraint.name == check.name:
            return constraint._get_check_sql(model, editor)
    return None


def _index_sql(model, name, editor) -> str | None:
    for item in [*model._meta.indexes, *model._meta.constraints]:
        if item.name == name and isinstance(item, (models.Index, models.UniqueConstraint)):
            return str(item.create_sql(model, editor))
    return None


def _run(connection, probes: dict[str, int]) -> dict[int, str]:
    blocks = [SHADOW, f"CREATE TEMP TABLE {RESULTS} (key integer, printed text)"]
    for ddl, key in probes.items():
        table = ddl.split(" (", 1)[0].removeprefix("CREATE TEMP TABLE ")
        where = TEMP_OID.format(name=_literal(_unquote(table)))
        body = f"{ddl}; {PRINT.format(results=RESULTS, key=key, table=where)}; DROP TABLE {table}"
        blocks.append(
            f"DO $schema_safety$ BEGIN {body}; EXCEPTION WHEN others THEN NULL; END $schema_safety$"
        )
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("; ".join(blocks))
            cursor.execute(f"SELECT key, printed FROM {RESULTS}")
            printed = dict(cursor.fetchall())
            transaction.set_rollback(True, using=connection.alias)
    except DatabaseError:  # no TEMP privilege, a read-only replica: definitions stay unknown
        return {}
    return printed


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fill(expected: Schema, wanted, printed: dict[int, str]) -> None:
    for table_name, kind, position, key in wanted:
        text = printed.get(key)
        if text is None:
            continue
        table = expected.tables[table_name]
        if kind == "check":
            table.checks[position] = replace(table.checks[position], printed=text)
        else:
            definition = text.partition(" USING ")[2]
            table.indexes[position] = replace(table.indexes[position], definition=definition)
