"""MySQL/MariaDB: MODIFY COLUMN, AUTO_INCREMENT, inline comments, backslash escapes.

Statements use the forms both servers share (MySQL 8.0.19+, MariaDB 10.5.2+):
``RENAME COLUMN``, ``DROP CONSTRAINT`` for checks, ``DROP INDEX`` for unique keys.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from autodiff import ops
from autodiff.innodb import generated_name
from autodiff.model import Column, ForeignKey, Table
from autodiff.normalize import type_base
from autodiff.render.base import Renderer

# Types whose literal defaults MySQL 8 only accepts as an expression in parentheses.
# https://dev.mysql.com/doc/refman/8.0/en/data-type-defaults.html
_EXPRESSION_DEFAULT_ONLY = {"tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob",
                            "mediumblob", "longblob", "json", "geometry"}


class MySQLRenderer(Renderer):
    dialect = "mysql"
    #: The primary key is always called PRIMARY.
    NAMED_PRIMARY_KEY: ClassVar[bool] = False
    #: No CREATE INDEX ... WHERE in MySQL or MariaDB.
    PARTIAL_INDEXES: ClassVar[bool] = False

    def literal(self, text: str) -> str:
        """A string literal with quotes and backslashes escaped."""
        # Backslash escapes are on unless sql_mode has NO_BACKSLASH_ESCAPES.
        # https://dev.mysql.com/doc/refman/8.0/en/string-literals.html
        return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

    def identity_sql(self, table: Table, column: Column) -> str:
        """AUTO_INCREMENT for an autoincrement column."""
        return "AUTO_INCREMENT" if column.autoincrement else ""

    def default_sql(self, column: Column) -> str:
        """DEFAULT clause; always an expression on TEXT, BLOB and JSON columns."""
        if type_base(column.type) in _EXPRESSION_DEFAULT_ONLY:
            return f"DEFAULT ({column.default})"
        return super().default_sql(column)

    def on_update_sql(self, table: Table, column: Column) -> str:
        """ON UPDATE CURRENT_TIMESTAMP[(fsp)], after the default as the servers print it."""
        return f"ON UPDATE {column.on_update}"

    def column_options_sql(self, column: Column) -> str:
        """The column's inline COMMENT."""
        return f"COMMENT {self.literal(column.comment)}" if column.comment is not None else ""

    def foreign_key_sql(self, fk: ForeignKey) -> str:
        """FOREIGN KEY constraint; neither server has deferred constraints."""
        # https://dev.mysql.com/doc/refman/8.0/en/ansi-diff-foreign-keys.html
        if fk.deferrable:
            self.unsupported(f"a DEFERRABLE foreign key ({', '.join(fk.columns)})")
        if generated_name(fk.name):
            # Left for InnoDB to give again: spelled out, it would name the key's index
            # too, which InnoDB names after the first column when it names the key.
            fk = replace(fk, name=None)
        return super().foreign_key_sql(fk)

    def table_options_sql(self, table: Table) -> str:
        """The table's COMMENT= option."""
        return f" COMMENT={self.literal(table.comment)}" if table.comment is not None else ""

    # -- ops ----------------------------------------------------------------------
    def add_foreign_key_sql(self, op: ops.AddForeignKey) -> list[str]:
        """ALTER TABLE ... ADD FOREIGN KEY, never DEFERRABLE."""
        if op.foreign_key.deferrable:
            self.cannot(op, "no deferred constraints")
        return super().add_foreign_key_sql(op)

    def rename_table_sql(self, op: ops.RenameTable) -> list[str]:
        """RENAME TABLE."""
        return [f"RENAME TABLE {self.quote(op.old)} TO {self.quote(op.new)}"]

    def rename_column_sql(self, op: ops.RenameColumn) -> list[str]:
        """RENAME COLUMN; CHANGE COLUMN restating a JSON column, which renames its check too.

        MariaDB's JSON is LONGTEXT with a CHECK (json_valid(col)) named after the column:
        RENAME COLUMN rewrites the check's expression but keeps its old name, CHANGE
        COLUMN creates the check anew. https://mariadb.com/kb/en/json-data-type/
        """
        # In the same statement, so that if the index is not there nothing changes.
        index = [f"RENAME INDEX {self.quote(op.old)} TO {self.quote(op.new)}"] \
            if op.implicit_index else []
        if op.column is None or op.column.type != "json":
            renamed = f"RENAME COLUMN {self.quote(op.old)} TO {self.quote(op.new)}"
            return [self.alter_table(op.table, renamed, *index)]
        column = replace(op.column, name=op.new)
        definition = self.column_sql(Table(op.table, (column,)), column)
        return [self.alter_table(op.table, f"CHANGE COLUMN {self.quote(op.old)} {definition}",
                                 *index)]

    def set_table_comment_sql(self, op: ops.SetTableComment) -> list[str]:
        """ALTER TABLE ... COMMENT = (an empty comment is no comment)."""
        return [self.alter_table(op.table, f"COMMENT = {self.literal(op.desired or '')}")]

    def alter_column_sql(self, op: ops.AlterColumn) -> list[str]:
        """MODIFY COLUMN restating the whole desired column (what is left out is lost)."""
        # https://dev.mysql.com/doc/refman/8.0/en/alter-table.html#alter-table-redefine-column
        current, desired = op.current.computed, op.desired.computed
        if current is not None and desired is not None and current.stored != desired.stored:
            # https://mariadb.com/kb/en/generated-columns/#statement-support
            self.cannot(op, "a generated column cannot switch between VIRTUAL and STORED")
        column = self.column_sql(Table(op.table, (op.desired,)), op.desired)
        return [self.alter_table(op.table, f"MODIFY COLUMN {column}")]

    def set_primary_key_sql(self, op: ops.SetPrimaryKey) -> list[str]:
        """DROP PRIMARY KEY and ADD PRIMARY KEY in one statement.

        One statement, so an AUTO_INCREMENT column (which must stay the first column of
        some key) is never without one in between.
        """
        actions = ["DROP PRIMARY KEY"] if op.current is not None else []
        if op.desired is not None:
            actions.append(f"ADD {self.primary_key_sql(op.desired)}")
        return [self.alter_table(op.table, *actions)]

    def drop_unique_sql(self, op: ops.DropUnique) -> list[str]:
        """A unique key is an index: DROP INDEX."""
        return [self.alter_table(op.table, f"DROP INDEX {self.named(op, op.unique.name)}")]

    def drop_index_sql(self, op: ops.DropIndex) -> list[str]:
        """DROP INDEX ... ON table: index names are per table."""
        return [f"DROP INDEX {self.quote(op.index.name)} ON {self.quote(op.table)}"]

    def drop_foreign_key_sql(self, op: ops.DropForeignKey) -> list[str]:
        """DROP FOREIGN KEY (the index InnoDB made for it is a separate DropIndex)."""
        name = self.named(op, op.foreign_key.name)
        return [self.alter_table(op.table, f"DROP FOREIGN KEY {name}")]
