"""Type changes that lose nothing are not marked destructive, and PostgreSQL's rewrites
are claimed only where the server rewrites (checked against the server itself)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import execute, rows
from hypothesis import given
from hypothesis import strategies as st

from autodiff import ops
from autodiff.database import Database
from autodiff.model import Column, Computed, PrimaryKey, Table
from autodiff.safety import DESTRUCTIVE, FAILS, IMPLICIT, LOCK, REWRITE, warnings
from autodiff.typenames import narrows, widens_in_place

CODE = Column("code", "varchar(20)")

#: (from, to, loses nothing, PostgreSQL rewrites the table)
CHANGES = [
    ("varchar(20)", "varchar(40)", True, False),
    ("varchar(40)", "varchar(20)", False, True),
    ("varchar(20)", "text", True, False),
    ("varchar(20)", "varchar", True, False),
    ("text", "varchar(20)", False, True),
    ("smallint", "integer", True, True),
    ("integer", "bigint", True, True),
    ("bigint", "integer", False, True),
    ("numeric(12,2)", "numeric(14,2)", True, False),
    ("numeric(12,2)", "numeric(14,4)", True, True),
    ("numeric(12,2)", "numeric(12,3)", False, True),
    ("numeric(12,2)", "numeric", True, False),
    ("integer", "text", True, True),  # any integer prints in text
    ("numeric(12,2)", "integer", False, True),
]


@pytest.mark.parametrize(("current", "desired", "wider", "rewrite"), CHANGES)
def test_widening_and_rewrites(current: str, desired: str, wider: bool, rewrite: bool) -> None:
    assert narrows(current, desired, "postgresql") is not wider
    assert widens_in_place(current, desired) is not rewrite


@pytest.mark.parametrize(("current", "desired"), [
    ("int", "bigint"), ("decimal(10,2)", "decimal(12,2)"), ("varchar(20)", "text"),
    ("text", "mediumtext")])
def test_mysql_widenings(current: str, desired: str) -> None:
    assert not narrows(current, desired, "mysql") and narrows(desired, current, "mysql")


def test_an_unknown_dialect_makes_every_type_change_narrow() -> None:
    assert narrows("varchar(20)", "varchar(40)", "")
    assert not narrows("integer", "integer", "")


@given(st.integers(1, 500), st.integers(1, 500))
def test_a_varchar_narrows_exactly_when_it_shrinks(n: int, m: int) -> None:
    for dialect in ("sqlite", "postgresql", "mysql"):
        assert narrows(f"varchar({n})", f"varchar({m})", dialect) is (m < n)


@given(st.integers(1, 30), st.integers(0, 10), st.integers(1, 30), st.integers(0, 10))
def test_a_decimal_narrows_when_either_side_of_the_point_shrinks(
        p: int, s: int, p2: int, s2: int) -> None:
    s, s2 = min(s, p), min(s2, p2)
    assert narrows(f"numeric({p},{s})", f"numeric({p2},{s2})", "postgresql") is (
        s2 < s or p2 - s2 < p - s)


def test_a_widening_is_not_destructive_and_its_reverse_is() -> None:
    wider = ops.AlterColumn("t", CODE, replace(CODE, type="varchar(40)"), frozenset({"type"}),
                            "postgresql")
    assert not wider.destructive
    assert wider.reverse().destructive
    labels = warnings(wider, "postgresql")
    assert not any(w.startswith((DESTRUCTIVE, REWRITE)) for w in labels)
    assert any(w.startswith(LOCK) for w in labels)
    narrower = wider.reverse()
    labels = warnings(narrower, "postgresql")
    assert labels[0].startswith(DESTRUCTIVE) and labels[1].startswith(REWRITE)


@pytest.mark.parametrize("dialect", ["postgresql"])
@pytest.mark.parametrize(("current", "desired", "rewrite"), [(c, d, r) for c, d, _, r in CHANGES])
def test_postgres_rewrites_where_we_say_it_does(empty_db: Database, current: str,
                                                desired: str, rewrite: bool) -> None:
    """The table's file (relfilenode) changes exactly when the server rewrote it."""
    db = empty_db
    execute(db, f"CREATE TABLE t (c {current})", "INSERT INTO t VALUES ('7')")
    before = rows(db, "SELECT relfilenode FROM pg_class WHERE relname = 't'")
    execute(db, f"ALTER TABLE t ALTER COLUMN c TYPE {desired} USING c::{desired}")
    after = rows(db, "SELECT relfilenode FROM pg_class WHERE relname = 't'")
    assert (before != after) is rewrite
    assert rows(db, "SELECT c::text FROM t")[0][0].split(".")[0] == "7"


EMAIL = Column("email", "varchar(100)", nullable=False)


@pytest.mark.parametrize(("column", "flagged"), [
    (EMAIL, True),
    (replace(EMAIL, default="''"), False),
    (replace(EMAIL, nullable=True), False),
    (Column("n", "integer", nullable=False, autoincrement=True), False),
    (Column("twice", "integer", nullable=False, computed=Computed("age * 2", True)), False),
], ids=["no-default", "default", "nullable", "numbered", "generated"])
def test_a_not_null_column_without_a_default_is_flagged_by_what_each_server_does(
        column: Column, flagged: bool) -> None:
    add = ops.AddColumn("students", column)
    for dialect, label in (("postgresql", FAILS), ("sqlite", FAILS), ("mysql", IMPLICIT)):
        found = [w for w in warnings(add, dialect) if w.startswith((FAILS, IMPLICIT))]
        assert len(found) == flagged
        if flagged:
            assert found[0].startswith(f"{label}: NOT NULL column students.{column.name} "
                                       "without a default")
    assert not any(w.startswith(LOCK) for w in warnings(add, "postgresql"))
    table = Table("students", (Column("id", "integer", nullable=False),), PrimaryKey(("id",)))
    rebuild = ops.RebuildTable(table, replace(table, columns=(*table.columns, column)), (add,),
                               (("id", "id"),))
    assert any(w.startswith(FAILS) for w in warnings(rebuild, "sqlite")) is flagged


def test_mysql_setting_not_null_on_a_timestamp_says_nulls_become_the_time() -> None:
    at = Column("seen", "timestamp(3)")
    change = ops.AlterColumn("visits", at, replace(at, nullable=False), frozenset({"nullable"}),
                             "mysql")
    assert [w for w in warnings(change, "mysql") if w.startswith(IMPLICIT)] == [
        f"{IMPLICIT}: rows holding NULL in visits.seen get the current time (MySQL's "
        "TIMESTAMP NOT NULL)"]
    number = ops.AlterColumn("visits", replace(at, type="int"),
                             replace(at, type="int", nullable=False), frozenset({"nullable"}),
                             "mysql")
    assert not [w for w in warnings(number, "mysql") if w.startswith(IMPLICIT)]  # refused
    assert not [w for w in warnings(change, "postgresql") if w.startswith(IMPLICIT)]


@pytest.mark.parametrize(("old", "new", "in_place"), [
    ("enum('a','b')", "enum('a','b','c')", True),
    ("enum('a','b')", "enum('c','a','b')", False),  # not appended: a copy
    ("enum('a','b')", "enum('a')", False),
    ("set('a','b')", "set('a','b','c')", True),
    ("set('a','b','c','d','e','f','g','h')", "set('a','b','c','d','e','f','g','h','i')", False),
    ("varchar(10)", "varchar(20)", False),
])
def test_mysql_appending_enum_members_is_no_rewrite(old: str, new: str, in_place: bool) -> None:
    change = ops.AlterColumn("t", Column("c", old), Column("c", new), frozenset({"type"}),
                             "mysql")
    assert (not any(w.startswith(REWRITE) for w in warnings(change, "mysql"))) is in_place
    with_null = ops.AlterColumn("t", Column("c", old), Column("c", new, nullable=False),
                                frozenset({"type", "nullable"}), "mysql")
    assert any(w.startswith(REWRITE) for w in warnings(with_null, "mysql"))


def test_a_new_generation_expression_is_said_as_such() -> None:
    q = Column("q", "int", computed=Computed("k * 2", True))
    change = ops.AlterColumn("t", q, replace(q, computed=Computed("k * 3", True)),
                             frozenset({"computed"}), "mysql")
    assert [w for w in warnings(change, "mysql") if w.startswith(DESTRUCTIVE)] == [
        f"{DESTRUCTIVE}: the generated column t.q is computed again from its new expression"]
