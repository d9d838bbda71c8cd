"""`autodiff generate`: the classic story end to end on every database, and its edges."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import new_database
from helpers import (
    LEFT_OUT_MODELS,
    LOST_OPTIONS,
    execute,
    rows,
    run_cli,
    student_models,
    write,
)

import autodiff
from autodiff import api
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.diff import Renames
from autodiff.errors import ConfigError


def project(tmp_path: Path, db: Database) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.autodiff]\ndb = "{db.spec}"\nmodels = "models.py:Base"\n')
    (tmp_path / "migrations").mkdir()


def cli(tmp_path: Path, *args: str) -> str:
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def sql_of(tmp_path: Path, name_part: str) -> str:
    (path,) = (tmp_path / "migrations").glob(f"*{name_part}*.sql")
    return path.read_text()


def statements(text: str) -> list[str]:
    return [s.strip() for s in text.split(";") if s.strip() and not
            all(line.startswith("--") for line in s.strip().splitlines())]


def test_the_students_story(fresh_db: Database, tmp_path: Path) -> None:
    project(tmp_path, fresh_db)
    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n')
    out = cli(tmp_path, "generate", "-m", "create student table", "--no-input")
    assert "Wrote" in out and "0001-create-student-table.sql" in out and "Verified" in out
    assert "create table students" in sql_of(tmp_path, "0001")
    cli(tmp_path, "upgrade")
    autodiff.connect(fresh_db).cursor().execute(
        "INSERT INTO students (id, first_name, last_name) VALUES (1, 'Ada', 'Lovelace')")

    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n'
                     'age: Mapped[int | None] = mapped_column(Integer)\n')
    cli(tmp_path, "generate", "-m", "add age", "--no-input")
    body = [s for s in statements(sql_of(tmp_path, "0002-add-age"))]
    assert len(body) == 1 and "ADD COLUMN" in body[0].upper() and "age" in body[0]
    cli(tmp_path, "upgrade")

    student_models(tmp_path, 'surname: Mapped[str] = mapped_column(String(50))\n'
                     'age: Mapped[int | None] = mapped_column(Integer)\n')
    cli(tmp_path, "generate", "-m", "rename last name", "--rename", "students.last_name=surname")
    assert "rename column students.last_name to surname" in sql_of(tmp_path, "0003")
    cli(tmp_path, "upgrade")
    assert rows(fresh_db, "SELECT id, first_name, surname, age FROM students") == [
        (1, "Ada", "Lovelace", None)]

    student_models(tmp_path, 'age: Mapped[int | None] = mapped_column(Integer)\n')
    out = cli(tmp_path, "generate", "-m", "drop surname", "--no-input")
    assert "DESTRUCTIVE" in out and "DESTRUCTIVE" in sql_of(tmp_path, "0004")
    cli(tmp_path, "upgrade")
    assert rows(fresh_db, "SELECT id, first_name, age FROM students") == [(1, "Ada", None)]
    assert "No changes detected." in cli(tmp_path, "generate", "-m", "nothing", "--no-input")
    assert len(list((tmp_path / "migrations").glob("*.sql"))) == 4
    assert (tmp_path / "migrations" / "autodiff.sum").read_text().startswith("0004-drop-surname")


def test_unhinted_drop_and_add_is_marked_and_explained(tmp_path: Path) -> None:
    db = Database("sqlite", str(tmp_path / "app.db"), path=tmp_path / "app.db")
    project(tmp_path, db)
    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n')
    cli(tmp_path, "generate", "-m", "init", "--no-input")
    student_models(tmp_path, 'surname: Mapped[str] = mapped_column(String(50))\n')
    out = cli(tmp_path, "generate", "-m", "oops", "--no-input")
    assert "note: column students.last_name is dropped and students.surname added: if that " \
           "is a rename, pass --rename students.last_name=surname" in out
    text = sql_of(tmp_path, "0002")
    assert "drop column students.last_name" in text and "! DESTRUCTIVE" in text


HINTED = """
    __tablename__ = "pupils"
    __table_args__ = {"info": {"renamed_from": "students"}}
    surname: Mapped[str] = mapped_column(String(50), info={"renamed_from": "last_name"})
"""


def test_rename_hints_in_the_model_need_no_flag_and_stay(fresh_db: Database,
                                                          tmp_path: Path) -> None:
    project(tmp_path, fresh_db)
    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n')
    cli(tmp_path, "generate", "-m", "init")
    cli(tmp_path, "upgrade")
    execute(fresh_db, "INSERT INTO students (id, first_name, last_name) "
                      "VALUES (1, 'Ada', 'Lovelace')")
    student_models(tmp_path, HINTED)
    cli(tmp_path, "generate", "-m", "rename")
    text = sql_of(tmp_path, "0002")
    assert "rename table students to pupils" in text
    assert "rename column pupils.last_name to surname" in text
    cli(tmp_path, "upgrade")
    assert rows(fresh_db, "SELECT id, first_name, surname FROM pupils") == [
        (1, "Ada", "Lovelace")]
    # The hints stay in the model, as the record of the rename: done, so nothing to do.
    assert "No changes detected." in cli(tmp_path, "generate", "-m", "again", "--no-input")
    student_models(tmp_path, textwrap.dedent(HINTED)
                   + 'age: Mapped[int | None] = mapped_column(Integer)\n')
    cli(tmp_path, "generate", "-m", "add age", "--no-input")
    (added,) = statements(sql_of(tmp_path, "0003"))
    assert "ADD COLUMN" in added.upper() and "age" in added


@pytest.mark.parametrize(("body", "says"), [
    ('__tablename__ = "pupils"\n__table_args__ = {"info": {"renamed_from": "nobody"}}\n',
     "on table pupils names table nobody"),
    ('surname: Mapped[str] = mapped_column(String(50), info={"renamed_from": "last_name"})\n',
     "on column students.surname names column students.last_name"),
], ids=["table", "column"])
def test_a_hint_naming_nothing_at_head_is_an_error_naming_the_hint(
        tmp_path: Path, body: str, says: str) -> None:
    db = Database("sqlite", str(tmp_path / "app.db"), path=tmp_path / "app.db")
    project(tmp_path, db)
    student_models(tmp_path, 'nickname: Mapped[str] = mapped_column(String(50))\n')
    cli(tmp_path, "generate", "-m", "init")
    student_models(tmp_path, body)
    done = run_cli("generate", "-m", "rename", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert says in done.stderr and "remove the hint" in done.stderr


def test_interactive_answer_makes_a_rename(tmp_path: Path) -> None:
    db = Database("sqlite", str(tmp_path / "app.db"), path=tmp_path / "app.db")
    project(tmp_path, db)
    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n')
    api.generate(db, tmp_path / "migrations", "models.py:Base", "init", base_dir=tmp_path)
    student_models(tmp_path, 'surname: Mapped[str] = mapped_column(String(50))\n')
    asked: list[str] = []

    def yes(question: str) -> bool:
        asked.append(question)
        return True

    result = api.generate(db, tmp_path / "migrations", "models.py:Base", "rename",
                          base_dir=tmp_path, ask=yes)
    assert asked == ["Did you rename students.last_name to students.surname?"]
    assert [op.describe() for op in result.ops] == [
        "rename column students.last_name to surname"]


def test_sql_prints_and_writes_nothing_and_is_deterministic(tmp_path: Path) -> None:
    db = Database("sqlite", str(tmp_path / "app.db"), path=tmp_path / "app.db")
    project(tmp_path, db)
    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n')
    first = cli(tmp_path, "generate", "-m", "init", "--sql")
    assert cli(tmp_path, "generate", "-m", "init", "--sql", "--no-cache") == first
    assert first.startswith("-- 0001-init.sql: init\n")
    assert not list((tmp_path / "migrations").iterdir())


@pytest.mark.parametrize("ext", ["sql", "py", "sh"])
def test_empty_templates_run_through_the_runner(tmp_path: Path, ext: str) -> None:
    db = tmp_path / "app.db"
    (tmp_path / "migrations").mkdir()
    out = cli(tmp_path, "generate", "--empty", "--ext", ext, "-m", "hand written",
              "--db", str(db), "--migrations", "migrations")
    path = tmp_path / "migrations" / f"0001-hand-written.{ext}"
    assert f"Wrote {path}" in out and path.exists()
    cli(tmp_path, "upgrade", "--db", str(db), "--migrations", "migrations")
    assert autodiff.get_db_version(db) == 1


def test_models_errors_are_the_users_own(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    (tmp_path / "migrations").mkdir()
    (tmp_path / "models.py").write_text("import sqlalchemy\n\nx = 1\ny = undefined_name\n")
    result = run_cli("generate", "-m", "x", "--db", str(db), "--models", "models.py:Base",
                     cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "models.py:4: NameError" in result.stderr
    missing = run_cli("generate", "-m", "x", "--db", str(db), cwd=tmp_path)
    assert missing.returncode == 2 and "no models configured" in missing.stderr


AUTO_KEY = {"sqlite": "id INTEGER PRIMARY KEY", "postgresql": "id SERIAL PRIMARY KEY",
            "mysql": "id INTEGER AUTO_INCREMENT PRIMARY KEY"}


def test_head_includes_hand_written_scripts(empty_db: Database, tmp_path: Path) -> None:
    project(tmp_path, empty_db)
    key = AUTO_KEY[empty_db.dialect]  # the model's Integer primary key autoincrements
    write(tmp_path / "migrations", "0001-by-hand.sql", f"""
        CREATE TABLE students ({key}, first_name VARCHAR(50) NOT NULL);
        CREATE TABLE audit (id INTEGER PRIMARY KEY, note VARCHAR(200));
    """)
    write(tmp_path / "migrations", "0002-more.py",
          "import sys, autodiff\nc = autodiff.connect(sys.argv[1])\n"
          "c.cursor().execute('ALTER TABLE students ADD COLUMN nick VARCHAR(20)')\nc.close()\n")
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.autodiff]\ndb = "{empty_db.spec}"\nmodels = "models.py:Base"\n'
        'ignore = ["audit"]\n')
    student_models(tmp_path, 'nick: Mapped[str | None] = mapped_column(String(20))\n'
                     'age: Mapped[int | None] = mapped_column(Integer)\n')
    result = api.generate(empty_db, tmp_path / "migrations", "models.py:Base", "add age",
                          base_dir=tmp_path, ignore=("audit",), write=False)
    integer = "int" if empty_db.dialect == "mysql" else "integer"
    assert [op.describe() for op in result.ops] == [f"add column students.age ({integer})"]
    assert result.verified


def test_what_the_models_declare_and_autodiff_leaves_out_is_warned_of(
        empty_db: Database, tmp_path: Path) -> None:
    """A table of another schema is neither created in the default one nor is a table of
    its bare name dropped, nor is a foreign key into it pointed at that table; an option
    a script would lose is named."""
    project(tmp_path, empty_db)
    write(tmp_path / "migrations", "0001-by-hand.sql",
          "CREATE TABLE events (id INTEGER PRIMARY KEY, note VARCHAR(20));\n")
    (tmp_path / "models.py").write_text(LEFT_OUT_MODELS)
    result = run_cli("generate", "-m", "docs", "--no-input", cwd=tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings[0].startswith("warning: table audit.events is left out: autodiff "
                                  "manages the database's default schema only")
    # Not to the default schema's events, which it would name by its bare name.
    assert warnings[1].startswith("warning: foreign key docs (event_id) -> audit.events is "
                                  "left out")
    assert [w.split(" (not modelled")[0].removeprefix("warning: ")
            for w in warnings[2:]] == LOST_OPTIONS[empty_db.dialect]
    body = statements(sql_of(tmp_path, "0002-docs"))
    assert "events" not in " ".join(body).lower()  # no table, no foreign key
    assert [b for b in body if "CREATE TABLE" in b.upper()] and "Verified" in result.stdout
    if empty_db.dialect == "sqlite":
        assert '"id" integer PRIMARY KEY AUTOINCREMENT NOT NULL' in " ".join(body)
    cli(tmp_path, "upgrade")
    assert rows(empty_db, "SELECT COUNT(*) FROM events") == [(0,)]
    checked = run_cli("check", cwd=tmp_path)  # leaves it out as generate does
    assert checked.returncode == 0, (checked.stdout, checked.stderr)
    assert "not checked: table audit.events of the models: another schema, not compared" \
        in checked.stdout and "clean: database, migrations and models agree" in checked.stdout
    assert "not checked: foreign key docs (event_id) -> audit.events of the models" \
        in checked.stdout

    # Known and said in ignore (by the qualified name): no changes, and no warning.
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.autodiff]\ndb = "{empty_db.spec}"\nmodels = "models.py:Base"\n'
        'ignore = ["audit.*"]\n')
    again = run_cli("generate", "-m", "again", "--no-input", cwd=tmp_path)
    assert again.returncode == 0 and "No changes detected." in again.stdout
    assert "warning" not in again.stderr
    # The API says the same in Generated.warnings, and the table at head stays put.
    result_api = api.generate(empty_db, tmp_path / "migrations", "models.py:Base", "api",
                              base_dir=tmp_path, write=False)
    assert result_api.ops == () and [w.split(":")[0] for w in result_api.warnings] == [
        "table audit.events is left out", "foreign key docs (event_id) -> audit.events is left out"]


def test_a_sqlite_rebuild_keeps_the_table_s_options_and_its_numbering(tmp_path: Path) -> None:
    """AUTOINCREMENT, STRICT and WITHOUT ROWID are part of the table: a rebuild keeps them,
    and AUTOINCREMENT's high-water mark too (no number is given out twice); the models
    saying otherwise is a change like any other."""
    db = Database("sqlite", str(tmp_path / "app.db"), path=tmp_path / "app.db")
    project(tmp_path, db)
    write(tmp_path / "migrations", "0001-by-hand.sql",
          "CREATE TABLE students (id INTEGER PRIMARY KEY AUTOINCREMENT, "
          "first_name VARCHAR(50) NOT NULL);\n"
          "CREATE TABLE tags (name TEXT PRIMARY KEY, n INTEGER) STRICT, WITHOUT ROWID;\n")
    cli(tmp_path, "upgrade")
    execute(db, "INSERT INTO students (first_name) VALUES ('a'), ('b'), ('c')",
            "DELETE FROM students WHERE id = 3", "INSERT INTO tags VALUES ('x', 1)")
    student_models(tmp_path, '__table_args__ = {"sqlite_autoincrement": True}\n')
    with (tmp_path / "models.py").open("a") as f:
        f.write(TAG_MODEL)
    same = run_cli("generate", "-m", "same", "--no-input", cwd=tmp_path)
    assert "No changes detected." in same.stdout, same.stdout + same.stderr
    source = (tmp_path / "models.py").read_text()
    (tmp_path / "models.py").write_text(source.replace("String(50)", "String(80)")
                                        .replace("n: Mapped[int | None]", "n: Mapped[int]"))
    result = run_cli("generate", "-m", "wider", "--no-input", cwd=tmp_path)
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    assert "rebuild table students" in result.stdout and "rebuild table tags" in result.stdout
    assert "Verified" in result.stdout
    cli(tmp_path, "upgrade")
    created = dict(rows(db, "SELECT name, sql FROM sqlite_schema WHERE type = 'table'"))
    assert "PRIMARY KEY AUTOINCREMENT" in created["students"]
    assert created["tags"].endswith(") STRICT, WITHOUT ROWID")
    execute(db, "INSERT INTO students (first_name) VALUES ('d')")
    assert rows(db, "SELECT id, first_name FROM students ORDER BY id") == [
        (1, "a"), (2, "b"), (4, "d")]  # 3 was given out before the rebuild
    assert rows(db, "SELECT * FROM tags") == [("x", 1)]

    # Models without the options: a change, said in words, and the rebuild drops them.
    (tmp_path / "models.py").write_text(
        (tmp_path / "models.py").read_text().replace(
            '__table_args__ = {"sqlite_autoincrement": True}\n', "")
        .replace('{"sqlite_with_rowid": False, "sqlite_strict": True}', "{}"))
    dropped = run_cli("generate", "-m", "plain", "--no-input", cwd=tmp_path)
    assert dropped.returncode == 0, dropped.stderr
    assert "set the options of table students: AUTOINCREMENT -> none" in dropped.stdout
    assert "set the options of table tags: STRICT, WITHOUT ROWID -> none" in dropped.stdout
    cli(tmp_path, "upgrade")
    created = dict(rows(db, "SELECT name, sql FROM sqlite_schema WHERE type = 'table'"))
    assert "AUTOINCREMENT" not in created["students"] and "STRICT" not in created["tags"]
    assert rows(db, "SELECT id FROM students ORDER BY id") == [(1,), (2,), (4,)]
    assert run_cli("check", cwd=tmp_path).returncode == 0


TAG_MODEL = """
from sqlalchemy import Text

class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = {"sqlite_with_rowid": False, "sqlite_strict": True}
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    n: Mapped[int | None] = mapped_column(Integer)
"""


def test_declared_ignores_bare_names_only_where_the_default_schema_has_none() -> None:
    from autodiff.declared import Declared
    from autodiff.model import Column, Index, Schema, Table, Unique
    from autodiff.ops import AddColumn, AddUnique, CreateIndex, CreateTable, RebuildTable

    own = Schema("postgresql", tables=(Table("events", (Column("id", "integer"),)),))
    declared = Declared(own, other_schemas=("audit.events", "audit.log[1]"),
                        unmodelled={("index", "t", "ix_t"): ("INCLUDE columns",),
                                    ("column", "t", "c"): ("identity options (START)",)})
    assert declared.ignored == ("log[[]1]",)  # events is the default schema's own
    created = (CreateIndex("t", Index("ix_t", ("a",))), CreateIndex("t", Index("ix_u", ("b",))),
               AddColumn("t", Column("c", "integer")))
    told = declared.warnings(created)
    assert told[2:] == [
        "index ix_t on t is created without its INCLUDE columns (not modelled by autodiff): "
        "edit the script before you apply it",
        "column t.c is created without its identity options (START) (not modelled by "
        "autodiff): edit the script before you apply it"]
    assert len(declared.warnings((), ignore=("audit.*",))) == 0
    # Each kind of op that creates a table or a unique constraint, named in words.
    t = Table("t", (Column("id", "integer"),), uniques=(Unique(None, ("id",)),))
    lost = {("table", "t", ""): ("AUTOINCREMENT",), ("index", "t", "(id)"): ("INCLUDE columns",)}
    told = Declared(own, unmodelled=lost).warnings(
        (CreateTable(t), RebuildTable(t, t, (), ()), AddUnique("t", Unique(None, ("id",)))))
    assert [w.split(" is created without its ")[0] for w in told] == [
        "table t", "unique constraint on t (id)", "table t (rebuilt)",
        "unique constraint on t (id)"]


def test_from_db_refuses_a_database_behind_head(tmp_path: Path) -> None:
    db = Database("sqlite", str(tmp_path / "app.db"), path=tmp_path / "app.db")
    project(tmp_path, db)
    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n')
    cli(tmp_path, "generate", "-m", "init")
    result = run_cli("generate", "-m", "x", "--from-db", cwd=tmp_path)
    assert result.returncode == 1 and "not at head" in result.stderr
    cli(tmp_path, "upgrade")
    assert "No changes detected." in cli(tmp_path, "generate", "-m", "x", "--from-db")


def test_bad_renames_are_named(tmp_path: Path) -> None:
    db = Database("sqlite", str(tmp_path / "app.db"), path=tmp_path / "app.db")
    project(tmp_path, db)
    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n')
    cli(tmp_path, "generate", "-m", "init")
    with pytest.raises(ConfigError, match="there is no column students.nope at head"):
        api.generate(db, tmp_path / "migrations", "models.py:Base", "x", base_dir=tmp_path,
                     renames=Renames(columns={("students", "nope"): "last_name"}))
    bad = run_cli("generate", "-m", "x", "--rename", "nonsense", cwd=tmp_path)
    assert bad.returncode == 2 and "expected table.old=new" in bad.stderr


def _renamed_project(tmp_path: Path) -> None:
    db = Database("sqlite", str(tmp_path / "app.db"), path=tmp_path / "app.db")
    project(tmp_path, db)
    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n')
    cli(tmp_path, "generate", "-m", "init")
    student_models(tmp_path, 'surname: Mapped[str] = mapped_column(String(50))\n')


def test_the_terminal_is_asked_and_a_yes_makes_a_rename(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    _renamed_project(tmp_path)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "autodiff", "generate", "-m", "rename"],
                            cwd=tmp_path, stdin=follower, stdout=subprocess.PIPE,
                            stderr=follower, text=True)
    os.close(follower)
    seen = b""
    while b"[y/N]" not in seen:
        seen += os.read(leader, 1024)
    assert b"Did you rename students.last_name to students.surname?" in seen
    os.write(leader, b"y\n")
    out, _ = proc.communicate(timeout=60)
    os.close(leader)
    assert proc.returncode == 0, out
    assert "rename column students.last_name to surname" in sql_of(tmp_path, "0002")


def test_without_a_terminal_nothing_waits_on_a_prompt(tmp_path: Path) -> None:
    import subprocess
    import sys

    _renamed_project(tmp_path)
    result = subprocess.run([sys.executable, "-m", "autodiff", "generate", "-m", "oops"],
                            cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0 and "[y/N]" not in result.stdout + result.stderr
    assert "drop column students.last_name" in sql_of(tmp_path, "0002")


@pytest.mark.parametrize("exists", [True, False], ids=["existing", "not-yet-created"])
def test_the_server_flavor_needs_no_scratch_database(tmp_path: Path, exists: bool,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL, the version is read from the server, whether or not db exists yet."""
    from conftest import require_server

    from autodiff import head
    from autodiff.dialects import dialect_for
    from autodiff.generate import target_flavor

    require_server("postgresql")
    db = new_database("postgresql", tmp_path)
    if exists:
        dialect_for(db).create_database(db)

    def no_scratch(like: Database) -> None:
        raise AssertionError("a scratch database was created to read the server version")

    monkeypatch.setattr(head, "scratch_database", no_scratch)
    try:
        flavor = target_flavor(db)
    finally:
        dialect_for(db).drop_database(db)
    assert flavor.version and flavor.version[0].isdigit()


def test_a_second_generate_of_the_same_change_reuses_the_proof(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autodiff import verify

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    db = Database("sqlite", str(tmp_path / "app.db"), path=tmp_path / "app.db")
    project(tmp_path, db)
    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n')
    first = api.generate(db, tmp_path / "migrations", "models.py:Base", "students",
                         base_dir=tmp_path, write=False)
    assert first.verified

    def no_scratch(like: Database) -> None:
        raise AssertionError("the proof was built again")

    monkeypatch.setattr(verify, "scratch_database", no_scratch)
    again = api.generate(db, tmp_path / "migrations", "models.py:Base", "students",
                         base_dir=tmp_path, write=False)
    assert again.verified and again.text == first.text


def test_a_desc_index_generates_upgrades_and_then_shows_no_changes(
        fresh_db: Database, tmp_path: Path) -> None:
    # The reported bug: the DESC was lost and the proof refused the script.
    project(tmp_path, fresh_db)
    (tmp_path / "models.py").write_text(textwrap.dedent("""
        from sqlalchemy import Integer, String, Index, desc
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


        class Base(DeclarativeBase):
            pass


        class Student(Base):
            __tablename__ = "students"
            id: Mapped[int] = mapped_column(Integer, primary_key=True)
            last_name: Mapped[str] = mapped_column(String(50))
            __table_args__ = (Index("ix_last_desc", desc("last_name")),)
    """))
    out = cli(tmp_path, "generate", "-m", "init", "--no-input")
    assert "Verified" in out
    q = '`' if fresh_db.dialect == "mysql" else '"'
    assert f"ON {q}students{q} ({q}last_name{q} DESC)" in sql_of(tmp_path, "0001")
    cli(tmp_path, "upgrade")
    again = run_cli("generate", "-m", "again", "--no-input", cwd=tmp_path)
    assert again.returncode == 0 and "No changes detected" in again.stdout + again.stderr
    assert not list((tmp_path / "migrations").glob("0002*"))


@pytest.mark.parametrize("dialect", ["mysql"])
def test_adding_on_update_to_a_column_generates_a_modify(fresh_db: Database,
                                                         tmp_path: Path) -> None:
    project(tmp_path, fresh_db)
    stamp = ('from sqlalchemy import DateTime, func\n'
             'updated_at = mapped_column(DateTime, server_default=func.now(){})\n')
    student_models(tmp_path, stamp.format(""))
    cli(tmp_path, "generate", "-m", "init", "--no-input")
    cli(tmp_path, "upgrade")
    student_models(tmp_path, stamp.format(", server_onupdate=func.now()"))
    out = cli(tmp_path, "generate", "-m", "touch", "--no-input")
    assert "Verified" in out
    assert statements(sql_of(tmp_path, "0002"))[-1].endswith(
        "\nALTER TABLE `students` MODIFY COLUMN `updated_at` datetime "
        "DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")
    cli(tmp_path, "upgrade")
    again = run_cli("generate", "-m", "again", "--no-input", cwd=tmp_path)
    assert again.returncode == 0 and "No changes detected" in again.stdout + again.stderr


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_a_hand_written_sequence_is_kept_and_its_drift_named(empty_db: Database,
                                                             tmp_path: Path) -> None:
    project(tmp_path, empty_db)
    write(tmp_path / "migrations", "0001-by-hand.sql", """
        CREATE SEQUENCE order_no START WITH 100;
        CREATE TABLE students (id SERIAL PRIMARY KEY, first_name VARCHAR(50) NOT NULL,
                               ticket bigint DEFAULT nextval('order_no'));
    """)
    student_models(tmp_path, """
        ticket: Mapped[int | None] = mapped_column(
            BigInteger, server_default=text("nextval('order_no'::regclass)"))
    """)
    cli(tmp_path, "upgrade")
    # The models do not declare the sequence: generate keeps it, and sees nothing to do.
    assert "No changes detected" in cli(tmp_path, "generate", "-m", "nothing", "--no-input")
    assert "clean: database, migrations and models agree" in cli(tmp_path, "check")
    autodiff.connect(empty_db).cursor().execute("DROP SEQUENCE order_no CASCADE")
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "sequence order_no: in migrations, missing in database" in result.stdout


def test_generated_scripts_are_told_from_hand_written_ones_by_their_header() -> None:
    from autodiff.writer import generated_message, script_text, template

    text = script_text("0002-add-age.sql", "add  age", [], "sqlite", "models.py:Base")
    assert generated_message(text) == "add age"
    assert generated_message(text.replace("-- Generated by", "-- Written by", 1)) is None
    assert generated_message(template("0003-backfill.sql", "backfill", "sql")) is None
    assert generated_message("-- 0004-x.sql: x\n") is None
    # Quoting the header further down does not make a hand-written script generated.
    assert generated_message("SELECT 1;\n" + text) is None


def test_a_script_failing_in_the_proof_says_the_database_was_not_touched(
        tmp_path: Path) -> None:
    # PostgreSQL refuses DEFAULT 0 on a boolean, which the model asks for by mistake.
    db = new_database("postgresql", tmp_path)
    try:
        project(tmp_path, db)
        student_models(tmp_path)
        cli(tmp_path, "generate", "-m", "init")
        cli(tmp_path, "upgrade")
        student_models(tmp_path, "from sqlalchemy import Boolean\n"
                                 'flag: Mapped[bool] = mapped_column(Boolean, '
                                 'server_default=text("0"))\n')
        done = run_cli("generate", "-m", "add flag", cwd=tmp_path)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        error, hint = [line for line in done.stderr.splitlines()
                       if line.startswith(("error:", "hint:"))]
        assert error.startswith("error: the proof failed: 0002-add-flag.sql failed at line")
        assert "scratch database" in hint and "your database was not touched" in hint
        assert "still at version" not in done.stderr
        assert not list((tmp_path / "migrations").glob("0002*"))
        assert autodiff.get_db_version(db) == 1
    finally:
        dialect_for(db).drop_database(db)


def test_an_enum_losing_a_value_is_destructive_on_mysql(tmp_path: Path) -> None:
    db = new_database("mysql", tmp_path)
    try:
        project(tmp_path, db)
        enum = 'state: Mapped[str] = mapped_column(Enum({}, name="state"))\n'
        student_models(tmp_path, "from sqlalchemy import Enum\n"
                       + enum.format('"new", "doing", "done"'))
        cli(tmp_path, "generate", "-m", "init")
        cli(tmp_path, "upgrade")
        student_models(tmp_path, "from sqlalchemy import Enum\n" + enum.format('"new", "doing"'))
        out = cli(tmp_path, "generate", "-m", "no done", "--sql", "--no-input")
        assert "! DESTRUCTIVE" in out and "alter column students.state" in out
        student_models(tmp_path, "from sqlalchemy import Enum\n"
                       + enum.format('"new", "doing", "done", "gone"'))
        out = cli(tmp_path, "generate", "-m", "more", "--sql", "--no-input")
        assert "alter column students.state" in out and "DESTRUCTIVE" not in out
    finally:
        dialect_for(db).drop_database(db)


def test_a_generated_column_not_null_in_the_model_round_trips(fresh_db: Database,
                                                               tmp_path: Path) -> None:
    # MariaDB refuses NOT NULL on a generated column, and reports them all nullable.
    project(tmp_path, fresh_db)
    student_models(tmp_path, "from sqlalchemy import Computed\n"
                   "age: Mapped[int] = mapped_column(Integer)\n"
                   'twice: Mapped[int] = mapped_column(Integer, Computed("age * 2"))\n')
    assert "Verified" in cli(tmp_path, "generate", "-m", "init")
    cli(tmp_path, "upgrade")
    execute(fresh_db, "INSERT INTO students (id, first_name, age) VALUES (1, 'Ada', 36)")
    assert rows(fresh_db, "SELECT twice FROM students") == [(72,)]
    assert "No changes detected." in cli(tmp_path, "generate", "-m", "again", "--no-input")
    cli(tmp_path, "check")


TEAMS = """
    from sqlalchemy import ForeignKey
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Team(Base):
        __tablename__ = "teams"
        id: Mapped[int] = mapped_column(primary_key=True)


    class Player(Base):
        __tablename__ = "players"
        id: Mapped[int] = mapped_column(primary_key=True)
        team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
"""


@pytest.mark.parametrize(("edit", "flags"), [
    (lambda m: m.replace("team_id", "squad_id"), ["--rename", "players.team_id=squad_id"]),
    (lambda m: m.replace('"players"', '"members"'), ["--rename", "players=members"]),
    (lambda m: m.replace('ForeignKey("teams.id")', ""), []),
    # The key is dropped and added again around its index, renamed with the table; MySQL
    # renames the key's generated name with the table (players_ibfk_1 -> members_ibfk_1).
    (lambda m: m.replace('"players"', '"members"'), ["--rename", "players=members"]),
], ids=["rename-column", "rename-table", "drop-foreign-key", "rename-table-indexed"])
def test_an_unnamed_foreign_keys_index_follows_its_changes(
        fresh_db: Database, tmp_path: Path, edit: Any, flags: list[str],
        request: pytest.FixtureRequest) -> None:
    # MySQL: InnoDB names the index it makes for the key after its first column, and
    # keeps that name through renames; nothing may be left for the next generate.
    project(tmp_path, fresh_db)
    models = textwrap.dedent(TEAMS)
    if "indexed" in request.node.callspec.id:
        models = models.replace('ForeignKey("teams.id"))', 'ForeignKey("teams.id"), index=True)')
    write(tmp_path, "models.py", models)
    cli(tmp_path, "generate", "-m", "init")
    cli(tmp_path, "upgrade")
    execute(fresh_db, "INSERT INTO teams (id) VALUES (7)")
    execute(fresh_db, "INSERT INTO players (id, team_id) VALUES (1, 7)")
    write(tmp_path, "models.py", edit(models))
    assert "Verified" in cli(tmp_path, "generate", "-m", "change", "--no-input", *flags)
    cli(tmp_path, "upgrade")
    assert "No changes detected." in cli(tmp_path, "generate", "-m", "again", "--no-input")
    assert "clean" in cli(tmp_path, "check")
    table = "members" if "players=members" in flags else "players"
    assert rows(fresh_db, f"SELECT id FROM {table}") == [(1,)]


def test_a_committed_script_failing_in_the_replay_is_said_to_fail_there(
        fresh_db: Database, tmp_path: Path) -> None:
    project(tmp_path, fresh_db)
    student_models(tmp_path)
    cli(tmp_path, "generate", "-m", "init")
    cli(tmp_path, "upgrade")
    write(tmp_path / "migrations", "0002-bad.sql", "ALTER TABLE nosuch ADD COLUMN zz integer;\n")
    done = run_cli("generate", "-m", "next", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    error, hint = [line for line in done.stderr.splitlines()
                   if line.startswith(("error:", "hint:"))]
    assert error.startswith("error: replaying the migrations into a scratch database failed: "
                            "0002-bad.sql failed at line 1")
    assert hint.startswith("hint: your database was not touched")
    assert autodiff.get_db_version(fresh_db) == 1


@pytest.mark.parametrize("column_of", ["students", "pupils"], ids=["old-name", "new-name"])
def test_a_renamed_tables_column_may_be_named_by_either_name(tmp_path: Path,
                                                             column_of: str) -> None:
    db = Database("sqlite", str(tmp_path / "app.db"), path=tmp_path / "app.db")
    project(tmp_path, db)
    student_models(tmp_path, 'last_name: Mapped[str] = mapped_column(String(50))\n')
    cli(tmp_path, "generate", "-m", "init")
    student_models(tmp_path, '__tablename__ = "pupils"\n'
                             'surname: Mapped[str] = mapped_column(String(50))\n')
    cli(tmp_path, "generate", "-m", "rename", "--rename", "students=pupils",
        "--rename", f"{column_of}.last_name=surname")
    text = sql_of(tmp_path, "0002")
    assert "rename table students to pupils" in text
    assert "rename column pupils.last_name to surname" in text
