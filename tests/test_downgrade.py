"""`autodiff downgrade --to N`: plan by diffing live with the replay at N, apply like a script."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import new_database
from helpers import execute, py_script, rows, run_cli, write

from autodiff import api, ops
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.downgrade import (
    DowngradeRequest,
    _check_target,
    apply_plan,
    delete_sql,
    downgrade_text,
    make_plan,
    plan_ops,
    script_name,
)
from autodiff.errors import ConfigError, IntegrityError
from autodiff.model import Column, ForeignKey, Index, PrimaryKey, Schema, Table
from autodiff.scripts import Script

SCRIPTS = {
    "0001-create-students.sql": """
        CREATE TABLE students (
            id INTEGER PRIMARY KEY,
            first_name VARCHAR(50) NOT NULL,
            last_name VARCHAR(50)
        );
    """,
    "0002-add-age.sql": """
        ALTER TABLE students ADD COLUMN age INTEGER;
        CREATE INDEX ix_students_age ON students (age);
    """,
    # Hand-written: a table with a foreign key, nothing generate would have written.
    "0003-courses.sql": """
        CREATE TABLE courses (
            id INTEGER PRIMARY KEY,
            student_id INTEGER NOT NULL,
            title VARCHAR(100),
            CONSTRAINT fk_courses_student FOREIGN KEY (student_id) REFERENCES students (id)
        );
    """,
    "0004-backfill.py": py_script("UPDATE students SET age = 20 WHERE age IS NULL"),
}
STUDENTS = [(1, "Ada", "Lovelace"), (2, "Alan", "Turing"), (3, "Grace", None)]


def project(tmp_path: Path, db: Database) -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[tool.autodiff]\ndb = "{db.spec}"\n')
    folder = tmp_path / "migrations"
    for name, text in SCRIPTS.items():
        write(folder, name, text)
    return folder


def cli(tmp_path: Path, *args: str, code: int = 0) -> tuple[str, str]:
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout, result.stderr


def populated(tmp_path: Path, db: Database) -> Path:
    folder = project(tmp_path, db)
    api.upgrade(db, folder, to=3)
    execute(db, *[f"INSERT INTO students (id, first_name, last_name) VALUES "
                  f"({i}, '{f}', {'NULL' if last is None else repr(last)})"
                  for i, f, last in STUDENTS],
            "UPDATE students SET age = 30 WHERE id = 1",
            "INSERT INTO courses (id, student_id, title) VALUES (1, 1, 'Analytical engines')")
    api.upgrade(db, folder)  # the backfill has rows to fill
    return folder


def snapshot_at(dialect: str, tmp_path: Path, folder: Path, to: int) -> str:
    """The snapshot of a fresh database upgraded to ``to``."""
    fresh = new_database(dialect, tmp_path)
    try:
        if to:
            api.upgrade(fresh, folder, to=to)
        else:
            api.create_db(fresh)
        return api.snapshot(fresh).to_json()
    finally:
        dialect_for(fresh).drop_database(fresh)


def students(db: Database) -> list[tuple]:
    return rows(db, "SELECT id, first_name, last_name FROM students ORDER BY id")


# -- live, on every dialect -----------------------------------------------------------
def test_downgrade_then_upgrade_returns_to_head(dialect: str, fresh_db: Database,
                                                tmp_path: Path) -> None:
    folder = populated(tmp_path, fresh_db)
    head = api.snapshot(fresh_db).to_json()

    out, err = cli(tmp_path, "downgrade", "--to", "1", code=2)
    assert "DESTRUCTIVE: every row of courses is lost" in out
    assert "students.age" in out and "--yes" in err
    assert "0004-backfill.py is a .py script" in out
    assert api.snapshot(fresh_db).to_json() == head and api.get_db_version(fresh_db) == 4

    sql, _ = cli(tmp_path, "downgrade", "--to", "1", "--sql")
    assert sql.startswith("-- downgrade-0004-to-0001.sql") and "BEGIN;" in sql
    assert "DELETE FROM" in sql and "COMMIT;" in sql
    assert api.snapshot(fresh_db).to_json() == head and api.get_db_version(fresh_db) == 4

    out, _ = cli(tmp_path, "downgrade", "--to", "1", "--yes")
    assert "Verified" in out
    assert api.get_db_version(fresh_db) == 1
    assert api.snapshot(fresh_db).to_json() == snapshot_at(dialect, tmp_path, folder, 1)
    assert students(fresh_db) == STUDENTS
    status, _ = cli(tmp_path, "status")
    assert "version:  1 (0001-create-students.sql)" in status and "pending:  3" in status

    cli(tmp_path, "upgrade")
    assert api.snapshot(fresh_db).to_json() == head
    assert students(fresh_db) == STUDENTS


def test_downgrade_to_zero_and_back(dialect: str, fresh_db: Database, tmp_path: Path) -> None:
    folder = populated(tmp_path, fresh_db)
    head = api.snapshot(fresh_db).to_json()
    result = api.downgrade(fresh_db, folder, 0, yes=True)
    assert result.applied and api.get_db_version(fresh_db) == 0
    assert api.snapshot(fresh_db).tables == ()
    api.upgrade(fresh_db, folder)
    assert api.snapshot(fresh_db).to_json() == head


def test_a_data_only_step_downgrades_without_yes(dialect: str, fresh_db: Database,
                                                 tmp_path: Path) -> None:
    folder = populated(tmp_path, fresh_db)
    out, _ = cli(tmp_path, "downgrade", "--to", "3")
    assert "No schema changes" in out and "the data it changed is not undone" in out
    assert api.get_db_version(fresh_db) == 3
    assert rows(fresh_db, "SELECT age FROM students ORDER BY id") == [(30,), (20,), (20,)]
    api.upgrade(fresh_db, folder)
    assert api.get_db_version(fresh_db) == 4


def test_bad_targets_are_refused(dialect: str, fresh_db: Database, tmp_path: Path) -> None:
    populated(tmp_path, fresh_db)
    _, err = cli(tmp_path, "downgrade", "--to", "4", code=2)
    assert err.startswith("error: --to 4: the database is at version 4") and "hint:" in err
    _, err = cli(tmp_path, "downgrade", "--to", "7", code=2)
    assert "--to 7" in err
    (tmp_path / "migrations" / "0004-backfill.py").rename(
        tmp_path / "migrations" / "0006-backfill.py")
    _, err = cli(tmp_path, "downgrade", "--to", "1", code=1)  # an applied script went missing
    assert "0004-backfill.py" in err and "missing" in err


def test_unmanaged_database_is_refused(dialect: str, empty_db: Database,
                                       tmp_path: Path) -> None:
    project(tmp_path, empty_db)
    execute(empty_db, "CREATE TABLE t (x INTEGER)")
    _, err = cli(tmp_path, "downgrade", "--to", "1", code=1)
    assert "not managed by autodiff" in err and "enroll" in err


def test_drift_is_warned_about_and_undone(dialect: str, fresh_db: Database,
                                          tmp_path: Path) -> None:
    populated(tmp_path, fresh_db)
    execute(fresh_db, "ALTER TABLE courses ADD COLUMN room VARCHAR(10)")
    out, _ = cli(tmp_path, "downgrade", "--to", "2", "--yes")
    assert "warning: the database has drifted" in out
    assert "column courses.room: in database, not in migrations" in out
    assert "courses" not in {t.name for t in api.snapshot(fresh_db).tables}
    if dialect == "mysql":
        assert "cannot roll back DDL" in out


# -- edges on SQLite (cheap) ---------------------------------------------------------------
def test_target_that_is_not_a_script(tmp_path: Path) -> None:
    db = new_database("sqlite", tmp_path)
    project(tmp_path, db)
    (tmp_path / "migrations" / "0004-backfill.py").rename(
        tmp_path / "migrations" / "0006-backfill.py")
    api.upgrade(db, tmp_path / "migrations")
    _, err = cli(tmp_path, "downgrade", "--to", "5", code=2)
    assert "--to 5: no script has number 5" in err


def test_missing_database(tmp_path: Path) -> None:
    project(tmp_path, new_database("sqlite", tmp_path))
    _, err = cli(tmp_path, "downgrade", "--to", "1", code=2)
    assert "database does not exist" in err


def test_a_database_changed_after_planning_is_left_alone(tmp_path: Path) -> None:
    db = new_database("sqlite", tmp_path)
    folder = populated(tmp_path, db)
    req = DowngradeRequest(db, folder, 1, yes=True)
    planned = make_plan(req)
    execute(db, "CREATE TABLE late (x INTEGER)")
    with pytest.raises(IntegrityError, match="changed while the downgrade was planned"):
        apply_plan(req, planned)
    assert api.get_db_version(db) == 4


def test_ignored_tables_are_left_alone(tmp_path: Path) -> None:
    db = new_database("sqlite", tmp_path)
    folder = populated(tmp_path, db)
    execute(db, "CREATE TABLE audit_log (x INTEGER)")
    api.downgrade(db, folder, 1, yes=True, ignore=("audit_*",))
    assert {t.name for t in api.snapshot(db).tables} == {"students", "audit_log"}


# -- the pure part -------------------------------------------------------------------------
def _int(dialect: str) -> str:
    return "integer" if dialect != "mysql" else "int"


def students_table(dialect: str, age: bool) -> Table:
    columns = [Column("id", _int(dialect), False), Column("first_name", "varchar(50)", False)]
    indexes: tuple[Index, ...] = ()
    if age:
        columns.append(Column("age", _int(dialect)))
        indexes = (Index("ix_students_age", ("age",)),)
    return Table("students", tuple(columns), PrimaryKey(("id",)), indexes=indexes)


def courses_table(dialect: str) -> Table:
    return Table("courses", (Column("id", _int(dialect), False),
                             Column("student_id", _int(dialect), False)),
                 PrimaryKey(("id",)),
                 foreign_keys=(ForeignKey("fk_c", ("student_id",), "students", ("id",)),))


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_plan_ops_undoes_later_scripts(dialect: str) -> None:
    current = Schema(dialect, (students_table(dialect, True), courses_table(dialect)))
    desired = Schema(dialect, (students_table(dialect, False),))
    planned = plan_ops(current, desired)
    assert isinstance(planned[0], ops.DropTable) and planned[0].table.name == "courses"
    if dialect == "sqlite":
        assert [type(op) for op in planned[1:]] in ([ops.RebuildTable],
                                                    [ops.DropIndex, ops.DropColumn])
    else:
        assert [type(op) for op in planned[1:]] == [ops.DropIndex, ops.DropColumn]
    assert all(op.destructive for op in planned if not isinstance(op, ops.DropIndex))
    assert plan_ops(desired, desired) == ()


def test_plan_ops_to_empty() -> None:
    current = Schema("postgresql", (students_table("postgresql", True),
                                    courses_table("postgresql")))
    planned = plan_ops(current, Schema("postgresql"))
    assert [op.table.name for op in planned if isinstance(op, ops.DropTable)] == \
        ["courses", "students"]  # the child before its parent


def test_downgrade_text_names_it_and_marks_what_is_lost() -> None:
    current = Schema("postgresql", (students_table("postgresql", True),))
    desired = Schema("postgresql", (students_table("postgresql", False),))
    data = (Script(4, Path("0004-backfill.py"), "py", b""),)
    text = downgrade_text(script_name(4, 1), 4, 1, plan_ops(current, desired), "postgresql",
                          data)
    assert text.startswith("-- downgrade-0004-to-0001.sql: downgrade from version 4 to 1\n")
    assert "! DESTRUCTIVE: the values of students.age are lost" in text
    assert "-- ! not undone: 0004-backfill.py changed data" in text
    assert 'ALTER TABLE "students" DROP COLUMN "age";' in text
    assert text == downgrade_text(script_name(4, 1), 4, 1, plan_ops(current, desired),
                                  "postgresql", data)  # deterministic


@pytest.mark.parametrize(("dialect", "expected"), [
    ("sqlite", 'DELETE FROM "autodiff_version" WHERE "version" > 2'),
    ("postgresql", 'DELETE FROM "autodiff_version" WHERE "version" > 2'),
    ("mysql", "DELETE FROM `autodiff_version` WHERE `version` > 2"),
])
def test_delete_sql(dialect: str, expected: str) -> None:
    assert delete_sql(dialect_for(dialect), 2) == expected


SCRIPT_SET = [Script(v, Path(f"{v:04d}-s.sql"), "sql", b"") for v in (1, 2, 5)]


@pytest.mark.parametrize(("to", "version", "problem"), [
    (2, 5, None),
    (0, 5, None),
    (1, 2, None),
    (5, 5, "the database is at version 5"),
    (6, 5, "the database is at version 5"),
    (0, 0, "the database is at version 0"),
    (3, 5, "no script has number 3"),
    (-1, 5, "versions are 0 or script numbers"),
], ids=["below", "zero", "one-below", "same", "above", "nothing-applied", "not-a-script",
        "negative"])
def test_check_target(to: int, version: int, problem: str | None) -> None:
    if problem is None:
        _check_target(to, version, SCRIPT_SET)
    else:
        with pytest.raises(ConfigError, match=problem):
            _check_target(to, version, SCRIPT_SET)



@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_failing_downgrade_is_rolled_back(dialect: str, tmp_path: Path) -> None:
    # A dropped NOT NULL column comes back without values: the rows refuse it.
    db = new_database(dialect, tmp_path)
    try:
        folder = tmp_path / "migrations"
        write(folder, "0001-t.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, "
                                    "name VARCHAR(20) NOT NULL);")
        write(folder, "0002-drop-name.sql", "ALTER TABLE t DROP COLUMN name;")
        api.upgrade(db, folder)
        execute(db, "INSERT INTO t (id) VALUES (1)")
        before = api.snapshot(db)
        (tmp_path / "pyproject.toml").write_text(f'[tool.autodiff]\ndb = "{db.spec}"\n')
        _, err = cli(tmp_path, "downgrade", "--to", "1", "--yes", code=1)
        assert err.startswith("error: downgrade-0002-to-0001.sql failed at line")
        assert "still at version 2" in err
        assert api.get_db_version(db) == 2 and api.snapshot(db) == before
        assert rows(db, "SELECT id FROM t") == [(1,)]
    finally:
        dialect_for(db).drop_database(db)


def test_the_sql_transcript_runs_as_printed_on_sqlite(tmp_path: Path) -> None:
    import sqlite3

    db = new_database("sqlite", tmp_path)
    folder = populated(tmp_path, db)
    sql, _ = cli(tmp_path, "downgrade", "--to", "1", "--sql")
    assert sql.index("PRAGMA foreign_keys = OFF;") < sql.index("BEGIN;")
    assert db.path is not None
    conn = sqlite3.connect(db.path, isolation_level=None)
    try:
        conn.executescript(sql)
    finally:
        conn.close()
    assert api.get_db_version(db) == 1
    assert api.snapshot(db).to_json() == snapshot_at("sqlite", tmp_path, folder, 1)
    assert students(db) == STUDENTS


def test_downgrade_text_without_schema_changes() -> None:
    data = (Script(4, Path("0004-backfill.sh"), "sh", b""),)
    text = downgrade_text(script_name(4, 3), 4, 3, (), "mysql", data)
    assert "--   none: the schema already is that of version 3\n" in text
    assert "-- ! not undone: 0004-backfill.sh changed data" in text
    assert all(line.startswith("--") for line in text.splitlines() if line)
