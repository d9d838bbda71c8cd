"""diff(current, desired) -> ops: a pure function over two schemas.

Renames are applied to ``current`` first (the database carries references along when
it renames), so everything after compares plain values by name. Constraints that the
desired side leaves unnamed (as SQLAlchemy models usually do) match a current one of
the same definition whatever the database called it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from autodiff import ops
from autodiff.model import Check, Column, ForeignKey, Index, Schema, Table, Unique

T = TypeVar("T")


@dataclass(frozen=True)
class Renames:
    """Rename intents: ``tables`` old -> new; ``columns`` (desired table, old) -> new."""

    tables: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.tables or self.columns)


def diff(current: Schema, desired: Schema, renames: Renames | None = None) -> tuple[ops.Op, ...]:
    """The ops that turn ``current`` into ``desired``, in a logical (not yet runnable) order."""
    renames = renames or Renames()
    out: list[ops.Op] = [*_rename_ops(current, renames)]
    current = apply_renames(current, renames)
    out += _enum_ops(current, desired)
    for name in sorted({t.name for t in current.tables} | {t.name for t in desired.tables}):
        old, new = current.table(name), desired.table(name)
        if old is None and new is not None:
            out.append(ops.CreateTable(new))
        elif new is None and old is not None:
            out.append(ops.DropTable(old))
        elif old is not None and new is not None and old != new:
            out += diff_table(old, new)
    out += _keyed(current.views, desired.views, lambda v: v.name, ops.CreateView, ops.DropView)
    out += _keyed(current.triggers, desired.triggers, lambda t: t.name,
                  ops.CreateTrigger, ops.DropTrigger)
    return tuple(out)


def _keyed(current: Iterable[T], desired: Iterable[T], key: Callable[[T], Any],
           create: Callable[[T], ops.Op], drop: Callable[[T], ops.Op]) -> list[ops.Op]:
    # A changed object is dropped and created again: views and triggers have no ALTER.
    old = {key(o): o for o in current}
    new = {key(o): o for o in desired}
    out: list[ops.Op] = [drop(o) for k, o in old.items() if new.get(k) != o]
    out += [create(o) for k, o in new.items() if old.get(k) != o]
    return out


def _enum_ops(current: Schema, desired: Schema) -> list[ops.Op]:
    old = {e.name: e for e in current.enums}
    out: list[ops.Op] = []
    for enum in desired.enums:
        was = old.get(enum.name)
        if was is None:
            out.append(ops.CreateEnum(enum))
        elif was.values != enum.values:
            if enum.values[: len(was.values)] == was.values:
                out.append(ops.AddEnumValues(enum, enum.values[len(was.values):]))
            else:  # reordering or removing values has no ALTER in PostgreSQL
                out += [ops.DropEnum(was), ops.CreateEnum(enum)]
    wanted = {e.name for e in desired.enums}
    out += [ops.DropEnum(e) for e in current.enums if e.name not in wanted]
    return out


def _rename_ops(current: Schema, renames: Renames) -> list[ops.Op]:
    out: list[ops.Op] = [ops.RenameTable(old, new) for old, new in sorted(renames.tables.items())
                         if current.table(old) is not None]
    for (table, old), new in sorted(renames.columns.items()):
        out.append(ops.RenameColumn(table, old, new))
    return out


def diff_table(current: Table, desired: Table) -> list[ops.Op]:
    """The ops that turn one table into another of the same name."""
    name = desired.name
    out: list[ops.Op] = []
    old_cols = {c.name: c for c in current.columns}
    new_cols = {c.name: c for c in desired.columns}
    out += [ops.DropForeignKey(name, fk) for fk in _unmatched(current.foreign_keys,
                                                               desired.foreign_keys, _fk_key)]
    out += [ops.DropIndex(name, ix) for ix in _unmatched(current.indexes, desired.indexes,
                                                          _index_key)]
    out += [ops.DropUnique(name, u) for u in _unmatched(current.uniques, desired.uniques,
                                                         _unique_key)]
    out += [ops.DropCheck(name, c) for c in _unmatched(current.checks, desired.checks,
                                                        _check_key)]
    out += [ops.AddColumn(name, c) for n, c in new_cols.items() if n not in old_cols]
    for col_name, col in new_cols.items():
        was = old_cols.get(col_name)
        if was is not None and was != col:
            out.append(ops.AlterColumn(name, was, col, _column_changes(was, col)))
    if _pk_columns(current) != _pk_columns(desired):
        out.append(ops.SetPrimaryKey(name, current.primary_key, desired.primary_key))
    out += [ops.DropColumn(name, c) for n, c in old_cols.items() if n not in new_cols]
    out += [ops.AddUnique(name, u) for u in _unmatched(desired.uniques, current.uniques,
                                                        _unique_key, named_side=False)]
    out += [ops.CreateIndex(name, ix) for ix in _unmatched(desired.indexes, current.indexes,
                                                            _index_key, named_side=False)]
    out += [ops.AddCheck(name, c) for c in _unmatched(desired.checks, current.checks,
                                                       _check_key, named_side=False)]
    out += [ops.AddForeignKey(name, fk) for fk in _unmatched(
        desired.foreign_keys, current.foreign_keys, _fk_key, named_side=False)]
    return out


def _pk_columns(table: Table) -> tuple[str, ...]:
    return table.primary_key.columns if table.primary_key else ()


def _column_changes(current: Column, desired: Column) -> frozenset[str]:
    return frozenset(f.name for f in fields(Column)
                     if f.name != "name" and getattr(current, f.name) != getattr(desired, f.name))


def _unique_key(u: Unique) -> Any:
    return u.columns


def _index_key(ix: Index) -> Any:
    return (ix.columns, ix.unique, ix.expressions, ix.where)


def _fk_key(fk: ForeignKey) -> Any:
    return (fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete, fk.on_update)


def _check_key(c: Check) -> Any:
    return c.expression


def _unmatched(side: Iterable[T], other: Iterable[T], key: Callable[[T], Any],
               named_side: bool = True) -> list[T]:
    """Objects of ``side`` with no equal in ``other``.

    Equal means the same definition (``key``) and, where the desired object has a name,
    the same name. ``named_side`` says whether ``side`` is the current schema (whose
    objects always carry the database's names) or the desired one.
    """
    pool = list(other)
    left: list[T] = []
    for obj in side:
        match = next((o for o in pool if key(o) == key(obj) and
                      _names_agree(obj if not named_side else o, o if not named_side else obj)),
                     None)
        if match is None:
            left.append(obj)
        else:
            pool.remove(match)
    return left


def _names_agree(desired: Any, current: Any) -> bool:
    wanted = getattr(desired, "name", None)
    return wanted is None or wanted == getattr(current, "name", None)


# -- renames applied to the current side ---------------------------------------------

def apply_renames(schema: Schema, renames: Renames) -> Schema:
    """``schema`` as it is after the renames: tables, columns and references to them."""
    if not renames:
        return schema
    tables = []
    for table in schema.tables:
        new_name = renames.tables.get(table.name, table.name)
        columns = {old: new for (t, old), new in renames.columns.items() if t == new_name}
        tables.append(_rename_table(table, new_name, columns, renames, schema))
    return replace(schema, tables=tuple(tables))


def _rename_table(table: Table, new_name: str, columns: Mapping[str, str], renames: Renames,
                  schema: Schema) -> Table:
    def col(name: str) -> str:
        return columns.get(name, name)

    def cols(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(col(n) for n in names)

    def fk(f: ForeignKey) -> ForeignKey:
        ref = renames.tables.get(f.ref_table, f.ref_table)
        ref_cols = {old: new for (t, old), new in renames.columns.items() if t == ref}
        return replace(f, columns=cols(f.columns), ref_table=ref,
                       ref_columns=tuple(ref_cols.get(c, c) for c in f.ref_columns))

    pk = table.primary_key
    return replace(
        table, name=new_name,
        columns=tuple(replace(c, name=col(c.name)) for c in table.columns),
        primary_key=replace(pk, columns=cols(pk.columns)) if pk else None,
        uniques=tuple(replace(u, columns=cols(u.columns)) for u in table.uniques),
        indexes=tuple(replace(i, columns=cols(i.columns)) for i in table.indexes),
        foreign_keys=tuple(fk(f) for f in table.foreign_keys),
        checks=tuple(replace(c, expression=_rename_identifiers(c.expression, columns))
                     for c in table.checks),
    )


def _rename_identifiers(expression: str, columns: Mapping[str, str]) -> str:
    # Best effort on normalized expression text: bare and double-quoted identifiers.
    for old, new in columns.items():
        expression = re.sub(rf'(?<![\w"]){re.escape(old)}(?![\w"])', new, expression)
        expression = expression.replace(f'"{old}"', f'"{new}"')
    return expression
