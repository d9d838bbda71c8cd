"""plan(ops) -> runnable ops: phase ordering, and SQLite's table rebuilds. Pure.

The differ says what changes; the plan says in which order a database can do it and
adds the steps a database needs on the way:

- renames first, then drops (foreign keys, then tables, then keys and indexes), creates
  (tables before foreign keys into them), and views and triggers last;
- a foreign key is dropped and added again around a change it would block (its
  target key replaced; on MySQL a column type change, or its last index dropped), and
  on MySQL the index InnoDB made for a dropped foreign key goes with it;
- PostgreSQL views over a column whose type changes are dropped and created again, and
  an enum dropped and created under the same name (values removed or reordered) is one
  ReplaceEnum that converts the columns using it;
- MySQL views and triggers that name a renamed table or column are dropped before the
  renames and created again after them (PostgreSQL and SQLite rewrite them on RENAME);
- on SQLite, what ALTER TABLE cannot do becomes the documented 12-step rebuild
  (``plan_sqlite.py``): https://www.sqlite.org/lang_altertable.html#otheralter
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from autodiff import ops
from autodiff.depends import table_order, view_order
from autodiff.diff import apply_renames
from autodiff.innodb import implicit_index_name
from autodiff.model import Column, ForeignKey, Index, Schema, Table
from autodiff.plan_context import Context, renames_of, untouched, views_reading
from autodiff.plan_sqlite import sqlite_rebuilds

# Phase of each op type; within a phase the differ's order is kept.
_PHASES: dict[type[ops.Op], float] = {
    ops.DropView: 0, ops.DropTrigger: 0,
    ops.RenameTable: 1, ops.RenameColumn: 1,
    ops.DropForeignKey: 2,
    # Dropped tables go early: their foreign keys would block changes to the keys and
    # columns they reference (MySQL even a type change, PostgreSQL a key's drop).
    ops.DropTable: 2.5,
    ops.DropIndex: 3, ops.DropUnique: 3, ops.DropCheck: 3,
    # Sequences before the tables and columns whose defaults call nextval(), after them
    # when dropped.
    ops.CreateEnum: 5, ops.AddEnumValues: 5, ops.ReplaceEnum: 5,
    ops.CreateSequence: 5, ops.AlterSequence: 5,
    ops.CreateTable: 6,
    ops.AddColumn: 7, ops.SetPrimaryKey: 8, ops.AlterColumn: 9, ops.RebuildTable: 9,
    ops.SetTableComment: 9, ops.SetTableOptions: 9,
    ops.DropColumn: 10,
    ops.DropEnum: 12, ops.DropSequence: 12,
    ops.AddUnique: 13, ops.CreateIndex: 13, ops.AddCheck: 13,
    ops.AddForeignKey: 14,
    ops.CreateView: 15, ops.CreateTrigger: 15,
}
# Changes to a key column that MySQL (and PostgreSQL, with an enum in the key) refuses
# while a foreign key uses the column.
_FK_BLOCKING = frozenset({"type", "collation"})


def plan(changes: Iterable[ops.Op], current: Schema, desired: Schema) -> tuple[ops.Op, ...]:
    """``changes`` (from diff) in an order that runs on ``desired.dialect``."""
    steps = list(changes)
    ctx = Context(current, apply_renames(current, renames_of(steps)), desired)
    if ctx.dialect == "sqlite":
        steps = sqlite_rebuilds(steps, ctx)
    else:
        steps = _replaced_enums(steps, ctx)
        steps += _bounced_foreign_keys(steps, ctx)
        steps += _views_over_retyped_columns(steps, ctx)
    steps = _order_tables(steps, ctx)
    if ctx.dialect == "mysql":
        steps = _renamed_implicit_indexes(steps, ctx) + _implicit_foreign_key_indexes(steps, ctx)
        steps += _mysql_rewritten_by_renames(steps, ctx)
    steps = _order_views(steps, ctx)
    return tuple(sorted(steps, key=lambda op: _phase(op, ctx.dialect)))


def _phase(op: ops.Op, dialect: str) -> float:
    if dialect == "mysql" and isinstance(op, ops.AlterColumn) and op.current.autoincrement \
            and not op.desired.autoincrement:
        # AUTO_INCREMENT must leave a column before the key it needs is dropped.
        # https://dev.mysql.com/doc/refman/8.0/en/example-auto-increment.html
        return 7.5
    if isinstance(op, ops.DropColumn | ops.AddColumn) and op.column.computed is not None:
        # A generated column goes before, and comes after, the columns it is computed from.
        return 9.5 if isinstance(op, ops.DropColumn) else 9.2
    return _PHASES[type(op)]




def _mysql_rewritten_by_renames(steps: list[ops.Op], ctx: Context) -> list[ops.Op]:
    """Views and triggers naming a renamed table or column, dropped and created again.

    MySQL rewrites neither on RENAME: a view over a renamed column is left invalid and a
    trigger body fails when it fires. https://mariadb.com/kb/en/rename-table/
    """
    views = {v.name: v for v in ctx.current.views}
    triggers = {t.name: t for t in ctx.current.triggers}
    out: list[ops.Op] = []
    for view in untouched(ctx.renamed.views, ctx.desired.views, steps):
        if views[view.name] != view:
            out += [ops.DropView(views[view.name]), ops.CreateView(view)]
    for trigger in untouched(ctx.renamed.triggers, ctx.desired.triggers, steps):
        if triggers[trigger.name] != trigger:
            out += [ops.DropTrigger(triggers[trigger.name]), ops.CreateTrigger(trigger)]
    return out


def _order_views(steps: list[ops.Op], ctx: Context) -> list[ops.Op]:
    """CreateView ops after the views they read; DropView ops the other way round."""
    created = [op.view for op in steps if isinstance(op, ops.CreateView)]
    dropped = [op.view for op in steps if isinstance(op, ops.DropView)]
    rest = [op for op in steps if not isinstance(op, ops.CreateView | ops.DropView)]
    return ([ops.DropView(v) for v in reversed(view_order(dropped, ctx.dialect))] + rest
            + [ops.CreateView(v) for v in view_order(created, ctx.dialect)])


# -- tables created and dropped ----------------------------------------------------------

def _order_tables(steps: list[ops.Op], ctx: Context) -> list[ops.Op]:
    """New tables before the tables that reference them; dropped ones the other way round."""
    created = [op.table for op in steps if isinstance(op, ops.CreateTable)]
    dropped = [op.table for op in steps if isinstance(op, ops.DropTable)]
    rest = [op for op in steps if not isinstance(op, ops.CreateTable | ops.DropTable)]
    return _creates(created, steps, ctx) + _drops(dropped, ctx) + rest


def _creates(tables: list[Table], steps: list[ops.Op], ctx: Context) -> list[ops.Op]:
    """CreateTable ops in order; a foreign key into a table not ready yet is added later."""
    made: set[str] = set()
    out: list[ops.Op] = []
    later: list[ops.Op] = []
    for table in table_order(tables):
        made.add(table.name)
        inline = tuple(fk for fk in table.foreign_keys if ctx.dialect == "sqlite"
                       or fk.ref_table in made or _ready_target(fk, steps, ctx))
        out.append(ops.CreateTable(replace(table, foreign_keys=inline)))
        later += [ops.AddForeignKey(table.name, fk)
                  for fk in table.foreign_keys if fk not in inline]
    return out + later


def _ready_target(fk: ForeignKey, steps: list[ops.Op], ctx: Context) -> bool:
    """Whether an existing table already has, unchanged, the key ``fk`` references."""
    target = ctx.renamed.table(fk.ref_table)
    if target is None or any(isinstance(op, ops.DropTable) and op.table.name == fk.ref_table
                             for op in steps):
        return False
    if set(fk.ref_columns) not in _key_sets(target):
        return False
    return not any(isinstance(op, ops.DropUnique | ops.SetPrimaryKey | ops.AlterColumn)
                   and op.table_name == fk.ref_table for op in steps)


def _key_sets(table: Table) -> list[set[str]]:
    keys = [set(u.columns) for u in table.uniques]
    return keys + ([set(table.primary_key.columns)] if table.primary_key else [])


def _drops(tables: list[Table], ctx: Context) -> list[ops.Op]:
    """DropTable ops, referencing tables first; a cycle is cut by dropping a foreign key."""
    pending = {t.name: t for t in tables}
    out: list[ops.Op] = []
    unhooked: list[ops.Op] = []
    while pending:
        ready = [t for t in pending.values() if not _referenced(t.name, pending.values())]
        if not ready:
            first = min(pending.values(), key=lambda t: t.name)
            if ctx.dialect != "sqlite":  # SQLite runs scripts with foreign keys off
                unhooked += [ops.DropForeignKey(t.name, fk) for t in pending.values()
                             if t is not first for fk in t.foreign_keys
                             if fk.ref_table == first.name]
            ready = [first]
        for table in sorted(ready, key=lambda t: t.name):
            out.append(ops.DropTable(pending.pop(table.name)))
    return unhooked + out


def _referenced(name: str, tables: Iterable[Table]) -> bool:
    return any(fk.ref_table == name for t in tables if t.name != name for fk in t.foreign_keys)


# -- foreign keys in the way (PostgreSQL, MySQL) ---------------------------------------------

def _fk_key(fk: ForeignKey) -> tuple[object, ...]:
    return (fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete, fk.on_update)


def _bounced_foreign_keys(steps: list[ops.Op], ctx: Context) -> list[ops.Op]:
    """Drop-and-add pairs for unchanged foreign keys that a change would otherwise block."""
    dropped = {(op.table, op.foreign_key.name) for op in steps
               if isinstance(op, ops.DropForeignKey)}
    near = _steps_by_table(steps)
    out: list[ops.Op] = []
    for table in ctx.renamed.tables:
        wanted = ctx.desired.table(table.name)
        if wanted is None:
            continue
        for fk in table.foreign_keys:
            match = next((d for d in wanted.foreign_keys
                          if _fk_key(d) == _fk_key(fk) and d.name in (None, fk.name)), None)
            # Only steps on the key's two tables can block it.
            around = near.get(table.name, []) + (near.get(fk.ref_table, [])
                                                 if fk.ref_table != table.name else [])
            if match is not None and (table.name, fk.name) not in dropped \
                    and _blocked(table, fk, around, ctx):
                out += [ops.DropForeignKey(table.name, fk), ops.AddForeignKey(table.name, match)]
    return out


def _steps_by_table(steps: list[ops.Op]) -> dict[str, list[ops.Op]]:
    """Each table's steps; an enum replacement under each table with a column of it."""
    by_table: dict[str, list[ops.Op]] = {}
    for op in steps:
        names = {u.table for u in op.uses} if isinstance(op, ops.ReplaceEnum) \
            else {op.table_name}
        for name in names:
            by_table.setdefault(name, []).append(op)
    return by_table


def _blocked(table: Table, fk: ForeignKey, steps: list[ops.Op], ctx: Context) -> bool:
    """Whether some step cannot run while ``fk`` exists."""
    mysql = ctx.dialect == "mysql"
    refs = set(fk.ref_columns)
    for op in steps:
        if isinstance(op, ops.DropUnique) and op.table == fk.ref_table \
                and set(op.unique.columns) == refs:
            return True
        if isinstance(op, ops.SetPrimaryKey) and op.table == fk.ref_table \
                and op.current is not None and set(op.current.columns) == refs:
            return True
        # Columns of a replaced enum change type one by one: the keys between them break.
        if isinstance(op, ops.ReplaceEnum) and any(
                (u.table, u.column.name) in {*((table.name, c) for c in fk.columns),
                                             *((fk.ref_table, c) for c in refs)}
                for u in op.uses):
            return True
        # MySQL refuses to change the type of a column a foreign key uses (either side);
        # PostgreSQL 15 fails the same change ("could not find cast from ... to anyenum")
        # when an enum column is also in the key.
        # https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html
        if isinstance(op, ops.AlterColumn) and op.changes & _FK_BLOCKING and (
                (op.table == table.name and op.current.name in fk.columns)
                or (op.table == fk.ref_table and op.current.name in refs)) and (
                mysql or _has_enum_column(table, fk, ctx)):
            return True
    return mysql and _loses_last_index(table, fk, steps)


def _has_enum_column(table: Table, fk: ForeignKey, ctx: Context) -> bool:
    enums = {e.name for e in ctx.current.enums}
    columns = [table.column(c) for c in fk.columns]
    return any(c is not None and any(_of_enum(c.type, e) for e in enums) for c in columns)


def _covering(table: Table, columns: tuple[str, ...]) -> set[str]:
    """Names of the indexes MySQL can use for a foreign key on ``columns`` (a leftmost prefix)."""
    n = len(columns)
    found = {"PRIMARY"} if table.primary_key and table.primary_key.columns[:n] == columns \
        else set()
    found |= {u.name or "" for u in table.uniques if u.columns[:n] == columns}
    return found | {ix.name for ix in table.indexes if ix.columns[:n] == columns}


def _loses_last_index(table: Table, fk: ForeignKey, steps: list[ops.Op]) -> bool:
    # MySQL refuses to drop the last index a foreign key can use (error 1553).
    covering = _covering(table, fk.columns)
    removed: set[str] = set()
    for op in steps:
        if isinstance(op, ops.DropIndex) and op.table == table.name:
            removed.add(op.index.name)
        elif isinstance(op, ops.DropUnique) and op.table == table.name:
            removed.add(op.unique.name or "")
        elif isinstance(op, ops.SetPrimaryKey) and op.table == table.name and not (
                op.desired and op.desired.columns[:len(fk.columns)] == fk.columns):
            removed.add("PRIMARY")
    return bool(covering) and covering <= removed


def _implicit_foreign_key_indexes(steps: list[ops.Op], ctx: Context) -> list[ops.Op]:
    """DropIndex for the index InnoDB made for a dropped foreign key (it outlives the key).

    InnoDB creates that index (named as :func:`implicit_index_name` says) when no index
    covers the key's columns, and drops it when one is created later, so it exists
    exactly when none covers them.
    https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html
    """
    gone = {op.table.name for op in steps if isinstance(op, ops.DropTable)}
    out: list[ops.Op] = []
    for op in steps:
        if not isinstance(op, ops.DropForeignKey) or op.table in gone:
            continue
        table = ctx.renamed.table(op.table)
        fk = op.foreign_key
        if table is not None and not _covering(table, fk.columns):
            out.append(ops.DropIndex(op.table, Index(implicit_index_name(fk), fk.columns)))
    return out


def _renamed_implicit_indexes(steps: list[ops.Op], ctx: Context) -> list[ops.Op]:
    """A renamed column's RenameColumn also renames the index InnoDB named after it, as a
    new database would name it (InnoDB keeps the old name, and it reads as a user's)."""
    old_names = {new: old for old, new in renames_of(steps).tables.items()}
    out: list[ops.Op] = []
    for op in steps:
        if isinstance(op, ops.RenameColumn) and _names_an_implicit_index(
                ctx.current.table(old_names.get(op.table, op.table)), op.old):
            op = ops.RenameColumn(op.table, op.old, op.new, op.column, implicit_index=True)
        out.append(op)
    return out


def _names_an_implicit_index(table: Table | None, column: str) -> bool:
    return table is not None and any(
        fk.columns[0] == column == implicit_index_name(fk)
        and not _covering(table, fk.columns)
        for fk in table.foreign_keys)


def _views_over_retyped_columns(steps: list[ops.Op], ctx: Context) -> list[ops.Op]:
    """PostgreSQL: views over a table whose column changes type are dropped and created again."""
    # "cannot alter type of a column used by a view or rule"
    # https://www.postgresql.org/docs/15/sql-altertable.html
    if ctx.dialect != "postgresql":
        return []
    retyped = {op.table for op in steps
               if isinstance(op, ops.AlterColumn) and op.changes & {"type", "collation"}}
    retyped |= {use.table for op in steps if isinstance(op, ops.ReplaceEnum) for use in op.uses}
    names = retyped | {old for old, new in renames_of(steps).tables.items() if new in retyped}
    views = views_reading(names, steps, ctx) if retyped else []
    return [ops.DropView(v) for v in views] + [ops.CreateView(v) for v in views]


def _replaced_enums(steps: list[ops.Op], ctx: Context) -> list[ops.Op]:
    """One ReplaceEnum for an enum dropped and created again under its name, or given
    values that the same script uses: ``ALTER TYPE ... ADD VALUE`` inside a transaction
    leaves a new value unusable until the commit, a new type's values are not.
    https://www.postgresql.org/docs/15/sql-altertype.html#SQL-ALTERTYPE-NOTES
    """
    created = {op.enum.name: op.enum for op in steps if isinstance(op, ops.CreateEnum)}
    dropped = {op.enum.name: op.enum for op in steps if isinstance(op, ops.DropEnum)}
    pairs = {name: (dropped[name], created[name]) for name in created.keys() & dropped.keys()}
    texts = _literal_texts(steps)
    pairs |= {op.enum.name: (replace(op.enum, values=op.enum.values[:-len(op.values)]), op.enum)
              for op in steps if isinstance(op, ops.AddEnumValues)
              and any(_literal(v) in text for v in op.values for text in texts)}
    if not pairs:
        return steps
    gone = {op.table.name for op in steps if isinstance(op, ops.DropTable)}
    gone_columns = {(op.table, op.column.name) for op in steps if isinstance(op, ops.DropColumn)}
    out = [op for op in steps if not (isinstance(op, ops.CreateEnum | ops.DropEnum
                                                  | ops.AddEnumValues) and op.enum.name in pairs)]
    for name, (current, desired) in sorted(pairs.items()):
        uses = tuple(ops.EnumUse(t.name, c, _default_after(ctx, t.name, c))
                     for t in ctx.renamed.tables if t.name not in gone for c in t.columns
                     if _of_enum(c.type, name) and (t.name, c.name) not in gone_columns)
        # A column of the old type that is dropped later keeps the old type alive until
        # then: the old type goes after the column drops.
        waits = any(_of_enum(c.type, name) for t in ctx.renamed.tables for c in t.columns
                    if (t.name, c.name) in gone_columns)
        out.append(ops.ReplaceEnum(current, desired, uses, drop_old=not waits))
        if waits:
            out.append(ops.DropEnum(replace(current, name=ops.ReplaceEnum.old_name(name))))
    return out


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _literal_texts(steps: list[ops.Op]) -> list[str]:
    """SQL text the steps write where an enum value could be used: defaults, checks ..."""
    texts: list[str | None] = []
    for op in steps:
        if isinstance(op, ops.AddColumn):
            texts.append(op.column.default)
        elif isinstance(op, ops.AlterColumn):
            texts.append(op.desired.default)
        elif isinstance(op, ops.CreateTable):
            texts += [c.default for c in op.table.columns]
            texts += [c.expression for c in op.table.checks]
        elif isinstance(op, ops.AddCheck):
            texts.append(op.check.expression)
        elif isinstance(op, ops.CreateIndex):
            texts += [op.index.where, *op.index.expressions]
        elif isinstance(op, ops.CreateView | ops.CreateTrigger):
            texts.append(op.view.definition if isinstance(op, ops.CreateView)
                         else op.trigger.definition)
    return [t for t in texts if t]


def _of_enum(type_: str, name: str) -> bool:
    base = type_.removesuffix("[]")
    return base in (name, '"' + name.replace('"', '""') + '"')


def _default_after(ctx: Context, table: str, column: Column) -> str | None:
    wanted = ctx.desired.table(table)
    col = wanted.column(column.name) if wanted else None
    return col.default if col is not None and col.type == column.type else None
