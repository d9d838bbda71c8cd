"""The base SQL renderer: one ``<op>_sql`` method per op type, plus whole-schema CREATE.

Each ``<op>_sql(op)`` returns the op's statements (no trailing semicolons), one
statement where the dialect allows it. The base class writes the SQL-standard form
(which PostgreSQL takes as it is); ``sqlite.py`` and ``mysql.py`` override only what
differs, and whatever a dialect cannot express raises :class:`UnsupportedChange`
naming the op, so nothing is ever silently dropped.
"""

from __future__ import annotations

import re
from typing import NoReturn

from autodiff import ops
from autodiff.depends import table_order, view_order
from autodiff.errors import UnsupportedChange
from autodiff.model import Column, ForeignKey, Schema, Table
from autodiff.render.objects import ObjectRenderer


def _method_name(op_type: type[ops.Op]) -> str:
    """``AddColumn`` -> ``add_column_sql``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op_type.__name__).lower() + "_sql"


class Renderer(ObjectRenderer):
    """Renders planned ops (and whole schemas) as statements of one dialect."""

    def render(self, op: ops.Op) -> list[str]:
        """The statements that carry out ``op``."""
        method = getattr(self, _method_name(type(op)), None)
        if method is None:
            self.cannot(op)
        statements: list[str] = method(op)
        return statements

    def cannot(self, op: ops.Op, why: str = "") -> NoReturn:
        """Raise UnsupportedChange for ``op``, saying why where that helps."""
        raise UnsupportedChange(f"{self.dialect} cannot express: {op.describe()}"
                                + (f" ({why})" if why else ""),
                                hint=f"write this step by hand for {self.dialect}")

    def alter_table(self, table: str, *actions: str) -> str:
        """``ALTER TABLE t action``; several actions one per line, comma-separated."""
        head = f"ALTER TABLE {self.quote(table)}"
        if len(actions) == 1:
            return f"{head} {actions[0]}"
        return head + "\n  " + ",\n  ".join(actions)

    def named(self, op: ops.Op, name: str | None) -> str:
        """The quoted name of the constraint ``op`` drops; an unnamed one cannot be dropped."""
        if name is None:
            self.cannot(op, "the constraint has no name to drop it by")
        return self.quote(name)

    # -- the whole schema ------------------------------------------------------
    def create_schema_sql(self, schema: Schema) -> list[str]:
        """Statements creating ``schema`` in an empty database, in an order that runs."""
        out = [s for e in schema.enums for s in self.create_enum_sql(ops.CreateEnum(e))]
        out += [s for q in schema.sequences
                for s in self.create_sequence_sql(ops.CreateSequence(q))]
        created: set[str] = set()
        deferred: list[tuple[Table, ForeignKey]] = []
        for table in table_order(schema.tables):
            inline = tuple(fk for fk in table.foreign_keys if self.INLINE_FOREIGN_KEYS_ONLY
                           or fk.ref_table in created or fk.ref_table == table.name)
            deferred += [(table, fk) for fk in table.foreign_keys if fk not in inline]
            out.append(self.table_sql(table, inline))
            out += self.comments_sql(table)
            created.add(table.name)
        for table, fk in deferred:
            out += self.add_foreign_key_sql(ops.AddForeignKey(table.name, fk))
        out += [self.index_sql(t.name, i) for t in schema.tables for i in t.indexes]
        out += [self.view_sql(v) for v in view_order(schema.views, self.dialect)]
        out += [self.trigger_sql(t) for t in schema.triggers]
        return out

    # -- tables ------------------------------------------------------------------
    def create_table_sql(self, op: ops.CreateTable) -> list[str]:
        """CREATE TABLE with its foreign keys inline, then its comments and indexes.

        plan() leaves inline only the foreign keys whose target exists by then.
        """
        table = op.table
        return [self.table_sql(table, table.foreign_keys), *self.comments_sql(table),
                *(self.index_sql(table.name, ix) for ix in table.indexes)]

    def drop_table_sql(self, op: ops.DropTable) -> list[str]:
        """DROP TABLE."""
        return [f"DROP TABLE {self.quote(op.table.name)}"]

    def rename_table_sql(self, op: ops.RenameTable) -> list[str]:
        """ALTER TABLE ... RENAME TO."""
        return [self.alter_table(op.old, f"RENAME TO {self.quote(op.new)}")]

    def set_table_comment_sql(self, op: ops.SetTableComment) -> list[str]:
        """COMMENT ON TABLE."""
        if not self.COMMENTS:
            self.cannot(op, "no comments")
        text = "NULL" if op.desired is None else self.literal(op.desired)
        return [f"COMMENT ON TABLE {self.quote(op.table)} IS {text}"]

    def rebuild_table_sql(self, op: ops.RebuildTable) -> list[str]:
        """A table rebuild is SQLite's recipe only."""
        self.cannot(op, "table rebuilds are for SQLite")

    # -- columns -------------------------------------------------------------------
    def add_column_sql(self, op: ops.AddColumn) -> list[str]:
        """ALTER TABLE ... ADD COLUMN, and its comment."""
        table = Table(op.table, (op.column,))
        return [self.alter_table(op.table, f"ADD COLUMN {self.column_sql(table, op.column)}"),
                *self.column_comment_sql(op.table, op.column)]

    def column_comment_sql(self, table: str, column: Column) -> list[str]:
        """Statements setting a column's comment outside its definition (PostgreSQL)."""
        if column.comment is not None and not self.COMMENTS:
            self.unsupported(f"comments (column {table}.{column.name})")
        return []

    def drop_column_sql(self, op: ops.DropColumn) -> list[str]:
        """ALTER TABLE ... DROP COLUMN."""
        return [self.alter_table(op.table, f"DROP COLUMN {self.quote(op.column.name)}")]

    def rename_column_sql(self, op: ops.RenameColumn) -> list[str]:
        """ALTER TABLE ... RENAME COLUMN."""
        return [self.alter_table(op.table, f"RENAME COLUMN {self.quote(op.old)} "
                                           f"TO {self.quote(op.new)}")]

    def alter_column_sql(self, op: ops.AlterColumn) -> list[str]:
        """No standard form that every dialect shares: each dialect writes its own."""
        self.cannot(op)

    # -- keys and constraints ---------------------------------------------------------
    def set_primary_key_sql(self, op: ops.SetPrimaryKey) -> list[str]:
        """Drop the old primary key constraint and add the new one, in one statement."""
        actions = []
        if op.current is not None:
            # An unnamed key got PostgreSQL's default name <table>_pkey.
            # https://www.postgresql.org/docs/15/sql-createtable.html
            actions.append(f"DROP CONSTRAINT {self.quote(op.current.name or op.table + '_pkey')}")
        if op.desired is not None:
            actions.append(f"ADD {self.primary_key_sql(op.desired)}")
        return [self.alter_table(op.table, *actions)]

    def add_unique_sql(self, op: ops.AddUnique) -> list[str]:
        """ALTER TABLE ... ADD [CONSTRAINT name] UNIQUE."""
        return [self.alter_table(op.table, f"ADD {self.unique_sql(op.unique)}")]

    def drop_unique_sql(self, op: ops.DropUnique) -> list[str]:
        """ALTER TABLE ... DROP CONSTRAINT."""
        return [self.alter_table(op.table, f"DROP CONSTRAINT {self.named(op, op.unique.name)}")]

    def add_check_sql(self, op: ops.AddCheck) -> list[str]:
        """ALTER TABLE ... ADD [CONSTRAINT name] CHECK."""
        return [self.alter_table(op.table, f"ADD {self.check_sql(op.check)}")]

    def drop_check_sql(self, op: ops.DropCheck) -> list[str]:
        """ALTER TABLE ... DROP CONSTRAINT."""
        return [self.alter_table(op.table, f"DROP CONSTRAINT {self.named(op, op.check.name)}")]

    def add_foreign_key_sql(self, op: ops.AddForeignKey) -> list[str]:
        """ALTER TABLE ... ADD [CONSTRAINT name] FOREIGN KEY."""
        if self.INLINE_FOREIGN_KEYS_ONLY:
            self.cannot(op, "foreign keys exist only inside CREATE TABLE")
        return [self.alter_table(op.table, f"ADD {self.foreign_key_sql(op.foreign_key)}")]

    def drop_foreign_key_sql(self, op: ops.DropForeignKey) -> list[str]:
        """ALTER TABLE ... DROP CONSTRAINT."""
        name = self.named(op, op.foreign_key.name)
        return [self.alter_table(op.table, f"DROP CONSTRAINT {name}")]

    # -- indexes, views, triggers ---------------------------------------------------------
    def create_index_sql(self, op: ops.CreateIndex) -> list[str]:
        """CREATE [UNIQUE] INDEX."""
        return [self.index_sql(op.table, op.index)]

    def drop_index_sql(self, op: ops.DropIndex) -> list[str]:
        """DROP INDEX (index names are per schema)."""
        return [f"DROP INDEX {self.quote(op.index.name)}"]

    def create_view_sql(self, op: ops.CreateView) -> list[str]:
        """CREATE VIEW."""
        return [self.view_sql(op.view)]

    def drop_view_sql(self, op: ops.DropView) -> list[str]:
        """DROP VIEW."""
        return [f"DROP VIEW {self.quote(op.view.name)}"]

    def create_trigger_sql(self, op: ops.CreateTrigger) -> list[str]:
        """The trigger's CREATE TRIGGER statement as it was read or written."""
        return [self.trigger_sql(op.trigger)]

    def drop_trigger_sql(self, op: ops.DropTrigger) -> list[str]:
        """DROP TRIGGER (trigger names are per schema)."""
        return [f"DROP TRIGGER {self.quote(op.trigger.name)}"]

    # -- enums (PostgreSQL) --------------------------------------------------------------
    def create_enum_sql(self, op: ops.CreateEnum) -> list[str]:
        """Only PostgreSQL has enum types of their own."""
        self.cannot(op, "no enum types")

    def drop_enum_sql(self, op: ops.DropEnum) -> list[str]:
        """Only PostgreSQL has enum types of their own."""
        self.cannot(op, "no enum types")

    def add_enum_values_sql(self, op: ops.AddEnumValues) -> list[str]:
        """Only PostgreSQL has enum types of their own."""
        self.cannot(op, "no enum types")

    def replace_enum_sql(self, op: ops.ReplaceEnum) -> list[str]:
        """Only PostgreSQL has enum types of their own."""
        self.cannot(op, "no enum types")

    # -- sequences (PostgreSQL) ------------------------------------------------------------
    # MariaDB has CREATE SEQUENCE too, but sequences are modelled on PostgreSQL only.
    def create_sequence_sql(self, op: ops.CreateSequence) -> list[str]:
        """Sequences are modelled on PostgreSQL only."""
        self.cannot(op, "sequences are modelled on PostgreSQL only")

    def drop_sequence_sql(self, op: ops.DropSequence) -> list[str]:
        """Sequences are modelled on PostgreSQL only."""
        self.cannot(op, "sequences are modelled on PostgreSQL only")

    def alter_sequence_sql(self, op: ops.AlterSequence) -> list[str]:
        """Sequences are modelled on PostgreSQL only."""
        self.cannot(op, "sequences are modelled on PostgreSQL only")
