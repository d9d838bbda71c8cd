"""What the models declare that the schema model does not hold, as ``sqla.py`` reads them.

Tables in another schema (and foreign keys into them), which schema_from_metadata leaves
out; options ``create_all`` would send and a generated script leaves out, which neither
the introspector nor the proof sees. ``generate`` names them (docs/generate.md), so that
a user never loses one without being told.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKeyConstraint, MetaData, UniqueConstraint
from sqlalchemy import Table as SATable

from autodiff.flavor import Flavor
from autodiff.sqla import Target, in_default_schema

#: (kind, table, name): "table" (name ""), "column" or "index" (an index or a unique
#: constraint, named as schema_from_metadata names it; an unnamed one by its columns,
#: ``(a, b)``) -> the options, in words.
Unmodelled = dict[tuple[str, str, str], tuple[str, ...]]

#: Options SQLAlchemy's DDL sends and the schema model does not hold, by the kind of
#: object, then dialect: the option's keyword (without its ``<dialect>_``) -> in words.
_OPTIONS: dict[str, dict[str, dict[str, str]]] = {
    "index": {
        "postgresql": {"include": "INCLUDE columns", "ops": "operator classes",
                       "with": "storage parameters (WITH)", "tablespace": "a tablespace",
                       "nulls_not_distinct": "NULLS NOT DISTINCT"},
        "mysql": {"length": "prefix lengths", "with_parser": "a parser (WITH PARSER)"},
    },
    "table": {
        "postgresql": {"partition_by": "PARTITION BY", "inherits": "INHERITS",
                       "with": "storage parameters (WITH)", "tablespace": "a tablespace",
                       "using": "an access method (USING)"},
        "mysql": {"auto_increment": "a first AUTO_INCREMENT value",
                  "partition_by": "PARTITION BY", "row_format": "a ROW_FORMAT"},
    },
}
#: Identity() arguments beyond ALWAYS, which the model does not hold (PostgreSQL).
_IDENTITY = ("start", "increment", "minvalue", "maxvalue", "cycle", "cache")


def other_schema_tables(metadata: MetaData, dialect: str) -> list[SATable]:
    """The model tables in another schema (another database on MySQL, an attached one on
    SQLite), which :func:`schema_from_metadata` leaves out."""
    return [t for t in metadata.tables.values() if not in_default_schema(t, dialect)]


def other_schema_references(metadata: MetaData, dialect: str) -> list[ForeignKeyConstraint]:
    """The foreign keys of the default schema's model tables into another schema's, which
    :func:`schema_from_metadata` leaves out too (by its bare name the target could be
    another table)."""
    return [c for t in metadata.tables.values() if in_default_schema(t, dialect)
            for c in t.foreign_key_constraints if not in_default_schema(c.referred_table, dialect)]


def unmodelled_options(metadata: MetaData, dialect: str, *,
                       flavor: Flavor | None = None) -> Unmodelled:
    """The options of each model table, column, index and unique constraint that a
    generated script leaves out, in words; only objects that have any. Tables of other
    schemas are left out (schema_from_metadata leaves them out whole)."""
    names = _Names(dialect, flavor or Flavor())
    found: Unmodelled = {}
    for table in metadata.tables.values():
        if not in_default_schema(table, dialect):
            continue
        lost = _table_options(table, dialect)
        if lost:
            found[("table", table.name, "")] = lost
        if dialect == "postgresql":
            for col in table.columns:
                lost = _identity_options(col.identity) if col.identity is not None else ()
                if lost:
                    found[("column", table.name, col.name)] = lost
        indexed = [*table.indexes, *(c for c in table.constraints
                                     if isinstance(c, UniqueConstraint))]
        for item in indexed:
            lost = _options(item, dialect, "index")
            if lost:
                found[("index", table.name, names.of(item))] = lost
    return found


class _Names:
    """Names as schema_from_metadata gives them; its compiler made only when needed."""

    def __init__(self, dialect: str, flavor: Flavor) -> None:
        self.dialect, self.flavor = dialect, flavor
        self._target: Target | None = None

    def of(self, item: Any) -> str:
        if self._target is None:
            self._target = Target(self.dialect, self.flavor)
        return self._target.name(item) or f"({', '.join(c.name for c in item.columns)})"


def _table_options(table: SATable, dialect: str) -> tuple[str, ...]:
    lost = list(_options(table, dialect, "table"))
    given = _given(table, dialect)
    engine = next((g.get("engine") for g in given if g.get("engine")), None)
    if dialect == "mysql" and engine and str(engine).lower() != "innodb":
        lost.append(f"ENGINE={engine}")
    return tuple(lost)


def _identity_options(identity: Any) -> tuple[str, ...]:
    given = [name.upper() for name in _IDENTITY if getattr(identity, name, None) is not None]
    return (f"identity options ({', '.join(given)})",) if given else ()


def _options(item: Any, dialect: str, kind: str) -> tuple[str, ...]:
    """``item``'s unmodelled ``<dialect>_*`` options of ``kind``, in words."""
    given = _given(item, dialect)
    if not given:
        return ()
    words = _OPTIONS[kind].get(dialect, {})
    lost = [text for option, text in words.items() if any(g.get(option) for g in given)]
    if kind == "index":
        using = next((g.get("using") for g in given if g.get("using")), None)
        if using and str(using).lower() != "btree":
            lost.append(f"USING {using}")
    return tuple(lost)


def _given(item: Any, dialect: str) -> list[Any]:
    """The option dicts the model gave ``item`` for ``dialect`` (and MariaDB's spelling
    of MySQL's). Read where they are: the memoized ``dialect_options`` builds an empty
    mapping on first use, and each dialect's defaults on first ask, a cost on each of
    the 2,500 indexes and constraints of 1,000 models that give no option."""
    options = vars(item).get("dialect_options")
    if not options:
        return []
    spellings = (dialect, "mariadb") if dialect == "mysql" else (dialect,)
    return [options[name] for name in spellings if name in options]
