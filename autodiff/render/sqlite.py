"""SQLite: foreign keys only inline, no comments, the rowid alias, and the table rebuild.

SQLite's ALTER TABLE can rename a table or a column and add a column; everything
else is the documented 12-step rebuild, which ``plan()`` groups into a RebuildTable.
https://www.sqlite.org/lang_altertable.html
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from autodiff import ops
from autodiff.model import Column, Table
from autodiff.plan_sqlite import addable_in_place
from autodiff.render.base import Renderer

#: The rebuilt table's name until the old one is dropped.
REBUILD_PREFIX = "_autodiff_new_"


class SQLiteRenderer(Renderer):
    dialect = "sqlite"
    #: No ALTER TABLE ... ADD CONSTRAINT; targets are not checked at CREATE TABLE.
    #: https://www.sqlite.org/lang_altertable.html
    INLINE_FOREIGN_KEYS_ONLY: ClassVar[bool] = True
    #: A primary key's CONSTRAINT name is accepted but recorded nowhere.
    NAMED_PRIMARY_KEY: ClassVar[bool] = False
    COMMENTS: ClassVar[bool] = False
    TABLE_OPTIONS: ClassVar[bool] = True

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
        """The rowid alias numbers itself (AUTOINCREMENT only as its column's constraint);
        no other column can."""
        if column.autoincrement and not (column.type == "integer"
                                         and _sole_key(table) == column.name):
            self.unsupported(f"autoincrement on {table.name}.{column.name} "
                             "(only a sole INTEGER PRIMARY KEY numbers itself)")
        return "PRIMARY KEY AUTOINCREMENT" if self.key_on_column(table) \
            and column.name == _sole_key(table) else ""

    def key_on_column(self, table: Table) -> bool:
        """With AUTOINCREMENT: https://www.sqlite.org/autoinc.html allows it only after
        the rowid alias's own PRIMARY KEY."""
        if "AUTOINCREMENT" not in table.options:
            return False
        column = table.column(_sole_key(table) or "")
        if column is None or not column.autoincrement or "WITHOUT ROWID" in table.options:
            self.unsupported(f"AUTOINCREMENT on table {table.name}, which has no INTEGER "
                             "PRIMARY KEY numbering its rows")
        return True

    def table_options_sql(self, table: Table) -> str:
        """STRICT and WITHOUT ROWID, after the closing parenthesis."""
        # https://www.sqlite.org/lang_createtable.html: table-options, comma-separated.
        after = [o for o in table.options if o != "AUTOINCREMENT"]
        return " " + ", ".join(after) if after else ""

    # -- ops ----------------------------------------------------------------------
    def add_column_sql(self, op: ops.AddColumn) -> list[str]:
        """ADD COLUMN, where SQLite allows it (else plan() rebuilds the table)."""
        # https://www.sqlite.org/lang_altertable.html#altertabaddcol
        if not addable_in_place(op.column):
            self.cannot(op, "ADD COLUMN takes no NOT NULL without a default, no expression "
                            "default and no stored generated column: rebuild the table")
        return super().add_column_sql(op)

    def _rebuild_only(self, op: ops.Op) -> list[str]:
        self.cannot(op, "SQLite does this by rebuilding the table (plan() groups it)")

    alter_column_sql = _rebuild_only
    set_primary_key_sql = _rebuild_only
    add_unique_sql = _rebuild_only
    drop_unique_sql = _rebuild_only
    add_check_sql = _rebuild_only
    drop_check_sql = _rebuild_only
    add_foreign_key_sql = _rebuild_only
    drop_foreign_key_sql = _rebuild_only
    set_table_options_sql = _rebuild_only

    def rebuild_table_sql(self, op: ops.RebuildTable) -> list[str]:
        """The 12-step rebuild, inside the script's transaction (foreign keys off).

        https://www.sqlite.org/lang_altertable.html#otheralter: the new table is created
        under a temporary name, rows are copied, the old table dropped and the new one
        renamed; indexes and triggers go with the old table and are created again.
        Views and triggers elsewhere that mention the table are dropped first and
        created again last: RENAME checks every view and trigger in the schema, and
        fails on one that names a table that is missing at that moment.
        """
        name, temp = op.table_name, REBUILD_PREFIX + op.table_name
        out = [f"DROP TRIGGER {self.quote(t.name)}" for t in op.triggers]
        out += [f"DROP VIEW {self.quote(v.name)}" for v in reversed(op.views)]
        out.append(self.table_sql(replace(op.desired, name=temp), op.desired.foreign_keys))
        if op.column_map:
            out.append(self._copy_rows(op, temp))
        if "AUTOINCREMENT" in op.current.options and "AUTOINCREMENT" in op.desired.options:
            out += self._keep_sequence(name, temp)
        out += [f"DROP TABLE {self.quote(name)}",
                self.alter_table(temp, f"RENAME TO {self.quote(name)}")]
        out += [self.index_sql(name, ix) for ix in op.desired.indexes]
        out += [self.view_sql(v) for v in op.views]
        out += [self.trigger_sql(t) for t in op.triggers]
        return out

    def _keep_sequence(self, name: str, temp: str) -> list[str]:
        # AUTOINCREMENT's high-water mark: the copy sets it to the largest number copied,
        # and a number deleted above that would be given out again.
        # https://www.sqlite.org/autoinc.html
        return [f"DELETE FROM sqlite_sequence WHERE name = {self.literal(temp)}",
                f"INSERT INTO sqlite_sequence (name, seq)\n"
                f"SELECT {self.literal(temp)}, seq FROM sqlite_sequence "
                f"WHERE name = {self.literal(name)}"]

    def _copy_rows(self, op: ops.RebuildTable, temp: str) -> str:
        # Columns left out (new ones) take their default; generated ones are computed.
        into = ", ".join(self.quote(new) for new, _ in op.column_map)
        source = ", ".join(self.quote(old) for _, old in op.column_map)
        return (f"INSERT INTO {self.quote(temp)} ({into})\n"
                f"SELECT {source} FROM {self.quote(op.table_name)}")


def _sole_key(table: Table) -> str | None:
    pk = table.primary_key
    return pk.columns[0] if pk is not None and len(pk.columns) == 1 else None
