"""PostgreSQL: pg_catalog queries over ``current_schema()``, eight queries in all.

Indexes that back a primary key or unique constraint are reported only as that
constraint; serial and identity columns both read as ``autoincrement`` (with
``identity="ALWAYS"`` for GENERATED ALWAYS). Sequences are read when no column owns
them (``sequences.py``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from autodiff.database import VERSION_TABLE
from autodiff.dialects import Dialect
from autodiff.introspect.common import group
from autodiff.model import (
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
    Trigger,
    Unique,
    View,
)
from autodiff.normalize import (
    normalize_collation,
    normalize_default,
    normalize_expression,
    normalize_index_order,
    normalize_type,
    normalize_view,
)
from autodiff.sequences import canonical_nextval

# The second parameter: the tables to read (NULL: all).
_TABLES_CTE = """WITH t AS (SELECT c.oid, c.relname FROM pg_class c
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
    AND NOT c.relispartition AND c.relname <> %s
    AND (%s::text[] IS NULL OR c.relname = ANY(%s::text[])))"""
_TABLES = f"{_TABLES_CTE} SELECT t.relname, obj_description(t.oid, 'pg_class') FROM t"
# The last column: the default is a sequence this column owns (a serial column).
_COLUMNS = f"""{_TABLES_CTE}
SELECT t.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
  pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
  CASE WHEN a.attcollation <> ty.typcollation THEN co.collname END,
  col_description(a.attrelid, a.attnum),
  EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
          WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
            AND dep.refobjid = a.attrelid
            AND dep.refobjsubid = a.attnum AND dep.deptype = 'a')
FROM t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type ty ON ty.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
ORDER BY t.relname, a.attnum"""
_KEY_NAMES = """ARRAY(SELECT a.attname FROM unnest(c.{key}) WITH ORDINALITY k(n, i)
  JOIN pg_attribute a ON a.attrelid = c.{rel} AND a.attnum = k.n ORDER BY k.i)"""
_CONSTRAINTS = f"""{_TABLES_CTE}
SELECT t.relname, c.conname, c.contype, {_KEY_NAMES.format(key="conkey", rel="conrelid")},
  r.relname, {_KEY_NAMES.format(key="confkey", rel="confrelid")}, c.confupdtype, c.confdeltype,
  CASE WHEN c.contype = 'c' THEN pg_get_constraintdef(c.oid, true) END,
  c.condeferrable, c.condeferred
FROM t JOIN pg_constraint c ON c.conrelid = t.oid AND c.contype IN ('p', 'u', 'f', 'c')
LEFT JOIN pg_class r ON r.oid = c.confrelid"""
# Key parts: the column's name, or NULL and the expression's text. NOT IN (a hashed
# subplan) rather than NOT EXISTS: pg_constraint has no index on conindid, and the
# planner's estimate for the CTE picks a nested loop over it, quadratic in tables.
_INDEXES = f"""{_TABLES_CTE}
SELECT t.relname, ic.relname, i.indisunique,
  ARRAY(SELECT a.attname FROM generate_series(1, i.indnkeyatts) k
        LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
        ORDER BY k),
  ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
        FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
  pg_get_expr(i.indpred, i.indrelid, true),
  ARRAY(SELECT i.indoption[k - 1] FROM generate_series(1, i.indnkeyatts) k ORDER BY k)
FROM t JOIN pg_index i ON i.indrelid = t.oid JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indexrelid NOT IN (SELECT c.conindid FROM pg_constraint c
                           WHERE c.contype IN ('p', 'u', 'x'))"""
_VIEWS = """SELECT c.relname, pg_get_viewdef(c.oid, true) FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'v'"""
_TRIGGERS = """SELECT tg.tgname, c.relname, pg_get_triggerdef(tg.oid, true)
FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
WHERE c.relnamespace = current_schema()::regnamespace AND NOT tg.tgisinternal
  AND c.relname <> %s"""
# Sequences no serial or identity column owns: pg_depend "a" (OWNED BY, serial) and "i"
# (identity) tie a sequence to its column.
_SEQUENCES = """SELECT c.relname, format_type(s.seqtypid, NULL), s.seqincrement, s.seqstart,
  s.seqmin, s.seqmax, s.seqcache, s.seqcycle
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
WHERE c.relnamespace = current_schema()::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                    AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                    AND d.deptype IN ('a', 'i'))"""
_ENUMS = """SELECT ty.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)
FROM pg_type ty JOIN pg_enum e ON e.enumtypid = ty.oid
WHERE ty.typnamespace = current_schema()::regnamespace GROUP BY ty.typname"""

# pg_constraint.confupdtype/confdeltype; "a" (NO ACTION) is the default, so None.
# https://www.postgresql.org/docs/15/catalog-pg-constraint.html
_ACTIONS = {"a": None, "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_CHECK = re.compile(r"^CHECK \((?P<expr>.*)\)(?: NO INHERIT)?(?: NOT VALID)?$", re.S)


# Every catalog the queries above read. A DDL statement inserts, deletes or updates rows
# in some of them, and each new row version carries the new transaction's id (xmin):
# count, sum and max of xmin per catalog change with any schema change. In-place
# updates keep xmin; the only ones that matter here are an index's validity flags
# (CREATE/DROP INDEX CONCURRENTLY), counted separately.
_FINGERPRINTED = ("pg_namespace", "pg_class", "pg_attribute", "pg_attrdef", "pg_constraint",
                  "pg_index", "pg_type", "pg_enum", "pg_sequence", "pg_trigger", "pg_rewrite",
                  "pg_proc", "pg_depend", "pg_description", "pg_collation")
_FINGERPRINT = "\nUNION ALL ".join(
    [f"SELECT '{c}', count(*), sum(xmin::text::bigint), max(xmin::text::bigint) "
     f"FROM pg_catalog.{c}" for c in _FINGERPRINTED]
    + ["SELECT 'index flags', count(*) FILTER (WHERE indisvalid), "
       "count(*) FILTER (WHERE indisready), count(*) FILTER (WHERE indislive) "
       "FROM pg_catalog.pg_index",
       "SELECT current_schema(), (SELECT oid::bigint FROM pg_catalog.pg_database "
       "WHERE datname = current_database()), current_setting('server_version_num')::bigint, "
       "NULL"])


def fingerprint(d: Dialect, conn: Any) -> str:
    """A value that changes whenever anything :func:`read_schema` reads changes."""
    return repr(d.query(conn, _FINGERPRINT))


def read_schema(d: Dialect, conn: Any, only: Collection[str] | None = None) -> Schema:
    """The schema of ``current_schema()`` on an open PostgreSQL connection; of its
    tables, ``only`` those named when given (views, triggers, enums and sequences all)."""
    names = None if only is None else sorted(only)
    of_tables = (VERSION_TABLE, names, names)
    tables = d.query(conn, _TABLES, of_tables)
    columns = group(d.query(conn, _COLUMNS, of_tables))
    constraints = group(d.query(conn, _CONSTRAINTS, of_tables))
    indexes = group(d.query(conn, _INDEXES, of_tables))
    views = d.query(conn, _VIEWS)
    triggers = d.query(conn, _TRIGGERS, (VERSION_TABLE,))
    enums = d.query(conn, _ENUMS)
    sequences = d.query(conn, _SEQUENCES)
    return Schema(
        "postgresql",
        tables=tuple(_table(name, comment, columns.get(name, []), constraints.get(name, []),
                            indexes.get(name, [])) for name, comment in tables),
        views=tuple(View(name, normalize_view("postgresql", sql)) for name, sql in views),
        triggers=tuple(Trigger(name, table, sql) for name, table, sql in triggers),
        enums=tuple(Enum(name, tuple(values)) for name, values in enums),
        sequences=tuple(Sequence(name, normalize_type("postgresql", type_), *options)
                        for name, type_, *options in sequences),
    )


def _table(name: str, comment: str | None, columns: list[tuple[Any, ...]],
           constraints: list[tuple[Any, ...]], indexes: list[tuple[Any, ...]]) -> Table:
    types = {row[0]: normalize_type("postgresql", row[1]) for row in columns}
    cols = tuple(_column(row, types) for row in columns)
    by_kind = group((row[1], row[0], *row[2:]) for row in constraints)
    pk = by_kind.get("p", [])
    return Table(
        name,
        columns=cols,
        primary_key=PrimaryKey(tuple(pk[0][1]), pk[0][0]) if pk else None,
        uniques=tuple(Unique(n, tuple(keys)) for n, keys, *_ in by_kind.get("u", [])),
        indexes=tuple(_index(row, types) for row in indexes),
        foreign_keys=tuple(
            ForeignKey(n, tuple(keys), ref, tuple(refs),
                       on_delete=_ACTIONS[deltype], on_update=_ACTIONS[updtype],
                       deferrable=deferrable, initially="DEFERRED" if deferred else None)
            for n, keys, ref, refs, updtype, deltype, _, deferrable, deferred
            in by_kind.get("f", [])),
        checks=tuple(_check(n, row[5], types) for n, *row in by_kind.get("c", [])),
        comment=comment,
    )


def _column(row: tuple[Any, ...], types: dict[str, str]) -> Column:
    name, raw_type, notnull, default, identity, generated, collation, comment, owned = row
    type_ = normalize_type("postgresql", raw_type)
    serial = owned and default is not None and default.startswith("nextval(")
    computed = None
    if generated == "s":  # the expression is in pg_attrdef, where defaults are
        computed = Computed(normalize_expression("postgresql", default, types), stored=True)
        default = None
    return Column(
        name, type_,
        nullable=not notnull,
        default=None if serial else canonical_nextval(
            normalize_default("postgresql", default, type_)),
        autoincrement=bool(serial or identity),
        identity="ALWAYS" if identity == "a" else None,
        computed=computed,
        collation=normalize_collation("postgresql", collation),
        comment=comment,
    )


def _index(row: tuple[Any, ...], types: dict[str, str]) -> Index:
    name, unique, columns, parts, where, options = row
    where = normalize_expression("postgresql", where, types) if where is not None else None
    # pg_index.indoption bits: 1 DESC, 2 NULLS FIRST (INDOPTION_DESC, INDOPTION_NULLS_FIRST).
    orders = tuple(normalize_index_order("postgresql", bool(o & 1), bool(o & 2))
                   for o in options)
    if all(c is not None for c in columns):
        return Index(name, columns=tuple(columns), unique=unique, where=where, orders=orders)
    return Index(name, unique=unique, where=where, orders=orders, expressions=tuple(
        normalize_expression("postgresql", p, types) for p in parts))


def _check(name: str, sql: str, types: dict[str, str]) -> Check:
    m = _CHECK.match(sql)
    return Check(name, normalize_expression("postgresql", m.group("expr") if m else sql, types))
