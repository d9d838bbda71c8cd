"""Every op type rendered on every dialect: goldens, and each golden run for real.

Each case is a change to one base schema (``base(dialect)``). The pure test plans and
renders the change and compares with the golden; the live test creates the base
schema with a few rows in a real database, runs the golden statements the way the
runner does (one transaction; SQLite with foreign keys off and a foreign_key_check
before commit), and asserts the database now has the desired schema.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from autodiff import ops
from autodiff.api import upgrade
from autodiff.database import Database
from autodiff.diff import Renames, apply_renames, diff
from autodiff.errors import UnsupportedChange
from autodiff.introspect import introspect
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
from autodiff.normalize import normalize_expression
from autodiff.plan import plan
from autodiff.render import create_schema_sql, render_ops
from autodiff.writer import script_text, terminated
from tests.helpers import execute, rows

DIALECTS = ("sqlite", "postgresql", "mysql")


# -- the base schema ------------------------------------------------------------------

def _types(dialect: str) -> tuple[str, str]:
    return ("int", "varchar(20)") if dialect == "mysql" else ("integer", "varchar(20)")


def _pk(dialect: str, table: str, *cols: str) -> PrimaryKey:
    return PrimaryKey(cols, f"{table}_pkey" if dialect == "postgresql" else None)


def _expr(dialect: str, sql: str) -> str:
    return normalize_expression(dialect, sql.replace('"', "`") if dialect == "mysql" else sql)


# Views and triggers as each database reads them back (its own spelling).
VIEWS = {
    "sqlite": 'SELECT "id", "name" FROM "child"',
    "postgresql": "SELECT child.id, child.name FROM child",
    "mysql": "select `child`.`id` AS `id`,`child`.`name` AS `name` from `child`",
}
TRIGGERS = {
    "sqlite": 'CREATE TRIGGER "child_touch" AFTER UPDATE ON "child" BEGIN SELECT 1; END',
    "postgresql": "CREATE TRIGGER child_touch BEFORE UPDATE ON child FOR EACH ROW "
                  "EXECUTE FUNCTION touch()",
    "mysql": "CREATE TRIGGER `child_touch` BEFORE INSERT ON `child` FOR EACH ROW "
             "SET NEW.qty = NEW.qty",
}
# A trigger function is not part of the schema model: created by hand first.
PRELUDE = {"postgresql": ["CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
                          "$$BEGIN RETURN NEW; END$$"]}
ROWS = [
    "INSERT INTO parent (id, code) VALUES (1, 'a'), (2, 'b')",
    "INSERT INTO child (id, parent_id, name, qty, spare) VALUES (1, 1, 'x', 5, 's'), "
    "(2, NULL, 'y', 7, NULL)",
    "INSERT INTO note (id, n, body) VALUES (1, 1, 'hello')",
]


def base(dialect: str) -> Schema:
    """parent <- child (FK, index, check, view, trigger), and a standalone note."""
    int_, text = _types(dialect)
    parent = Table("parent", (Column("id", int_, False), Column("code", text)),
                   _pk(dialect, "parent", "id"), uniques=(Unique("parent_code", ("code",)),))
    child = Table(
        "child",
        (Column("id", int_, False), Column("parent_id", int_),
         Column("name", text, False, "'x'"), Column("qty", int_), Column("spare", text)),
        _pk(dialect, "child", "id"),
        indexes=(Index("child_name", ("name",)),),
        foreign_keys=(ForeignKey("child_parent", ("parent_id",), "parent", ("id",)),),
        checks=(Check("child_qty", _expr(dialect, '"qty" > 0')),))
    note = Table("note", (Column("id", int_, False), Column("n", int_, False),
                          Column("body", "text")), _pk(dialect, "note", "id"))
    enums: tuple[Enum, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    if dialect == "postgresql":  # mood is unused, level used by note.level
        enums = (Enum("mood", ("sad", "ok")), Enum("level", ("low", "high")))
        # note_no numbers note.no; "Ticket No" is unused.
        sequences = (Sequence("note_no"), Sequence("Ticket No", "integer", 5, start=10))
        note = replace(note, columns=(*note.columns, Column("level", "level", default="'low'"),
                                      Column("no", "bigint", default="NEXTVAL('note_no')")))
    return Schema(dialect, tables=(parent, child, note),
                  views=(View("child_names", VIEWS[dialect]),),
                  triggers=(Trigger("child_touch", "child", TRIGGERS[dialect]),), enums=enums,
                  sequences=sequences)


# -- the cases: one change each --------------------------------------------------------

def _table(schema: Schema, name: str, **changes: Any) -> Schema:
    tables = tuple(replace(t, **changes) if t.name == name else t for t in schema.tables)
    return replace(schema, tables=tables)


def _column(schema: Schema, table: str, name: str, **changes: Any) -> Schema:
    t = schema.table(table)
    assert t is not None
    cols = tuple(replace(c, **changes) if c.name == name else c for c in t.columns)
    return _table(schema, table, columns=cols)


def _get(schema: Schema, name: str) -> Table:
    table = schema.table(name)
    assert table is not None
    return table


@dataclass(frozen=True)
class Case:
    """A change: the desired schema from the base, and rename hints."""

    id: str
    op: type[ops.Op]
    desired: Callable[[Schema], Schema]
    renames: Renames = field(default_factory=Renames)
    dialects: tuple[str, ...] = DIALECTS


def _extra(s: Schema) -> Schema:
    int_, _ = _types(s.dialect)
    extra = Table("extra", (Column("id", int_, False), Column("parent_id", int_)),
                  _pk(s.dialect, "extra", "id"), indexes=(Index("extra_parent", ("parent_id",)),),
                  foreign_keys=(ForeignKey("extra_parent_fk", ("parent_id",), "parent", ("id",),
                                           on_delete="CASCADE"),))
    return replace(s, tables=(*s.tables, extra))


def _renamed_note(s: Schema) -> Schema:
    memo = replace(_get(s, "note"), name="memo")
    return replace(s, tables=tuple(memo if t.name == "note" else t for t in s.tables))


def _renamed_spare(s: Schema) -> Schema:
    child = _get(s, "child")
    return _table(s, "child", columns=tuple(replace(c, name="remark") if c.name == "spare"
                                            else c for c in child.columns))


# Renames that views, triggers and checks follow (the database's text, or a new one).
CHILD_TO_KID = Renames(tables={"child": "kid"})
NAME_AND_QTY = Renames(columns={("child", "name"): "title", ("child", "qty"): "amount"})


def _widened_qty(s: Schema) -> Schema:
    return _column(s, "child", "qty", type="bigint", nullable=False, default="1")


def _identity(s: Schema) -> Schema:
    return _column(s, "note", "id", autoincrement=True)


def _enums(s: Schema, **values: tuple[str, ...] | None) -> Schema:
    """``s`` with the named enums given new values (None: dropped)."""
    enums = [replace(e, values=values.get(e.name, e.values)) for e in s.enums]
    return replace(s, enums=tuple(e for e in enums if e.values is not None))


def _new_sequence(s: Schema) -> Schema:
    """A sequence, and a new column whose default calls it (created after it)."""
    made = Sequence("Order No", "smallint", -2, maxvalue=100, cache=3, cycle=True)
    s = replace(s, sequences=(*s.sequences, made))
    return _table(s, "note", columns=(*_get(s, "note").columns,
                                      Column("order_no", "smallint",
                                             default='NEXTVAL(\'"Order No"\')')))


def _no_spare(s: Schema) -> Schema:
    child = _get(s, "child")
    return _table(s, "child", columns=tuple(c for c in child.columns if c.name != "spare"))


CASES = [
    Case("create table", ops.CreateTable, _extra),
    Case("drop table", ops.DropTable,
         lambda s: replace(s, tables=tuple(t for t in s.tables if t.name != "note"))),
    Case("rename table", ops.RenameTable, _renamed_note, Renames(tables={"note": "memo"})),
    Case("add column", ops.AddColumn, lambda s: _table(s, "note", columns=(
        *_get(s, "note").columns, Column("added", _types(s.dialect)[0], False, "0")))),
    Case("add column: ON UPDATE", ops.AddColumn, lambda s: _table(s, "note", columns=(
        *_get(s, "note").columns, Column("touched", "timestamp(3)", False, "CURRENT_TIMESTAMP(3)",
                                         on_update="CURRENT_TIMESTAMP(3)", comment="touched"))),
         dialects=("mysql",)),
    Case("drop column", ops.DropColumn, _no_spare),
    Case("rename column", ops.RenameColumn, _renamed_spare,
         Renames(columns={("child", "spare"): "remark"})),
    Case("rename table read by a view and a trigger", ops.RenameTable,
         lambda s: apply_renames(s, CHILD_TO_KID), CHILD_TO_KID),
    Case("rename columns read by a view, a trigger and a check", ops.RenameColumn,
         lambda s: apply_renames(s, NAME_AND_QTY), NAME_AND_QTY),
    Case("alter column: type, null, default", ops.AlterColumn, _widened_qty),
    Case("alter column: identity", ops.AlterColumn, _identity,
         dialects=("postgresql", "mysql")),
    Case("alter column: comment", ops.AlterColumn,
         lambda s: _column(s, "note", "body", comment="the note's text"),
         dialects=("postgresql", "mysql")),
    Case("set primary key", ops.SetPrimaryKey, lambda s: _table(
        s, "note", primary_key=_pk(s.dialect, "note", "id", "n"))),
    Case("add unique", ops.AddUnique, lambda s: _table(
        s, "child", uniques=(Unique("child_name_id", ("name", "id")),))),
    Case("drop unique", ops.DropUnique, lambda s: _table(s, "parent", uniques=())),
    Case("create index", ops.CreateIndex, lambda s: _table(
        s, "child", indexes=(*_get(s, "child").indexes, Index("child_qty_ix", ("qty",))))),
    Case("drop index", ops.DropIndex, lambda s: _table(s, "child", indexes=())),
    Case("create index: DESC, mixed and unique DESC", ops.CreateIndex, lambda s: _table(
        s, "child", indexes=(*_get(s, "child").indexes,
                             Index("child_qty_name_ix", ("qty", "name"), orders=("DESC", "")),
                             Index("child_id_ux", ("id",), unique=True, orders=("DESC",))))),
    Case("index order: ASC to DESC", ops.CreateIndex, lambda s: _table(
        s, "child", indexes=(Index("child_name", ("name",), orders=("DESC",)),))),
    Case("create index: NULLS and DESC expression", ops.CreateIndex, lambda s: _table(
        s, "child", indexes=(*_get(s, "child").indexes, Index(
            "child_nulls_ix", expressions=('"qty"', 'LOWER("name")', '"id"'),
            orders=("NULLS FIRST", "DESC", "DESC NULLS LAST")))), dialects=("postgresql",)),
    Case("add foreign key", ops.AddForeignKey, lambda s: _table(s, "note", foreign_keys=(
        ForeignKey("note_parent", ("n",), "parent", ("id",), on_delete="CASCADE"),))),
    Case("drop foreign key", ops.DropForeignKey, lambda s: _table(s, "child", foreign_keys=())),
    Case("add foreign key: deferrable", ops.AddForeignKey, lambda s: _table(
        s, "note", foreign_keys=(
        ForeignKey("note_parent", ("n",), "parent", ("id",), deferrable=True,
                   initially="DEFERRED"),)), dialects=("sqlite", "postgresql")),
    Case("foreign key made deferrable", ops.AddForeignKey, lambda s: _table(
        s, "child", foreign_keys=(replace(_get(s, "child").foreign_keys[0], deferrable=True),)),
         dialects=("postgresql",)),
    Case("add check", ops.AddCheck, lambda s: _table(s, "parent", checks=(
        Check("parent_id_positive", _expr(s.dialect, '"id" > 0')),))),
    Case("drop check", ops.DropCheck, lambda s: _table(s, "child", checks=())),
    Case("create view", ops.CreateView, lambda s: replace(s, views=(
        *s.views, View("parent_codes", {
            "sqlite": 'SELECT "code" FROM "parent"',
            "postgresql": "SELECT parent.code FROM parent",
            "mysql": "select `parent`.`code` AS `code` from `parent`"}[s.dialect])))),
    Case("drop view", ops.DropView, lambda s: replace(s, views=())),
    Case("create trigger", ops.CreateTrigger, lambda s: replace(s, triggers=(
        *s.triggers, replace(s.triggers[0], name="child_touch2", definition=s.triggers[0]
                             .definition.replace("child_touch", "child_touch2"))))),
    Case("drop trigger", ops.DropTrigger, lambda s: replace(s, triggers=())),
    Case("create enum", ops.CreateEnum, lambda s: replace(
        s, enums=(*s.enums, Enum("Big Mood", ("a'b", "c")))), dialects=("postgresql",)),
    Case("drop enum", ops.DropEnum, lambda s: _enums(s, mood=None), dialects=("postgresql",)),
    Case("add enum values", ops.AddEnumValues, lambda s: _enums(s, mood=("sad", "ok", "happy")),
         dialects=("postgresql",)),
    Case("replace enum", ops.ReplaceEnum, lambda s: _enums(s, level=("high", "low")),
         dialects=("postgresql",)),
    Case("create sequence", ops.CreateSequence, _new_sequence, dialects=("postgresql",)),
    Case("drop sequence", ops.DropSequence, lambda s: replace(s, sequences=s.sequences[1:]),
         dialects=("postgresql",)),
    Case("alter sequence", ops.AlterSequence, lambda s: replace(s, sequences=(
        Sequence("Ticket No", increment=1, minvalue=5, start=10, cache=2, cycle=True),
        s.sequences[1])), dialects=("postgresql",)),
    Case("alter column: identity ALWAYS", ops.AlterColumn,
         lambda s: _column(s, "note", "id", autoincrement=True, identity="ALWAYS"),
         dialects=("postgresql",)),
    Case("set table comment", ops.SetTableComment, lambda s: _table(s, "note", comment="notes"),
         dialects=("postgresql", "mysql")),
    Case("set table options", ops.SetTableOptions,
         lambda s: _table(s, "note", options=("STRICT", "WITHOUT ROWID")), dialects=("sqlite",)),
]
PAIRS = [(c, d) for c in CASES for d in c.dialects]


def planned(case: Case, dialect: str) -> tuple[Schema, list[ops.Op]]:
    """The desired schema and the planned ops of ``case`` on ``dialect``."""
    current = base(dialect)
    desired = case.desired(current)
    return desired, list(plan(diff(current, desired, case.renames), current, desired))


def statements(case: Case, dialect: str) -> list[str]:
    """The rendered statements of ``case`` on ``dialect``, all ops in order."""
    _, steps = planned(case, dialect)
    return [s for _, sql in render_ops(steps, dialect) for s in sql]


def test_every_op_type_has_a_case() -> None:
    covered = {c.op for c in CASES} | {ops.RebuildTable}
    assert covered == set(_all_ops())


def _all_ops() -> list[type[ops.Op]]:
    return [cls for cls in vars(ops).values()
            if isinstance(cls, type) and issubclass(cls, ops.Op)
            and cls not in (ops.Op, ops.TableOp)]


@pytest.mark.parametrize(("case", "dialect"), PAIRS, ids=[f"{c.id}-{d}" for c, d in PAIRS])
def test_golden(case: Case, dialect: str) -> None:
    _, steps = planned(case, dialect)
    kind = ops.RebuildTable if dialect == "sqlite" and any(
        isinstance(op, ops.RebuildTable) for op in steps) else case.op
    assert kind in {type(op) for op in steps}
    assert statements(case, dialect) == GOLDENS[case.id][dialect]


# -- each golden, for real ------------------------------------------------------------

def script(statements: list[str]) -> str:
    """Statements as the text of a .sql script."""
    return "".join(f"{statement};\n\n" for statement in statements)


def apply(db: Database, folder: Path, name: str, statements: list[str]) -> None:
    """Run ``statements`` as the next script through the ordinary runner.

    One transaction; on SQLite foreign keys are off and checked before the commit.
    """
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(script(statements), encoding="utf-8")
    upgrade(db, folder)


def setup_base(db: Database, folder: Path) -> None:
    """The base schema and its rows, as script 0001."""
    current = base(db.dialect)
    apply(db, folder, "0001-base.sql",
          [*PRELUDE.get(db.dialect, []), *create_schema_sql(current), *ROWS])


@pytest.mark.parametrize(("case", "dialect"), PAIRS, ids=[f"{c.id}-{d}" for c, d in PAIRS])
def test_golden_runs(case: Case, empty_db: Database, tmp_path: Path) -> None:
    setup_base(empty_db, tmp_path / "m")
    assert introspect(empty_db) == base(empty_db.dialect)
    desired, _ = planned(case, empty_db.dialect)
    apply(empty_db, tmp_path / "m", "0002-change.sql", GOLDENS[case.id][empty_db.dialect])
    assert diff(introspect(empty_db), desired) == ()


def test_rows_survive_a_column_change(empty_db: Database, tmp_path: Path) -> None:
    """The rows of the base schema are still there after a type and null change."""
    setup_base(empty_db, tmp_path / "m")
    case = next(c for c in CASES if c.id.startswith("alter column: type"))
    apply(empty_db, tmp_path / "m", "0002-change.sql", GOLDENS[case.id][empty_db.dialect])
    assert rows(empty_db, "SELECT id, parent_id, name, qty FROM child ORDER BY id") == [
        (1, 1, "x", 5), (2, None, "y", 7)]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_a_table_comment_is_set_and_removed_again(empty_db: Database, tmp_path: Path) -> None:
    """The differ's SetTableComment and its reverse, run for real (SQLite has no comments)."""
    setup_base(empty_db, tmp_path / "m")
    current = base(empty_db.dialect)
    desired = _table(current, "note", comment="it's a \\ note")
    forward = plan(diff(current, desired), current, desired)
    apply(empty_db, tmp_path / "m", "0002-set.sql",
          [s for _, sql in render_ops(forward, empty_db.dialect) for s in sql])
    assert introspect(empty_db) == desired
    back = [r for op in reversed(forward) if (r := op.reverse()) is not None]
    assert back == list(diff(introspect(empty_db), current))
    apply(empty_db, tmp_path / "m", "0003-remove.sql",
          [s for _, sql in render_ops(back, empty_db.dialect) for s in sql])
    assert introspect(empty_db) == current


def _run(db: Database, folder: Path, name: str, steps: list[ops.Op]) -> None:
    apply(db, folder, name, [s for _, sql in render_ops(steps, db.dialect) for s in sql])


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_identity_kind_and_sequences_change_and_change_back(
        empty_db: Database, tmp_path: Path) -> None:
    """BY DEFAULT -> ALWAYS keeps the identity's position; sequence ops reverse cleanly."""
    folder = tmp_path / "m"
    setup_base(empty_db, folder)
    start = _column(base("postgresql"), "note", "id", autoincrement=True)
    start = replace(start, sequences=(*start.sequences, Sequence("old", increment=3)))
    _run(empty_db, folder, "0002-identity.sql", list(diff(base("postgresql"), start)))
    execute(empty_db, "INSERT INTO note (n) VALUES (2)")  # numbered 2, past the base row
    desired = replace(_column(start, "note", "id", identity="ALWAYS"), sequences=(
        Sequence("Ticket No", "smallint", 2, start=10, maxvalue=1000), start.sequences[1],
        Sequence("fresh", cycle=True)))
    forward = plan(diff(start, desired), start, desired)
    assert {type(op) for op in forward} == {ops.AlterColumn, ops.AlterSequence,
                                             ops.CreateSequence, ops.DropSequence}
    _run(empty_db, folder, "0003-forward.sql", list(forward))
    assert introspect(empty_db) == desired
    execute(empty_db, "INSERT INTO note (n) VALUES (3)")
    back = [r for op in reversed(forward) if (r := op.reverse()) is not None]
    _run(empty_db, folder, "0004-back.sql", plan(back, desired, start))
    assert introspect(empty_db) == start
    assert rows(empty_db, "SELECT id FROM note ORDER BY id") == [(1,), (2,), (3,)]


@pytest.mark.parametrize("dialect", ["mysql"])
def test_a_json_column_is_renamed_with_its_check(empty_db: Database, tmp_path: Path) -> None:
    """MariaDB names JSON's json_valid check after the column; RENAME COLUMN keeps the name."""
    doc = Table("doc", (Column("id", "int", False), Column("body", "json", comment="x")),
                PrimaryKey(("id",)))
    current = Schema("mysql", (doc,))
    renames = Renames(columns={("doc", "body"): "data"})
    desired = apply_renames(current, renames)
    steps = plan(diff(current, desired, renames), current, desired)
    sql = [s for _, statements in render_ops(steps, "mysql") for s in statements]
    assert sql == ["ALTER TABLE `doc` CHANGE COLUMN `body` `data` json COMMENT 'x'"]
    apply(empty_db, tmp_path / "m", "0001-doc.sql",
          [*create_schema_sql(current), "INSERT INTO doc VALUES (1, '[1, 2]')"])
    apply(empty_db, tmp_path / "m", "0002-rename.sql", sql)
    assert introspect(empty_db) == desired
    assert rows(empty_db, "SELECT id, data FROM doc") == [(1, "[1, 2]")]
    back = [r for op in reversed(steps) if (r := op.reverse()) is not None]
    apply(empty_db, tmp_path / "m", "0003-back.sql",
          [s for _, statements in render_ops(back, "mysql") for s in statements])
    assert introspect(empty_db) == current


STAMPED = Table("stamped", (
    Column("id", "int", False), Column("n", "int"),
    Column("at", "datetime(6)", False, "CURRENT_TIMESTAMP(6)", on_update="CURRENT_TIMESTAMP(6)")),
    PrimaryKey(("id",)))


@pytest.mark.parametrize("dialect", ["mysql"])
def test_a_modify_keeps_on_update_and_on_update_is_set_and_dropped(
        empty_db: Database, tmp_path: Path) -> None:
    """MODIFY COLUMN restates the whole column: an unrelated change keeps its ON UPDATE."""
    current = Schema("mysql", (STAMPED,))
    nullable = _column(current, "stamped", "at", nullable=True)
    dropped = _column(nullable, "stamped", "at", on_update=None)
    folder = tmp_path / "m"
    apply(empty_db, folder, "0001-stamped.sql",
          [*create_schema_sql(current), "INSERT INTO stamped VALUES (1, 1, '2000-01-01')"])
    steps = [(nullable, "ALTER TABLE `stamped` MODIFY COLUMN `at` datetime(6) DEFAULT "
                        "CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)"),
             (dropped, "ALTER TABLE `stamped` MODIFY COLUMN `at` datetime(6) DEFAULT "
                       "CURRENT_TIMESTAMP(6)")]
    for n, (desired, golden) in enumerate(steps, 2):
        was = introspect(empty_db)
        changes = plan(diff(was, desired), was, desired)
        sql = [s for _, statements in render_ops(changes, "mysql") for s in statements]
        assert sql == [golden]
        apply(empty_db, folder, f"000{n}-change.sql", sql)
        assert introspect(empty_db) == desired
        execute(empty_db, f"UPDATE stamped SET n = {n}")
    # Refreshed by the first UPDATE (the clause kept), not by the second (dropped).
    year = rows(empty_db, "SELECT YEAR(at) FROM stamped")[0][0]
    assert year > 2000
    execute(empty_db, "UPDATE stamped SET at = '2000-01-01'", "UPDATE stamped SET n = 9")
    assert rows(empty_db, "SELECT YEAR(at) FROM stamped") == [(2000,)]


COMPOUND = ("CREATE TRIGGER `note_fill` BEFORE INSERT ON `note` FOR EACH ROW BEGIN "
            "SET NEW.n = NEW.n + 1; SET NEW.body = concat(NEW.body, ';//'); END")


def test_a_mysql_compound_trigger_is_written_between_delimiter_lines() -> None:
    assert terminated(COMPOUND, "mysql") == f"DELIMITER ///\n{COMPOUND} ///\nDELIMITER ;"
    assert terminated(TRIGGERS["mysql"] + ";", "mysql") == TRIGGERS["mysql"] + ";"
    assert terminated(TRIGGERS["sqlite"], "sqlite") == TRIGGERS["sqlite"] + ";"


@pytest.mark.parametrize("dialect", ["mysql"])
@pytest.mark.parametrize("client", ["runner", "mariadb"])
def test_a_generated_compound_trigger_runs_through_the_runner_and_the_client(
        client: str, empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    setup_base(empty_db, folder)
    current = base("mysql")
    desired = replace(current, triggers=(*current.triggers, Trigger("note_fill", "note", COMPOUND)))
    steps = plan(diff(current, desired), current, desired)
    text = script_text("0002-fill.sql", "fill", render_ops(steps, "mysql"), "mysql", "models")
    (folder / "0002-fill.sql").write_text(text, encoding="utf-8")
    if client == "runner":
        upgrade(empty_db, folder)
    else:
        _mariadb_client(empty_db, text)
    assert introspect(empty_db) == desired
    execute(empty_db, "INSERT INTO note (id, n, body) VALUES (2, 1, 'x')")
    assert rows(empty_db, "SELECT n, body FROM note WHERE id = 2") == [(2, "x;//")]


def _mariadb_client(db: Database, text: str) -> None:
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        pytest.skip("no mariadb or mysql client")
    url = db.url
    assert url is not None and url.database is not None
    args = [client, "-h", url.host or "127.0.0.1", "-P", str(url.port or 3306),
            "-u", url.username or "root", url.database]
    env = {**os.environ, "MYSQL_PWD": url.password or ""}
    subprocess.run(args, input=text, text=True, check=True, env=env, capture_output=True)


# -- what a dialect cannot express ---------------------------------------------------

UNSUPPORTED = [
    ("sqlite", ops.AlterColumn("t", Column("a", "integer"), Column("a", "text"),
                               frozenset({"type"}))),
    ("sqlite", ops.AddForeignKey("t", ForeignKey("f", ("a",), "p", ("id",)))),
    ("sqlite", ops.AddColumn("t", Column("a", "integer", nullable=False))),
    ("sqlite", ops.SetTableComment("t", None, "x")),
    ("mysql", ops.CreateEnum(Enum("e", ("a",)))),
    ("mysql", ops.AddForeignKey("t", ForeignKey("f", ("a",), "p", ("id",), deferrable=True))),
    ("mysql", ops.RebuildTable(Table("t"), Table("t"), (), ())),
    ("mysql", ops.AlterColumn("t", Column("a", "int", computed=Computed("`b` + 1")),
                              Column("a", "int", computed=Computed("`b` + 1", stored=True)),
                              frozenset({"computed"}))),
    ("postgresql", ops.AlterColumn("t", Column("a", "integer"),
                                   Column("a", "integer", computed=Computed('"b" + 1', True)),
                                   frozenset({"computed"}))),
    ("postgresql", ops.DropUnique("t", Unique(None, ("a",)))),
]


@pytest.mark.parametrize(("dialect", "op"), UNSUPPORTED,
                         ids=[f"{d}-{type(op).__name__}" for d, op in UNSUPPORTED])
def test_what_a_dialect_cannot_express_raises_naming_the_op(dialect: str, op: ops.Op) -> None:
    with pytest.raises(UnsupportedChange, match="cannot express") as caught:
        render_ops([op], dialect)
    assert op.describe() in str(caught.value)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_on_update_outside_mysql_is_never_dropped_silently(dialect: str) -> None:
    column = Column("at", "timestamp", default="CURRENT_TIMESTAMP", on_update="CURRENT_TIMESTAMP")
    with pytest.raises(UnsupportedChange, match="cannot express ON UPDATE CURRENT_TIMESTAMP "
                                                r"\(column t.at\)"):
        render_ops([ops.CreateTable(Table("t", (column,)))], dialect)


# -- the goldens: the statements of each case, by dialect ------------------------------

GOLDENS: dict[str, dict[str, list[str]]] = {
    'create table': {
        'sqlite': [
            'CREATE TABLE "extra" (\n'
            '  "id" INT NOT NULL,\n'
            '  "parent_id" integer,\n'
            '  PRIMARY KEY ("id"),\n'
            '  CONSTRAINT "extra_parent_fk" FOREIGN KEY ("parent_id") REFERENCES '
            '"parent" ("id") ON DELETE CASCADE\n'
            ')',
            'CREATE INDEX "extra_parent" ON "extra" ("parent_id")',
        ],
        'postgresql': [
            'CREATE TABLE "extra" (\n'
            '  "id" integer NOT NULL,\n'
            '  "parent_id" integer,\n'
            '  CONSTRAINT "extra_pkey" PRIMARY KEY ("id"),\n'
            '  CONSTRAINT "extra_parent_fk" FOREIGN KEY ("parent_id") REFERENCES '
            '"parent" ("id") ON DELETE CASCADE\n'
            ')',
            'CREATE INDEX "extra_parent" ON "extra" ("parent_id")',
        ],
        'mysql': [
            'CREATE TABLE `extra` (\n'
            '  `id` int NOT NULL,\n'
            '  `parent_id` int,\n'
            '  PRIMARY KEY (`id`),\n'
            '  CONSTRAINT `extra_parent_fk` FOREIGN KEY (`parent_id`) REFERENCES '
            '`parent` (`id`) ON DELETE CASCADE\n'
            ')',
            'CREATE INDEX `extra_parent` ON `extra` (`parent_id`)',
        ],
    },
    'drop table': {
        'sqlite': [
            'DROP TABLE "note"',
        ],
        'postgresql': [
            'DROP TABLE "note"',
        ],
        'mysql': [
            'DROP TABLE `note`',
        ],
    },
    'rename table': {
        'sqlite': [
            'ALTER TABLE "note" RENAME TO "memo"',
        ],
        'postgresql': [
            'ALTER TABLE "note" RENAME TO "memo"',
        ],
        'mysql': [
            'RENAME TABLE `note` TO `memo`',
        ],
    },
    'add column': {
        'sqlite': [
            'ALTER TABLE "note" ADD COLUMN "added" integer NOT NULL DEFAULT 0',
        ],
        'postgresql': [
            'ALTER TABLE "note" ADD COLUMN "added" integer NOT NULL DEFAULT 0',
        ],
        'mysql': [
            'ALTER TABLE `note` ADD COLUMN `added` int NOT NULL DEFAULT 0',
        ],
    },
    'add column: ON UPDATE': {
        'mysql': [
            'ALTER TABLE `note` ADD COLUMN `touched` timestamp(3) NOT NULL DEFAULT '
            "CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'touched'",
        ],
    },
    'drop column': {
        'sqlite': [
            'DROP TRIGGER "child_touch"',
            'DROP VIEW "child_names"',
            'CREATE TABLE "_autodiff_new_child" (\n'
            '  "id" INT NOT NULL,\n'
            '  "parent_id" integer,\n'
            '  "name" varchar(20) NOT NULL DEFAULT \'x\',\n'
            '  "qty" integer,\n'
            '  PRIMARY KEY ("id"),\n'
            '  CONSTRAINT "child_qty" CHECK ("qty" > 0),\n'
            '  CONSTRAINT "child_parent" FOREIGN KEY ("parent_id") REFERENCES "parent" ("id")\n'
            ')',
            'INSERT INTO "_autodiff_new_child" ("id", "parent_id", "name", "qty")\n'
            'SELECT "id", "parent_id", "name", "qty" FROM "child"',
            'DROP TABLE "child"',
            'ALTER TABLE "_autodiff_new_child" RENAME TO "child"',
            'CREATE INDEX "child_name" ON "child" ("name")',
            'CREATE VIEW "child_names" AS SELECT "id", "name" FROM "child"',
            'CREATE TRIGGER "child_touch" AFTER UPDATE ON "child" BEGIN SELECT 1; END',
        ],
        'postgresql': [
            'ALTER TABLE "child" DROP COLUMN "spare"',
        ],
        'mysql': [
            'ALTER TABLE `child` DROP COLUMN `spare`',
        ],
    },
    'rename column': {
        'sqlite': [
            'ALTER TABLE "child" RENAME COLUMN "spare" TO "remark"',
        ],
        'postgresql': [
            'ALTER TABLE "child" RENAME COLUMN "spare" TO "remark"',
        ],
        'mysql': [
            'ALTER TABLE `child` RENAME COLUMN `spare` TO `remark`',
        ],
    },
    'rename table read by a view and a trigger': {
        'sqlite': [
            'ALTER TABLE "child" RENAME TO "kid"',
        ],
        'postgresql': [
            'ALTER TABLE "child" RENAME TO "kid"',
        ],
        'mysql': [
            'DROP VIEW `child_names`',
            'DROP TRIGGER `child_touch`',
            'RENAME TABLE `child` TO `kid`',
            'CREATE TRIGGER `child_touch` BEFORE INSERT ON `kid` FOR EACH ROW SET NEW.qty = '
            'NEW.qty',
            'CREATE VIEW `child_names` AS select `kid`.`id` AS `id`,`kid`.`name` AS `name` '
            'from `kid`',
        ],
    },
    'rename columns read by a view, a trigger and a check': {
        'sqlite': [
            'ALTER TABLE "child" RENAME COLUMN "name" TO "title"',
            'ALTER TABLE "child" RENAME COLUMN "qty" TO "amount"',
        ],
        'postgresql': [
            'ALTER TABLE "child" RENAME COLUMN "name" TO "title"',
            'ALTER TABLE "child" RENAME COLUMN "qty" TO "amount"',
        ],
        'mysql': [
            'DROP VIEW `child_names`',
            'DROP TRIGGER `child_touch`',
            'ALTER TABLE `child` RENAME COLUMN `name` TO `title`',
            'ALTER TABLE `child` RENAME COLUMN `qty` TO `amount`',
            'CREATE TRIGGER `child_touch` BEFORE INSERT ON `child` FOR EACH ROW SET '
            'NEW.`amount` = NEW.`amount`',
            'CREATE VIEW `child_names` AS select `child`.`id` AS `id`,`child`.`title` AS '
            '`name` from `child`',
        ],
    },
    'alter column: type, null, default': {
        'sqlite': [
            'DROP TRIGGER "child_touch"',
            'DROP VIEW "child_names"',
            'CREATE TABLE "_autodiff_new_child" (\n'
            '  "id" INT NOT NULL,\n'
            '  "parent_id" integer,\n'
            '  "name" varchar(20) NOT NULL DEFAULT \'x\',\n'
            '  "qty" bigint NOT NULL DEFAULT 1,\n'
            '  "spare" varchar(20),\n'
            '  PRIMARY KEY ("id"),\n'
            '  CONSTRAINT "child_qty" CHECK ("qty" > 0),\n'
            '  CONSTRAINT "child_parent" FOREIGN KEY ("parent_id") REFERENCES "parent" ("id")\n'
            ')',
            'INSERT INTO "_autodiff_new_child" ("id", "parent_id", "name", "qty", "spare")\n'
            'SELECT "id", "parent_id", "name", "qty", "spare" FROM "child"',
            'DROP TABLE "child"',
            'ALTER TABLE "_autodiff_new_child" RENAME TO "child"',
            'CREATE INDEX "child_name" ON "child" ("name")',
            'CREATE VIEW "child_names" AS SELECT "id", "name" FROM "child"',
            'CREATE TRIGGER "child_touch" AFTER UPDATE ON "child" BEGIN SELECT 1; END',
        ],
        'postgresql': [
            'DROP VIEW "child_names"',
            'ALTER TABLE "child"\n'
            '  ALTER COLUMN "qty" TYPE bigint USING "qty"::bigint,\n'
            '  ALTER COLUMN "qty" SET NOT NULL,\n'
            '  ALTER COLUMN "qty" SET DEFAULT 1',
            'CREATE VIEW "child_names" AS SELECT child.id, child.name FROM child',
        ],
        'mysql': [
            'ALTER TABLE `child` MODIFY COLUMN `qty` bigint NOT NULL DEFAULT 1',
        ],
    },
    'alter column: identity': {
        'postgresql': [
            'ALTER TABLE "note" ALTER COLUMN "id" ADD GENERATED BY DEFAULT AS IDENTITY',
            'SELECT setval(pg_get_serial_sequence(\'"note"\', \'id\'), greatest(max("id"), '
            '0) + 1, false) FROM "note"',
        ],
        'mysql': [
            'ALTER TABLE `note` MODIFY COLUMN `id` int AUTO_INCREMENT NOT NULL',
        ],
    },
    'alter column: comment': {
        'postgresql': [
            'COMMENT ON COLUMN "note"."body" IS \'the note\'\'s text\'',
        ],
        'mysql': [
            "ALTER TABLE `note` MODIFY COLUMN `body` text COMMENT 'the note''s text'",
        ],
    },
    'set primary key': {
        'sqlite': [
            'CREATE TABLE "_autodiff_new_note" (\n'
            '  "id" integer NOT NULL,\n'
            '  "n" integer NOT NULL,\n'
            '  "body" text,\n'
            '  PRIMARY KEY ("id", "n")\n'
            ')',
            'INSERT INTO "_autodiff_new_note" ("id", "n", "body")\n'
            'SELECT "id", "n", "body" FROM "note"',
            'DROP TABLE "note"',
            'ALTER TABLE "_autodiff_new_note" RENAME TO "note"',
        ],
        'postgresql': [
            'ALTER TABLE "note"\n'
            '  DROP CONSTRAINT "note_pkey",\n'
            '  ADD CONSTRAINT "note_pkey" PRIMARY KEY ("id", "n")',
        ],
        'mysql': [
            'ALTER TABLE `note`\n'
            '  DROP PRIMARY KEY,\n'
            '  ADD PRIMARY KEY (`id`, `n`)',
        ],
    },
    'add unique': {
        'sqlite': [
            'DROP TRIGGER "child_touch"',
            'DROP VIEW "child_names"',
            'CREATE TABLE "_autodiff_new_child" (\n'
            '  "id" INT NOT NULL,\n'
            '  "parent_id" integer,\n'
            '  "name" varchar(20) NOT NULL DEFAULT \'x\',\n'
            '  "qty" integer,\n'
            '  "spare" varchar(20),\n'
            '  PRIMARY KEY ("id"),\n'
            '  CONSTRAINT "child_name_id" UNIQUE ("name", "id"),\n'
            '  CONSTRAINT "child_qty" CHECK ("qty" > 0),\n'
            '  CONSTRAINT "child_parent" FOREIGN KEY ("parent_id") REFERENCES "parent" ("id")\n'
            ')',
            'INSERT INTO "_autodiff_new_child" ("id", "parent_id", "name", "qty", "spare")\n'
            'SELECT "id", "parent_id", "name", "qty", "spare" FROM "child"',
            'DROP TABLE "child"',
            'ALTER TABLE "_autodiff_new_child" RENAME TO "child"',
            'CREATE INDEX "child_name" ON "child" ("name")',
            'CREATE VIEW "child_names" AS SELECT "id", "name" FROM "child"',
            'CREATE TRIGGER "child_touch" AFTER UPDATE ON "child" BEGIN SELECT 1; END',
        ],
        'postgresql': [
            'ALTER TABLE "child" ADD CONSTRAINT "child_name_id" UNIQUE ("name", "id")',
        ],
        'mysql': [
            'ALTER TABLE `child` ADD CONSTRAINT `child_name_id` UNIQUE (`name`, `id`)',
        ],
    },
    'drop unique': {
        'sqlite': [
            'CREATE TABLE "_autodiff_new_parent" (\n'
            '  "id" INT NOT NULL,\n'
            '  "code" varchar(20),\n'
            '  PRIMARY KEY ("id")\n'
            ')',
            'INSERT INTO "_autodiff_new_parent" ("id", "code")\n'
            'SELECT "id", "code" FROM "parent"',
            'DROP TABLE "parent"',
            'ALTER TABLE "_autodiff_new_parent" RENAME TO "parent"',
        ],
        'postgresql': [
            'ALTER TABLE "parent" DROP CONSTRAINT "parent_code"',
        ],
        'mysql': [
            'ALTER TABLE `parent` DROP INDEX `parent_code`',
        ],
    },
    'create index': {
        'sqlite': [
            'CREATE INDEX "child_qty_ix" ON "child" ("qty")',
        ],
        'postgresql': [
            'CREATE INDEX "child_qty_ix" ON "child" ("qty")',
        ],
        'mysql': [
            'CREATE INDEX `child_qty_ix` ON `child` (`qty`)',
        ],
    },
    'drop index': {
        'sqlite': [
            'DROP INDEX "child_name"',
        ],
        'postgresql': [
            'DROP INDEX "child_name"',
        ],
        'mysql': [
            'DROP INDEX `child_name` ON `child`',
        ],
    },
    'add foreign key': {
        'sqlite': [
            'CREATE TABLE "_autodiff_new_note" (\n'
            '  "id" INT NOT NULL,\n'
            '  "n" integer NOT NULL,\n'
            '  "body" text,\n'
            '  PRIMARY KEY ("id"),\n'
            '  CONSTRAINT "note_parent" FOREIGN KEY ("n") REFERENCES "parent" ("id") ON '
            'DELETE CASCADE\n'
            ')',
            'INSERT INTO "_autodiff_new_note" ("id", "n", "body")\n'
            'SELECT "id", "n", "body" FROM "note"',
            'DROP TABLE "note"',
            'ALTER TABLE "_autodiff_new_note" RENAME TO "note"',
        ],
        'postgresql': [
            'ALTER TABLE "note" ADD CONSTRAINT "note_parent" FOREIGN KEY ("n") '
            'REFERENCES "parent" ("id") ON DELETE CASCADE',
        ],
        'mysql': [
            'ALTER TABLE `note` ADD CONSTRAINT `note_parent` FOREIGN KEY (`n`) '
            'REFERENCES `parent` (`id`) ON DELETE CASCADE',
        ],
    },
    'drop foreign key': {
        'sqlite': [
            'DROP TRIGGER "child_touch"',
            'DROP VIEW "child_names"',
            'CREATE TABLE "_autodiff_new_child" (\n'
            '  "id" INT NOT NULL,\n'
            '  "parent_id" integer,\n'
            '  "name" varchar(20) NOT NULL DEFAULT \'x\',\n'
            '  "qty" integer,\n'
            '  "spare" varchar(20),\n'
            '  PRIMARY KEY ("id"),\n'
            '  CONSTRAINT "child_qty" CHECK ("qty" > 0)\n'
            ')',
            'INSERT INTO "_autodiff_new_child" ("id", "parent_id", "name", "qty", "spare")\n'
            'SELECT "id", "parent_id", "name", "qty", "spare" FROM "child"',
            'DROP TABLE "child"',
            'ALTER TABLE "_autodiff_new_child" RENAME TO "child"',
            'CREATE INDEX "child_name" ON "child" ("name")',
            'CREATE VIEW "child_names" AS SELECT "id", "name" FROM "child"',
            'CREATE TRIGGER "child_touch" AFTER UPDATE ON "child" BEGIN SELECT 1; END',
        ],
        'postgresql': [
            'ALTER TABLE "child" DROP CONSTRAINT "child_parent"',
        ],
        'mysql': [
            'ALTER TABLE `child` DROP FOREIGN KEY `child_parent`',
            'DROP INDEX `child_parent` ON `child`',
        ],
    },
    'add check': {
        'sqlite': [
            'CREATE TABLE "_autodiff_new_parent" (\n'
            '  "id" INT NOT NULL,\n'
            '  "code" varchar(20),\n'
            '  PRIMARY KEY ("id"),\n'
            '  CONSTRAINT "parent_code" UNIQUE ("code"),\n'
            '  CONSTRAINT "parent_id_positive" CHECK ("id" > 0)\n'
            ')',
            'INSERT INTO "_autodiff_new_parent" ("id", "code")\n'
            'SELECT "id", "code" FROM "parent"',
            'DROP TABLE "parent"',
            'ALTER TABLE "_autodiff_new_parent" RENAME TO "parent"',
        ],
        'postgresql': [
            'ALTER TABLE "parent" ADD CONSTRAINT "parent_id_positive" CHECK ("id" > 0)',
        ],
        'mysql': [
            'ALTER TABLE `parent` ADD CONSTRAINT `parent_id_positive` CHECK (`id` > 0)',
        ],
    },
    'drop check': {
        'sqlite': [
            'DROP TRIGGER "child_touch"',
            'DROP VIEW "child_names"',
            'CREATE TABLE "_autodiff_new_child" (\n'
            '  "id" INT NOT NULL,\n'
            '  "parent_id" integer,\n'
            '  "name" varchar(20) NOT NULL DEFAULT \'x\',\n'
            '  "qty" integer,\n'
            '  "spare" varchar(20),\n'
            '  PRIMARY KEY ("id"),\n'
            '  CONSTRAINT "child_parent" FOREIGN KEY ("parent_id") REFERENCES "parent" ("id")\n'
            ')',
            'INSERT INTO "_autodiff_new_child" ("id", "parent_id", "name", "qty", "spare")\n'
            'SELECT "id", "parent_id", "name", "qty", "spare" FROM "child"',
            'DROP TABLE "child"',
            'ALTER TABLE "_autodiff_new_child" RENAME TO "child"',
            'CREATE INDEX "child_name" ON "child" ("name")',
            'CREATE VIEW "child_names" AS SELECT "id", "name" FROM "child"',
            'CREATE TRIGGER "child_touch" AFTER UPDATE ON "child" BEGIN SELECT 1; END',
        ],
        'postgresql': [
            'ALTER TABLE "child" DROP CONSTRAINT "child_qty"',
        ],
        'mysql': [
            'ALTER TABLE `child` DROP CONSTRAINT `child_qty`',
        ],
    },
    'create view': {
        'sqlite': [
            'CREATE VIEW "parent_codes" AS SELECT "code" FROM "parent"',
        ],
        'postgresql': [
            'CREATE VIEW "parent_codes" AS SELECT parent.code FROM parent',
        ],
        'mysql': [
            'CREATE VIEW `parent_codes` AS select `parent`.`code` AS `code` from `parent`',
        ],
    },
    'drop view': {
        'sqlite': [
            'DROP VIEW "child_names"',
        ],
        'postgresql': [
            'DROP VIEW "child_names"',
        ],
        'mysql': [
            'DROP VIEW `child_names`',
        ],
    },
    'create trigger': {
        'sqlite': [
            'CREATE TRIGGER "child_touch2" AFTER UPDATE ON "child" BEGIN SELECT 1; END',
        ],
        'postgresql': [
            'CREATE TRIGGER child_touch2 BEFORE UPDATE ON child FOR EACH ROW EXECUTE '
            'FUNCTION touch()',
        ],
        'mysql': [
            'CREATE TRIGGER `child_touch2` BEFORE INSERT ON `child` FOR EACH ROW SET '
            'NEW.qty = NEW.qty',
        ],
    },
    'drop trigger': {
        'sqlite': [
            'DROP TRIGGER "child_touch"',
        ],
        'postgresql': [
            'DROP TRIGGER "child_touch" ON "child"',
        ],
        'mysql': [
            'DROP TRIGGER `child_touch`',
        ],
    },
    'create enum': {
        'postgresql': [
            'CREATE TYPE "Big Mood" AS ENUM (\'a\'\'b\', \'c\')',
        ],
    },
    'drop enum': {
        'postgresql': [
            'DROP TYPE "mood"',
        ],
    },
    'add enum values': {
        'postgresql': [
            'ALTER TYPE "mood" ADD VALUE \'happy\'',
        ],
    },
    'replace enum': {
        'postgresql': [
            'ALTER TYPE "level" RENAME TO "level__autodiff_old"',
            'CREATE TYPE "level" AS ENUM (\'high\', \'low\')',
            'ALTER TABLE "note"\n'
            '  ALTER COLUMN "level" DROP DEFAULT,\n'
            '  ALTER COLUMN "level" TYPE level USING "level"::text::level,\n'
            '  ALTER COLUMN "level" SET DEFAULT \'low\'',
            'DROP TYPE "level__autodiff_old"',
        ],
    },
    'create sequence': {
        'postgresql': [
            'CREATE SEQUENCE "Order No" AS smallint INCREMENT BY -2 MAXVALUE 100 CACHE 3 CYCLE',
            'ALTER TABLE "note" ADD COLUMN "order_no" smallint DEFAULT '
            '(NEXTVAL(\'"Order No"\'))',
        ],
    },
    'drop sequence': {
        'postgresql': [
            'DROP SEQUENCE "Ticket No"',
        ],
    },
    'alter sequence': {
        'postgresql': [
            'ALTER SEQUENCE "Ticket No" AS bigint INCREMENT BY 1 MINVALUE 5 MAXVALUE '
            '9223372036854775807 CACHE 2 CYCLE',
        ],
    },
    'alter column: identity ALWAYS': {
        'postgresql': [
            'ALTER TABLE "note" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY',
            'SELECT setval(pg_get_serial_sequence(\'"note"\', \'id\'), greatest(max("id"), 0) '
            '+ 1, false) FROM "note"',
        ],
    },
    'set table comment': {
        'postgresql': [
            'COMMENT ON TABLE "note" IS \'notes\'',
        ],
        'mysql': [
            "ALTER TABLE `note` COMMENT = 'notes'",
        ],
    },
    'set table options': {
        'sqlite': [
            'CREATE TABLE "_autodiff_new_note" (\n'
            '  "id" INT NOT NULL,\n'
            '  "n" integer NOT NULL,\n'
            '  "body" text,\n'
            '  PRIMARY KEY ("id")\n'
            ') STRICT, WITHOUT ROWID',
            'INSERT INTO "_autodiff_new_note" ("id", "n", "body")\n'
            'SELECT "id", "n", "body" FROM "note"',
            'DROP TABLE "note"',
            'ALTER TABLE "_autodiff_new_note" RENAME TO "note"',
        ],
    },
    'create index: DESC, mixed and unique DESC': {
        'sqlite': [
            'CREATE UNIQUE INDEX "child_id_ux" ON "child" ("id" DESC)',
            'CREATE INDEX "child_qty_name_ix" ON "child" ("qty" DESC, "name")',
        ],
        'postgresql': [
            'CREATE UNIQUE INDEX "child_id_ux" ON "child" ("id" DESC)',
            'CREATE INDEX "child_qty_name_ix" ON "child" ("qty" DESC, "name")',
        ],
        'mysql': [
            'CREATE UNIQUE INDEX `child_id_ux` ON `child` (`id` DESC)',
            'CREATE INDEX `child_qty_name_ix` ON `child` (`qty` DESC, `name`)',
        ],
    },
    'index order: ASC to DESC': {
        'sqlite': [
            'DROP INDEX "child_name"',
            'CREATE INDEX "child_name" ON "child" ("name" DESC)',
        ],
        'postgresql': [
            'DROP INDEX "child_name"',
            'CREATE INDEX "child_name" ON "child" ("name" DESC)',
        ],
        'mysql': [
            'DROP INDEX `child_name` ON `child`',
            'CREATE INDEX `child_name` ON `child` (`name` DESC)',
        ],
    },
    'create index: NULLS and DESC expression': {
        'postgresql': [
            'CREATE INDEX "child_nulls_ix" ON "child" '
            '("qty" NULLS FIRST, (LOWER("name")) DESC, "id" DESC NULLS LAST)',
        ],
    },
    'add foreign key: deferrable': {
        'sqlite': [
            'CREATE TABLE "_autodiff_new_note" (\n'
            '  "id" INT NOT NULL,\n'
            '  "n" integer NOT NULL,\n'
            '  "body" text,\n'
            '  PRIMARY KEY ("id"),\n'
            '  CONSTRAINT "note_parent" FOREIGN KEY ("n") REFERENCES "parent" ("id") '
            'DEFERRABLE INITIALLY DEFERRED\n'
            ')',
            'INSERT INTO "_autodiff_new_note" ("id", "n", "body")\n'
            'SELECT "id", "n", "body" FROM "note"',
            'DROP TABLE "note"',
            'ALTER TABLE "_autodiff_new_note" RENAME TO "note"',
        ],
        'postgresql': [
            'ALTER TABLE "note" ADD CONSTRAINT "note_parent" FOREIGN KEY ("n") REFERENCES '
            '"parent" ("id") DEFERRABLE INITIALLY DEFERRED',
        ],
    },
    'foreign key made deferrable': {
        'postgresql': [
            'ALTER TABLE "child" DROP CONSTRAINT "child_parent"',
            'ALTER TABLE "child" ADD CONSTRAINT "child_parent" FOREIGN KEY ("parent_id") '
            'REFERENCES "parent" ("id") DEFERRABLE',
        ],
    },
}
