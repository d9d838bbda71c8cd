"""Operations on tables and what lives inside them: columns, keys, indexes, checks."""

from __future__ import annotations

from dataclasses import field, replace

from autodiff.model import (
    Check,
    Column,
    ForeignKey,
    Index,
    PrimaryKey,
    Table,
    Trigger,
    Unique,
    View,
)
from autodiff.ops.base import Op, TableOp
from autodiff.typenames import narrows


class CreateTable(Op):
    table: Table

    @property
    def table_name(self) -> str:
        return self.table.name

    def reverse(self) -> Op:
        return DropTable(self.table)

    def describe(self) -> str:
        return f"create table {self.table.name}"


class DropTable(Op):
    table: Table
    destructive = True

    @property
    def table_name(self) -> str:
        return self.table.name

    def reverse(self) -> Op:
        return CreateTable(self.table)

    def describe(self) -> str:
        return f"drop table {self.table.name}"


class RenameTable(Op):
    old: str
    new: str

    @property
    def table_name(self) -> str:
        return self.old

    def reverse(self) -> Op:
        return RenameTable(self.new, self.old)

    def describe(self) -> str:
        return f"rename table {self.old} to {self.new}"


class AddColumn(TableOp):
    column: Column

    def reverse(self) -> Op:
        return DropColumn(self.table, self.column)

    def describe(self) -> str:
        return f"add column {self.table}.{self.column.name} ({self.column.type})"


class DropColumn(TableOp):
    column: Column
    destructive = True

    def reverse(self) -> Op:
        return AddColumn(self.table, self.column)

    def describe(self) -> str:
        return f"drop column {self.table}.{self.column.name}"


class RenameColumn(TableOp):
    """Rename a column; ``column`` is the column as it is before, where the differ knew it.

    A renderer may need the whole column: MariaDB's JSON check is named after the
    column, and only a statement that restates the column renames it too.
    """

    old: str
    new: str
    column: Column | None = field(default=None, compare=False)
    #: MySQL: the index InnoDB made for a foreign key is named after this column, and is
    #: renamed with it (the plan sets this; the schema model does not hold that index).
    implicit_index: bool = field(default=False, compare=False)

    def reverse(self) -> Op:
        column = self.column and replace(self.column, name=self.new)
        return RenameColumn(self.table, self.new, self.old, column, self.implicit_index)

    def describe(self) -> str:
        return f"rename column {self.table}.{self.old} to {self.new}"


#: The attributes of a column an AlterColumn can change.
COLUMN_CHANGES = ("type", "nullable", "default", "autoincrement", "computed", "collation",
                  "comment", "identity")


class AlterColumn(TableOp):
    """A change of one column; carries both whole columns (MySQL restates the whole)."""

    current: Column
    desired: Column
    changes: frozenset[str] = field(default_factory=frozenset)
    #: Whose types these are, to tell a widening from a narrowing ("": unknown).
    dialect: str = field(default="", compare=False)

    @property
    def destructive(self) -> bool:  # type: ignore[override]
        # A type change can truncate or fail to convert, unless it only widens (a longer
        # VARCHAR, a bigger integer); computed changes drop stored data.
        if "computed" in self.changes:
            return True
        return "type" in self.changes and narrows(self.current.type, self.desired.type,
                                                  self.dialect)

    def reverse(self) -> Op:
        return AlterColumn(self.table, self.desired, self.current, self.changes, self.dialect)

    def describe(self) -> str:
        words = []
        c, d = self.current, self.desired
        if "type" in self.changes:
            words.append(f"type {c.type} -> {d.type}")
        if "nullable" in self.changes:
            words.append("drop NOT NULL" if d.nullable else "set NOT NULL")
        if "default" in self.changes:
            words.append(f"default {c.default or 'none'} -> {d.default or 'none'}")
        if "on_update" in self.changes:
            words.append(f"on update {c.on_update or 'none'} -> {d.on_update or 'none'}")
        words += [name for name in sorted(self.changes) if name not in
                  ("type", "nullable", "default", "on_update")]
        return f"alter column {self.table}.{c.name}: {', '.join(words)}"


class SetPrimaryKey(TableOp):
    """Replace (or add, or remove) a table's primary key."""

    current: PrimaryKey | None
    desired: PrimaryKey | None

    def reverse(self) -> Op:
        return SetPrimaryKey(self.table, self.desired, self.current)

    def describe(self) -> str:
        if self.desired is None:
            return f"drop primary key of {self.table}"
        return f"set primary key of {self.table} to ({', '.join(self.desired.columns)})"


class AddUnique(TableOp):
    unique: Unique

    def reverse(self) -> Op:
        return DropUnique(self.table, self.unique)

    def describe(self) -> str:
        return f"add unique {self.unique.name or ''} on {self.table} " \
               f"({', '.join(self.unique.columns)})".replace("  ", " ")


class DropUnique(TableOp):
    unique: Unique

    def reverse(self) -> Op:
        return AddUnique(self.table, self.unique)

    def describe(self) -> str:
        return f"drop unique {self.unique.name or ''} on {self.table} " \
               f"({', '.join(self.unique.columns)})".replace("  ", " ")


class CreateIndex(TableOp):
    index: Index

    def reverse(self) -> Op:
        return DropIndex(self.table, self.index)

    def describe(self) -> str:
        kind = "unique index" if self.index.unique else "index"
        parts = [f"{key} {order}" if order else key for key, order in self.index.parts()]
        return f"create {kind} {self.index.name} on {self.table} ({', '.join(parts)})"


class DropIndex(TableOp):
    index: Index

    def reverse(self) -> Op:
        return CreateIndex(self.table, self.index)

    def describe(self) -> str:
        return f"drop index {self.index.name} on {self.table}"


class AddForeignKey(TableOp):
    foreign_key: ForeignKey

    def reverse(self) -> Op:
        return DropForeignKey(self.table, self.foreign_key)

    def describe(self) -> str:
        fk = self.foreign_key
        timing = " deferrable" if fk.deferrable else ""
        timing += " initially deferred" if fk.initially == "DEFERRED" else ""
        return (f"add foreign key {self.table} ({', '.join(fk.columns)}) -> "
                f"{fk.ref_table} ({', '.join(fk.ref_columns)}){timing}")


class DropForeignKey(TableOp):
    foreign_key: ForeignKey

    def reverse(self) -> Op:
        return AddForeignKey(self.table, self.foreign_key)

    def describe(self) -> str:
        fk = self.foreign_key
        return (f"drop foreign key {self.table} ({', '.join(fk.columns)}) -> "
                f"{fk.ref_table}")


class AddCheck(TableOp):
    check: Check

    def reverse(self) -> Op:
        return DropCheck(self.table, self.check)

    def describe(self) -> str:
        return f"add check on {self.table}: {self.check.expression}"


class DropCheck(TableOp):
    check: Check

    def reverse(self) -> Op:
        return AddCheck(self.table, self.check)

    def describe(self) -> str:
        return f"drop check on {self.table}: {self.check.expression}"


class RebuildTable(Op):
    """SQLite's 12-step rebuild: a new table of the desired shape, rows copied over.

    ``ops`` are the table's changes that the rebuild carries out; ``column_map`` pairs
    each desired column whose values are kept with the current column they come from
    (a renamed column pairs its two names). ``views`` (in creation order) and
    ``triggers`` are those that mention the table: the rebuild drops them first and
    creates them again last, since SQLite's RENAME fails while one names a missing table.
    """

    current: Table
    desired: Table
    ops: tuple[Op, ...]
    column_map: tuple[tuple[str, str], ...]
    views: tuple[View, ...] = ()
    triggers: tuple[Trigger, ...] = ()

    @property
    def table_name(self) -> str:
        return self.desired.name  # table renames run before the rebuild

    @property
    def destructive(self) -> bool:  # type: ignore[override]
        return any(op.destructive for op in self.ops)

    def describe(self) -> str:
        return f"rebuild table {self.desired.name} ({'; '.join(o.describe() for o in self.ops)})"


class SetTableComment(TableOp):
    """Set (or with None, remove) a table's comment."""

    current: str | None
    desired: str | None

    def reverse(self) -> Op:
        return SetTableComment(self.table, self.desired, self.current)

    def describe(self) -> str:
        if self.desired is None:
            return f"remove the comment of table {self.table}"
        return f"set the comment of table {self.table}"


class SetTableOptions(TableOp):
    """Change a table's options (SQLite's AUTOINCREMENT, STRICT, WITHOUT ROWID): on SQLite
    only a rebuild can, so plan() makes it part of one."""

    current: tuple[str, ...]
    desired: tuple[str, ...]

    def reverse(self) -> Op:
        return SetTableOptions(self.table, self.desired, self.current)

    def describe(self) -> str:
        return (f"set the options of table {self.table}: {_options(self.current)} -> "
                f"{_options(self.desired)}")


def _options(options: tuple[str, ...]) -> str:
    return ", ".join(options) or "none"
