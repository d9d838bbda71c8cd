"""SQLite: foreign keys only inline, no comments, autoincrement is the rowid alias."""

from __future__ import annotations

from typing import ClassVar

from autodiff.model import Column, Table
from autodiff.render.base import Renderer


class SQLiteRenderer(Renderer):
    dialect = "sqlite"
    #: No ALTER TABLE ... ADD CONSTRAINT; targets are not checked at CREATE TABLE.
    #: https://www.sqlite.org/lang_altertable.html
    INLINE_FOREIGN_KEYS_ONLY: ClassVar[bool] = True
    #: A primary key's CONSTRAINT name is accepted but recorded nowhere.
    NAMED_PRIMARY_KEY: ClassVar[bool] = False
    COMMENTS: ClassVar[bool] = False

    def type_sql(self, table: Table, column: Column) -> str:
        """The type, INT for a sole INTEGER key that must not be the rowid alias."""
        # A sole primary key column declared exactly INTEGER becomes the rowid alias,
        # which numbers itself; INT keeps the same affinity without that meaning.
        # https://www.sqlite.org/lang_createtable.html#rowid
        if column.type == "integer" and _sole_key(table) == column.name \
                and not column.autoincrement:
            return "INT"
        return column.type

    def identity_sql(self, table: Table, column: Column) -> str:
        """Nothing: the rowid alias numbers itself; anything else cannot."""
        if column.autoincrement and not (column.type == "integer"
                                         and _sole_key(table) == column.name):
            self.unsupported(f"autoincrement on {table.name}.{column.name} "
                             "(only a sole INTEGER PRIMARY KEY numbers itself)")
        return ""


def _sole_key(table: Table) -> str | None:
    pk = table.primary_key
    return pk.columns[0] if pk is not None and len(pk.columns) == 1 else None
