"""The schema that a set of Django models requires on one connection.

Works on runtime models and on the models rendered from a migration state
alike, so the same description serves "what the code expects" and "what the
applied migrations say the database holds". Backend features decide what
Django actually creates (a conditional unique constraint does not exist on
MySQL, opclasses only exist on PostgreSQL), so they decide what is expected.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q

from .expected_details import (
    auto_through_types,
    column_details,
    constraint_deferral,
    foreign_key_deferral,
    index_method,
    nullable,
    primary_key,
)
from .schema import Check, Column, ForeignKey, Index, Schema, Table


def concrete_models(app_configs, include_auto_created: bool = True) -> list[type[models.Model]]:
    """Managed, concrete, non-proxy, non-swapped models of the given app configs."""
    found = []
    for app_config in app_configs:
        for model in app_config.get_models(include_auto_created=include_auto_created):
            meta = model._meta
            if meta.managed and not meta.proxy and not meta.swapped and not meta.abstract:
                found.append(model)
    return found


def describe(models_: Iterable[type[models.Model]], connection) -> Schema:
    schema = Schema(vendor=connection.vendor)
    for model in models_:
        table = describe_model(model, connection)
        schema.tables[table.name] = table
    return schema


def describe_model(model: type[models.Model], connection) -> Table:
    meta = model._meta
    table = Table(meta.db_table, app=meta.app_label, model=meta.object_name)
    features = connection.features
    for field in meta.local_concrete_fields:
        params = field.db_parameters(connection)
        if params["type"] is None:
            continue
        also = auto_through_types(meta, field, connection)
        table.columns[field.column] = Column(
            field.column,
            params["type"],
            nullable(field),
            field=field.name,
            also=also,
            **column_details(field, params, connection),
        )
        if params.get("check") and features.supports_column_check_constraints:
            table.checks.append(Check(frozenset([field.column]), None, params["check"]))
        _add_field_keys(table, field, connection)
    table.primary_key = primary_key(meta)
    if table.primary_key:
        table.indexes.append(Index(table.primary_key, unique=True, primary=True))
    for fields in meta.unique_together:
        table.indexes.append(Index(_columns(meta, fields), unique=True))
    for index in meta.indexes:
        if described := _index(meta, index, connection):
            table.indexes.append(described)
    for constraint in meta.constraints:
        _add_constraint(table, meta, constraint, connection)
    table.declared = frozenset(item.name.lower() for item in [*meta.indexes, *meta.constraints])
    return table


def _add_field_keys(table: Table, field, connection) -> None:
    features = connection.features
    if field.remote_field and field.db_constraint and features.supports_foreign_keys:
        target = field.target_field
        table.foreign_keys.append(
            ForeignKey(
                (field.column,),
                target.model._meta.db_table,
                (target.column,),
                deferral=foreign_key_deferral(connection),
            )
        )
    if field.primary_key:
        return
    if field.unique:
        table.indexes.append(Index((field.column,), unique=True))
    elif field.db_index and not _unindexable(field, connection):
        table.indexes.append(Index((field.column,)))


def _unindexable(field, connection) -> bool:
    """MySQL cannot index TEXT/BLOB columns without a prefix length, so Django skips them."""
    return connection.vendor == "mysql" and field.get_internal_type() in {
        "BinaryField",
        "JSONField",
        "TextField",
    }


def _columns(meta, field_names) -> tuple[str, ...]:
    return tuple(_column(meta, name.lstrip("-")) for name in field_names)


def _column(meta, name: str) -> str:
    return meta.pk.column if name == "pk" else meta.get_field(name).column


def _index(meta, index: models.Index, connection) -> Index | None:
    features = connection.features
    if index.contains_expressions and not features.supports_expression_indexes:
        return None
    if index.contains_expressions:
        columns: tuple[str | None, ...] = tuple(None for _ in index.expressions)
        orders: tuple[str, ...] = ()
    else:
        columns = _columns(meta, index.fields)
        orders = tuple(order or "ASC" for _, order in index.fields_orders)
    return Index(
        columns=columns,
        name=index.name,
        orders=orders,
        # Without partial index support Django creates the index without its condition.
        partial=index.condition is not None and features.supports_partial_indexes,
        opclasses=tuple(index.opclasses) if connection.vendor == "postgresql" else (),
        include=_include(meta, index.include, connection),
        method=index_method(index),
    )


def _include(meta, names, connection) -> tuple[str, ...]:
    if not names or not connection.features.supports_covering_indexes:
        return ()
    return _columns(meta, names)


def _add_constraint(table: Table, meta, constraint, connection) -> None:
    features = connection.features
    if isinstance(constraint, models.CheckConstraint):
        if features.supports_table_check_constraints:
            names = _referenced_fields(constraint.condition)
            columns = frozenset(_column(meta, name) for name in names if _is_column(meta, name))
            table.checks.append(Check(columns, constraint.name))
        return
    if not isinstance(constraint, models.UniqueConstraint):
        return
    if constraint.condition is not None and not features.supports_partial_indexes:
        return
    if constraint.contains_expressions and not features.supports_expression_indexes:
        return
    if constraint.deferrable and not features.supports_deferrable_unique_constraints:
        return
    if constraint.contains_expressions:
        columns: tuple[str | None, ...] = tuple(None for _ in constraint.expressions)
    else:
        columns = _columns(meta, constraint.fields)
    table.indexes.append(
        Index(
            columns=columns,
            unique=True,
            name=constraint.name,
            partial=constraint.condition is not None,
            opclasses=tuple(constraint.opclasses) if connection.vendor == "postgresql" else (),
            include=_include(meta, constraint.include, connection),
            deferral=constraint_deferral(constraint),
        )
    )


def _is_column(meta, name: str) -> bool:
    try:
        return name == "pk" or meta.get_field(name).concrete
    except FieldDoesNotExist:
        return False


def _referenced_fields(node) -> set[str]:
    """Field names a Q or expression refers to (``resource__name`` counts as ``resource``)."""
    found: set[str] = set()
    if isinstance(node, Q):
        for child in node.children:
            if isinstance(child, tuple):
                found.add(child[0].split("__")[0])
                found |= _referenced_fields(child[1])
            else:
                found |= _referenced_fields(child)
    elif isinstance(node, models.F):
        found.add(node.name.split("__")[0])
    elif hasattr(node, "get_source_expressions"):
        for source in node.get_source_expressions():
            found |= _referenced_fields(source)
    return found
