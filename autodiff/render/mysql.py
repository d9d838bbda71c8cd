"""MySQL/MariaDB: AUTO_INCREMENT, inline comments, backslash escapes, no partial indexes."""

from __future__ import annotations

from typing import ClassVar

from autodiff.model import Column, Table
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

    def column_options_sql(self, column: Column) -> str:
        """The column's inline COMMENT."""
        return f"COMMENT {self.literal(column.comment)}" if column.comment is not None else ""

    def table_options_sql(self, table: Table) -> str:
        """The table's COMMENT= option."""
        return f" COMMENT={self.literal(table.comment)}" if table.comment is not None else ""
