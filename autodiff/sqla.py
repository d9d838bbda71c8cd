"""SQLAlchemy models -> Schema, through the same normalizers as introspection.

Each type, default, name and expression is compiled by SQLAlchemy's own DDL compiler
for the target dialect (exactly what ``metadata.create_all`` would send) and then
normalized, so an unchanged model and the database it created compare equal.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import Column as SAColumn
from sqlalchemy import Enum as SAEnum
from sqlalchemy import Index as SAIndex
from sqlalchemy import Table as SATable
from sqlalchemy.engine import Dialect as SADialect
from sqlalchemy.exc import CompileError
from sqlalchemy.schema import DefaultClause
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import (
    False_,
    TextClause,
    True_,
    UnaryExpression,
    _textual_label_reference,
)
from sqlalchemy.sql.functions import FunctionElement

from autodiff import collector
from autodiff.diff import Renames
from autodiff.errors import ConfigError
from autodiff.flavor import Flavor, parse_release, server_flavor
from autodiff.loader import load_models, metadata_of
from autodiff.model import (
    Check,
    Column,
    Enum,
    ForeignKey,
    Index,
    PrimaryKey,
    Schema,
    Table,
    Unique,
)
from autodiff.normalize import (
    normalize_deferral,
    normalize_expression,
    normalize_fk_action,
    normalize_index_order,
    normalize_type,
)
from autodiff.sequences import model_sequences
from autodiff.sqla_columns import dialect_option, model_column

__all__ = ["Flavor", "check_foreign_keys", "in_default_schema", "load_models", "metadata_of",
           "rename_hints", "sa_dialect", "schema_from_metadata", "server_flavor"]

RENAMED_FROM = "renamed_from"


# -- the target server ---------------------------------------------------------------

def sa_dialect(dialect: str, flavor: Flavor | None = None) -> SADialect:
    """The SQLAlchemy dialect ``create_all`` would use on ``dialect`` (and that server)."""
    # Only the target's module: importing SQLAlchemy's other dialects costs a warm
    # generate 10-30 ms. A paramstyle without %: DDL compiled for pyformat drivers
    # doubles each % in text, which the driver undoes when it runs the statement.
    module = importlib.import_module(f"sqlalchemy.dialects.{dialect}")
    sad = module.dialect(paramstyle="named")
    found = parse_release(dialect, (flavor.version if flavor else None) or "")
    if dialect == "postgresql":
        # SQLAlchemy creates Computed(persisted=None) VIRTUAL from PostgreSQL 18 on,
        # STORED before; our renderer only has STORED, so that is the default.
        # https://www.postgresql.org/docs/18/ddl-generated-columns.html
        sad.server_version_info = found.numbers[:2] if found else (15, 0)
        sad.supports_virtual_generated_columns = sad.server_version_info >= (18,)
    if dialect == "mysql" and found is not None and found.product == "MariaDB":
        # What SQLAlchemy's initialize() sets on a MariaDB connection: UUID is native
        # from 10.7. https://mariadb.com/kb/en/uuid-data-type/
        sad = module.dialect(paramstyle="named", is_mariadb=True)
        sad.server_version_info = found.numbers
        sad.supports_native_uuid = found.at_least(10, 7)
    return sad


# -- MetaData -> Schema ----------------------------------------------------------------

def schema_from_metadata(metadata: MetaData, dialect: str, *,
                         flavor: Flavor | None = None) -> Schema:
    """The Schema the models declare, in ``dialect``'s normalized terms.

    ``flavor`` (:func:`server_flavor` of the database the result is compared with)
    says which server the models are compiled for; without it: plain MySQL with no
    default collation known, PostgreSQL before 18.
    """
    target = Target(dialect, flavor or Flavor())
    with collector.paused():  # tens of thousands of new objects, none of them garbage
        tables = tuple(target.table(t) for t in metadata.tables.values()
                       if in_default_schema(t, dialect))
    enums = tuple(target.enums.values())
    sequences = model_sequences(metadata, target.sad.type_compiler_instance.process) \
        if dialect == "postgresql" else ()
    return Schema(dialect, tables=tables, enums=enums, sequences=sequences)


def check_foreign_keys(metadata: MetaData) -> None:
    """ConfigError for a ForeignKey whose table or column the models do not declare.

    SQLAlchemy resolves a ForeignKey's target when something first asks for it, so such
    a model loads fine and would fail deep inside a later step, as a traceback.
    """
    from sqlalchemy.exc import NoReferencedColumnError, NoReferencedTableError

    for table in metadata.tables.values():
        for fk in table.foreign_keys:
            try:
                fk.column  # noqa: B018 - resolving is the check
            except (NoReferencedTableError, NoReferencedColumnError) as exc:
                raise ConfigError(f"error in models: table {table.fullname}: {exc}",
                                  hint="declare the referenced table in the same MetaData, "
                                       "or fix the ForeignKey's target") from None


def rename_hints(metadata: MetaData) -> Renames:
    """``info={"renamed_from": ...}`` hints on tables and columns, as Renames."""
    tables: dict[str, str] = {}
    columns: dict[tuple[str, str], str] = {}
    for table in metadata.tables.values():
        old = _info(table).get(RENAMED_FROM)
        if isinstance(old, str) and old != table.name:
            tables[old] = table.name
        for col in table.columns:
            old_col = _info(col).get(RENAMED_FROM)
            if isinstance(old_col, str) and old_col != col.name:
                columns[(table.name, old_col)] = col.name
    return Renames(tables, columns)


# -- what the models declare and the schema model does not hold ----------------------------

#: The default schema's name, where a model may spell it out.
_DEFAULT_SCHEMA = {"postgresql": "public", "sqlite": "main"}


def in_default_schema(table: SATable, dialect: str) -> bool:
    """Whether ``table`` lives where autodiff reads and writes: the database's default
    schema (``schema=None``, or PostgreSQL's ``public`` and SQLite's ``main`` spelled
    out)."""
    return table.schema is None or table.schema == _DEFAULT_SCHEMA.get(dialect)


def _info(item: Any) -> dict[str, Any]:
    # ``.info`` is memoized: reading it makes an empty dict, 9,000 of them for 1,000
    # models. One given, or made by an earlier read, is in the instance's __dict__.
    found = vars(item).get("info")
    return found if isinstance(found, dict) else {}


class Target:
    """SQLAlchemy's DDL compiler for one dialect, and what a table becomes through it."""

    def __init__(self, dialect: str, flavor: Flavor) -> None:
        self.dialect = dialect
        self.flavor = flavor
        self.sad = sa_dialect(dialect, flavor)
        # A DDL compiler with no statement: only its helpers are used (defaults, checks).
        self.ddl = self.sad.ddl_compiler(self.sad, None)  # type: ignore[arg-type]
        # Compiled once per distinct value: 1,000 tables hold a handful of distinct
        # defaults, and compiling each column's was a fifth of the time.
        self.defaults_seen: dict[tuple[Any, ...], str | None] = {}
        #: PostgreSQL enum types the columns use, by name, found table by table.
        self.enums: dict[str, Enum] = {}

    # -- compiling, as CREATE TABLE / CREATE INDEX does ---------------------------
    def sql(self, clause: Any) -> str:
        """An expression as DDL renders it: values inline, columns without their table."""
        return str(self.ddl.sql_compiler.process(clause, include_table=False,
                                                 literal_binds=True))

    def expression(self, clause: Any, types: dict[str, str]) -> str:
        """A check, index or generated expression, normalized."""
        return normalize_expression(self.dialect, self.sql(clause), types)

    def type_sql(self, column: SAColumn[Any]) -> str:
        """The column's type as CREATE TABLE spells it, without its collation."""
        text = str(self.sad.type_compiler_instance.process(
            column.type, type_expression=column, identifier_preparer=self.sad.identifier_preparer))
        # String types compile with their COLLATE (and MySQL's CHARACTER SET) attached;
        # catalogs report the type without them, and the collation on its own.
        return _COLLATE.sub("", text)

    def default_sql(self, column: SAColumn[Any]) -> str | None:
        """The column's server default as CREATE TABLE renders it (None without one)."""
        default = column.server_default
        if default is None:
            return None
        key = _default_key(default.arg) if isinstance(default, DefaultClause) else None
        if key is not None and key in self.defaults_seen:
            return self.defaults_seen[key]
        text: str | None = self.ddl.get_column_default_string(column)
        if key is not None:
            self.defaults_seen[key] = text
        return text

    def name(self, constraint: Any) -> str | None:
        """The name DDL gives a constraint or index: the naming convention's for an
        unnamed one, truncated with a hash past the dialect's identifier length."""
        if constraint.name is None:
            return None
        name = self.sad.identifier_preparer.format_constraint(constraint, _alembic_quote=False)
        return str(name) if name else None

    def renders(self, constraint: Any) -> bool:
        """Whether DDL includes ``constraint``: the CHECK a Boolean or Enum adds with
        ``create_constraint=True`` exists only where the type is not native."""
        rule = getattr(constraint, "_create_rule", None)
        return rule is None or bool(rule(self.ddl))

    # -- one table -------------------------------------------------------------
    def table(self, table: SATable) -> Table:
        """The model's table in normalized terms."""
        try:
            return self._table(table, list(table.columns))
        except (CompileError, ValueError, LookupError) as exc:
            raise ConfigError(f"table {table.name}: {exc}",
                              hint=f"make the model valid for {self.dialect}") from None
        except Exception as exc:  # noqa: BLE001 - SQLAlchemy errors in the user's model
            if type(exc).__module__.startswith("sqlalchemy"):
                raise ConfigError(f"table {table.name}: {exc}") from None
            raise

    def _table(self, table: SATable, cols: list[SAColumn[Any]]) -> Table:
        if self.dialect == "postgresql":
            for col in cols:
                _note_enum(col, self.enums)
        raw = {c.name: self.type_sql(c) for c in cols}
        types = {name: normalize_type(self.dialect, t) for name, t in raw.items()}
        pk_cols = tuple(c.name for c in table.primary_key.columns)
        numbered = table.autoincrement_column  # looked up once: a property, not a field
        columns = tuple(model_column(self, table, c, raw[c.name], types, pk_cols, numbered)
                        for c in cols)
        uniques = [Unique(self.name(c), tuple(col.name for col in c.columns))
                   for c in table.constraints if isinstance(c, UniqueConstraint)]
        indexes: list[Index] = []
        for ix in table.indexes:
            if self.dialect == "mysql" and _fulltext(ix):
                continue  # FULLTEXT and SPATIAL indexes are not modelled
            index = self.index(ix, types)
            if self.dialect == "mysql" and index.unique and index.columns and not index.orders:
                # MySQL cannot tell them apart; a unique index with DESC parts stays an index.
                uniques.append(Unique(index.name, index.columns))
            else:
                indexes.append(index)
        # A CheckConstraint given to a Column is the column's, not in table.constraints.
        constraints = [*table.constraints, *(c for col in cols for c in col.constraints
                                             if c not in table.constraints)]
        checks = [Check(self.name(c), self.expression(c.sqltext, types))
                  for c in constraints if isinstance(c, CheckConstraint) and self.renders(c)]
        fks = [self.foreign_key(c) for c in table.constraints
               if isinstance(c, ForeignKeyConstraint)
               and in_default_schema(c.referred_table, self.dialect)]
        # Only PostgreSQL keeps a primary key's name (MySQL's is PRIMARY, SQLite's unread).
        pk_name = self.name(table.primary_key) if self.dialect == "postgresql" else None
        pk = PrimaryKey(pk_cols, pk_name) if pk_cols else None
        return Table(table.name, columns, pk, tuple(uniques), tuple(indexes), tuple(fks),
                     tuple(checks), table.comment if self.dialect != "sqlite" else None,
                     self.table_options(table, columns) if self.dialect == "sqlite" else ())

    def table_options(self, table: SATable, columns: tuple[Column, ...]) -> tuple[str, ...]:
        """SQLite's AUTOINCREMENT, STRICT and WITHOUT ROWID, where DDL renders them."""
        found = []
        key = list(table.primary_key.columns)
        # SQLAlchemy's rule for PRIMARY KEY AUTOINCREMENT (SQLiteDDLCompiler).
        if dialect_option(table, "sqlite", "autoincrement") and len(key) == 1 \
                and issubclass(key[0].type._type_affinity or type(None), Integer) \
                and not key[0].foreign_keys:
            if not next(c for c in columns if c.name == key[0].name).autoincrement:
                raise ValueError("sqlite_autoincrement needs an INTEGER PRIMARY KEY in a rowid "
                                 "table (https://www.sqlite.org/autoinc.html)")
            found.append("AUTOINCREMENT")
        if dialect_option(table, "sqlite", "strict"):
            found.append("STRICT")
        if dialect_option(table, "sqlite", "with_rowid") is False:
            found.append("WITHOUT ROWID")
        return tuple(found)

    def index(self, ix: SAIndex, types: dict[str, str]) -> Index:
        """An index: plain columns, or all its parts as expressions, each with its order."""
        keyed = [_sort_order(e, ix) for e in ix.expressions]
        parts = [p for p, _, _ in keyed]
        orders = tuple(self.order(ix, desc, nulls) for _, desc, nulls in keyed)
        where_clause = dialect_option(ix, self.dialect, "where") \
            if self.dialect in ("postgresql", "sqlite") else None
        where = self.expression(where_clause, types) if where_clause is not None else None
        name = self.name(ix) or ""
        if all(isinstance(p, SAColumn) for p in parts):
            return Index(name, tuple(p.name for p in parts), bool(ix.unique), where=where,
                         orders=orders)
        return Index(name, unique=bool(ix.unique), where=where, orders=orders,
                     expressions=tuple(self.expression(p, types) for p in parts))

    def order(self, ix: SAIndex, desc: bool, nulls_first: bool | None) -> str:
        """A key part's sort order; DESC only where the server keeps it."""
        if nulls_first is not None and self.dialect != "postgresql":
            raise ValueError(f"index {ix.name}: NULLS FIRST/LAST is for PostgreSQL only")
        if desc and not _keeps_desc(self.dialect, self.flavor):
            desc = False  # parsed and ignored by the server, so never read back
        return normalize_index_order(self.dialect, desc, nulls_first)

    def foreign_key(self, fk: ForeignKeyConstraint) -> ForeignKey:
        """A foreign key with its referential actions and timing."""
        elements = list(fk.elements)
        deferrable, initially = normalize_deferral(self.dialect, fk.deferrable, fk.initially)
        return ForeignKey(self.name(fk), tuple(e.parent.name for e in elements),
                          elements[0].column.table.name, tuple(e.column.name for e in elements),
                          normalize_fk_action(self.dialect, fk.ondelete),
                          normalize_fk_action(self.dialect, fk.onupdate),
                          deferrable, initially)


_COLLATE = re.compile(
    r"""(\s+(CHARACTER SET|COLLATE)\s+("(?:[^"]|"")*"|`(?:[^`]|``)*`|[\w$]+))+$""", re.I)
_ORDERING = (operators.desc_op, operators.asc_op, operators.nulls_first_op,
             operators.nulls_last_op)


def _default_key(arg: Any) -> tuple[Any, ...] | None:
    """A key equal for server defaults that render alike: a string, a text() without
    parameters, true()/false(), or a function called without arguments (``now()``)."""
    if isinstance(arg, str):
        return ("str", arg)
    if isinstance(arg, TextClause) and not arg._bindparams:
        return ("text", arg.text)
    if isinstance(arg, (True_, False_)):
        return (type(arg),)
    if isinstance(arg, FunctionElement):
        try:
            clauses = arg.clauses
        except AttributeError:  # Sequence.next_value(): its sequence is not in its clauses
            return None
        if not len(clauses) and not getattr(arg, "packagenames", ()):
            return (type(arg), getattr(arg, "name", None))
    return None


def _fulltext(ix: SAIndex) -> bool:
    prefix = ix.kwargs.get("mysql_prefix") or ix.kwargs.get("mariadb_prefix") or ""
    return str(prefix).upper() in ("FULLTEXT", "SPATIAL")


def _sort_order(element: Any, ix: SAIndex) -> tuple[Any, bool, bool | None]:
    """An index key part without its ordering, whether DESC, and its NULLS FIRST (or
    None); ``desc("name")`` names a column of the index's table by a string."""
    desc, nulls_first = False, None
    while isinstance(element, UnaryExpression) and element.modifier in _ORDERING:
        if element.modifier in (operators.nulls_first_op, operators.nulls_last_op):
            nulls_first = element.modifier is operators.nulls_first_op
        else:
            desc = element.modifier is operators.desc_op
        element = element.element
    if isinstance(element, _textual_label_reference) and ix.table is not None:
        element = ix.table.c.get(element.element, element)
    return element, desc, nulls_first


def _keeps_desc(dialect: str, flavor: Flavor) -> bool:
    # MySQL before 8.0 and MariaDB before 10.8 parse DESC in an index and ignore it:
    # https://dev.mysql.com/doc/refman/8.0/en/descending-indexes.html
    # https://mariadb.com/kb/en/descending-indexes/
    found = parse_release(dialect, flavor.version or "") if dialect == "mysql" else None
    if found is None:
        return True
    return found.at_least(10, 8) if found.product == "MariaDB" else found.at_least(8, 0)


#: The types an enum may be, or be inside of.
_MAY_BE_ENUM = (SAEnum, TypeDecorator, ARRAY)


def _note_enum(col: SAColumn[Any], found: dict[str, Enum]) -> None:
    """Add the PostgreSQL enum type ``col`` uses (also inside ARRAY, TypeDecorator)."""
    t: Any = col.type
    variants = getattr(t, "_variant_mapping", None)
    if variants:
        t = variants.get("postgresql", t)
    if not isinstance(t, _MAY_BE_ENUM):
        return
    t = t.impl if isinstance(t, TypeDecorator) else t
    t = t.item_type if isinstance(t, ARRAY) else t
    if isinstance(t, SAEnum) and t.native_enum and t.name:
        found[t.name] = Enum(t.name, tuple(t.enums))
