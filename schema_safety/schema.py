"""Backend-neutral descriptions of a database schema.

The same shapes describe what the models expect (``expected.py``) and what the
live catalog holds (``introspection/``), so that ``compare.py`` is a pure
function of two ``Schema`` values. Types are kept as the backend spells them;
``types.normalize`` makes them comparable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    null: bool | None  # None: not compared (generated columns)
    # Live only: the column has a database default (or is generated/identity).
    has_default: bool = False
    field: str | None = None  # expected only: the model field's name
    # Expected only: other types that are just as right (see expected._auto_through_types).
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    name: str | None = None
    valid: bool = True  # False: PostgreSQL NOT VALID


@dataclass(frozen=True)
class Index:
    """An index or a unique constraint (``unique=True``), by what it covers.

    ``columns`` holds the plain columns in order; expression parts appear as
    None. ``orders`` holds "ASC"/"DESC" per part. ``partial``/``expressions``/
    ``opclasses``/``include`` mark the shapes that are matched by name first.
    """

    columns: tuple[str | None, ...]
    unique: bool = False
    name: str | None = None
    orders: tuple[str, ...] = ()
    partial: bool = False
    opclasses: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    primary: bool = False
    valid: bool = True  # False: PostgreSQL invalid index (failed CONCURRENTLY)
    definition: str | None = None

    @cached_property
    def expressions(self) -> bool:
        return any(column is None for column in self.columns)

    @cached_property
    def plain(self) -> bool:
        """Matched by columns alone: no expression, condition, opclass or include."""
        return not (
            self.expressions
            or self.partial
            or any(self.opclasses)
            or self.include
            or "DESC" in self.orders
        )


@dataclass(frozen=True)
class Check:
    columns: frozenset[str]
    name: str | None = None
    definition: str | None = None
    valid: bool = True  # False: PostgreSQL NOT VALID


@dataclass
class Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    # Expected only: who owns the table.
    app: str | None = None
    model: str | None = None

    @property
    def uniques(self) -> list[Index]:
        return [index for index in self.indexes if index.unique]


@dataclass
class Schema:
    vendor: str
    tables: dict[str, Table] = field(default_factory=dict)
    # Live only: tables that exist but are views or otherwise not comparable.
    views: frozenset[str] = frozenset()
    queries: int = 0  # live only: catalog queries it took to read
