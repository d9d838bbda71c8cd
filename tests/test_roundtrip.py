"""The hypothesis backbone: random schema pairs migrated for real, both ways, per dialect.

For ``(a, b, renames)`` from ``tests/mutations.py``: ``a`` is created by script 0001 on
a fresh database and filled with random rows; ``plan(diff(a, b))``, rendered, runs as
script 0002 through the ordinary runner (``autodiff.upgrade``). Then the database is
``b`` (``diff(introspect(db), b) == ()``) and every row of every surviving column (same
name or renamed, same type) is unchanged. Script 0003, ``plan(diff(db, a))``, brings
it back to ``a``.

The rows are valid in ``a`` and in ``b``: each is inserted into a second database
holding ``b`` (renames and dropped columns mapped) and kept only if both accept it, so
``b``'s new NOT NULLs, uniques, checks and narrower types hold for every row.

Examples per dialect: ``AUTODIFF_EXAMPLES`` (default 25).
"""

from __future__ import annotations

import itertools
import os
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from autodiff.api import upgrade
from autodiff.database import Database
from autodiff.depends import table_order
from autodiff.dialects import dialect_for
from autodiff.diff import Renames, diff
from autodiff.introspect import introspect
from autodiff.livecache import live_schema
from autodiff.model import Column, Schema, Table
from autodiff.normalize import type_base
from autodiff.plan import plan
from autodiff.render import create_schema_sql, render_ops
from tests.conftest import new_database
from tests.mutations import schema_pairs

EXAMPLES = int(os.environ.get("AUTODIFF_EXAMPLES", "25"))
ROWS_PER_TABLE = 5


class Scratch:
    """One database reused by every example, emptied in between."""

    def __init__(self, dialect: str, folder: Path) -> None:
        self.db = new_database(dialect, folder)
        self.d = dialect_for(self.db)
        self.d.create_database(self.db)

    def reset(self) -> None:
        """Drop every object (the version table too)."""
        if self.db.dialect == "postgresql":
            conn = self.d.connect(self.db)
            try:
                self.d.execute(conn, "DROP SCHEMA public CASCADE")
                self.d.execute(conn, "CREATE SCHEMA public")
            finally:
                conn.close()
            return
        self.d.drop_database(self.db)
        self.d.create_database(self.db)

    def connect(self) -> Any:
        """An autocommit connection; SQLite's enforces foreign keys, as the servers do."""
        conn = self.d.connect(self.db)
        if self.db.dialect == "sqlite":
            conn.execute("PRAGMA foreign_keys = ON")
        return conn


@pytest.fixture
def scratches(dialect: str, tmp_path: Path) -> Iterator[tuple[Scratch, Scratch]]:
    """The database migrated, and a shadow holding ``b`` that vets the rows."""
    target, shadow = Scratch(dialect, tmp_path), Scratch(dialect, tmp_path)
    try:
        yield target, shadow
    finally:
        target.d.drop_database(target.db)
        shadow.d.drop_database(shadow.db)


# -- running scripts ---------------------------------------------------------------------

def run_script(db: Database, folder: Path, name: str, statements: list[str]) -> str:
    """Write ``statements`` as the next script and apply it with the runner; its text."""
    folder.mkdir(exist_ok=True)
    text = "".join(f"{s};\n\n" for s in statements)
    (folder / name).write_text(text, encoding="utf-8")
    upgrade(db, folder)
    return text


def migration(current: Schema, desired: Schema, renames: Renames | None) -> list[str]:
    """The statements of the planned, rendered diff."""
    planned = plan(diff(current, desired, renames), current, desired)
    rendered = render_ops(planned, desired.dialect)
    for op in planned:
        event(type(op).__name__)
    note("\n".join(f"-- {op.describe()}\n" + ";\n".join(sql) for op, sql in rendered))
    return [s for _, sql in rendered for s in sql]


def inverse(renames: Renames) -> Renames:
    """The hints that undo ``renames`` (column keys name the table as ``a`` does)."""
    back = {new: old for old, new in renames.tables.items()}
    return Renames(back, {(back.get(t, t), new): old for (t, old), new in renames.columns.items()})


# -- rows valid in a and in b -------------------------------------------------------------

_UUIDS = ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000001'"]


def _values(dialect: str, column: Column, schema: Schema) -> list[str]:
    """SQL literals a column of this type accepts."""
    base = type_base(column.type)
    if column.type.startswith('"'):  # a PostgreSQL enum
        enum = next(e for e in schema.enums if '"' + e.name.replace('"', '""') + '"'
                    == column.type)
        return ["'" + v.replace("'", "''") + "'" for v in enum.values]
    if base.startswith("enum"):  # MySQL enum('a','b')
        return re.findall(r"'(?:[^']|'')*'", column.type)
    if column.type == "tinyint(1)" or base in ("boolean", "bool"):
        return ["TRUE", "FALSE"] if dialect == "postgresql" else ["0", "1"]
    if base in ("integer", "int", "bigint", "smallint", "int unsigned"):
        return ["0", "1", "2", "3", "7", "42"] + ([] if "unsigned" in column.type else ["-1"])
    if base in ("numeric", "decimal", "real", "double precision", "double", "float"):
        return ["1.5", "-2.25", "0", "3"]
    if base in ("varchar", "char", "text", "character varying"):
        return ["'a'", "'b'", "'ab'", "'é'", "'it''s'"]
    if base.startswith(("timestamp", "datetime")):
        return ["'2020-01-02 03:04:05'", "'2021-06-07 08:09:10'"]
    if base == "date":
        return ["'2020-01-02'", "'2021-06-07'"]
    return _other_values(dialect, base, column.type)


def _other_values(dialect: str, base: str, type_: str) -> list[str]:
    if base == "uuid":
        return _UUIDS
    if base in ("json", "jsonb"):
        return ["'{}'", "'[1, 2]'"]
    if base in ("bytea", "blob"):
        return ["'\\x0102'"] if dialect == "postgresql" else ["X'0102'"]
    if type_.endswith("[]"):
        return ["'{1,2}'", "'{}'"]
    if base == "":  # SQLite's typeless column
        return ["1", "'x'"]
    return []


def _row(table: Table, schema: Schema, rnd: random.Random, index: int,
         done: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    """A random row of literals for ``table`` (generated columns left out)."""
    row: dict[str, str] = {}
    for col in table.columns:
        if col.computed is not None:
            continue
        if col.autoincrement:  # explicit, so both databases number rows alike
            row[col.name] = str(index + 1)
            continue
        choices = _values(schema.dialect, col, schema)
        if not choices or (col.nullable and rnd.random() < 0.2):
            row[col.name] = "NULL"
        else:
            row[col.name] = rnd.choice(choices)
    for fk in table.foreign_keys:
        parents = done.get(fk.ref_table, [])
        if parents and rnd.random() < 0.8:
            parent = rnd.choice(parents)
            row.update({c: parent.get(r, "NULL") for c, r in zip(fk.columns, fk.ref_columns,
                                                                    strict=True)})
    return row


def _insert(d: Any, table: str, row: dict[str, str]) -> str:
    if not row:
        return f"INSERT INTO {d.quote(table)} () VALUES ()" if d.name == "mysql" else \
            f"INSERT INTO {d.quote(table)} DEFAULT VALUES"
    cols = ", ".join(d.quote(c) for c in row)
    return f"INSERT INTO {d.quote(table)} ({cols}) VALUES ({', '.join(row.values())})"


def _in_b(row: dict[str, str], table: Table, b: Schema, renames: Renames) -> tuple[
        str, dict[str, str]] | None:
    """``row`` of ``a``'s ``table`` as a row of ``b`` (None if b has no such table)."""
    name = renames.tables.get(table.name, table.name)
    target = b.table(name)
    if target is None:
        return None
    out = {}
    for col, value in row.items():
        new = target.column(renames.columns.get((name, col), col))
        if new is not None and new.computed is None:
            out[new.name] = value
    return name, out


def fill(target: Scratch, shadow: Scratch, a: Schema, b: Schema, renames: Renames,
         rnd: random.Random) -> int:
    """Insert rows valid in both ``a`` (target) and ``b`` (shadow); how many."""
    conn_a, conn_b = target.connect(), shadow.connect()
    d = target.d
    done: dict[str, list[dict[str, str]]] = {}
    try:
        for table in table_order(a.tables):
            done[table.name] = []
            for i in range(ROWS_PER_TABLE):
                row = _row(table, a, rnd, i, done)
                mapped = _in_b(row, table, b, renames)
                if mapped and _stamped_by_mysql(b, *mapped):
                    continue
                if _insert_both(d, conn_a, conn_b, _insert(d, table.name, row),
                                _insert(d, *mapped) if mapped else None):
                    done[table.name].append(row)
    finally:
        conn_a.close()
        conn_b.close()
    return sum(len(rows) for rows in done.values())


def _stamped_by_mysql(b: Schema, name: str, row: dict[str, str]) -> bool:
    """Whether ``row`` puts NULL in a NOT NULL TIMESTAMP of ``b`` on MySQL, which stores the
    current time instead, on INSERT and on ALTER ... MODIFY alike: the shadow accepts
    such a row, and the migration changes it (generate marks that IMPLICIT DEFAULT)."""
    table = b.table(name)
    columns = [table.column(col) for col, value in row.items() if value == "NULL"] \
        if b.dialect == "mysql" and table is not None else []
    return any(c is not None and not c.nullable and type_base(c.type) == "timestamp"
               for c in columns)


def _insert_both(d: Any, conn_a: Any, conn_b: Any, sql_a: str, sql_b: str | None) -> bool:
    """Insert into the shadow, then the target; keep the row only if both accept it."""
    if sql_b is not None:
        d.execute(conn_b, "BEGIN")
        try:
            d.execute(conn_b, sql_b)
        except d.driver_errors:
            d.execute(conn_b, "ROLLBACK")
            return False
    try:
        d.execute(conn_a, sql_a)
    except d.driver_errors:
        if sql_b is not None:
            d.execute(conn_b, "ROLLBACK")
        return False
    if sql_b is not None:
        d.execute(conn_b, "COMMIT")
    return True


# -- surviving values -------------------------------------------------------------------

def surviving(a: Schema, b: Schema, renames: Renames) -> list[tuple[str, list[str], str,
                                                                    list[str]]]:
    """(a table, a columns, b table, b columns) for columns kept with their type."""
    out = []
    for table in a.tables:
        mapped = _in_b({c.name: "" for c in table.columns if c.computed is None}, table, b,
                       renames)
        if mapped is None:
            continue
        name, cols = mapped
        target = b.table(name)
        assert target is not None
        pairs = [(old, new) for old, new in zip(_olds(table, name, renames, cols), cols,
                                                strict=True)
                 if table.column(old).type == target.column(new).type]  # type: ignore[union-attr]
        if pairs:
            out.append((table.name, [p[0] for p in pairs], name, [p[1] for p in pairs]))
    return out


def _olds(table: Table, name: str, renames: Renames, cols: dict[str, str]) -> list[str]:
    back = {new: old for (t, old), new in renames.columns.items() if t == name}
    return [back.get(c, c) for c in cols]


def values(db: Database, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    """All rows of ``columns``, sorted (order-free comparison)."""
    d = dialect_for(db)
    conn = d.connect(db)
    try:
        sql = f"SELECT {', '.join(d.quote(c) for c in columns)} FROM {d.quote(table)}"
        return sorted((tuple(r) for r in d.query(conn, sql)), key=repr)
    finally:
        conn.close()


# -- the property -----------------------------------------------------------------------

def test_migrations_between_random_schemas_round_trip(
        scratches: tuple[Scratch, Scratch], tmp_path: Path) -> None:
    target, shadow = scratches
    dialect = target.db.dialect
    runs = itertools.count()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])
    @given(schema_pairs(dialect), st.randoms(use_true_random=False))
    def check(pair: tuple[Schema, Schema, Renames], rnd: random.Random) -> None:
        a, b, renames = pair
        note(f"renames: {renames}")
        folder = tmp_path / f"m{next(runs)}"
        target.reset()
        shadow.reset()
        run_script(target.db, folder, "0001-a.sql", create_schema_sql(a))
        conn = shadow.connect()
        try:
            for statement in create_schema_sql(b):
                shadow.d.execute(conn, statement)
        finally:
            conn.close()
        count = fill(target, shadow, a, b, renames, rnd)
        event("rows: none" if count == 0 else "rows: some")
        note(f"rows: {count}")
        kept = surviving(a, b, renames)
        before = [values(target.db, t, cols) for t, cols, _, _ in kept]
        live_schema(target.db)  # the live cache now holds a: it must not be trusted below

        run_script(target.db, folder, "0002-forward.sql", migration(a, b, renames))
        got = introspect(target.db)
        assert diff(got, b) == ()
        assert [values(target.db, t, cols) for _, _, t, cols in kept] == before
        assert live_schema(target.db) == got

        run_script(target.db, folder, "0003-back.sql", migration(got, a, inverse(renames)))
        back = introspect(target.db)
        assert diff(back, a) == ()
        assert live_schema(target.db) == back

    check()
