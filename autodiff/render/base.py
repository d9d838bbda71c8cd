"""The base SQL renderer: one ``<thing>_sql`` method per schema object.

Dialect subclasses (``sqlite.py``, ``postgresql.py``, ``mysql.py``) set flags and
override a method only where the statement's structure differs. Types, defaults and
expressions are already normalized SQL of the dialect (``normalize.py``) and are
emitted as they are; identifiers always go through :meth:`Renderer.quote`.
"""

from __future__ import annotations

import re
from typing import ClassVar, NoReturn

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from autodiff.dialects import dialect_for
from autodiff.errors import UnsupportedChange
from autodiff.model import (
    Check,
    Column,
    Computed,
    Enum,
    ForeignKey,
    Index,
    PrimaryKey,
    Schema,
    Table,
    Trigger,
    Unique,
    View,
)
from autodiff.normalize import RULES

# Defaults that every dialect accepts after DEFAULT without parentheses.
_SIMPLE_DEFAULT = re.compile(
    r"^(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|TRUE|FALSE|NULL"
    r"|CURRENT_TIMESTAMP(?:\(\d\))?|CURRENT_DATE|CURRENT_TIME)$", re.IGNORECASE)
# A lone quoted identifier: an index key part that is a plain column.
_LONE_IDENTIFIER = re.compile(r'^(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`)$')


class Renderer:
    """Renders schema objects as SQL statements of one dialect."""

    dialect: ClassVar[str]
    #: Foreign keys can only be declared inside CREATE TABLE (SQLite: no ADD CONSTRAINT),
    #: which is fine there because targets are not checked when a table is created.
    INLINE_FOREIGN_KEYS_ONLY: ClassVar[bool] = False
    #: The primary key constraint keeps the name it is given.
    NAMED_PRIMARY_KEY: ClassVar[bool] = True
    #: Table and column comments can be stored.
    COMMENTS: ClassVar[bool] = True
    #: Partial indexes (CREATE INDEX ... WHERE) exist.
    PARTIAL_INDEXES: ClassVar[bool] = True

    def __init__(self) -> None:
        self._dialect = dialect_for(self.dialect)

    # -- helpers ---------------------------------------------------------------
    def quote(self, name: str) -> str:
        """``name`` as a quoted identifier of this dialect."""
        return self._dialect.quote(name)

    def quote_list(self, names: tuple[str, ...]) -> str:
        """``("a", "b")`` -> ``("a", "b")`` quoted, for key column lists."""
        return "(" + ", ".join(self.quote(n) for n in names) + ")"

    def literal(self, text: str) -> str:
        """``text`` as a string literal."""
        return "'" + text.replace("'", "''") + "'"

    def unsupported(self, what: str) -> NoReturn:
        """Raise: this dialect cannot express ``what``."""
        raise UnsupportedChange(f"{self.dialect} cannot express {what}")

    # -- the whole schema ------------------------------------------------------
    def create_schema_sql(self, schema: Schema) -> list[str]:
        """Statements creating ``schema`` in an empty database, in an order that runs."""
        out = [self.create_enum_sql(e) for e in schema.enums]
        created: set[str] = set()
        deferred: list[tuple[Table, ForeignKey]] = []
        for table in _dependency_order(schema.tables):
            inline = tuple(fk for fk in table.foreign_keys if self.INLINE_FOREIGN_KEYS_ONLY
                           or fk.ref_table in created or fk.ref_table == table.name)
            deferred += [(table, fk) for fk in table.foreign_keys if fk not in inline]
            out.append(self.create_table_sql(table, inline))
            out += self.comments_sql(table)
            created.add(table.name)
        out += [self.add_foreign_key_sql(table, fk) for table, fk in deferred]
        out += [self.create_index_sql(t, i) for t in schema.tables for i in t.indexes]
        out += [self.create_view_sql(v) for v in _view_order(schema.views, self.dialect)]
        out += [self.create_trigger_sql(t) for t in schema.triggers]
        return out

    def create_enum_sql(self, enum: Enum) -> str:
        """CREATE TYPE ... AS ENUM (PostgreSQL only)."""
        self.unsupported(f"enum type {enum.name}")

    # -- tables ------------------------------------------------------------------
    def create_table_sql(self, table: Table, foreign_keys: tuple[ForeignKey, ...]) -> str:
        """CREATE TABLE with columns, keys, checks and the given foreign keys inline."""
        items = [self.column_sql(table, c) for c in table.columns]
        if table.primary_key is not None:
            items.append(self.primary_key_sql(table.primary_key))
        items += [self.unique_sql(u) for u in table.uniques]
        items += [self.check_sql(c) for c in table.checks]
        items += [self.foreign_key_sql(fk) for fk in foreign_keys]
        body = ",\n  ".join(items)
        options = self.table_options_sql(table)
        return f"CREATE TABLE {self.quote(table.name)} (\n  {body}\n){options}"

    def table_options_sql(self, table: Table) -> str:
        """What follows the closing parenthesis of CREATE TABLE (MySQL: the comment)."""
        return ""

    def comments_sql(self, table: Table) -> list[str]:
        """Statements setting comments after CREATE TABLE (PostgreSQL's COMMENT ON)."""
        if not self.COMMENTS and (table.comment is not None
                                  or any(c.comment is not None for c in table.columns)):
            self.unsupported(f"comments (table {table.name})")
        return []

    def column_sql(self, table: Table, column: Column) -> str:
        """One column definition inside CREATE TABLE."""
        parts = [
            self.quote(column.name), self.type_sql(table, column),
            self.collate_sql(column.collation) if column.collation else "",
            self.computed_sql(column.computed) if column.computed else "",
            self.identity_sql(table, column),
            "" if column.nullable else "NOT NULL",
            self.default_sql(column) if column.default is not None else "",
            self.column_options_sql(column),
        ]
        return " ".join(p for p in parts if p)

    def type_sql(self, table: Table, column: Column) -> str:
        """The column's type: the normalized type string as it is."""
        return column.type

    def collate_sql(self, collation: str) -> str:
        """COLLATE clause of a column."""
        return f"COLLATE {self.quote(collation)}"

    def computed_sql(self, computed: Computed) -> str:
        """GENERATED ALWAYS AS (...) clause."""
        kind = "STORED" if computed.stored else "VIRTUAL"
        return f"GENERATED ALWAYS AS ({computed.expression}) {kind}"

    def identity_sql(self, table: Table, column: Column) -> str:
        """How the column numbers itself (identity, AUTO_INCREMENT, rowid); may be empty."""
        if column.autoincrement:
            self.unsupported(f"autoincrement on {table.name}.{column.name}")
        return ""

    def default_sql(self, column: Column) -> str:
        """DEFAULT clause; expressions in parentheses, which every dialect accepts."""
        default = column.default or ""
        return f"DEFAULT {default}" if _SIMPLE_DEFAULT.match(default) else f"DEFAULT ({default})"

    def column_options_sql(self, column: Column) -> str:
        """Clauses after the default (MySQL: COMMENT)."""
        return ""

    # -- constraints -------------------------------------------------------------
    def constraint_name_sql(self, name: str | None) -> str:
        """``CONSTRAINT "name" `` or nothing for an unnamed constraint."""
        return f"CONSTRAINT {self.quote(name)} " if name else ""

    def primary_key_sql(self, pk: PrimaryKey) -> str:
        """PRIMARY KEY table constraint."""
        name = self.constraint_name_sql(pk.name) if self.NAMED_PRIMARY_KEY else ""
        return f"{name}PRIMARY KEY {self.quote_list(pk.columns)}"

    def unique_sql(self, unique: Unique) -> str:
        """UNIQUE table constraint."""
        return f"{self.constraint_name_sql(unique.name)}UNIQUE {self.quote_list(unique.columns)}"

    def check_sql(self, check: Check) -> str:
        """CHECK table constraint."""
        return f"{self.constraint_name_sql(check.name)}CHECK ({check.expression})"

    def foreign_key_sql(self, fk: ForeignKey) -> str:
        """FOREIGN KEY table constraint with its referential actions."""
        sql = (f"{self.constraint_name_sql(fk.name)}FOREIGN KEY {self.quote_list(fk.columns)} "
               f"REFERENCES {self.quote(fk.ref_table)} {self.quote_list(fk.ref_columns)}")
        if fk.on_delete:
            sql += f" ON DELETE {fk.on_delete}"
        if fk.on_update:
            sql += f" ON UPDATE {fk.on_update}"
        return sql

    def add_foreign_key_sql(self, table: Table, fk: ForeignKey) -> str:
        """ALTER TABLE ... ADD a foreign key (for tables that reference each other)."""
        if self.INLINE_FOREIGN_KEYS_ONLY:
            self.unsupported(f"adding foreign key {fk.name or fk.columns} to {table.name}")
        return f"ALTER TABLE {self.quote(table.name)} ADD {self.foreign_key_sql(fk)}"

    # -- indexes, views, triggers -------------------------------------------------
    def create_index_sql(self, table: Table, index: Index) -> str:
        """CREATE [UNIQUE] INDEX over columns and/or expressions, partial if ``where``."""
        parts = [self.quote(c) for c in index.columns]
        parts += [self.index_expression_sql(e) for e in index.expressions]
        unique = "UNIQUE " if index.unique else ""
        sql = (f"CREATE {unique}INDEX {self.quote(index.name)} ON {self.quote(table.name)} "
               f"({', '.join(parts)})")
        if index.where is not None:
            if not self.PARTIAL_INDEXES:
                self.unsupported(f"partial index {index.name}")
            sql += f" WHERE {index.where}"
        return sql

    def index_expression_sql(self, expression: str) -> str:
        """One expression key part: in parentheses unless it is a plain column."""
        return expression if _LONE_IDENTIFIER.match(expression) else f"({expression})"

    def create_view_sql(self, view: View) -> str:
        """CREATE VIEW from the stored query."""
        return f"CREATE VIEW {self.quote(view.name)} AS {view.definition}"

    def create_trigger_sql(self, trigger: Trigger) -> str:
        """The trigger's own CREATE TRIGGER statement."""
        return trigger.definition


def _dependency_order(tables: tuple[Table, ...]) -> list[Table]:
    """Tables with each after the tables it references; a cycle is broken by name."""
    pending = {t.name: t for t in tables}
    done: list[Table] = []
    while pending:
        ready = [t for t in pending.values()
                 if all(fk.ref_table not in pending or fk.ref_table == t.name
                        for fk in t.foreign_keys)]
        for table in sorted(ready or [min(pending.values(), key=lambda t: t.name)],
                            key=lambda t: t.name):
            done.append(pending.pop(table.name))
    return done


def _reads(sql: str, dialect: str) -> set[str] | None:
    """The names a view's query reads from (FROM, JOIN ...); None if it cannot be parsed."""
    try:
        tree = sqlglot.parse_one(sql, read=RULES[dialect].sqlglot)
    except (SqlglotError, ValueError, TypeError):
        return None
    return {t.name for t in tree.find_all(exp.Table)}


def _view_order(views: tuple[View, ...], dialect: str) -> list[View]:
    """Views after the views they read from (by name mention when a query cannot be parsed)."""
    pending = {v.name: v for v in views}
    reads = {v.name: _reads(v.definition, dialect) for v in views}

    def waits(view: View, other: str) -> bool:
        names = reads[view.name]
        if names is None:
            return re.search(rf"(?<![\w$]){re.escape(other)}(?![\w$])", view.definition) is not None
        return other in names

    done: list[View] = []
    while pending:
        ready = [v for v in pending.values()
                 if not any(other != v.name and waits(v, other) for other in pending)]
        for view in sorted(ready or [min(pending.values(), key=lambda v: v.name)],
                           key=lambda v: v.name):
            done.append(pending.pop(view.name))
    return done
