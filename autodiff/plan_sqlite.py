"""SQLite's table rebuilds: which changes need one, grouped into one RebuildTable per table.

SQLite's ALTER TABLE renames tables and columns and adds some columns; anything else
on an existing table is the documented 12-step rebuild:
https://www.sqlite.org/lang_altertable.html#otheralter
"""

from __future__ import annotations

import re

from autodiff import ops
from autodiff.depends import mentions
from autodiff.model import Column, Table, Trigger, View
from autodiff.plan_context import Context, renames_of, untouched, views_reading

_SQLITE_IN_PLACE = (ops.CreateTable, ops.DropTable, ops.RenameTable, ops.RenameColumn,
                    ops.CreateIndex, ops.DropIndex, ops.CreateView, ops.DropView,
                    ops.CreateTrigger, ops.DropTrigger, ops.CreateEnum, ops.DropEnum,
                    ops.AddEnumValues, ops.SetTableComment)


def sqlite_rebuilds(steps: list[ops.Op], ctx: Context) -> list[ops.Op]:
    """Group each rebuilt table's changes into one RebuildTable.

    Renames stay in place and run first: SQLite's RENAME also rewrites the foreign
    keys of other tables, views, triggers and indexes that name the old name.
    """
    needs = {op.table_name for op in steps if _needs_rebuild(op)}
    grouped: dict[str, list[ops.Op]] = {name: [] for name in needs}
    out: list[ops.Op] = []
    for op in steps:
        if op.table_name in needs and not isinstance(op, _SQLITE_IN_PLACE):
            grouped[op.table_name].append(op)
        elif not (op.table_name in needs and isinstance(op, ops.CreateIndex | ops.DropIndex)):
            out.append(op)  # a rebuilt table's indexes are created anew with it
    renamed_from = {new: old for old, new in renames_of(steps).tables.items()}
    for name in sorted(needs):
        current, desired = ctx.renamed.table(name), ctx.desired.table(name)
        if current is None or desired is None:  # not an existing table's change
            out += grouped[name]
            continue
        mentioned = {name, renamed_from.get(name, name)}
        views = views_reading(mentioned, steps, ctx)
        out.append(ops.RebuildTable(
            current, desired, tuple(grouped[name]), _column_map(current, desired),
            views=tuple(views), triggers=_triggers_on(mentioned, views, steps, ctx)))
    return out


def _needs_rebuild(op: ops.Op) -> bool:
    if isinstance(op, _SQLITE_IN_PLACE):
        return False
    if isinstance(op, ops.AddColumn):
        return not addable_in_place(op.column)
    return True


def addable_in_place(column: Column) -> bool:
    """Whether SQLite's ALTER TABLE ADD COLUMN can add ``column``."""
    # https://www.sqlite.org/lang_altertable.html#altertabaddcol
    if column.computed is not None:
        return not column.computed.stored
    if not column.nullable and column.default is None:
        return False
    default = column.default or ""
    return not re.match(r"(?i)^(current_|\(|[a-z_]+\()", default)


def _triggers_on(names: set[str], views: list[View], steps: list[ops.Op],
                 ctx: Context) -> tuple[Trigger, ...]:
    """Untouched triggers on the table or its views, or whose body mentions them."""
    names = names | {v.name for v in views}
    kept = untouched(ctx.renamed.triggers, ctx.desired.triggers, steps)
    return tuple(t for t in kept if t.table in names
                 or any(mentions(t.definition, n) for n in names))


def _column_map(current: Table, desired: Table) -> tuple[tuple[str, str], ...]:
    """(desired column, current column) for each column whose values are copied.

    Renames have already run, so a kept column has one name on both sides; generated
    columns are computed again, not copied.
    """
    pairs = []
    for col in desired.columns:
        was = current.column(col.name)
        if was is not None and was.computed is None and col.computed is None:
            pairs.append((col.name, was.name))
    return tuple(pairs)
