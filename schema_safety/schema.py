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
    # Expected only: other types that are just as right (see expected_details.auto_through_types).
    also: tuple[str, ...] = ()
    # Fed by an identity or a sequence (expected: an auto field). Compared under "defaults".
    auto: bool = False
    # Live: the database default as the database prints it (identity and sequence
    # defaults excluded). Expected: the model's db_default as the schema editor writes it.
    default: str | None = None
    collation: str | None = None  # an explicit collation; None: the database's own


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    name: str | None = None
    valid: bool = True  # False: PostgreSQL NOT VALID
    # Compared under "foreign_key_actions": what the database does on its own.
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    deferral: str = ""  # "DEFERRABLE INITIALLY DEFERRED", "DEFERRABLE" or "" (not deferrable)


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
    # As the database prints it from USING on ("btree (name) WHERE is_alive"); expected:
    # normalised by the database itself (see introspection/postgresql_definitions.py).
    definition: str | None = None
    method: str = "btree"
    deferral: str = ""  # as ForeignKey.deferral

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
    # As the database prints it ("CHECK ((qty >= 0))"); live: read from the catalog;
    # expected: printed by the database from the model's SQL (postgresql_definitions.py).
    printed: str | None = None


@dataclass(frozen=True)
class Sequence:
    """Live only: the sequence feeding an auto primary key, and the table's highest key."""

    name: str
    column: str
    next_value: int | None  # None: the sequence cannot be read
    highest: int | None  # None: empty table, or the table cannot be read


@dataclass
class Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    sequence: Sequence | None = None  # live only
    # Expected only: lower-cased names of every Meta index and constraint, whatever its kind.
    declared: frozenset[str] = frozenset()
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
    # Live only: what this backend's reader knows beyond the classic shapes, so that only
    # that is compared: "auto_keys", "defaults", "collations", "sequences", "foreign_key_actions",
    # "index_details" (method, deferral, definitions), "extra_keys".
    features: frozenset[str] = frozenset()
