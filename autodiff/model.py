"""The schema model: plain, immutable, dialect-independent values.

Values inside (type names, default expressions, check expressions) are held in the
normalized form of the schema's dialect (see ``normalize.py``), so two schemas that
mean the same thing compare equal whichever way they were read or declared.
Collections whose order carries no meaning (indexes, constraints, tables) are
sorted on construction, so equality and the JSON snapshot never depend on the order
a catalog happened to return them in. Column order is kept: it is visible to users.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from typing import Any

DIALECTS = ("sqlite", "postgresql", "mysql")
#: The table options :attr:`Table.options` may hold (SQLite's).
TABLE_OPTIONS = ("AUTOINCREMENT", "STRICT", "WITHOUT ROWID")


def _sorted(items: tuple[Any, ...], key: Any) -> tuple[Any, ...]:
    return tuple(sorted(items, key=key))


def _set(obj: object, name: str, value: object) -> None:
    # Canonicalizing in __post_init__ of a frozen dataclass needs the bypass.
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class Computed:
    """A generated column: ``GENERATED ALWAYS AS (expression) [STORED]``."""

    expression: str
    stored: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    """A table column; ``type`` and ``default`` are normalized SQL of the dialect.

    ``on_update`` is MySQL's ``ON UPDATE CURRENT_TIMESTAMP[(fsp)]``, normalized like a
    default; None everywhere else (no other dialect has the clause).
    ``identity`` is ``"ALWAYS"`` for PostgreSQL's ``GENERATED ALWAYS AS IDENTITY`` (an
    INSERT may not give the value); None for every other numbering, serial and ``BY
    DEFAULT`` identity alike, which behave the same.
    """

    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    autoincrement: bool = False
    computed: Computed | None = None
    collation: str | None = None
    comment: str | None = None
    on_update: str | None = None
    identity: str | None = None


@dataclass(frozen=True, slots=True)
class PrimaryKey:
    """The primary key; None for its name where the dialect names none (MySQL, SQLite)."""

    columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Unique:
    """A unique constraint (on MySQL, any unique index that is not the primary key)."""

    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Index:
    """A non-constraint index: over plain ``columns``, or over ``expressions`` (SQL).

    ``orders`` gives each key part's sort order beyond the default: ``""`` (ASC),
    ``"DESC"``, and on PostgreSQL a NULLS clause where it is not the default one
    (``"NULLS FIRST"``, ``"DESC NULLS LAST"``). All-default is the empty tuple, so an
    index without DESC parts equals (and snapshots as) one that never had the field.
    """

    name: str
    columns: tuple[str, ...] = ()
    unique: bool = False
    expressions: tuple[str, ...] = ()
    where: str | None = None
    orders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not any(self.orders):
            _set(self, "orders", ())
        elif len(self.orders) != len(self.columns or self.expressions):
            raise ValueError(f"index {self.name}: one sort order per key part")

    def parts(self) -> tuple[tuple[str, str], ...]:
        """Each key part (a column name or an expression) with its sort order."""
        keys = self.columns or self.expressions
        return tuple(zip(keys, self.orders or ("",) * len(keys), strict=True))


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """A foreign key; ``on_delete``/``on_update`` are None for the default (NO ACTION).

    ``deferrable`` and ``initially`` (None: IMMEDIATE, or ``"DEFERRED"``) are the
    constraint's timing; never set on MySQL, which has none.
    """

    name: str | None
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str | None = None
    on_update: str | None = None
    deferrable: bool = False
    initially: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """A check constraint over a normalized boolean expression."""

    name: str | None
    expression: str


@dataclass(frozen=True, slots=True)
class Table:
    """A table and everything that belongs to it.

    ``options`` are SQLite's table options, sorted: ``"AUTOINCREMENT"`` (its rowid alias
    never reuses a number, https://www.sqlite.org/autoinc.html), ``"STRICT"`` and
    ``"WITHOUT ROWID"``. Empty on PostgreSQL and MySQL, whose table options are not
    modelled.
    """

    name: str
    columns: tuple[Column, ...] = ()
    primary_key: PrimaryKey | None = None
    uniques: tuple[Unique, ...] = ()
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    comment: str | None = None
    options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.options:
            unknown = set(self.options) - set(TABLE_OPTIONS)
            if unknown:
                raise ValueError(f"table {self.name}: unknown option(s) {sorted(unknown)}")
            _set(self, "options", tuple(sorted(set(self.options))))
        _set(self, "uniques", _sorted(self.uniques, lambda u: (u.name or "", u.columns)))
        _set(self, "indexes", _sorted(self.indexes, lambda i: i.name))
        _set(self, "foreign_keys", _sorted(
            self.foreign_keys, lambda f: (f.name or "", f.columns, f.ref_table)))
        _set(self, "checks", _sorted(self.checks, lambda c: (c.name or "", c.expression)))

    def column(self, name: str) -> Column | None:
        """The column called ``name``, or None."""
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True, slots=True)
class View:
    """A view; its definition is the database's own rendering of the query."""

    name: str
    definition: str


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger, kept as the full statement that creates it."""

    name: str
    table: str
    definition: str


@dataclass(frozen=True, slots=True)
class Enum:
    """A PostgreSQL enum type."""

    name: str
    values: tuple[str, ...]


#: Each integer type's range, for sequences: PostgreSQL's defaults depend on it.
_RANGES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}


@dataclass(frozen=True, slots=True)
class Sequence:
    """A standalone PostgreSQL sequence (not one a serial or identity column owns).

    Options at PostgreSQL's default are held as their default value (None for ``start``,
    ``minvalue``, ``maxvalue``, whose defaults depend on the type and the direction), so
    ``CREATE SEQUENCE s`` and one stating the defaults are equal.
    https://www.postgresql.org/docs/15/sql-createsequence.html
    """

    name: str
    type: str = "bigint"
    increment: int = 1
    start: int | None = None
    minvalue: int | None = None
    maxvalue: int | None = None
    cache: int = 1
    cycle: bool = False

    def __post_init__(self) -> None:
        if self.type not in _RANGES:
            raise ValueError(f"sequence {self.name}: type {self.type!r} is not an integer type")
        low, high = self.default_bounds()
        if self.minvalue == low:
            _set(self, "minvalue", None)
        if self.maxvalue == high:
            _set(self, "maxvalue", None)
        if self.start is not None and self.start == self.default_start():
            _set(self, "start", None)

    def default_bounds(self) -> tuple[int, int]:
        """NO MINVALUE and NO MAXVALUE: 1 and the type's maximum ascending, the type's
        minimum and -1 descending."""
        size = _RANGES[self.type]
        return (1, size - 1) if self.increment > 0 else (-size, -1)

    def bounds(self) -> tuple[int, int]:
        """The sequence's effective minimum and maximum."""
        low, high = self.default_bounds()
        return (low if self.minvalue is None else self.minvalue,
                high if self.maxvalue is None else self.maxvalue)

    def default_start(self) -> int:
        """The start when none is given: the minimum ascending, the maximum descending."""
        low, high = self.bounds()
        return low if self.increment > 0 else high

    def first(self) -> int:
        """The sequence's effective start value."""
        return self.default_start() if self.start is None else self.start


#: Name -> table, per live Schema (by id; a finalizer drops the entry with the schema).
#: Kept outside the dataclass so equality, fields and the snapshot do not see it.
_TABLE_INDEXES: dict[int, dict[str, Table]] = {}


def _table_index(schema: Schema) -> dict[str, Table]:
    key = id(schema)
    index = _TABLE_INDEXES.get(key)
    if index is None:
        index = {}
        for t in schema.tables:
            index.setdefault(t.name, t)  # the first of a name, as a scan would find
        _TABLE_INDEXES[key] = index
        weakref.finalize(schema, _TABLE_INDEXES.pop, key, None)
    return index


# weakref_slot: the table index above follows each schema's lifetime.
@dataclass(frozen=True, slots=True, weakref_slot=True)
class Schema:
    """A whole database schema in one dialect's normalized terms."""

    dialect: str
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    enums: tuple[Enum, ...] = ()
    sequences: tuple[Sequence, ...] = ()

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {self.dialect!r}")
        for name in ("tables", "views", "triggers", "enums", "sequences"):
            _set(self, name, _sorted(getattr(self, name), lambda o: o.name))

    def table(self, name: str) -> Table | None:
        """The table called ``name``, or None."""
        # Callers look tables up in loops over all tables: a scan each time is O(n²).
        return _table_index(self).get(name)

    def without_tables(self, names: set[str]) -> Schema:
        """This schema less the named tables (and their triggers)."""
        return replace(
            self,
            tables=tuple(t for t in self.tables if t.name not in names),
            triggers=tuple(t for t in self.triggers if t.table not in names),
        )

    def to_json(self) -> str:
        """The stable snapshot: sorted keys, defaults omitted, same schema same bytes."""
        from autodiff.snapshot_json import schema_to_json

        return schema_to_json(self)

    @staticmethod
    def from_json(text: str) -> Schema:
        """Read a snapshot written by :meth:`to_json`."""
        from autodiff.snapshot_json import schema_from_json

        return schema_from_json(text)
