"""Table and column names read from a migration state, without rendering the models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import router
from django.db.backends.utils import truncate_name
from django.db.migrations.state import ModelState, ProjectState
from django.db.models import Field


@dataclass
class Context:
    """Where an operation runs: its app, the project state just before it, the connection.

    ``created`` collects the tables this plan creates: they are empty when later operations
    add a column or an index to them.
    """

    app_label: str
    state: ProjectState
    connection: Any
    created: set[str] = field(default_factory=set)

    @property
    def vendor(self) -> str:
        return self.connection.vendor

    def model(self, name_lower: str) -> ModelState | None:
        return self.state.models.get((self.app_label, name_lower))

    def table(self, name_lower: str) -> str | None:
        model = self.model(name_lower)
        return None if model is None else table_of(model, self.connection)

    def default_table(self, name_lower: str) -> str:
        limit = self.connection.ops.max_name_length()
        return truncate_name(f"{self.app_label}_{name_lower}", limit)

    def in_database(self, name_lower: str) -> bool:
        """Whether ``migrate`` touches this model's table on this database."""
        model = self.model(name_lower)
        if model is None:
            return True
        if not model.options.get("managed", True) or model.options.get("proxy", False):
            return False
        return _router_allows(self.connection.alias, self.app_label, name_lower)

    def field(self, model_lower: str, name: str) -> Field | None:
        """The field as it stands before the operation, named so that ``column`` is set."""
        model = self.model(model_lower)
        if model is None or name not in model.fields:
            return None
        return named(model.fields[name], name)

    def m2m_table(self, model_lower: str, field_: Field) -> str | None:
        """The table of an auto-created many-to-many relation (None for ``through=``)."""
        if getattr(field_.remote_field, "through", None) is not None:
            return None
        if field_.db_table:
            return field_.db_table
        limit = self.connection.ops.max_name_length()
        return truncate_name(f"{self.table(model_lower)}_{field_.name}", limit)


def table_of(model: ModelState, connection) -> str:
    """The model's ``db_table``, or Django's default for it."""
    explicit = model.options.get("db_table")
    if explicit:
        return explicit
    limit = connection.ops.max_name_length()
    return truncate_name(f"{model.app_label}_{model.name_lower}", limit)


def named(field_: Field, name: str) -> Field:
    """A copy of an unbound migration field with its name, attname and column set."""
    copy = field_.clone()
    copy.set_attributes_from_name(name)
    return copy


def db_type(field_: Field, connection) -> str | None:
    """The column type of a non-relational field; None when it cannot be told unbound."""
    if field_.is_relation:
        return None
    try:
        found = field_.db_type(connection)
    except Exception:  # custom fields may need a model to answer
        return None
    return None if found is None else " ".join(found.lower().split())


def _router_allows(alias: str, app_label: str, model_name: str) -> bool:
    try:
        return router.allow_migrate(alias, app_label, model_name=model_name) is not False
    except Exception:  # a router that needs the model class: assume it migrates here
        return True
