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
from typing import TYPE_CHECKING, Any, TypeVar

from autodiff import ops
from autodiff.dialects import dialect_for
from autodiff.innodb import generated_name
from autodiff.model import Check, Column, ForeignKey, Index, Schema, Table, Unique
from autodiff.normalize import RULES, normalize_expression

if TYPE_CHECKING:  # sqltree imports sqlglot, needed only when something is renamed
    from autodiff.sqltree import Renaming

T = TypeVar("T")
# A name PostgreSQL prints without quotes (quote_ident), keywords aside.
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_$]*")


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
    out += _sequence_ops(current, desired)
    for name in sorted({t.name for t in current.tables} | {t.name for t in desired.tables}):
        old, new = current.table(name), desired.table(name)
        if old is None and new is not None:
            out.append(ops.CreateTable(new))
        elif new is None and old is not None:
            out.append(ops.DropTable(old))
        elif old is not None and new is not None and old != new:
            out += diff_table(old, new, desired.dialect)
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


def _sequence_ops(current: Schema, desired: Schema) -> list[ops.Op]:
    old = {s.name: s for s in current.sequences}
    new = {s.name: s for s in desired.sequences}
    out: list[ops.Op] = [ops.CreateSequence(s) for name, s in new.items() if name not in old]
    out += [ops.AlterSequence(old[name], s) for name, s in new.items()
            if name in old and old[name] != s]
    out += [ops.DropSequence(s) for name, s in old.items() if name not in new]
    return out


def _rename_ops(current: Schema, renames: Renames) -> list[ops.Op]:
    out: list[ops.Op] = [ops.RenameTable(old, new) for old, new in sorted(renames.tables.items())
                         if current.table(old) is not None]
    back = {new: old for old, new in renames.tables.items()}
    for (table, old), new in sorted(renames.columns.items()):
        was = current.table(back.get(table, table))
        out.append(ops.RenameColumn(table, old, new, was.column(old) if was else None))
    return out


def diff_table(current: Table, desired: Table, dialect: str = "") -> list[ops.Op]:
    """The ops that turn one table into another of the same name (of ``dialect``)."""
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
            out.append(ops.AlterColumn(name, was, col, _column_changes(was, col), dialect))
    if current.comment != desired.comment:
        out.append(ops.SetTableComment(name, current.comment, desired.comment))
    if current.options != desired.options:
        out.append(ops.SetTableOptions(name, current.options, desired.options))
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
    return (ix.columns, ix.unique, ix.expressions, ix.where, ix.orders)


def _fk_key(fk: ForeignKey) -> Any:
    return (fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete, fk.on_update, fk.deferrable,
            fk.initially)


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
    """``schema`` as it is after the renames: tables, columns and references to them.

    Views and triggers read as the database shows them after the renames: PostgreSQL
    and SQLite rewrite them on RENAME, and on MySQL the plan creates them again.
    """
    if not renames:
        return schema
    from autodiff.sqltree import rename_in_query, rename_in_statement

    dialect, read = schema.dialect, RULES[schema.dialect].sqlglot
    # Expressions are normalized SQL (every identifier quoted); views and triggers are
    # the database's own text.
    in_expressions = _renaming(dialect, renames, dialect_for(dialect).quote)
    in_text = _renaming(dialect, renames, _printed_quote(dialect))
    tables = []
    for table in schema.tables:
        new_name = renames.tables.get(table.name, table.name)
        columns = {old: new for (t, old), new in renames.columns.items() if t == new_name}
        tables.append(_rename_table(table, new_name, columns, renames, in_expressions, dialect))
    views = tuple(replace(v, definition=rename_in_query(
        v.definition, read, in_text, keep_output_names=dialect == "postgresql") or v.definition)
        for v in schema.views)
    triggers = tuple(replace(t, table=renames.tables.get(t.table, t.table),
                             definition=rename_in_statement(t.definition, read, t.table, in_text))
                     for t in schema.triggers)
    return replace(schema, tables=tuple(tables), views=views, triggers=triggers)


def _renaming(dialect: str, renames: Renames, quote: Callable[[str], str]) -> Renaming:
    """``renames`` keyed by the tables' names before the renames, for SQL text."""
    from autodiff.sqltree import Renaming

    back = {new: old for old, new in renames.tables.items()}
    columns: dict[str, dict[str, str]] = {}
    for (table, old), new in renames.columns.items():
        columns.setdefault(back.get(table, table), {})[old] = new
    return Renaming(renames.tables, columns, quote, fold=dialect != "postgresql")


def _printed_quote(dialect: str) -> Callable[[str], str]:
    """How the database writes a renamed name into a view or trigger it rewrites."""
    quote = dialect_for(dialect).quote
    if dialect == "postgresql":
        # pg_get_viewdef quotes only names that need it (quote_ident).
        return lambda name: name if _PLAIN_NAME.fullmatch(name) else quote(name)
    # SQLite's RENAME writes every reference as the quoted new name (renameEditSql in
    # alter.c); on MySQL the plan creates views and triggers again, quoted by us.
    return quote


def _rename_table(table: Table, new_name: str, columns: Mapping[str, str], renames: Renames,
                  r: Renaming, dialect: str) -> Table:
    def col(name: str) -> str:
        return columns.get(name, name)

    def cols(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(col(n) for n in names)

    def expr(sql: str) -> str:
        return _renamed_expression(sql, dialect, table.name, columns, r)

    def fk(f: ForeignKey) -> ForeignKey:
        ref = renames.tables.get(f.ref_table, f.ref_table)
        ref_cols = {old: new for (t, old), new in renames.columns.items() if t == ref}
        return replace(f, name=fk_name(f.name), columns=cols(f.columns), ref_table=ref,
                       ref_columns=tuple(ref_cols.get(c, c) for c in f.ref_columns))

    def fk_name(name: str | None) -> str | None:
        # MySQL's RENAME TABLE renames the names InnoDB generated: t_ibfk_1 -> new_ibfk_1.
        # https://dev.mysql.com/doc/refman/8.0/en/rename-table.html
        prefix = f"{table.name}_ibfk_"
        if dialect == "mysql" and name and name.startswith(prefix) and generated_name(name):
            return f"{new_name}_ibfk_{name[len(prefix):]}"
        return name

    def column(c: Column) -> Column:
        computed = c.computed and replace(c.computed, expression=expr(c.computed.expression))
        return replace(c, name=col(c.name), computed=computed)

    def index(i: Index) -> Index:
        return replace(i, columns=cols(i.columns), where=i.where and expr(i.where),
                       expressions=tuple(expr(e) for e in i.expressions))

    pk = table.primary_key
    return replace(
        table, name=new_name, columns=tuple(column(c) for c in table.columns),
        primary_key=replace(pk, columns=cols(pk.columns)) if pk else None,
        uniques=tuple(replace(u, columns=cols(u.columns)) for u in table.uniques),
        indexes=tuple(index(i) for i in table.indexes),
        foreign_keys=tuple(fk(f) for f in table.foreign_keys),
        checks=tuple(replace(c, expression=expr(c.expression)) for c in table.checks),
    )


def _renamed_expression(sql: str, dialect: str, table: str, columns: Mapping[str, str],
                        r: Renaming) -> str:
    """A normalized expression over ``table``'s columns, renamed and normalized again."""
    if not columns:
        return sql
    from autodiff.sqltree import rename_in_expression

    renamed = rename_in_expression(sql, RULES[dialect].sqlglot, table, r)
    if renamed is None:
        return _rename_identifiers(sql, columns)
    return sql if renamed == sql else normalize_expression(dialect, renamed)


def _rename_identifiers(expression: str, columns: Mapping[str, str]) -> str:
    # Text sqlglot cannot parse: bare and double-quoted identifiers, a best effort.
    for old, new in columns.items():
        expression = re.sub(rf'(?<![\w"]){re.escape(old)}(?![\w"])', new, expression)
        expression = expression.replace(f'"{old}"', f'"{new}"')
    return expression
