"""SQL for schema objects: column definitions, constraints, CREATE TABLE/INDEX/VIEW.

The op renderer (``base.py``) builds its statements from these pieces. Dialect
subclasses set flags and override a method only where the SQL's structure differs.
Types, defaults and expressions are already normalized SQL of the dialect
(``normalize.py``) and are emitted as they are; identifiers always go through
:meth:`ObjectRenderer.quote`.
"""

from __future__ import annotations

import re
from typing import ClassVar, NoReturn

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
    Table,
    Trigger,
    Unique,
    View,
)

# Defaults that every dialect accepts after DEFAULT without parentheses.
_SIMPLE_DEFAULT = re.compile(
    r"^(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|TRUE|FALSE|NULL"
    r"|CURRENT_TIMESTAMP(?:\(\d\))?|CURRENT_DATE|CURRENT_TIME)$", re.IGNORECASE)
# A lone quoted identifier: an index key part that is a plain column.
_LONE_IDENTIFIER = re.compile(r'^(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`)$')


class ObjectRenderer:
    """Renders schema objects as SQL fragments and statements of one dialect."""

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
    #: Table.options (SQLite's AUTOINCREMENT, STRICT, WITHOUT ROWID) can be expressed.
    TABLE_OPTIONS: ClassVar[bool] = False

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

    # -- tables ------------------------------------------------------------------
    def table_sql(self, table: Table, foreign_keys: tuple[ForeignKey, ...]) -> str:
        """CREATE TABLE with columns, keys, checks and the given foreign keys inline."""
        if table.options and not self.TABLE_OPTIONS:
            self.unsupported(f"table options {', '.join(table.options)} (table {table.name})")
        items = [self.column_sql(table, c) for c in table.columns]
        if table.primary_key is not None and not self.key_on_column(table):
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

    def key_on_column(self, table: Table) -> bool:
        """Whether the primary key is declared on its column, not as a table constraint."""
        return False

    def comments_sql(self, table: Table) -> list[str]:
        """Statements setting comments after CREATE TABLE (PostgreSQL's COMMENT ON)."""
        if not self.COMMENTS and (table.comment is not None
                                  or any(c.comment is not None for c in table.columns)):
            self.unsupported(f"comments (table {table.name})")
        return []

    def column_sql(self, table: Table, column: Column) -> str:
        """One column definition inside CREATE TABLE (or ADD COLUMN)."""
        parts = [
            self.quote(column.name), self.type_sql(table, column),
            self.collate_sql(column.collation) if column.collation else "",
            self.computed_sql(column.computed) if column.computed else "",
            self.identity_sql(table, column),
            "" if column.nullable else "NOT NULL",
            self.default_sql(column) if column.default is not None else "",
            self.on_update_sql(table, column) if column.on_update is not None else "",
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

    def default_expression(self, default: str) -> str:
        """A default as it follows DEFAULT: expressions in parentheses, as all dialects accept."""
        return default if _SIMPLE_DEFAULT.match(default) else f"({default})"

    def default_sql(self, column: Column) -> str:
        """DEFAULT clause."""
        return f"DEFAULT {self.default_expression(column.default or '')}"

    def on_update_sql(self, table: Table, column: Column) -> str:
        """MySQL's ON UPDATE clause: no other dialect has one."""
        self.unsupported(f"ON UPDATE {column.on_update} (column {table.name}.{column.name})")

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
        if fk.deferrable:
            sql += " DEFERRABLE" + (f" INITIALLY {fk.initially}" if fk.initially else "")
        return sql

    # -- indexes, views, triggers, enums --------------------------------------------
    def index_sql(self, table: str, index: Index) -> str:
        """CREATE [UNIQUE] INDEX over columns and/or expressions, partial if ``where``."""
        keys = [self.quote(c) for c in index.columns]
        keys += [self.index_expression_sql(e) for e in index.expressions]
        parts = [f"{key} {order}" if order else key
                 for key, (_, order) in zip(keys, index.parts(), strict=True)]
        unique = "UNIQUE " if index.unique else ""
        sql = (f"CREATE {unique}INDEX {self.quote(index.name)} ON {self.quote(table)} "
               f"({', '.join(parts)})")
        if index.where is not None:
            if not self.PARTIAL_INDEXES:
                self.unsupported(f"partial index {index.name}")
            sql += f" WHERE {index.where}"
        return sql

    def index_expression_sql(self, expression: str) -> str:
        """One expression key part: in parentheses unless it is a plain column."""
        return expression if _LONE_IDENTIFIER.match(expression) else f"({expression})"

    def view_sql(self, view: View) -> str:
        """CREATE VIEW from the stored query."""
        return f"CREATE VIEW {self.quote(view.name)} AS {view.definition}"

    def trigger_sql(self, trigger: Trigger) -> str:
        """The trigger's own CREATE TRIGGER statement."""
        return trigger.definition

    def enum_sql(self, enum: Enum) -> str:
        """CREATE TYPE ... AS ENUM (PostgreSQL only)."""
        self.unsupported(f"enum type {enum.name}")
