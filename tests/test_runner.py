"""The runner through the Python API, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers import execute, py_script, rows, tables, write

import autodiff
from autodiff.database import Database
from autodiff.errors import IntegrityError, ScriptFailed

CREATE_STUDENTS = """
    -- the first table
    CREATE TABLE students (
        id INTEGER PRIMARY KEY,
        first_name VARCHAR(50),
        last_name VARCHAR(50)
    );
    CREATE INDEX ix_students_last ON students (last_name);
"""


def fastmigrate_folder(folder: Path, marker: Path) -> None:
    """0001 .sql, 0002 .py, 0003 .sh: the fastmigrate workflow's mix."""
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-seed.py", py_script(
        "INSERT INTO students (id, first_name, last_name) VALUES (1, 'Ada', 'Lovelace')",
        "INSERT INTO students (id, first_name, last_name) VALUES (2, 'Alan', 'Turing')"))
    write(folder, "0003-note.sh", f"""
        set -e
        echo "arg=$1 env=$AUTODIFF_DB" > "{marker}"
    """)


def test_fastmigrate_workflow(empty_db: Database, tmp_path: Path) -> None:
    folder, marker = tmp_path / "migrations", tmp_path / "marker.txt"
    fastmigrate_folder(folder, marker)
    assert autodiff.create_db(empty_db) == 0
    assert autodiff.run_migrations(empty_db, folder) is True
    assert autodiff.get_db_version(empty_db) == 3
    assert rows(empty_db, "SELECT first_name FROM students ORDER BY id") == [("Ada",), ("Alan",)]
    target = str(empty_db.path) if empty_db.path else empty_db.spec
    assert marker.read_text().strip() == f"arg={target} env={target}"

    write(folder, "0004-add-age.sql", "ALTER TABLE students ADD COLUMN age INTEGER;")
    assert autodiff.run_migrations(empty_db, folder) is True
    assert autodiff.get_db_version(empty_db) == 4
    assert rows(empty_db, "SELECT id, age FROM students ORDER BY id") == [(1, None), (2, None)]
    # Idempotent: nothing pending, nothing re-run (the .py would fail on duplicate keys).
    assert autodiff.run_migrations(empty_db, folder) is True
    history = autodiff.status(empty_db, folder).applied
    assert [(a.version, a.name) for a in history] == [
        (1, "0001-initialize.sql"), (2, "0002-seed.py"), (3, "0003-note.sh"),
        (4, "0004-add-age.sql")]
    assert all(len(a.checksum) == 64 and a.duration_ms >= 0 for a in history)


def test_upgrade_creates_a_missing_database(fresh_db: Database, tmp_path: Path) -> None:
    write(tmp_path / "m", "0001-initialize.sql", CREATE_STUDENTS)
    out = io.StringIO()
    result = autodiff.upgrade(fresh_db, tmp_path / "m", out=out)
    assert (result.version_before, result.version_after) == (0, 1)
    assert "created database" in out.getvalue() and "version 0 -> 1" in out.getvalue()
    assert "students" in tables(fresh_db)


def test_failed_script_rolls_back_and_names_file_statement_error(empty_db: Database,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-broken.sql", """
        INSERT INTO students (id, first_name) VALUES (7, 'Grace');

        UPDATE studnets SET first_name = 'x';
    """)
    autodiff.create_db(empty_db)
    with pytest.raises(ScriptFailed) as info:
        autodiff.upgrade(empty_db, folder)
    message = str(info.value)
    assert message.startswith("0002-broken.sql failed at line 3: ")
    assert "studnets" in message and "UPDATE studnets SET first_name = 'x'" in message
    assert autodiff.get_db_version(empty_db) == 1
    # The INSERT before the failure was rolled back with it (DML rolls back everywhere).
    assert rows(empty_db, "SELECT count(*) FROM students") == [(0,)]
    if empty_db.dialect == "mysql":
        assert "cannot roll back DDL" in (info.value.hint or "")
    else:
        assert "still at version 1" in (info.value.hint or "")


# MySQL commits DDL implicitly: there is nothing to roll back to there.
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
def test_failed_ddl_leaves_the_schema_unchanged_where_ddl_is_transactional(
        empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-half.sql", "CREATE TABLE half (x INTEGER);\nCREATE TABLE half (x INTEGER);")
    autodiff.create_db(empty_db)
    assert autodiff.run_migrations(empty_db, folder) is False
    assert "half" not in tables(empty_db)
    assert autodiff.get_db_version(empty_db) == 1


def test_edited_applied_script_is_refused_but_crlf_is_not_an_edit(empty_db: Database,
                                                                  tmp_path: Path) -> None:
    folder = tmp_path / "m"
    script = write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    autodiff.upgrade(empty_db, folder)
    script.write_bytes(script.read_bytes().replace(b"\n", b"\r\n"))
    autodiff.upgrade(empty_db, folder)  # same meaning, other line endings: accepted
    script.write_text(CREATE_STUDENTS.replace("VARCHAR(50)", "VARCHAR(60)"))
    write(folder, "0002-next.sql", "ALTER TABLE students ADD COLUMN age INTEGER;")
    with pytest.raises(IntegrityError, match="0001-initialize.sql was changed after it was "
                                             "applied"):
        autodiff.upgrade(empty_db, folder)
    assert autodiff.get_db_version(empty_db) == 1


def test_database_newer_than_scripts_is_refused(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    last = write(folder, "0002-age.sql", "ALTER TABLE students ADD COLUMN age INTEGER;")
    autodiff.upgrade(empty_db, folder)
    last.unlink()
    with pytest.raises(IntegrityError, match=r"database is at version 2 \(0002-age.sql\), newer "
                                             r"than the newest script \(0001-initialize.sql\)"):
        autodiff.upgrade(empty_db, folder)


def test_late_merged_script_is_named_not_skipped(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0003-age.sql", "ALTER TABLE students ADD COLUMN age INTEGER;")
    autodiff.upgrade(empty_db, folder)
    write(folder, "0002-from-a-branch.sql", "ALTER TABLE students ADD COLUMN email VARCHAR(80);")
    with pytest.raises(IntegrityError) as info:
        autodiff.upgrade(empty_db, folder)
    assert "0002-from-a-branch.sql is numbered below the database's version 3 but never " \
           "applied" in str(info.value)
    assert autodiff.run_migrations(empty_db, folder) is False


def test_upgrade_to_stops_at_the_version(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-age.sql", "ALTER TABLE students ADD COLUMN age INTEGER;")
    write(folder, "0003-email.sql", "ALTER TABLE students ADD COLUMN email VARCHAR(80);")
    assert autodiff.upgrade(empty_db, folder, to=2).version_after == 2
    assert autodiff.get_db_version(empty_db) == 2
    assert [s.name for s in autodiff.status(empty_db, folder).pending] == ["0003-email.sql"]
    assert autodiff.upgrade(empty_db, folder).version_after == 3


def test_upgrade_sql_prints_without_applying(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-seed.py", py_script("SELECT 1"))
    autodiff.create_db(empty_db)
    text = autodiff.upgrade_sql(empty_db, folder)
    assert "-- 0001-initialize.sql\nBEGIN;\n-- the first table\nCREATE TABLE students" in text
    assert "-- runs as a subprocess: python 0002-seed.py <database>" in text
    assert autodiff.get_db_version(empty_db) == 0 and "students" not in tables(empty_db)


def test_script_with_its_own_transaction_runs_as_written(empty_db: Database,
                                                         tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-own-tx.sql", """
        BEGIN;
        INSERT INTO students (id, first_name) VALUES (1, 'Ada');
        INSERT INTO students (id, first_name) VALUES (2, 'Alan');
        COMMIT;
    """)
    autodiff.upgrade(empty_db, folder)
    assert autodiff.get_db_version(empty_db) == 2
    assert rows(empty_db, "SELECT count(*) FROM students") == [(2,)]


def test_script_leaving_a_transaction_open_fails(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-open.sql", """
        BEGIN;
        INSERT INTO students (id, first_name) VALUES (1, 'Ada');
    """)
    with pytest.raises(ScriptFailed, match="0002-open.sql left a transaction open"):
        autodiff.upgrade(empty_db, folder)
    assert autodiff.get_db_version(empty_db) == 1
    assert rows(empty_db, "SELECT count(*) FROM students") == [(0,)]


def test_failing_python_script_shows_its_stderr(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-crash.py", "import sys\nprint('working')\nsys.exit('no backfill today')\n")
    with pytest.raises(ScriptFailed) as info:
        autodiff.upgrade(empty_db, folder)
    assert str(info.value) == "0002-crash.py exited with status 1: no backfill today"
    assert autodiff.get_db_version(empty_db) == 1


def test_failing_shell_script_shows_its_stderr(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-sh.sh", "echo 'disk full' >&2\nexit 3\n")
    with pytest.raises(ScriptFailed, match=r"0001-sh.sh exited with status 3: disk full"):
        autodiff.upgrade(empty_db, folder)
    assert autodiff.get_db_version(empty_db) == 0


class _FlagOnFirst(io.StringIO):
    """An output stream that creates ``flag`` when it sees the script's first line."""

    def __init__(self, flag: Path) -> None:
        super().__init__()
        self.flag = flag

    def write(self, text: str) -> int:
        if "first" in text:
            self.flag.touch()
        return super().write(text)


@pytest.mark.parametrize("ext", ["py", "sh"])
def test_script_output_is_shown_while_the_script_runs(tmp_path: Path, ext: str) -> None:
    """The script waits for a flag that only its first line, once shown, creates."""
    folder, flag = tmp_path / "m", tmp_path / "flag"
    body = {
        "py": f"import os, time\nprint('first')\n"
              f"for _ in range(200):\n    if os.path.exists({str(flag)!r}): break\n"
              f"    time.sleep(0.05)\nprint('second' if os.path.exists({str(flag)!r}) "
              f"else 'not live')\n",
        "sh": f"echo first\nfor i in $(seq 200); do [ -e '{flag}' ] && break; sleep 0.05; "
              f"done\n[ -e '{flag}' ] && echo second || echo 'not live'\n",
    }[ext]
    write(folder, f"0001-progress.{ext}", body)
    out = _FlagOnFirst(flag)
    autodiff.upgrade(tmp_path / "app.db", folder, out=out)
    assert "  first\n" in out.getvalue() and "  second\n" in out.getvalue()


def test_run_migrations_wants_create_db_first(fresh_db: Database, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "m", "0001-initialize.sql", CREATE_STUDENTS)
    assert autodiff.run_migrations(fresh_db, tmp_path / "m") is False
    err = capsys.readouterr().err
    assert "does not exist" in err and "create_db()" in err


def test_unmanaged_database_with_tables_is_refused(empty_db: Database, tmp_path: Path) -> None:
    execute(empty_db, "CREATE TABLE legacy (id INTEGER PRIMARY KEY)")
    write(tmp_path / "m", "0001-initialize.sql", CREATE_STUDENTS)
    with pytest.raises(IntegrityError, match="not managed by autodiff") as info:
        autodiff.create_db(empty_db)
    assert "enroll" in (info.value.hint or "")
    with pytest.raises(IntegrityError, match="not managed by autodiff"):
        autodiff.upgrade(empty_db, tmp_path / "m")
    assert autodiff.run_migrations(empty_db, tmp_path / "m") is False


def test_sqlite_foreign_key_violation_fails_the_script(tmp_path: Path) -> None:
    db = tmp_path / "fk.db"
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", """
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
    """)
    write(folder, "0002-orphan.sql", "INSERT INTO child (id, parent_id) VALUES (1, 99);")
    with pytest.raises(ScriptFailed, match="0002-orphan.sql: foreign key violation: child row 1"):
        autodiff.upgrade(db, folder)
    assert autodiff.get_db_version(db) == 1


def test_sqlite_rebuild_with_foreign_keys_keeps_child_rows(tmp_path: Path) -> None:
    # Foreign keys are off while a script runs, so a DROP TABLE of a rebuild
    # does not cascade into the children (DESIGN section 3).
    db, folder = tmp_path / "rebuild.db", tmp_path / "m"
    write(folder, "0001-initialize.sql", """
        CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE child (id INTEGER PRIMARY KEY,
                            parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);
        INSERT INTO parent VALUES (1, 'p');
        INSERT INTO child VALUES (1, 1);
    """)
    write(folder, "0002-rebuild-parent.sql", """
        CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        INSERT INTO parent_new SELECT id, name FROM parent;
        DROP TABLE parent;
        ALTER TABLE parent_new RENAME TO parent;
    """)
    autodiff.upgrade(db, folder)
    assert rows(Database("sqlite", str(db), path=db), "SELECT * FROM child") == [(1, 1)]


# -- PostgreSQL takes a script's statements in one round trip -------------------------------

BATCHED = """
CREATE TABLE a (id INTEGER PRIMARY KEY) -- a comment where the ';' would be
;
CREATE FUNCTION twice(x integer) RETURNS integer AS $$
BEGIN
  RETURN x * 2;  -- semicolons inside the body
END;
$$ LANGUAGE plpgsql;
CREATE TABLE b (id INTEGER PRIMARY KEY, note TEXT DEFAULT 'a;b');
INSERT INTO a (id) VALUES (1), (2);
INSERT INTO b (id) SELECT twice(id) FROM a;
"""


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_script_goes_in_one_round_trip_and_means_the_same(
        empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autodiff.dialects.postgresql import PostgreSQLDialect

    sent: list[str] = []
    original = PostgreSQLDialect.execute

    def spy(self: PostgreSQLDialect, conn: object, sql: str) -> None:
        sent.append(sql)
        original(self, conn, sql)

    monkeypatch.setattr(PostgreSQLDialect, "execute", spy)
    write(tmp_path / "m", "0001-batched.sql", BATCHED)
    autodiff.create_db(empty_db)
    assert autodiff.upgrade(empty_db, tmp_path / "m").version_after == 1
    batch = [s for s in sent if "CREATE TABLE a" in s]
    assert len(batch) == 1 and "CREATE FUNCTION twice" in batch[0] \
        and "INSERT INTO b" in batch[0]
    assert rows(empty_db, "SELECT id, note FROM b ORDER BY id") == [(2, "a;b"), (4, "a;b")]


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_a_batch_failure_that_does_not_come_back_leaves_the_script_applied(
        empty_db: Database, tmp_path: Path) -> None:
    """A failed batch is rolled back and run again statement by statement (to name the
    failing one). nextval() is not rolled back, so here the second run succeeds."""
    folder = tmp_path / "m"
    write(folder, "0001-sequence.sql", "CREATE SEQUENCE s; CREATE TABLE t (x INTEGER);")
    write(folder, "0002-flaky.sql", "INSERT INTO t VALUES (1);\n"
                                    "INSERT INTO t SELECT 1 / (nextval('s') - 1);\n")
    autodiff.create_db(empty_db)
    assert autodiff.upgrade(empty_db, folder).version_after == 2
    assert rows(empty_db, "SELECT count(*) FROM t") == [(2,)]
    assert rows(empty_db, "SELECT last_value FROM s") == [(2,)]
