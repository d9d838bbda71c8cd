"""Schema pairs for the round-trip properties: ``b`` derived from a random ``a`` by mutations.

``schema_pairs(dialect)`` draws ``(a, b, renames)``: ``a`` from ``schemas(dialect)``,
then one to four mutations (add/drop/alter columns, add/drop indexes, uniques, checks
and foreign keys, index sort orders, foreign key deferral, add/drop tables, renames with
hints). Every ``b`` is valid in the
dialect, normalized as introspection reads it back, and both directions can run on a
database holding rows that are valid in ``a`` and in ``b``. Mutations that cannot,
whatever the rows, are not drawn:

- a dropped column is nullable without a default, or in no constraint (adding it back
  fills it with NULL or its default); never a key column, nor one another table's
  foreign key references; its generated columns, checks and indexes go with it;
- a dropped table is referenced by no other table (adding it back leaves it empty);
- types change only along lossless pairs (integer widths, string lengths, numeric
  precision), on columns outside foreign keys, checks, expressions and (MySQL, to TEXT)
  keys; generated and autoincrement columns are left alone;
- new foreign keys get new, nullable columns; a dropped unique takes the foreign keys
  that need it along;
- PostgreSQL: a column a generated column uses is not renamed (the differ does not
  carry the rename into the expression, and PostgreSQL cannot change one in place);
- MySQL: a JSON column is not renamed (MariaDB's JSON is LONGTEXT plus a CHECK named
  after the column; RENAME COLUMN leaves that CHECK under the old name, and
  introspection then reads the column as LONGTEXT).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import strategies as st

from autodiff.dialects import dialect_for
from autodiff.diff import Renames
from autodiff.model import Column, Enum, Schema, Sequence, Table, Unique
from autodiff.normalize import (
    normalize_collation,
    normalize_default,
    normalize_expression,
    normalize_on_update,
    normalize_type,
)
from tests.strategies import (
    _COLLATIONS,
    TypeSpec,
    _checks,
    _column,
    _comment,
    _Draft,
    _enum_spec,
    _foreign_key,
    _index,
    _Names,
    _table,
    _type_specs,
    _undrafted,
    deferral,
    fitting_options,
    fold,
    orders,
    schemas,
    sequence,
    table_options,
)

# Lossless type changes, both ways (normalized spellings).
_WIDER = {
    "postgresql": [("integer", "bigint"), ("smallint", "integer"), ("varchar(20)", "text"),
                   ("varchar(20)", "varchar(40)"), ("numeric(10,2)", "numeric(12,2)"),
                   ("real", "double precision")],
    "mysql": [("int", "bigint"), ("smallint", "int"), ("varchar(20)", "varchar(40)"),
              ("varchar(20)", "text"), ("decimal(10,2)", "decimal(12,2)")],
    "sqlite": [("integer", "bigint"), ("varchar(20)", "text"), ("numeric(10,2)", "numeric(12,2)")],
}


def _ascii_lower(name: str) -> str:
    return name.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                        "abcdefghijklmnopqrstuvwxyz"))


@dataclass
class _Tab:
    """A table of ``b`` being drawn: its name in ``a`` and where its columns come from."""

    table: Table
    origin: str | None  # its name in a; None for a new table
    cols: dict[str, str] = field(default_factory=dict)  # b column -> a column


@dataclass
class _Work:
    dialect: str
    a: Schema
    tabs: list[_Tab]
    enums: tuple[Enum, ...]  # a's: new columns and defaults use only values a has
    names: _Names

    def quote(self, name: str) -> str:
        return dialect_for(self.dialect).quote(name)

    def mentions(self, sql: str | None, column: str) -> bool:
        """Whether normalized ``sql`` names ``column`` (SQLite folds identifiers)."""
        if sql is None:
            return False
        if self.dialect == "sqlite":  # identifiers are folded (ASCII only) in expressions
            return self.quote(_ascii_lower(column)) in sql
        return self.quote(column) in sql

    def referenced(self, table: str, column: str | None = None) -> bool:
        """Whether another table's foreign key points at ``table`` (at ``column``)."""
        return any(fk.ref_table == table and (column is None or column in fk.ref_columns)
                   and (t.table.name != table or column is not None)
                   for t in self.tabs for fk in t.table.foreign_keys)


@st.composite
def schema_pairs(draw: Any, dialect: str) -> tuple[Schema, Schema, Renames]:
    """``(a, b, renames)``: a random schema, a mutation of it, and the rename hints."""
    a = draw(schemas(dialect))
    names = _Names(draw, dialect)
    names.used |= _all_names(a)
    work = _Work(dialect, a, [_Tab(t, t.name, {c.name: c.name for c in t.columns})
                           for t in a.tables], a.enums, names)
    for mutate in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        mutate(draw, work)
    enums = a.enums
    if dialect == "postgresql" and enums and draw(st.integers(0, 4)) == 0:
        enums = _change_enum(draw, work)
    sequences = a.sequences
    if dialect == "postgresql" and draw(st.integers(0, 2)) == 0:
        sequences = _change_sequences(draw, work, a.sequences)
    # Options the mutations left the table unable to have (a STRICT table's new type).
    b = Schema(dialect, tables=tuple(replace(t.table, options=fitting_options(
        t.table, t.table.options)) for t in work.tabs), enums=enums, sequences=sequences)
    return a, b, _renames(work)


def _change_sequences(draw: Any, work: _Work, current: tuple[Sequence, ...]
                      ) -> tuple[Sequence, ...]:
    """PostgreSQL: sequences dropped, given new options, or added.

    New bounds hold the old start: nothing calls the sequences, so that is still their
    value, and ALTER SEQUENCE refuses bounds that leave it out.
    """
    out = []
    for seq in current:
        fate = draw(st.sampled_from(["keep", "drop", "alter"]))
        if fate == "alter":
            out.append(sequence(draw, seq.name, holding=seq.first()))
        elif fate == "keep":
            out.append(seq)
    out += [sequence(draw, work.names()) for _ in range(draw(st.integers(0, 1)))]
    return tuple(out)


def _change_enum(draw: Any, work: _Work) -> tuple[Enum, ...]:
    """PostgreSQL: one enum gains values at the end, or loses or reorders some."""
    enum = draw(st.sampled_from(work.enums))
    if draw(st.booleans()):
        extra = draw(st.lists(st.text("xyz é'", min_size=1, max_size=3), min_size=1,
                              max_size=2, unique=True).filter(
            lambda vs: not set(vs) & set(enum.values)))
        values = (*enum.values, *extra)
    else:
        values = tuple(draw(st.permutations(enum.values))[:draw(
            st.integers(1, len(enum.values)))])
    quoted = '"' + enum.name.replace('"', '""') + '"'
    kept = {"'" + v.replace("'", "''") + "'" for v in values}
    for tab in work.tabs:  # a default naming a value that is gone goes too
        for col in tab.table.columns:
            if col.type.removesuffix("[]") == quoted and col.default not in kept:
                _alter(work, tab, col.name, default=None)
    return tuple(replace(e, values=values) if e is enum else e for e in work.enums)


def _all_names(schema: Schema) -> set[str]:
    found = {e.name for e in schema.enums} | {s.name for s in schema.sequences}
    for t in schema.tables:
        found |= {t.name, *(c.name for c in t.columns), *(i.name for i in t.indexes)}
        found |= {o.name for o in (*t.uniques, *t.foreign_keys, *t.checks) if o.name}
        found |= {t.primary_key.name} if t.primary_key and t.primary_key.name else set()
    return {fold(n) for n in found}


def _renames(work: _Work) -> Renames:
    tables = {t.origin: t.table.name for t in work.tabs
              if t.origin is not None and t.origin != t.table.name}
    columns = {(t.table.name, old): new for t in work.tabs for new, old in t.cols.items()
               if old != new}
    return Renames(tables, columns)


# -- type specs and drafts (so strategies' builders can extend a table) ----------------

def _spec(work: _Work, column: Column) -> TypeSpec | None:
    specs = _type_specs(work.dialect) + [_enum_spec(e) for e in work.enums]
    return next((s for s in specs if normalize_type(work.dialect, s.raw) == column.type), None)


def _draft(work: _Work, table: Table) -> _Draft:
    d = _Draft(table.name, list(table.columns), pk=table.primary_key,
               uniques=list(table.uniques), indexes=list(table.indexes),
               fks=list(table.foreign_keys), checks=list(table.checks), comment=table.comment,
               options=table.options)
    fk_columns = {c for fk in table.foreign_keys for c in fk.columns}
    for col in table.columns:
        spec = _spec(work, col) or TypeSpec(col.type, st.none(), keyable=False)
        if col.computed is not None or col.name in fk_columns:
            spec = replace(spec, keyable=False, integer=False)
        d.specs[col.name] = spec
    return d


def _set_table(work: _Work, tab: _Tab, table: Table) -> None:
    tab.table = table


def _in_fk(table: Table, work: _Work, column: str) -> bool:
    return any(column in fk.columns for fk in table.foreign_keys) or work.referenced(
        table.name, column)


def _in_expressions(work: _Work, table: Table, column: str) -> bool:
    texts = [c.expression for c in table.checks]
    texts += [c.computed.expression for c in table.columns if c.computed]
    texts += [e for i in table.indexes for e in i.expressions] + [
        i.where for i in table.indexes if i.where]
    return any(work.mentions(t, column) for t in texts)


# -- columns -----------------------------------------------------------------------------

def add_column(draw: Any, work: _Work) -> None:
    tab = draw(st.sampled_from(work.tabs))
    specs = _type_specs(work.dialect) + [_enum_spec(e) for e in work.enums]
    col = _column(draw, work.dialect, work.names(), draw(st.sampled_from(specs)))
    if not col.nullable and col.default is None:
        col = replace(col, nullable=True)  # NOT NULL without a default fits no existing row
    _set_table(work, tab, replace(tab.table, columns=(*tab.table.columns, col)))


def _constrained(table: Table, work: _Work, column: str) -> bool:
    keys = [u.columns for u in table.uniques] + [i.columns for i in table.indexes if i.unique]
    return (any(column in k for k in keys) or _in_fk(table, work, column)
            or _in_expressions(work, table, column))


def _droppable(work: _Work, table: Table, col: Column) -> bool:
    if col.autoincrement or (table.primary_key and col.name in table.primary_key.columns):
        return False
    if work.referenced(table.name, col.name):
        return False
    if col.computed is not None:
        return True
    if not col.nullable and col.default is None:
        return False
    return col.default is None or not _constrained(table, work, col.name)


def _in_a(work: _Work, tab: _Tab, column: str) -> tuple[Table, Column] | None:
    """The table and column of ``a`` that ``column`` of ``tab`` comes from, if any."""
    table = work.a.table(tab.origin) if tab.origin else None
    col = table.column(tab.cols[column]) if table and column in tab.cols else None
    return (table, col) if table and col else None


def drop_column(draw: Any, work: _Work) -> None:
    # Both versions count: the column is dropped as b has it, added back as a had it.
    choices = [(tab, c) for tab in work.tabs for c in tab.table.columns
               if _droppable(work, tab.table, c)
               and ((was := _in_a(work, tab, c.name)) is None or _droppable(work, *was))]
    if not choices:
        return
    tab, col = draw(st.sampled_from(choices))
    t = tab.table
    gone = {col.name} | {c.name for c in t.columns
                         if c.computed and work.mentions(c.computed.expression, col.name)}
    if len(gone) >= len(t.columns):
        return

    def uses(names: tuple[str, ...], *texts: str | None) -> bool:
        return bool(set(names) & gone) or any(work.mentions(x, g) for x in texts for g in gone)

    _set_table(work, tab, replace(
        t, columns=tuple(c for c in t.columns if c.name not in gone),
        uniques=tuple(u for u in t.uniques if not uses(u.columns)),
        indexes=tuple(i for i in t.indexes if not uses(i.columns, *i.expressions, i.where)),
        foreign_keys=tuple(f for f in t.foreign_keys if not uses(f.columns)),
        checks=tuple(c for c in t.checks if not uses((), c.expression))))
    for name in gone:
        tab.cols.pop(name, None)


def _alter(work: _Work, tab: _Tab, name: str, **changes: Any) -> None:
    t = tab.table
    _set_table(work, tab, replace(t, columns=tuple(
        replace(c, **changes) if c.name == name else c for c in t.columns)))


def _plain(work: _Work, table: Table, col: Column) -> bool:
    """Not generated, not numbering itself, in no foreign key and no expression."""
    return (col.computed is None and not col.autoincrement
            and not _in_fk(table, work, col.name)
            and not _in_expressions(work, table, col.name))


def _moves(dialect: str) -> dict[str, str]:
    pairs = _WIDER[dialect]
    return {**{a: b for a, b in pairs}, **{b: a for a, b in pairs}}


def alter_type(draw: Any, work: _Work) -> None:
    moves = _moves(work.dialect)
    choices = [(tab, c) for tab in work.tabs for c in tab.table.columns
               if c.type in moves and _plain(work, tab.table, c)
               and not (moves[c.type] == "text" and work.dialect == "mysql"
                        and c.name in _key_columns(tab.table))]
    if choices:
        tab, col = draw(st.sampled_from(choices))
        new = moves[col.type]
        _alter(work, tab, col.name, type=new,
               default=normalize_default(work.dialect, col.default, new))


def _key_columns(table: Table) -> set[str]:
    keys = [*(u.columns for u in table.uniques), *(i.columns for i in table.indexes)]
    keys += [table.primary_key.columns] if table.primary_key else []
    return {c for k in keys for c in k}


def widen_key(draw: Any, work: _Work) -> None:
    """Change the type of a key column and of the foreign key columns into it, together."""
    moves = _moves(work.dialect)
    choices = []
    for tab in work.tabs:
        t = tab.table
        for col in t.columns:
            into = [(c, fk) for c in work.tabs for fk in c.table.foreign_keys
                    if fk.ref_table == t.name and col.name in fk.ref_columns]
            if into and col.type in moves and moves[col.type] != "text" and not (
                    col.computed or col.autoincrement or _in_expressions(work, t, col.name)
                    or any(col.name in fk.columns for fk in t.foreign_keys)) and all(
                    not _in_expressions(work, c.table, fk.columns[fk.ref_columns.index(
                        col.name)]) for c, fk in into):
                choices.append((tab, col, into))
    if not choices:
        return
    tab, col, into = draw(st.sampled_from(choices))
    new = moves[col.type]
    for owner, fk in [(tab, None), *into]:
        name = col.name if fk is None else fk.columns[fk.ref_columns.index(col.name)]
        was = owner.table.column(name)
        assert was is not None
        _alter(work, owner, name, type=new,
               default=normalize_default(work.dialect, was.default, new))


def rename_unique(draw: Any, work: _Work) -> None:
    """The same unique constraint under a new name (foreign keys into it stay)."""
    choices = [(tab, u) for tab in work.tabs for u in tab.table.uniques]
    if choices:
        tab, unique = draw(st.sampled_from(choices))
        renamed = replace(unique, name=work.names())
        _set_table(work, tab, replace(tab.table, uniques=tuple(
            renamed if u is unique else u for u in tab.table.uniques)))


def alter_nullable(draw: Any, work: _Work) -> None:
    choices = [(tab, c) for tab in work.tabs for c in tab.table.columns
               if _plain(work, tab.table, c) and not (
                   tab.table.primary_key and c.name in tab.table.primary_key.columns)]
    if choices:
        tab, col = draw(st.sampled_from(choices))
        _alter(work, tab, col.name, nullable=not col.nullable)


def alter_default(draw: Any, work: _Work) -> None:
    choices = [(tab, c, s) for tab in work.tabs for c in tab.table.columns
               if c.computed is None and not c.autoincrement
               and not _in_fk(tab.table, work, c.name) and (s := _spec(work, c)) is not None]
    if choices:
        tab, col, spec = draw(st.sampled_from(choices))
        default = normalize_default(work.dialect, draw(spec.defaults), col.type)
        _alter(work, tab, col.name, default=default)


def alter_on_update(draw: Any, work: _Work) -> None:
    """MySQL's ON UPDATE set, changed or dropped (a MODIFY restating the column)."""
    choices = [(tab, c, s) for tab in work.tabs for c in tab.table.columns
               if c.computed is None and (s := _spec(work, c)) is not None
               and s.on_updates is not None]
    if choices:
        tab, col, spec = draw(st.sampled_from(choices))
        assert spec.on_updates is not None
        new = draw(spec.on_updates.map(
            lambda raw: normalize_on_update(work.dialect, raw, col.type)).filter(
            lambda value: value != col.on_update))
        _alter(work, tab, col.name, on_update=new)


def alter_comment(draw: Any, work: _Work) -> None:
    tab = draw(st.sampled_from(work.tabs))
    col = draw(st.sampled_from(tab.table.columns))
    _alter(work, tab, col.name, comment=_comment(draw, work.dialect))


def alter_table_options(draw: Any, work: _Work) -> None:
    if work.dialect == "sqlite":
        tab = draw(st.sampled_from(work.tabs))
        _set_table(work, tab, replace(tab.table, options=table_options(draw, tab.table)))


def alter_table_comment(draw: Any, work: _Work) -> None:
    tab = draw(st.sampled_from(work.tabs))
    _set_table(work, tab, replace(tab.table, comment=_comment(draw, work.dialect)))


def alter_collation(draw: Any, work: _Work) -> None:
    choices = [(tab, c) for tab in work.tabs for c in tab.table.columns
               if (s := _spec(work, c)) is not None and s.text and not s.raw.startswith('"')
               and not _in_fk(tab.table, work, c.name) and c.computed is None]
    if choices:
        tab, col = draw(st.sampled_from(choices))
        raw = draw(st.none() | st.sampled_from(_COLLATIONS[work.dialect]))
        _alter(work, tab, col.name, collation=normalize_collation(work.dialect, raw))


# -- keys, indexes, checks, foreign keys ------------------------------------------------

def add_index_or_unique(draw: Any, work: _Work) -> None:
    tab = draw(st.sampled_from(work.tabs))
    d = _draft(work, tab.table)
    keyable = [c.name for c in d.columns if d.specs[c.name].keyable and c.computed is None]
    if not keyable:
        return
    cols = tuple(draw(st.lists(st.sampled_from(keyable), min_size=1, max_size=2, unique=True)))
    taken = [set(u.columns) for u in d.uniques] + [set(i.columns) for i in d.indexes]
    if d.pk is not None:
        taken.append(set(d.pk.columns))
    if set(cols) in taken:
        return
    if draw(st.booleans()):
        d.uniques.append(Unique(work.names(), cols))
    else:
        d.indexes.append(_index(draw, work.dialect, work.names(), cols, d))
    _set_table(work, tab, _undrafted(d))


def alter_index_order(draw: Any, work: _Work) -> None:
    """New sort orders for an index's key parts (the index is dropped and created again)."""
    choices = [(tab, i) for tab in work.tabs for i in tab.table.indexes
               if not (work.dialect == "mysql" and i.unique)]  # no DESC: a unique constraint
    if choices:
        tab, index = draw(st.sampled_from(choices))
        changed = replace(index, orders=orders(draw, work.dialect, len(index.parts())))
        _set_table(work, tab, replace(tab.table, indexes=tuple(
            changed if i is index else i for i in tab.table.indexes)))


def alter_deferral(draw: Any, work: _Work) -> None:
    """New DEFERRABLE/INITIALLY clauses for a foreign key (none on MySQL)."""
    choices = [(tab, fk) for tab in work.tabs for fk in tab.table.foreign_keys]
    if choices and work.dialect != "mysql":
        tab, fk = draw(st.sampled_from(choices))
        deferrable, initially = deferral(draw, work.dialect)
        changed = replace(fk, deferrable=deferrable, initially=initially)
        _set_table(work, tab, replace(tab.table, foreign_keys=tuple(
            changed if f is fk else f for f in tab.table.foreign_keys)))


def add_check(draw: Any, work: _Work) -> None:
    tab = draw(st.sampled_from(work.tabs))
    d = _draft(work, tab.table)
    _checks(draw, work.dialect, work.names, d)
    _set_table(work, tab, _undrafted(d))


def add_foreign_key(draw: Any, work: _Work) -> None:
    tab = draw(st.sampled_from(work.tabs))
    drafts = [_draft(work, t.table) for t in work.tabs]
    d = drafts[work.tabs.index(tab)]
    before = len(d.columns)
    _foreign_key(draw, work.dialect, work.names, d, drafts)
    # Existing rows get NULL in the new columns: they must be nullable.
    d.columns = d.columns[:before] + [replace(c, nullable=True) for c in d.columns[before:]]
    _set_table(work, tab, _undrafted(d))


def drop_constraint(draw: Any, work: _Work) -> None:
    choices = [(tab, kind, obj) for tab in work.tabs
               for kind, objs in (("uniques", tab.table.uniques), ("indexes", tab.table.indexes),
                                  ("checks", tab.table.checks),
                                  ("foreign_keys", tab.table.foreign_keys))
               for obj in objs]
    if not choices:
        return
    tab, kind, obj = draw(st.sampled_from(choices))
    table = tab.table
    _set_table(work, tab, replace(table, **{kind: tuple(
        o for o in getattr(table, kind) if o is not obj)}))
    if kind == "uniques":
        _drop_foreign_keys_needing(work, tab.table, set(obj.columns))


def _drop_foreign_keys_needing(work: _Work, table: Table, key: set[str]) -> None:
    keys = [set(u.columns) for u in table.uniques]
    keys += [set(table.primary_key.columns)] if table.primary_key else []
    if key in keys:  # another unique (or the primary key) still serves
        return
    for tab in work.tabs:
        fks = tuple(fk for fk in tab.table.foreign_keys
                    if not (fk.ref_table == table.name and set(fk.ref_columns) == key))
        _set_table(work, tab, replace(tab.table, foreign_keys=fks))


# -- tables ------------------------------------------------------------------------------

def add_table(draw: Any, work: _Work) -> None:
    d = _table(draw, work.dialect, work.names, list(work.enums))
    drafts = [_draft(work, t.table) for t in work.tabs] + [d]
    if draw(st.booleans()):
        _foreign_key(draw, work.dialect, work.names, d, drafts)
    work.tabs.append(_Tab(_undrafted(d), None))


def drop_table(draw: Any, work: _Work) -> None:
    choices = [t for t in work.tabs if not work.referenced(t.table.name)]
    if len(work.tabs) > 1 and choices:
        work.tabs.remove(draw(st.sampled_from(choices)))


def rename_table(draw: Any, work: _Work) -> None:
    choices = [t for t in work.tabs if t.origin == t.table.name]
    if not choices:
        return
    tab = draw(st.sampled_from(choices))
    old, new = tab.table.name, work.names()
    tab.table = replace(tab.table, name=new)
    for t in work.tabs:
        fks = tuple(replace(fk, ref_table=new) if fk.ref_table == old else fk
                    for fk in t.table.foreign_keys)
        t.table = replace(t.table, foreign_keys=fks)


def rename_column(draw: Any, work: _Work) -> None:
    choices = [(tab, name) for tab in work.tabs for name, was in tab.cols.items()
               if name == was]
    if not choices:
        return
    tab, old = draw(st.sampled_from(choices))
    new = work.names()
    tab.table = _renamed_column(work, tab.table, old, new)
    tab.cols[new] = tab.cols.pop(old)
    for t in work.tabs:
        t.table = replace(t.table, foreign_keys=tuple(
            replace(fk, ref_columns=tuple(new if c == old else c for c in fk.ref_columns))
            if fk.ref_table == tab.table.name else fk for fk in t.table.foreign_keys))


def _renamed_column(work: _Work, t: Table, old: str, new: str) -> Table:
    def cols(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if n == old else n for n in names)

    def expr(sql: str) -> str:
        q_old = work.quote(_ascii_lower(old) if work.dialect == "sqlite" else old)
        return normalize_expression(work.dialect, sql.replace(q_old, work.quote(new)))

    def col(c: Column) -> Column:
        computed = replace(c.computed, expression=expr(c.computed.expression)) \
            if c.computed else None
        return replace(c, name=new if c.name == old else c.name, computed=computed)

    pk = t.primary_key
    return replace(
        t, columns=tuple(col(c) for c in t.columns),
        primary_key=replace(pk, columns=cols(pk.columns)) if pk else None,
        uniques=tuple(replace(u, columns=cols(u.columns)) for u in t.uniques),
        indexes=tuple(replace(i, columns=cols(i.columns),
                              expressions=tuple(expr(e) for e in i.expressions),
                              where=expr(i.where) if i.where else None) for i in t.indexes),
        foreign_keys=tuple(replace(f, columns=cols(f.columns)) for f in t.foreign_keys),
        checks=tuple(replace(c, expression=expr(c.expression)) for c in t.checks))


MUTATIONS: list[Callable[[Any, _Work], None]] = [
    add_column, drop_column, alter_type, widen_key, rename_unique, alter_nullable,
    alter_default, alter_on_update, alter_comment, alter_table_comment, alter_table_options,
    alter_collation,
    add_index_or_unique, alter_index_order, alter_deferral, add_check, add_foreign_key,
    drop_constraint, add_table, drop_table, rename_table, rename_column,
]
