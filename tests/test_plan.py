"""The planner: phase order, foreign keys in the way, SQLite rebuilds (pure), then for real.

The pure tests say which ops come out in which order; the live ones run the same
situations on each database through the ordinary runner and check the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from autodiff import ops
from autodiff.api import upgrade
from autodiff.database import Database
from autodiff.depends import table_order, view_order
from autodiff.dialects import dialect_for
from autodiff.diff import Renames, diff
from autodiff.introspect import introspect
from autodiff.model import (
    Column,
    Computed,
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
from autodiff.plan import plan
from autodiff.render import create_schema_sql, render_ops
from autodiff.safety import REWRITE, warnings
from tests.conftest import new_database
from tests.helpers import rows


def _int(dialect: str) -> str:
    return "int" if dialect == "mysql" else "integer"


def parent(dialect: str, *, code_type: str = "varchar(20)", key_type: str | None = None,
           uniques: tuple[Unique, ...] = (Unique("parent_code", ("code",)),),
           indexes: tuple[Index, ...] = ()) -> Table:
    pk = PrimaryKey(("id",), "parent_pkey" if dialect == "postgresql" else None)
    return Table("parent", (Column("id", key_type or _int(dialect), False),
                            Column("code", code_type)), pk, uniques, indexes)


def child(dialect: str, *, code_type: str = "varchar(20)", key_type: str | None = None,
          indexes: tuple[Index, ...] = (), fks: tuple[ForeignKey, ...] | None = None) -> Table:
    pk = PrimaryKey(("id",), "child_pkey" if dialect == "postgresql" else None)
    default_fks = (ForeignKey("child_parent", ("parent_id",), "parent", ("id",)),
                   ForeignKey("child_code", ("parent_code",), "parent", ("code",)))
    return Table("child", (Column("id", _int(dialect), False),
                           Column("parent_id", key_type or _int(dialect)),
                           Column("parent_code", code_type)),
                 pk, indexes=indexes, foreign_keys=default_fks if fks is None else fks)


def kinds(planned: tuple[ops.Op, ...]) -> list[str]:
    """Each op as ``Type(table)``, for readable expectations."""
    return [f"{type(op).__name__}({op.table_name})" for op in planned]


# -- ordering (pure) ------------------------------------------------------------------

def test_tables_are_created_before_the_tables_that_reference_them() -> None:
    desired = Schema("postgresql", tables=(child("postgresql"), parent("postgresql")))
    planned = plan(diff(Schema("postgresql"), desired), Schema("postgresql"), desired)
    assert kinds(planned) == ["CreateTable(parent)", "CreateTable(child)"]
    assert planned[1] == ops.CreateTable(child("postgresql"))  # foreign keys inline


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_a_cycle_of_new_tables(dialect: str) -> None:
    """A foreign key into a table created later is added after (inline on SQLite)."""
    def table(name: str, other: str) -> Table:
        return Table(name, (Column("id", _int(dialect), False), Column("o", _int(dialect))),
                     PrimaryKey(("id",)), foreign_keys=(
                         ForeignKey(f"{name}_fk", ("o",), other, ("id",)),))
    desired = Schema(dialect, tables=(table("a", "b"), table("b", "a")))
    planned = plan(diff(Schema(dialect), desired), Schema(dialect), desired)
    if dialect == "sqlite":
        assert kinds(planned) == ["CreateTable(a)", "CreateTable(b)"]
    else:
        assert kinds(planned) == ["CreateTable(a)", "CreateTable(b)", "AddForeignKey(a)"]
    # Dropped, the cycle is cut by name: b's key into a goes first (SQLite: foreign keys
    # are off while a script runs).
    back = plan(diff(desired, Schema(dialect)), desired, Schema(dialect))
    expected = [] if dialect == "sqlite" else ["DropForeignKey(b)"]
    assert kinds(back) == [*expected, "DropTable(a)", "DropTable(b)"]


def test_a_foreign_key_into_a_key_added_in_the_same_plan_comes_after_it() -> None:
    current = Schema("postgresql", tables=(parent("postgresql", uniques=()),))
    desired = Schema("postgresql", tables=(parent("postgresql"), child("postgresql")))
    planned = plan(diff(current, desired), current, desired)
    assert kinds(planned) == ["CreateTable(child)", "AddUnique(parent)", "AddForeignKey(child)"]


def test_renames_run_first_and_later_ops_use_the_new_names() -> None:
    current = Schema("mysql", tables=(parent("mysql", indexes=(Index("ix", ("code",)),)),))
    renamed = replace(parent("mysql"), name="ancestor")
    desired = Schema("mysql", tables=(renamed,))
    planned = plan(diff(current, desired, Renames({"parent": "ancestor"})), current, desired)
    assert kinds(planned) == ["RenameTable(parent)", "DropIndex(ancestor)"]


def test_generated_columns_go_before_their_base_and_come_after_it() -> None:
    base = Column("n", "integer")
    doubled = Column("d", "integer", computed=Computed('"n" * 2', stored=True))
    table = Table("t", (Column("id", "integer"),))
    with_both = replace(table, columns=(*table.columns, doubled, base))
    current, desired = Schema("postgresql", (table,)), Schema("postgresql", (with_both,))
    planned = plan(diff(current, desired), current, desired)
    assert [op.column.name for op in planned if isinstance(op, ops.AddColumn)] == ["n", "d"]
    back = plan(diff(desired, current), desired, current)
    assert [op.column.name for op in back if isinstance(op, ops.DropColumn)] == ["d", "n"]


def test_an_enum_whose_values_are_reordered_is_replaced_with_its_columns() -> None:
    used = Column("m", "mood", default="'a'")
    table = Table("t", (used, Column("ms", "mood[]")))
    current = Schema("postgresql", (table,), enums=(Enum("mood", ("a", "b")),))
    desired = replace(current, enums=(Enum("mood", ("b", "a")),))
    planned = plan(diff(current, desired), current, desired)
    assert planned == (ops.ReplaceEnum(current.enums[0], desired.enums[0], (
        ops.EnumUse("t", used, "'a'"), ops.EnumUse("t", table.columns[1], None))),)
    assert not planned[0].destructive


def test_replacing_an_enum_is_labelled_as_rewriting_the_tables_using_it() -> None:
    used = Column("m", "mood")
    current = Schema("postgresql", (Table("t", (used,)), Table("u", (Column("n", "mood"),))),
                     enums=(Enum("mood", ("a", "b")),))
    desired = replace(current, enums=(Enum("mood", ("b", "a")),))
    (replaced,) = plan(diff(current, desired), current, desired)
    labels = warnings(replaced, "postgresql")
    assert [w for w in labels if w.startswith(REWRITE)] == [
        f"{REWRITE}: PostgreSQL rewrites t, u to convert their columns to the new type "
        "(ACCESS EXCLUSIVE lock)"]
    unused = ops.ReplaceEnum(current.enums[0], desired.enums[0])
    assert not any(w.startswith(REWRITE) for w in warnings(unused, "postgresql"))


def test_mysql_auto_increment_leaves_a_column_before_its_key_changes() -> None:
    table = Table("t", (Column("id", "int", False, autoincrement=True), Column("n", "int", False)),
                  PrimaryKey(("id",)))
    desired_t = replace(table, columns=(replace(table.columns[0], autoincrement=False),
                                        table.columns[1]), primary_key=PrimaryKey(("n",)))
    current, desired = Schema("mysql", (table,)), Schema("mysql", (desired_t,))
    assert kinds(plan(diff(current, desired), current, desired)) == [
        "AlterColumn(t)", "SetPrimaryKey(t)"]


def test_views_are_created_in_dependency_order() -> None:
    views = (View("a", 'SELECT * FROM "b"'), View("b", "SELECT * FROM c"),
             View("c", "SELECT 1 AS x"))
    desired = Schema("sqlite", views=views)
    planned = plan(diff(Schema("sqlite"), desired), Schema("sqlite"), desired)
    assert [op.table_name for op in planned] == ["c", "b", "a"]
    assert [v.name for v in view_order(views, "sqlite")] == ["c", "b", "a"]


def test_table_order_breaks_cycles_by_name() -> None:
    a = Table("a", foreign_keys=(ForeignKey(None, ("x",), "b", ("y",)),))
    b = Table("b", foreign_keys=(ForeignKey(None, ("y",), "a", ("x",)),))
    assert [t.name for t in table_order([b, a])] == ["a", "b"]


# -- foreign keys in the way (pure) ----------------------------------------------------

def test_mysql_drops_the_index_innodb_made_for_a_dropped_foreign_key() -> None:
    current = Schema("mysql", tables=(parent("mysql"), child("mysql")))
    desired = Schema("mysql", tables=(parent("mysql"), child("mysql", fks=())))
    assert kinds(plan(diff(current, desired), current, desired)) == [
        "DropForeignKey(child)", "DropForeignKey(child)", "DropIndex(child)", "DropIndex(child)"]
    # ... unless an index of the user's covers the key (InnoDB then made none).
    covered = child("mysql", indexes=(Index("ix", ("parent_id", "id")),
                                      Index("ix2", ("parent_code",))))
    current = Schema("mysql", tables=(parent("mysql"), covered))
    desired = Schema("mysql", tables=(parent("mysql"), replace(covered, foreign_keys=())))
    assert kinds(plan(diff(current, desired), current, desired)) == [
        "DropForeignKey(child)", "DropForeignKey(child)"]


def test_mysql_bounces_a_foreign_key_around_a_type_change_of_its_columns() -> None:
    current = Schema("mysql", tables=(parent("mysql"), child("mysql")))
    desired = Schema("mysql", tables=(parent("mysql", key_type="bigint"),
                                      child("mysql", key_type="bigint")))
    planned = plan(diff(current, desired), current, desired)
    assert kinds(planned) == ["DropForeignKey(child)", "DropIndex(child)", "AlterColumn(child)",
                              "AlterColumn(parent)", "AddForeignKey(child)"]
    # PostgreSQL converts the key and its foreign key together.
    pg = Schema("postgresql", tables=(parent("postgresql"), child("postgresql")))
    pg_desired = Schema("postgresql", tables=(parent("postgresql", key_type="bigint"),
                                              child("postgresql", key_type="bigint")))
    assert kinds(plan(diff(pg, pg_desired), pg, pg_desired)) == [
        "AlterColumn(child)", "AlterColumn(parent)"]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_a_foreign_key_is_bounced_when_the_key_it_references_is_replaced(dialect: str) -> None:
    current = Schema(dialect, tables=(parent(dialect), child(dialect)))
    renamed_key = parent(dialect, uniques=(Unique("parent_code_2", ("code",)),))
    desired = Schema(dialect, tables=(renamed_key, child(dialect)))
    planned = plan(diff(current, desired), current, desired)
    implicit = ["DropIndex(child)"] if dialect == "mysql" else []
    assert kinds(planned) == ["DropForeignKey(child)", "DropUnique(parent)", *implicit,
                              "AddUnique(parent)", "AddForeignKey(child)"]


def test_mysql_bounces_a_foreign_key_whose_last_index_is_dropped() -> None:
    indexed = child("mysql", indexes=(Index("ix", ("parent_id",)), Index("ix2", (
        "parent_code",))))
    current = Schema("mysql", tables=(parent("mysql"), indexed))
    desired = Schema("mysql", tables=(parent("mysql"), replace(
        indexed, indexes=(Index("ix2", ("parent_code",)),))))
    assert kinds(plan(diff(current, desired), current, desired)) == [
        "DropForeignKey(child)", "DropIndex(child)", "AddForeignKey(child)"]


def test_postgresql_views_over_a_retyped_column_are_dropped_and_created_again() -> None:
    views = (View("v1", "SELECT parent.code FROM parent"), View("v2", "SELECT code FROM v1"),
             View("other", "SELECT 1 AS one"))
    current = Schema("postgresql", tables=(parent("postgresql"),), views=views)
    desired = Schema("postgresql", tables=(parent("postgresql", code_type="text"),),
                     views=views)
    assert kinds(plan(diff(current, desired), current, desired)) == [
        "DropView(v2)", "DropView(v1)", "AlterColumn(parent)", "CreateView(v1)",
        "CreateView(v2)"]


# -- SQLite rebuilds (pure) ---------------------------------------------------------------

def test_sqlite_groups_a_tables_changes_into_one_rebuild() -> None:
    trigger = Trigger("t", "parent", "CREATE TRIGGER t AFTER INSERT ON parent BEGIN SELECT 1; END")
    elsewhere = Trigger("u", "child", "CREATE TRIGGER u AFTER INSERT ON child BEGIN "
                                      "UPDATE parent SET code = code; END")
    view = View("v", "SELECT code FROM parent")
    current = Schema("sqlite", tables=(parent("sqlite", indexes=(Index("ix", ("id",)),)),
                                       child("sqlite")), views=(view,),
                     triggers=(trigger, elsewhere))
    wider = replace(parent("sqlite", code_type="text", indexes=(Index("ix2", ("id",)),)),
                    columns=(Column("id", "integer", False), Column("label", "text")),
                    uniques=(Unique("parent_code", ("label",)),))
    fks = tuple(replace(fk, ref_columns=("label",)) if fk.ref_columns == ("code",) else fk
                for fk in child("sqlite").foreign_keys)
    # The view and trigger as SQLite rewrites them when it renames the column.
    renamed_view = View("v", 'SELECT "label" FROM parent')
    renamed_elsewhere = replace(elsewhere, definition=(
        'CREATE TRIGGER u AFTER INSERT ON child BEGIN UPDATE parent SET "label" = "label"; END'))
    desired = replace(current, tables=(wider, replace(child("sqlite"), foreign_keys=fks)),
                      views=(renamed_view,), triggers=(trigger, renamed_elsewhere))
    planned = plan(diff(current, desired, Renames(columns={("parent", "code"): "label"})),
                   current, desired)
    assert kinds(planned) == ["RenameColumn(parent)", "RebuildTable(parent)"]
    rebuild = planned[1]
    assert isinstance(rebuild, ops.RebuildTable)
    assert [type(op).__name__ for op in rebuild.ops] == ["AlterColumn"]  # indexes: rebuilt
    assert rebuild.column_map == (("id", "id"), ("label", "label"))
    assert rebuild.views == (renamed_view,)
    assert rebuild.triggers == (trigger, renamed_elsewhere)


def test_sqlite_adds_a_column_in_place_when_it_can() -> None:
    table = Table("t", (Column("a", "integer"),))
    for column, in_place in [(Column("b", "text", False, "'x'"), True),
                             (Column("b", "text", False), False),
                             (Column("b", "text", default="(lower('X'))"), False),
                             (Column("b", "integer", computed=Computed('"a" + 1')), True),
                             (Column("b", "integer", computed=Computed('"a" + 1', True)), False)]:
        current = Schema("sqlite", (table,))
        desired = Schema("sqlite", (replace(table, columns=(*table.columns, column)),))
        expected = ops.AddColumn if in_place else ops.RebuildTable
        assert [type(op) for op in plan(diff(current, desired), current, desired)] == [expected]


def test_plan_is_pure() -> None:
    current = Schema("mysql", tables=(parent("mysql"), child("mysql")))
    desired = Schema("mysql", tables=(parent("mysql", key_type="bigint"),
                                      child("mysql", key_type="bigint")))
    changes = diff(current, desired)
    assert plan(changes, current, desired) == plan(changes, current, desired)


# -- the same situations, for real -------------------------------------------------------

SITUATIONS = {
    "replace the unique a foreign key references": (
        lambda d: (parent(d), child(d)),
        lambda d: (parent(d, uniques=(Unique("parent_code_2", ("code",)),)), child(d))),
    "widen a key and the foreign key columns into it": (
        lambda d: (parent(d), child(d)),
        lambda d: (parent(d, key_type="bigint"), child(d, key_type="bigint"))),
    "drop the index a foreign key uses": (
        lambda d: (parent(d), child(d, indexes=(Index("ix", ("parent_id",)),))),
        lambda d: (parent(d), child(d))),
    "drop the foreign keys": (
        lambda d: (parent(d), child(d)),
        lambda d: (parent(d), child(d, fks=()))),
    "drop two tables that reference each other": (
        lambda d: (parent(d, indexes=(Index("pix", ("code",)),)), replace(child(d), uniques=(
            Unique("child_code_u", ("parent_code",)),))),
        lambda d: ()),
}
ROWS = ["INSERT INTO parent (id, code) VALUES (1, 'a'), (2, 'b')",
        "INSERT INTO child (id, parent_id, parent_code) VALUES (1, 1, 'a'), (2, 2, NULL)"]
CYCLE_ROWS = ["INSERT INTO parent (id, code) VALUES (1, NULL)",
              "INSERT INTO child (id, parent_id, parent_code) VALUES (1, 1, NULL)"]


def _cycle(dialect: str, tables: tuple[Table, ...]) -> tuple[Table, ...]:
    """The last situation's parent also references child, making a cycle."""
    if len(tables) == 2 and tables[1].uniques:
        fk = ForeignKey("parent_child", ("code",), "child", ("parent_code",))
        return (replace(tables[0], foreign_keys=(fk,)), tables[1])
    return tables


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_situations_run(situation: str, empty_db: Database, tmp_path: Path) -> None:
    dialect = empty_db.dialect
    before, after = SITUATIONS[situation]
    current = Schema(dialect, tables=_cycle(dialect, before(dialect)))
    desired = Schema(dialect, tables=after(dialect))
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001-a.sql").write_text(
        "".join(f"{s};\n" for s in [*create_schema_sql(current),
                                     *(ROWS if desired.tables else CYCLE_ROWS)]),
        encoding="utf-8")
    upgrade(empty_db, folder)
    planned = plan(diff(current, desired), current, desired)
    text = "".join(f"{s};\n" for _, sql in render_ops(planned, dialect) for s in sql)
    (folder / "0002-b.sql").write_text(text, encoding="utf-8")
    upgrade(empty_db, folder)
    assert diff(introspect(empty_db), desired) == ()
    if desired.tables:
        assert rows(empty_db, "SELECT id, parent_id FROM child ORDER BY id") == [(1, 1), (2, 2)]


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_replacing_an_enum_in_use_keeps_rows(empty_db: Database, tmp_path: Path) -> None:
    table = Table("t", (Column("id", "integer", False), Column("m", "mood", default="'a'"),
                        Column("ms", "mood[]")), PrimaryKey(("id",), "t_pkey"),
                  indexes=(Index("t_m", ("m",)),))
    current = Schema("postgresql", (table,), enums=(Enum("mood", ("a", "b", "c")),),
                     views=(View("v", "SELECT t.m FROM t"),))
    desired = replace(current, enums=(Enum("mood", ("c", "a")),))
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001-a.sql").write_text("".join(f"{s};\n" for s in [
        *create_schema_sql(current), "INSERT INTO t VALUES (1, 'a', '{a,c}'), (2, 'c', NULL)"]),
        encoding="utf-8")
    upgrade(empty_db, folder)
    planned = plan(diff(current, desired), current, desired)
    assert kinds(planned) == ["DropView(v)", "ReplaceEnum(mood)", "CreateView(v)"]
    text = "".join(f"{s};\n" for _, sql in render_ops(planned, "postgresql") for s in sql)
    (folder / "0002-b.sql").write_text(text, encoding="utf-8")
    upgrade(empty_db, folder)
    assert introspect(empty_db) == desired
    assert rows(empty_db, "SELECT id, m::text, ms::text FROM t ORDER BY id") == [
        (1, "a", "{a,c}"), (2, "c", None)]


def test_enum_values_used_in_the_same_script_replace_the_type() -> None:
    """ADD VALUE cannot be used before commit; a new type's values can."""
    current = Schema("postgresql", (Table("t", (Column("m", "mood"),)),),
                     enums=(Enum("mood", ("a",)),))
    appended = replace(current, enums=(Enum("mood", ("a", "b")),))
    assert kinds(plan(diff(current, appended), current, appended)) == ["AddEnumValues(mood)"]
    used = replace(appended, tables=(Table("t", (Column("m", "mood", default="'b'"),)),))
    planned = plan(diff(current, used), current, used)
    assert kinds(planned) == ["ReplaceEnum(mood)", "AlterColumn(t)"]
    assert planned[0] == ops.ReplaceEnum(current.enums[0], used.enums[0], (
        ops.EnumUse("t", Column("m", "mood"), "'b'"),))


# -- PostgreSQL enum regressions found by check's hypothesis property -------------------------

ORDER = Enum("Order", ("a", "'"))


@pytest.fixture
def pg_db(tmp_path: Path) -> Iterator[Database]:
    """An empty PostgreSQL database (these regressions are PostgreSQL's own)."""
    db = new_database("postgresql", tmp_path)
    dialect_for(db).create_database(db)
    try:
        yield db
    finally:
        dialect_for(db).drop_database(db)


def _migrate_for_real(db: Database, tmp_path: Path, a: Schema, b: Schema) -> None:
    """a by script 0001, plan(diff(a, b)) by script 0002 through the runner; then db is b."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001-a.sql").write_text("".join(f"{s};\n" for s in create_schema_sql(a)))
    upgrade(db, folder)
    current = introspect(db)
    planned = plan(diff(current, b), current, b)
    (folder / "0002-b.sql").write_text(
        "".join(f"{s};\n" for _, sql in render_ops(planned, "postgresql") for s in sql))
    upgrade(db, folder)
    assert diff(introspect(db), b) == ()


def test_pg_retyping_a_key_column_beside_an_enum_column_bounces_the_foreign_key(
        pg_db: Database, tmp_path: Path) -> None:
    """PostgreSQL 15 fails ALTER TYPE on a key column when the key also holds an enum."""

    def table(size: str) -> Table:
        return Table("g", (Column("a", '"Order"', False), Column("b", f"numeric({size},2)", False),
                           Column("c", '"Order"', False), Column("d", f"numeric({size},2)", False)),
                     PrimaryKey(("a", "b"), "g_pkey"),
                     foreign_keys=(ForeignKey("g_c_fkey", ("c", "d"), "g", ("a", "b")),))

    a = Schema("postgresql", (table("10"),), enums=(ORDER,))
    b = Schema("postgresql", (table("12"),), enums=(ORDER,))
    planned = plan(diff(a, b), a, b)
    assert [type(op).__name__ for op in planned] == [
        "DropForeignKey", "AlterColumn", "AlterColumn", "AddForeignKey"]
    _migrate_for_real(pg_db, tmp_path, a, b)


def test_pg_enum_replaced_while_a_column_of_it_is_dropped(pg_db: Database,
                                                           tmp_path: Path) -> None:
    """The old type outlives the replacement until the column using it is dropped."""
    a = Schema("postgresql", (Table("s", (Column("old", '"Order"', False),
                                          Column("keep", '"Order"', False)),
                                    PrimaryKey(("old",), "s_pkey")),), enums=(ORDER,))
    b = Schema("postgresql", (Table("s", (Column("new", '"Order"', False),
                                          Column("keep", '"Order"', False)),
                                    PrimaryKey(("new",), "s_pkey")),),
               enums=(Enum("Order", ("a",)),))
    planned = plan(diff(a, b), a, b)
    names = [type(op).__name__ for op in planned]
    assert names.index("DropColumn") < names.index("DropEnum")
    replaced = next(op for op in planned if isinstance(op, ops.ReplaceEnum))
    assert not replaced.drop_old and [u.column.name for u in replaced.uses] == ["keep"]
    _migrate_for_real(pg_db, tmp_path, a, b)
