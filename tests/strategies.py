"""Hypothesis strategies: random, valid schemas per dialect, in normalized form.

Raw spellings (``INT4``, ``now()``, ``RESTRICT``) are drawn and passed through
``autodiff.normalize``, so a generated schema is what introspection must give back.
Every constraint and index is named explicitly, except where a dialect keeps no name:
primary keys on MySQL (always ``PRIMARY``) and SQLite (a name is accepted, stored
nowhere). Other limits respected here, by dialect:

- MySQL: identifiers at most 64 characters, no trailing space, compared without
  case or accents (so all names are unique under that folding); no TEXT/BLOB/JSON in
  keys (they need a prefix length); unique indexes read back as unique constraints
  unless a key part is DESC, so only those are drawn unique; no partial or expression
  indexes (MariaDB); no DEFERRABLE foreign keys; ON UPDATE CURRENT_TIMESTAMP only on
  DATETIME and TIMESTAMP columns;
  MariaDB refuses NOT NULL on generated columns, and AUTO_INCREMENT columns in checks
  and generation expressions; InnoDB refuses ON DELETE SET DEFAULT, and ON UPDATE
  CASCADE from a nullable key into NOT NULL columns.
- PostgreSQL: identifiers at most 63 bytes; generated columns are STORED only;
  json (not jsonb) has no btree operator class, so it is never generated.
- SQLite: names may not start with ``sqlite_``; a sole INTEGER primary key is the
  rowid alias (autoincrement), declared INT when it must not be.
- Foreign keys point at a primary key or unique constraint and get new columns of
  the same types (and collations); SET NULL only on nullable columns.
- Index key parts get random sort orders (DESC; NULLS FIRST/LAST on PostgreSQL), and
  foreign keys random DEFERRABLE/INITIALLY clauses, both normalized.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import strategies as st

from autodiff.database import VERSION_TABLE
from autodiff.dialects import dialect_for
from autodiff.model import (
    TABLE_OPTIONS,
    Check,
    Column,
    Computed,
    Enum,
    ForeignKey,
    Index,
    PrimaryKey,
    Schema,
    Sequence,
    Table,
    Unique,
)
from autodiff.normalize import (
    normalize_collation,
    normalize_default,
    normalize_deferral,
    normalize_expression,
    normalize_fk_action,
    normalize_index_order,
    normalize_on_update,
    normalize_type,
)

RESERVED = ["order", "select", "table", "group", "user", "check", "key", "index", "from",
            "where", "default", "column", "Order", "SELECT"]
_ALPHABET = "abcxyzABCXYZ019_ \"'`(,$éñü日本Ж"


def fold(name: str) -> str:
    """The key under which two names collide in some dialect (case, accents)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _valid(dialect: str, name: str) -> bool:
    if name != name.strip() or not name or fold(name) in ("primary", VERSION_TABLE):
        return False
    if dialect == "sqlite" and fold(name).startswith("sqlite_"):
        return False
    return len(name.encode()) <= 63 if dialect == "postgresql" else len(name) <= 64


def identifiers(dialect: str) -> st.SearchStrategy[str]:
    """Identifiers with quotes, spaces, unicode and reserved words, valid in ``dialect``."""
    return st.one_of(st.sampled_from(RESERVED),
                     st.text(_ALPHABET, min_size=1, max_size=12)).filter(
        lambda n: _valid(dialect, n))


@dataclass(frozen=True)
class TypeSpec:
    """A raw type spelling and how to draw a raw default for it."""

    raw: str
    defaults: st.SearchStrategy[str | None]
    keyable: bool = True  # may be part of a key or index
    integer: bool = False  # usable in checks, computed columns, autoincrement
    text: bool = False  # may carry a collation; usable in lower(...)
    on_updates: st.SearchStrategy[str | None] | None = None  # MySQL's ON UPDATE, raw


def _ints(lo: int = -1000, hi: int = 1000) -> st.SearchStrategy[str | None]:
    return st.none() | st.integers(lo, hi).map(str)


def _decimals() -> st.SearchStrategy[str | None]:
    # Exact binary fractions, so no dialect prints them otherwise.
    return st.none() | st.sampled_from(["1.5", "-2.25", "0", "10.50", "3"])


def _strings(backslash: bool) -> st.SearchStrategy[str | None]:
    chars = "ab 'é\"\\" if backslash else "ab 'é\""
    def lit(s: str) -> str:
        s = s.replace("\\", "\\\\") if backslash else s
        return "'" + s.replace("'", "''") + "'"
    return st.none() | st.text(chars, max_size=3).filter(lambda s: s == s.rstrip()).map(lit)


def _type_specs(dialect: str) -> list[TypeSpec]:
    none: st.SearchStrategy[str | None] = st.none()
    if dialect == "postgresql":
        return [
            TypeSpec("INT4", _ints(), integer=True), TypeSpec("integer", _ints(), integer=True),
            TypeSpec("int8", _ints(), integer=True), TypeSpec("smallint", _ints(), integer=True),
            TypeSpec("numeric(10, 2)", _decimals()), TypeSpec("float8", _decimals()),
            TypeSpec("real", _decimals()),
            TypeSpec("bool", st.sampled_from([None, "true", "false"])),
            TypeSpec("character varying(20)", _strings(False), text=True),
            TypeSpec("char(3)", _strings(False), text=True),
            TypeSpec("text", _strings(False), text=True),
            TypeSpec("timestamp", st.sampled_from([None, "now()", "CURRENT_TIMESTAMP"])),
            TypeSpec("timestamp with time zone", st.sampled_from([None, "now()"])),
            TypeSpec("date", st.sampled_from([None, "CURRENT_DATE", "'2020-01-02'"])),
            TypeSpec("uuid", st.sampled_from([None, "gen_random_uuid()"])),
            TypeSpec("jsonb", st.sampled_from([None, "'{}'"])),
            TypeSpec("bytea", none), TypeSpec("int[]", st.sampled_from([None, "'{1,2}'"])),
        ]
    if dialect == "mysql":
        return [
            TypeSpec("INT(11)", _ints(), integer=True), TypeSpec("integer", _ints(), integer=True),
            TypeSpec("bigint", _ints(), integer=True), TypeSpec("smallint", _ints(), integer=True),
            TypeSpec("int unsigned", _ints(0, 1000), integer=True),
            TypeSpec("boolean", st.sampled_from([None, "TRUE", "0", "1"])),
            TypeSpec("numeric(10,2)", _decimals()), TypeSpec("double", _decimals()),
            TypeSpec("varchar(20)", _strings(True), text=True),
            TypeSpec("char(3)", _strings(True), text=True),
            TypeSpec("text", _strings(True), keyable=False, text=True),
            TypeSpec("datetime", st.sampled_from([None, "now()", "CURRENT_TIMESTAMP"]),
                     on_updates=st.sampled_from([None, "CURRENT_TIMESTAMP", "now()"])),
            TypeSpec("datetime(6)", st.sampled_from([None, "CURRENT_TIMESTAMP(6)"]),
                     on_updates=st.sampled_from([None, "CURRENT_TIMESTAMP(6)",
                                                 "CURRENT_TIMESTAMP"])),
            TypeSpec("timestamp(3)", st.sampled_from([None, "now(3)", "'2020-01-02 03:04:05'"]),
                     on_updates=st.sampled_from([None, "LOCALTIMESTAMP(3)"])),
            TypeSpec("date", st.sampled_from([None, "'2020-01-02'"])),
            TypeSpec("enum('a','it''s','é')", st.sampled_from([None, "'a'", "'it''s'"]),
                     text=True),
            TypeSpec("json", none, keyable=False), TypeSpec("blob", none, keyable=False),
        ]
    return [
        TypeSpec("INTEGER", _ints(), integer=True), TypeSpec("int", _ints(), integer=True),
        TypeSpec("BIGINT", _ints(), integer=True), TypeSpec("real", _decimals()),
        TypeSpec("NUMERIC(10, 2)", _decimals()), TypeSpec("bool", st.sampled_from(
            [None, "TRUE", "0"])),
        TypeSpec("varchar(20)", _strings(False), text=True),
        TypeSpec("TEXT", _strings(False) | st.just("(lower('X'))"), text=True),
        TypeSpec("blob", none), TypeSpec("", _ints()),
        TypeSpec("datetime", st.sampled_from([None, "CURRENT_TIMESTAMP"])),
    ]


_COLLATIONS = {"postgresql": ["C", "POSIX"], "mysql": ["utf8mb4_bin", "utf8mb4_general_ci"],
               "sqlite": ["NOCASE", "rtrim"]}
_ACTIONS = {"postgresql": ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"],
            "mysql": ["CASCADE", "SET NULL", "RESTRICT", "NO ACTION"],
            "sqlite": ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"]}


@dataclass
class _Draft:
    """A table being drawn; turned into a frozen Table at the end."""

    name: str
    columns: list[Column] = field(default_factory=list)
    specs: dict[str, TypeSpec] = field(default_factory=dict)
    pk: PrimaryKey | None = None
    uniques: list[Unique] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    fks: list[ForeignKey] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    comment: str | None = None
    options: tuple[str, ...] = ()


class _Names:
    """Draws names unique across the whole schema under every dialect's folding."""

    def __init__(self, draw: Any, dialect: str) -> None:
        self.draw, self.dialect, self.used = draw, dialect, set[str]()

    def __call__(self, also: Any = None) -> str:
        name: str = self.draw(identifiers(self.dialect).filter(
            lambda n: fold(n) not in self.used and (also is None or also(n))))
        self.used.add(fold(name))
        return name


def _enums(draw: Any, names: _Names) -> list[Enum]:
    """PostgreSQL enums; names that format_type() always quotes, so types are '"name"'."""
    out = []
    for _ in range(draw(st.integers(0, 2))):
        name = names(lambda n: re.fullmatch(r"[a-z_][a-z0-9_]*", n) is None)
        values = draw(st.lists(st.text("ab 'é\"", min_size=1, max_size=5), min_size=1,
                               max_size=3, unique=True))
        out.append(Enum(name, tuple(values)))
    return out


def _valid_sequence(seq: Sequence) -> bool:
    low, high = seq.bounds()
    return low < high and low <= seq.first() <= high


def sequence(draw: Any, name: str, holding: int | None = None) -> Sequence:
    """A PostgreSQL sequence with random options; its bounds hold ``holding`` if given."""
    seq = draw(st.builds(
        Sequence, st.just(name), st.sampled_from(["smallint", "integer", "bigint"]),
        st.sampled_from([1, 2, 7, -1, -3]), st.none() | st.integers(-200, 200),
        st.none() | st.integers(-300, 0), st.none() | st.integers(1, 300),
        st.integers(1, 3), st.booleans()).filter(_valid_sequence).filter(
        lambda s: holding is None or s.bounds()[0] <= holding <= s.bounds()[1]))
    assert isinstance(seq, Sequence)
    return seq


def _enum_spec(enum: Enum) -> TypeSpec:
    literals = [None] + ["'" + v.replace("'", "''") + "'" for v in enum.values]
    return TypeSpec('"' + enum.name.replace('"', '""') + '"', st.sampled_from(literals))


def _comment(draw: Any, dialect: str) -> str | None:
    if dialect == "sqlite":
        return None
    text: str | None = draw(st.none() | st.text("ab 'é\"\\%", min_size=1, max_size=8))
    return text


def _column(draw: Any, dialect: str, name: str, spec: TypeSpec) -> Column:
    type_ = normalize_type(dialect, spec.raw)
    collation = None
    if spec.text and draw(st.booleans()):
        collation = normalize_collation(dialect, draw(st.sampled_from(_COLLATIONS[dialect])))
    on_update = draw(spec.on_updates) if spec.on_updates is not None else None
    return Column(name, type_, nullable=draw(st.booleans()),
                  default=normalize_default(dialect, draw(spec.defaults), type_),
                  collation=collation, comment=_comment(draw, dialect),
                  on_update=normalize_on_update(dialect, on_update, type_))


def _table(draw: Any, dialect: str, names: _Names, enums: list[Enum]) -> _Draft:
    specs = _type_specs(dialect) + [_enum_spec(e) for e in enums]
    t = _Draft(names())
    for _ in range(draw(st.integers(1, 5))):
        spec = draw(st.sampled_from(specs))
        col = _column(draw, dialect, names(), spec)
        t.columns.append(col)
        t.specs[col.name] = spec
    _keys(draw, dialect, names, t)
    _computed(draw, dialect, names, t)
    _checks(draw, dialect, names, t)
    t.comment = _comment(draw, dialect)
    if dialect == "sqlite":
        t.options = table_options(draw, _undrafted(t))
    return t


#: The types a STRICT table's columns may have, normalized.
#: https://www.sqlite.org/stricttables.html
_STRICT_TYPES = {"int", "integer", "real", "text", "blob", "any"}


def table_options(draw: Any, table: Table) -> tuple[str, ...]:
    """SQLite table options that ``table`` can have, drawn."""
    return fitting_options(table, tuple(draw(st.lists(st.sampled_from(TABLE_OPTIONS),
                                                      max_size=2, unique=True))))


def fitting_options(table: Table, options: tuple[str, ...]) -> tuple[str, ...]:
    """``options`` less those SQLite refuses on ``table``: AUTOINCREMENT needs the rowid
    alias, WITHOUT ROWID a primary key and no rowid alias, STRICT its types."""
    numbered = any(c.autoincrement for c in table.columns)
    keep = {"AUTOINCREMENT": numbered,
            "WITHOUT ROWID": table.primary_key is not None and not numbered,
            "STRICT": all(c.type in _STRICT_TYPES for c in table.columns)}
    return tuple(o for o in options if keep[o])


def _undrafted(d: _Draft) -> Table:
    """The draft as a Table, less the options it can no longer have (a STRICT table
    given a foreign key's column of another type)."""
    t = Table(d.name, tuple(d.columns), d.pk, tuple(d.uniques), tuple(d.indexes),
              tuple(d.fks), tuple(d.checks), d.comment)
    return replace(t, options=fitting_options(t, d.options))


def _integers(t: _Draft) -> list[str]:
    # MariaDB refuses AUTO_INCREMENT columns in checks and generation expressions.
    return [c.name for c in t.columns
            if t.specs[c.name].integer and c.computed is None and not c.autoincrement]


def _computed(draw: Any, dialect: str, names: _Names, t: _Draft) -> None:
    bases = _integers(t)
    if not bases or not draw(st.booleans()):
        return
    base = t.columns[[c.name for c in t.columns].index(draw(st.sampled_from(bases)))]
    q = dialect_for(dialect).quote(base.name)
    expression = normalize_expression(dialect, draw(st.sampled_from([f"{q} * 2", f"{q} + 1"])))
    stored = True if dialect == "postgresql" else draw(st.booleans())
    nullable = True if dialect == "mysql" else draw(st.booleans())
    name = names()
    t.columns.append(Column(name, base.type, nullable=nullable,
                            computed=Computed(expression, stored)))
    t.specs[name] = replace(t.specs[base.name], keyable=False, integer=False)


def by_name(t: _Draft, name: str) -> Column:
    """The column of a draft called ``name``."""
    return next(c for c in t.columns if c.name == name)


def _set_column(t: _Draft, name: str, **changes: Any) -> None:
    t.columns = [replace(c, **changes) if c.name == name else c for c in t.columns]


def _keys(draw: Any, dialect: str, names: _Names, t: _Draft) -> None:
    keyable = [c.name for c in t.columns if t.specs[c.name].keyable and c.computed is None]
    if not keyable:
        return
    key_lists = st.lists(st.sampled_from(keyable), min_size=1, max_size=2, unique=True)
    taken: set[frozenset[str]] = set()
    if draw(st.integers(0, 9)) < 7:
        cols = tuple(draw(key_lists))
        taken.add(frozenset(cols))
        t.pk = PrimaryKey(cols, names() if dialect == "postgresql" else None)
        for c in cols:
            _set_column(t, c, nullable=False)
        # SQLite numbers only a sole INTEGER key (the rowid alias), any other dialect any
        # integer key; in SQLite an INTEGER key that must not number itself is INT.
        numbered = t.specs[cols[0]].integer and (
            dialect != "sqlite" or by_name(t, cols[0]).type == "integer")
        if len(cols) == 1 and numbered and draw(st.booleans()):
            _set_column(t, cols[0], autoincrement=True, default=None)
    for kind in draw(st.lists(st.sampled_from(["unique", "index"]), max_size=3)):
        cols = tuple(draw(key_lists))
        if frozenset(cols) in taken:
            continue
        taken.add(frozenset(cols))
        if kind == "unique":
            t.uniques.append(Unique(names(), cols))
        else:
            t.indexes.append(_index(draw, dialect, names(), cols, t))


def orders(draw: Any, dialect: str, n: int) -> tuple[str, ...]:
    """Sort orders for ``n`` key parts, normalized (PostgreSQL: NULLS clauses too)."""
    nulls = [None, True, False] if dialect == "postgresql" else [None]
    return tuple(normalize_index_order(dialect, draw(st.booleans()), draw(st.sampled_from(nulls)))
                 for _ in range(n))


def _index(draw: Any, dialect: str, name: str, cols: tuple[str, ...], t: _Draft) -> Index:
    unique = draw(st.booleans())
    order = orders(draw, dialect, len(cols))
    if dialect == "mysql":
        # A unique index without DESC parts reads back as a unique constraint.
        return Index(name, columns=cols, unique=unique and any(order), orders=order)
    q = dialect_for(dialect).quote
    where = None
    ints = _integers(t)
    if ints and draw(st.booleans()):
        where = normalize_expression(dialect, f"{q(draw(st.sampled_from(ints)))} > 0")
    texts = [c for c in cols if t.specs[c].text and not t.specs[c].raw.startswith('"')]
    if texts and draw(st.booleans()):
        return Index(name, unique=unique, where=where, orders=order[:1],
                     expressions=(normalize_expression(dialect, f"lower({q(texts[0])})"),))
    return Index(name, columns=cols, unique=unique, where=where, orders=order)


def _checks(draw: Any, dialect: str, names: _Names, t: _Draft) -> None:
    ints = _integers(t)
    if not ints:
        return
    q = dialect_for(dialect).quote
    for _ in range(draw(st.integers(0, 2))):
        name = names()
        a, b = q(draw(st.sampled_from(ints))), q(draw(st.sampled_from(ints)))
        n = draw(st.integers(-100, 100))
        raw = draw(st.sampled_from([
            f"{a} > {n}", f"{a} >= {n} AND {a} <= {n + 50}", f"{a} <> {n} OR {a} IS NULL",
            f"{a} < {b} + {abs(n)}", f"NOT ({a} = {n})"]))
        t.checks.append(Check(name, normalize_expression(dialect, raw)))


def _foreign_key(draw: Any, dialect: str, names: _Names, t: _Draft,
                 drafts: list[_Draft]) -> None:
    targets = [(d, key) for d in drafts
               for key in ([d.pk.columns] if d.pk else []) + [u.columns for u in d.uniques]]
    if not targets:
        return
    target, key = draw(st.sampled_from(targets))
    ref_columns = {c.name: c for c in target.columns}
    nullable = draw(st.booleans())
    cols = []
    for ref in key:
        name = names()
        ref_col = ref_columns[ref]
        t.columns.append(Column(name, ref_col.type, nullable=nullable,
                                collation=ref_col.collation))
        t.specs[name] = replace(target.specs[ref], keyable=False, integer=False)
        cols.append(name)
    actions = [None, *_ACTIONS[dialect]]
    on_delete, on_update = draw(st.sampled_from(actions)), draw(st.sampled_from(actions))
    if not nullable:  # SET NULL needs nullable columns (MySQL refuses it at CREATE)
        on_delete = None if on_delete == "SET NULL" else on_delete
        on_update = None if on_update == "SET NULL" else on_update
        if dialect == "mysql" and any(ref_columns[c].nullable for c in key):
            # ... and InnoDB refuses to cascade a nullable key into NOT NULL columns.
            on_update = None if on_update == "CASCADE" else on_update
    deferrable, initially = deferral(draw, dialect)
    t.fks.append(ForeignKey(names(), tuple(cols), target.name, key,
                            on_delete=normalize_fk_action(dialect, on_delete),
                            on_update=normalize_fk_action(dialect, on_update),
                            deferrable=deferrable, initially=initially))


def deferral(draw: Any, dialect: str) -> tuple[bool, str | None]:
    """A foreign key's (deferrable, initially), normalized (none on MySQL)."""
    return normalize_deferral(dialect, draw(st.booleans()),
                              draw(st.sampled_from([None, "IMMEDIATE", "DEFERRED"])))


@st.composite
def schemas(draw: Any, dialect: str) -> Schema:
    """A random valid schema of ``dialect`` in normalized form, every name explicit."""
    names = _Names(draw, dialect)
    enums = _enums(draw, names) if dialect == "postgresql" else []
    sequences = [sequence(draw, names()) for _ in range(draw(st.integers(0, 2)))] \
        if dialect == "postgresql" else []
    drafts = [_table(draw, dialect, names, enums) for _ in range(draw(st.integers(1, 3)))]
    for draft in drafts:
        for _ in range(draw(st.integers(0, 2))):
            _foreign_key(draw, dialect, names, draft, drafts)
    return Schema(dialect, enums=tuple(enums), sequences=tuple(sequences),
                  tables=tuple(_undrafted(d) for d in drafts))
