"""The differ: (current, desired) -> ops, table-driven, plus its algebraic properties."""

from __future__ import annotations

from dataclasses import replace

import pytest

from autodiff import ops
from autodiff.diff import Renames, apply_renames, diff
from autodiff.model import (
    Check,
    Column,
    Enum,
    ForeignKey,
    Index,
    PrimaryKey,
    Schema,
    Table,
    Trigger,
    Unique,
    View,
)

ID = Column("id", "integer", nullable=False, autoincrement=True)
FIRST = Column("first_name", "varchar(50)")
LAST = Column("last_name", "varchar(50)")
AGE = Column("age", "integer")
STUDENTS = Table("students", (ID, FIRST, LAST), PrimaryKey(("id",), "students_pkey"))
COURSES = Table("courses", (ID, Column("title", "text")), PrimaryKey(("id",)))


def schema(*tables: Table, **extra: object) -> Schema:
    return Schema("postgresql", tables=tables, **extra)  # type: ignore[arg-type]


def with_(table: Table, **changes: object) -> Table:
    return replace(table, **changes)  # type: ignore[arg-type]


FK = ForeignKey("enrol_student_fkey", ("student_id",), "students", ("id",), on_delete="CASCADE")
ENROL = Table("enrol", (Column("student_id", "integer", nullable=False),),
              foreign_keys=(FK,))

CASES = [
    ("nothing", schema(STUDENTS), schema(STUDENTS), []),
    ("create table", schema(), schema(STUDENTS), [ops.CreateTable(STUDENTS)]),
    ("drop table", schema(STUDENTS, COURSES), schema(STUDENTS), [ops.DropTable(COURSES)]),
    ("add column", schema(STUDENTS),
     schema(with_(STUDENTS, columns=(ID, FIRST, LAST, AGE))),
     [ops.AddColumn("students", AGE)]),
    ("drop column", schema(STUDENTS), schema(with_(STUDENTS, columns=(ID, FIRST))),
     [ops.DropColumn("students", LAST)]),
    ("column order is not a change", schema(STUDENTS),
     schema(with_(STUDENTS, columns=(ID, LAST, FIRST))), []),
    ("alter type and nullability", schema(STUDENTS),
     schema(with_(STUDENTS, columns=(ID, FIRST, replace(LAST, type="text", nullable=False)))),
     [ops.AlterColumn("students", LAST, replace(LAST, type="text", nullable=False),
                      frozenset({"type", "nullable"}))]),
    ("alter default", schema(STUDENTS),
     schema(with_(STUDENTS, columns=(ID, FIRST, replace(LAST, default="'x'"))))
     , [ops.AlterColumn("students", LAST, replace(LAST, default="'x'"),
                        frozenset({"default"}))]),
    ("unnamed desired constraint matches a named current one",
     schema(with_(STUDENTS, uniques=(Unique("students_first_key", ("first_name",)),))),
     schema(with_(STUDENTS, uniques=(Unique(None, ("first_name",)),))), []),
    ("renamed constraint is dropped and added",
     schema(with_(STUDENTS, uniques=(Unique("a", ("first_name",)),))),
     schema(with_(STUDENTS, uniques=(Unique("b", ("first_name",)),))),
     [ops.DropUnique("students", Unique("a", ("first_name",))),
      ops.AddUnique("students", Unique("b", ("first_name",)))]),
    ("index changed", schema(with_(STUDENTS, indexes=(Index("ix", ("last_name",)),))),
     schema(with_(STUDENTS, indexes=(Index("ix", ("last_name",), unique=True),))),
     [ops.DropIndex("students", Index("ix", ("last_name",))),
      ops.CreateIndex("students", Index("ix", ("last_name",), unique=True))]),
    ("fk action changed", schema(STUDENTS, ENROL),
     schema(STUDENTS, with_(ENROL, foreign_keys=(replace(FK, on_delete=None),))),
     [ops.DropForeignKey("enrol", FK),
      ops.AddForeignKey("enrol", replace(FK, on_delete=None))]),
    ("check added", schema(STUDENTS),
     schema(with_(STUDENTS, checks=(Check(None, "id > 0"),))),
     [ops.AddCheck("students", Check(None, "id > 0"))]),
    ("primary key changed", schema(STUDENTS),
     schema(with_(STUDENTS, primary_key=PrimaryKey(("id", "first_name")))),
     [ops.SetPrimaryKey("students", STUDENTS.primary_key, PrimaryKey(("id", "first_name")))]),
    ("primary key name alone is not a change", schema(STUDENTS),
     schema(with_(STUDENTS, primary_key=PrimaryKey(("id",), "other"))), []),
    ("enum value appended",
     schema(enums=(Enum("mood", ("sad", "ok")),)),
     schema(enums=(Enum("mood", ("sad", "ok", "happy")),)),
     [ops.AddEnumValues(Enum("mood", ("sad", "ok", "happy")), ("happy",))]),
    ("view changed", schema(views=(View("v", "SELECT 1"),)),
     schema(views=(View("v", "SELECT 2"),)),
     [ops.DropView(View("v", "SELECT 1")), ops.CreateView(View("v", "SELECT 2"))]),
    ("trigger dropped", schema(STUDENTS, triggers=(Trigger("t", "students", "CREATE ..."),)),
     schema(STUDENTS), [ops.DropTrigger(Trigger("t", "students", "CREATE ..."))]),
]


@pytest.mark.parametrize(("current", "desired", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_diff(current: Schema, desired: Schema, expected: list[ops.Op]) -> None:
    assert list(diff(current, desired)) == expected


def test_rename_column_carries_references() -> None:
    current = schema(with_(STUDENTS, indexes=(Index("ix_last", ("last_name",)),),
                           checks=(Check("c", "last_name <> ''"),)))
    surname = replace(LAST, name="surname")
    desired = schema(with_(STUDENTS, columns=(ID, FIRST, surname),
                           indexes=(Index("ix_last", ("surname",)),),
                           checks=(Check("c", "surname <> ''"),)))
    renames = Renames(columns={("students", "last_name"): "surname"})
    assert diff(current, desired, renames) == (
        ops.RenameColumn("students", "last_name", "surname"),)
    # Without the hint it is a drop and an add: data would be lost, and it says so.
    plain = diff(current, desired)
    assert ops.DropColumn("students", LAST) in plain
    assert any(op.destructive for op in plain)


def test_rename_table_carries_foreign_keys_into_it() -> None:
    current = schema(STUDENTS, ENROL)
    pupils = with_(STUDENTS, name="pupils")
    desired = schema(pupils, with_(ENROL, foreign_keys=(replace(FK, ref_table="pupils"),)))
    renames = Renames(tables={"students": "pupils"})
    assert diff(current, desired, renames) == (ops.RenameTable("students", "pupils"),)
    assert apply_renames(current, renames).table("pupils") is not None


@pytest.mark.parametrize(("current", "desired"), [c[1:3] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_every_op_reverses_or_says_it_cannot(current: Schema, desired: Schema) -> None:
    for op in diff(current, desired):
        back = op.reverse()
        if back is not None:
            assert back.reverse() == op
        assert op.describe()


def test_destructive_ops_are_marked() -> None:
    assert ops.DropTable(STUDENTS).destructive and ops.DropColumn("t", AGE).destructive
    assert not ops.AddColumn("t", AGE).destructive
    assert ops.AlterColumn("t", AGE, replace(AGE, type="smallint"),
                           frozenset({"type"})).destructive
    assert not ops.AlterColumn("t", AGE, replace(AGE, nullable=False),
                               frozenset({"nullable"})).destructive
