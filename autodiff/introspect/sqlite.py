"""SQLite: PRAGMA table-valued functions joined to sqlite_schema, four queries in all.

What no PRAGMA tells (constraint names, CHECKs, collations, generated expressions,
index expressions) is read from the stored CREATE statements, and only for the
statements that can contain it (``sqlite_ddl.needs_parse``), to keep big schemas fast.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from autodiff.database import VERSION_TABLE
from autodiff.dialects import Dialect
from autodiff.introspect.common import group
from autodiff.introspect.sqlite_ddl import (
    ParsedTable,
    needs_parse,
    parse_create_index,
    parse_create_table,
    view_query,
)
from autodiff.model import (
    Check,
    Column,
    Computed,
    ForeignKey,
    Index,
    PrimaryKey,
    Schema,
    Table,
    Trigger,
    Unique,
    View,
)
from autodiff.normalize import (
    normalize_collation,
    normalize_default,
    normalize_expression,
    normalize_fk_action,
    normalize_index_order,
    normalize_type,
    normalize_view,
)

# User tables: not SQLite's own (sqlite_sequence, sqlite_stat1 ...), not ours, not virtual.
_TABLES = """WITH t AS (SELECT name FROM sqlite_schema WHERE type = 'table'
  AND name NOT LIKE 'sqlite!_%' ESCAPE '!' AND name <> ? AND sql NOT LIKE 'CREATE VIRTUAL%')"""
_OBJECTS = """SELECT type, name, tbl_name, sql FROM sqlite_schema
WHERE name NOT LIKE 'sqlite!_%' ESCAPE '!' AND tbl_name <> ? AND sql IS NOT NULL"""
_COLUMNS = f"""{_TABLES}
SELECT t.name, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
FROM t JOIN pragma_table_xinfo(t.name) p ORDER BY t.name, p.cid"""
_INDEXES = f"""{_TABLES}
SELECT t.name, il.name, il."unique", il.origin, il.partial, ix.cid, ix.name, ix."desc"
FROM t JOIN pragma_index_list(t.name) il JOIN pragma_index_xinfo(il.name) ix
WHERE ix.key = 1 ORDER BY t.name, il.name, ix.seqno"""
_FOREIGN_KEYS = f"""{_TABLES}
SELECT t.name, f.id, f."table", f."from", f."to", f.on_update, f.on_delete
FROM t JOIN pragma_foreign_key_list(t.name) f ORDER BY t.name, f.id, f.seq"""


def fingerprint(d: Dialect, conn: Any) -> str:
    """A value that changes whenever anything :func:`read_schema` reads changes.

    Every table, index, view and trigger is a row of sqlite_schema, and the PRAGMAs
    read_schema joins derive from those rows' SQL: the rows, and the SQLite version
    that reads them, are the whole input.
    """
    rows = d.query(conn, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid")
    return repr((sqlite3.sqlite_version, rows))


def read_schema(d: Dialect, conn: Any) -> Schema:
    """The schema of an open SQLite connection."""
    objects = d.query(conn, _OBJECTS, (VERSION_TABLE,))
    sql = {name: text for _, name, _, text in objects}
    columns = group(d.query(conn, _COLUMNS, (VERSION_TABLE,)))
    indexes = group(d.query(conn, _INDEXES, (VERSION_TABLE,)))
    fks = group(d.query(conn, _FOREIGN_KEYS, (VERSION_TABLE,)))
    pks = {t: [r[0] for r in sorted((r for r in rows if r[4]), key=lambda r: r[4])]
           for t, rows in columns.items()}
    tables = []
    for name, rows in columns.items():
        parsed = _parse(sql[name], rows)
        tables.append(_table(name, rows, pks[name], parsed, group(indexes.get(name, [])), sql,
                             _foreign_keys(fks.get(name, []), parsed, pks)))
    return Schema(
        "sqlite",
        tables=tuple(tables),
        views=tuple(View(n, normalize_view("sqlite", _view_query(s)))
                    for kind, n, _, s in objects if kind == "view"),
        triggers=tuple(Trigger(n, table, s.strip())
                       for kind, n, table, s in objects if kind == "trigger"),
    )


def _view_query(sql: str) -> str:
    try:
        return view_query(sql)
    except (StopIteration, IndexError):
        return sql


def _parse(sql: str, rows: list[tuple[Any, ...]]) -> ParsedTable:
    generated = any(r[5] in (2, 3) for r in rows)
    if not generated and not needs_parse(sql):
        return ParsedTable()
    try:
        return parse_create_table(sql)
    except (ValueError, StopIteration, IndexError):
        # SQL our tokenizer cannot follow: the PRAGMAs' part of the table still counts.
        return ParsedTable()


def _table(name: str, rows: list[tuple[Any, ...]], pk: list[str], parsed: ParsedTable,
           indexes: dict[str, list[tuple[Any, ...]]], sql: dict[str, str],
           foreign_keys: tuple[ForeignKey, ...]) -> Table:
    # The rowid alias: https://www.sqlite.org/lang_createtable.html#rowid
    rowid = pk[0] if len(pk) == 1 and "WITHOUT ROWID" not in parsed.options and any(
        r[0] == pk[0] and r[1].upper() == "INTEGER" for r in rows) else None
    uniques, plain = [], []
    for index_name, parts in indexes.items():
        unique, origin, partial = parts[0][0], parts[0][1], parts[0][2]
        if origin == "u":
            cols = tuple(p[4] for p in parts)
            uniques.append(Unique(_take_name(parsed.uniques, cols), cols))
        elif origin == "c":
            plain.append(_index(index_name, bool(unique), bool(partial), parts, sql[index_name]))
    return Table(
        name,
        columns=tuple(_column(r, parsed, rowid) for r in rows if r[5] != 1),
        primary_key=PrimaryKey(tuple(pk)) if pk else None,
        uniques=tuple(uniques),
        indexes=tuple(plain),
        foreign_keys=foreign_keys,
        checks=tuple(Check(n, normalize_expression("sqlite", e)) for n, e in parsed.checks),
        options=parsed.options,
    )


def _column(row: tuple[Any, ...], parsed: ParsedTable, rowid: str | None) -> Column:
    name, declared, notnull, default, _, hidden = row
    type_ = normalize_type("sqlite", declared or "")
    computed = None
    if hidden in (2, 3):  # 2: virtual generated, 3: stored generated
        expression, _ = parsed.generated.get(name, ("", hidden == 3))
        computed = Computed(normalize_expression("sqlite", expression), stored=hidden == 3)
    return Column(
        name, type_,
        # The rowid alias cannot be NULL whether or not it was declared NOT NULL.
        nullable=not notnull and name != rowid,
        default=normalize_default("sqlite", default, type_),
        autoincrement=name == rowid,
        computed=computed,
        collation=normalize_collation("sqlite", _lookup(parsed.collations, name)),
    )


def _index(name: str, unique: bool, partial: bool, parts: list[tuple[Any, ...]],
           sql: str) -> Index:
    orders = tuple(normalize_index_order("sqlite", bool(p[5])) for p in parts)
    if not partial and all(p[3] >= 0 for p in parts):
        return Index(name, columns=tuple(p[4] for p in parts), unique=unique, orders=orders)
    texts, where = parse_create_index(sql)
    if all(p[3] >= 0 for p in parts):
        return Index(name, columns=tuple(p[4] for p in parts), unique=unique, orders=orders,
                     where=normalize_expression("sqlite", where) if where else None)
    return Index(name, unique=unique, orders=orders,
                 expressions=tuple(normalize_expression("sqlite", t) for t in texts),
                 where=normalize_expression("sqlite", where) if where else None)


def _foreign_keys(rows: list[tuple[Any, ...]], parsed: ParsedTable,
                  pks: dict[str, list[str]]) -> tuple[ForeignKey, ...]:
    out = []
    for parts in group(rows).values():
        ref_table, on_update, on_delete = parts[0][0], parts[0][3], parts[0][4]
        cols = tuple(p[1] for p in parts)
        # REFERENCES parent without columns means the parent's primary key.
        refs = tuple(p[2] for p in parts) if parts[0][2] is not None else tuple(
            pks.get(ref_table, ()))
        name, deferred = _take_fk(parsed, cols, ref_table)
        out.append(ForeignKey(
            name, cols, ref_table, refs,
            on_delete=normalize_fk_action("sqlite", on_delete),
            on_update=normalize_fk_action("sqlite", on_update),
            deferrable=deferred, initially="DEFERRED" if deferred else None))
    return tuple(out)


def _lookup(mapping: dict[str, str], name: str) -> str | None:
    # SQLite identifiers are case-insensitive: a constraint may spell a column otherwise.
    return next((v for k, v in mapping.items() if k.lower() == name.lower()), None)


def _key(cols: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c.lower() for c in cols)


def _take_name(found: list[tuple[str | None, tuple[str, ...]]], cols: tuple[str, ...]
               ) -> str | None:
    """The name parsed for the unique constraint on ``cols`` (used up once taken)."""
    for i, (name, parsed_cols) in enumerate(found):
        if _key(parsed_cols) == _key(cols):
            del found[i]
            return name
    return None


def _take_fk(parsed: ParsedTable, cols: tuple[str, ...], ref_table: str
             ) -> tuple[str | None, bool]:
    """The name parsed for a foreign key, and whether it is initially deferred."""
    for i, (name, parsed_cols, parsed_ref, deferred) in enumerate(parsed.foreign_keys):
        if _key(parsed_cols) == _key(cols) and parsed_ref.lower() == ref_table.lower():
            del parsed.foreign_keys[i]
            return name, deferred
    return None, False
