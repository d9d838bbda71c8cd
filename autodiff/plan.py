"""plan(ops) -> runnable ops: phase ordering, and SQLite's table rebuilds. Pure.

The differ says what changes; the plan says in which order a database can do it
(drop foreign keys before the tables they point at, create tables before foreign keys
into them) and turns what SQLite cannot ALTER in place into its documented 12-step
rebuild: https://www.sqlite.org/lang_altertable.html#otheralter
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from autodiff import ops
from autodiff.model import Column, Schema, Table

# Phase of each op type; within a phase the differ's order is kept.
_PHASES: dict[type[ops.Op], int] = {
    ops.DropView: 0, ops.DropTrigger: 0,
    ops.DropForeignKey: 1,
    ops.DropIndex: 2, ops.DropUnique: 2, ops.DropCheck: 2,
    ops.RenameTable: 3, ops.RenameColumn: 3,
    ops.CreateEnum: 4, ops.AddEnumValues: 4,
    ops.CreateTable: 5,
    ops.AddColumn: 6, ops.AlterColumn: 6, ops.SetPrimaryKey: 6, ops.RebuildTable: 6,
    ops.DropColumn: 7,
    ops.DropTable: 8, ops.DropEnum: 9,
    ops.AddUnique: 10, ops.CreateIndex: 10, ops.AddCheck: 10,
    ops.AddForeignKey: 11,
    ops.CreateView: 12, ops.CreateTrigger: 12,
}

# Ops SQLite runs in place; every other op on an existing table needs a rebuild.
_SQLITE_IN_PLACE = (ops.CreateTable, ops.DropTable, ops.RenameTable, ops.RenameColumn,
                    ops.CreateIndex, ops.DropIndex, ops.CreateView, ops.DropView,
                    ops.CreateTrigger, ops.DropTrigger)


def plan(changes: Iterable[ops.Op], current: Schema, desired: Schema) -> tuple[ops.Op, ...]:
    """``changes`` (from diff) in an order that runs on ``desired.dialect``."""
    steps = list(changes)
    if desired.dialect == "sqlite":
        steps = _sqlite_rebuilds(steps, current, desired)
    steps = _order_tables(steps, current, desired)
    return tuple(sorted(steps, key=lambda op: _PHASES[type(op)]))


def _order_tables(steps: list[ops.Op], current: Schema, desired: Schema) -> list[ops.Op]:
    """New tables before the tables that reference them; dropped ones the other way round."""
    created = [op for op in steps if isinstance(op, ops.CreateTable)]
    dropped = [op for op in steps if isinstance(op, ops.DropTable)]
    by_name_c = {op.table.name: op for op in created}
    by_name_d = {op.table.name: op for op in dropped}
    ordered_c = [by_name_c[t.name] for t in _dependency_order([o.table for o in created])]
    ordered_d = [by_name_d[t.name] for t in
                 reversed(_dependency_order([o.table for o in dropped]))]
    rest = [op for op in steps if not isinstance(op, ops.CreateTable | ops.DropTable)]
    return ordered_c + ordered_d + rest


def _dependency_order(tables: list[Table]) -> list[Table]:
    names = {t.name for t in tables}
    done: set[str] = set()
    out: list[Table] = []
    pending = sorted(tables, key=lambda t: t.name)
    while pending:
        ready = [t for t in pending if all(fk.ref_table in done or fk.ref_table not in names
                                           or fk.ref_table == t.name for fk in t.foreign_keys)]
        if not ready:  # a cycle: order is free, the FKs come later or inline (SQLite)
            ready = pending[:1]
        for t in ready:
            out.append(t)
            done.add(t.name)
        pending = [t for t in pending if t.name not in done]
    return out


# -- SQLite rebuilds -------------------------------------------------------------------

def _sqlite_rebuilds(steps: list[ops.Op], current: Schema, desired: Schema) -> list[ops.Op]:
    needs = {op.table_name for op in steps if _needs_rebuild(op)}
    if not needs:
        return steps
    renamed_tables = {op.old: op.new for op in steps if isinstance(op, ops.RenameTable)}
    out: list[ops.Op] = []
    grouped: dict[str, list[ops.Op]] = {name: [] for name in needs}
    for op in steps:
        if op.table_name in needs and not isinstance(op, ops.RenameTable | ops.DropTable
                                                     | ops.CreateTable):
            grouped[op.table_name].append(op)
        else:
            out.append(op)
    old_names = {new: old for old, new in renamed_tables.items()}
    for name in sorted(needs):
        new_table = desired.table(name)
        old_table = current.table(old_names.get(name, name))
        if new_table is None or old_table is None:
            out += grouped[name]  # not an existing table's change: nothing to rebuild
            continue
        table_ops = tuple(op for op in grouped[name]
                          if not isinstance(op, ops.CreateIndex | ops.DropIndex))
        out.append(ops.RebuildTable(old_table, new_table, table_ops,
                                    _column_map(old_table, new_table, table_ops)))
    return out


def _needs_rebuild(op: ops.Op) -> bool:
    if isinstance(op, _SQLITE_IN_PLACE):
        return False
    if isinstance(op, ops.AddColumn):
        return not _addable_in_place(op.column)
    return not isinstance(op, ops.CreateEnum | ops.DropEnum | ops.AddEnumValues)


def _addable_in_place(column: Column) -> bool:
    # ALTER TABLE ADD COLUMN rules: https://www.sqlite.org/lang_altertable.html#altertabaddcol
    if column.computed is not None:
        return not column.computed.stored
    if not column.nullable and column.default is None:
        return False
    default = column.default or ""
    return not re.match(r"(?i)^(current_|\(|[a-z_]+\()", default)


def _column_map(current: Table, desired: Table,
                table_ops: tuple[ops.Op, ...]) -> tuple[tuple[str, str], ...]:
    """For each desired column whose values survive: (desired name, current name)."""
    renamed = {op.new: op.old for op in table_ops if isinstance(op, ops.RenameColumn)}
    added = {op.column.name for op in table_ops if isinstance(op, ops.AddColumn)}
    pairs = []
    for col in desired.columns:
        source = renamed.get(col.name, col.name)
        if col.name in added or col.computed is not None or current.column(source) is None:
            continue
        if (was := current.column(source)) is not None and was.computed is not None:
            continue
        pairs.append((col.name, source))
    return tuple(pairs)
