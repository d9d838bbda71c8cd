"""End-to-end through the real ``autodiff`` command, on every database, and its bad inputs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import execute, py_script, rows, run_cli, tables, write
from test_runner import CREATE_STUDENTS

from autodiff.database import Database
from autodiff.model import Schema


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def fails(result: subprocess.CompletedProcess[str], code: int) -> str:
    """Assert the exit code and that the user saw a message, not a traceback."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    return result.stderr


def test_the_fastmigrate_story_through_the_cli(fresh_db: Database, tmp_path: Path) -> None:
    ok(run_cli("init", "--db", fresh_db.spec, cwd=tmp_path))
    assert "[tool.autodiff]" in (tmp_path / "pyproject.toml").read_text()
    folder = tmp_path / "migrations"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-seed.py", py_script(
        "INSERT INTO students (id, first_name, last_name) VALUES (1, 'Ada', 'Lovelace')"))
    write(folder, "0003-hello.sh", 'echo "hello from $0"\n')
    assert "pending:  3" in ok(run_cli("status", cwd=tmp_path))
    out = ok(run_cli("upgrade", cwd=tmp_path))
    assert "applying 0003-hello.sh" in out and "hello from" in out
    assert "version 0 -> 3" in out

    write(folder, "0004-add-age.sql", "ALTER TABLE students ADD COLUMN age INTEGER;")
    sql = ok(run_cli("upgrade", "--sql", cwd=tmp_path))
    assert "ALTER TABLE students ADD COLUMN age INTEGER;" in sql
    assert "version 3 -> 4" in ok(run_cli("upgrade", cwd=tmp_path))
    status = ok(run_cli("status", cwd=tmp_path))
    assert "version:  4 (0004-add-age.sql)" in status and "pending:  0" in status
    history = ok(run_cli("history", cwd=tmp_path)).splitlines()
    assert [line.split()[-1] for line in history] == [
        "0001-initialize.sql", "0002-seed.py", "0003-hello.sh", "0004-add-age.sql"]
    assert rows(fresh_db, "SELECT id, first_name, age FROM students") == [(1, "Ada", None)]
    assert "Database is up to date at version 4." in ok(run_cli("upgrade", cwd=tmp_path))


def test_upgrade_to_and_flags_override_config(fresh_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-age.sql", "ALTER TABLE students ADD COLUMN age INTEGER;")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.autodiff]\ndb = "wrong.db"\nmigrations = "wrong"\n')
    out = ok(run_cli("upgrade", "--to", "1", "--db", fresh_db.spec, "--migrations", str(folder),
                     cwd=tmp_path))
    assert "version 0 -> 1" in out
    env_status = ok(run_cli("status", "--migrations", str(folder), cwd=tmp_path,
                            env={"AUTODIFF_DB": fresh_db.spec}))
    assert "version:  1 (0001-initialize.sql)" in env_status
    assert not (tmp_path / "wrong.db").exists()
    fails(run_cli("upgrade", "--to", "7", "--db", fresh_db.spec, "--migrations", str(folder)), 2)


def test_syntax_error_names_file_statement_and_error(fresh_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    write(folder, "0002-typo.sql", "ALTER TABLE students ADD COLUMN age INTEGER;\n"
                                   "ALTER TABEL students ADD COLUMN email TEXT;\n")
    args = ("--db", fresh_db.spec, "--migrations", str(folder))
    err = fails(run_cli("upgrade", *args), 1)
    assert "error: 0002-typo.sql failed at line 2: " in err
    assert "ALTER TABEL students" in err and "syntax" in err.lower()
    assert "version:  1 (0001-initialize.sql)" in ok(run_cli("status", *args))
    if fresh_db.dialect != "mysql":  # MySQL commits the first ALTER: it says so in the hint
        assert rows(fresh_db, "SELECT count(*) FROM students") == [(0,)]
        assert "age" not in {c.name for c in _columns(fresh_db, "students")}


def _columns(db: Database, table: str) -> list:
    from autodiff.introspect import introspect

    found = introspect(db).table(table)
    assert found is not None
    return list(found.columns)


def test_failing_python_script_shows_its_stderr(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-crash.py", "import sys\nsys.stderr.write('step 1 ok\\n')\n"
                                   "raise SystemExit('backfill failed: 3 rows missing')\n")
    err = fails(run_cli("upgrade", "--db", str(tmp_path / "a.db"), "--migrations", str(folder)), 1)
    assert "0001-crash.py exited with status 1: backfill failed: 3 rows missing" in err
    assert "  step 1 ok" in err


@pytest.mark.parametrize(("names", "expected"), [
    (["0001-a.sql", "0001-b.sql"], "error: two scripts have number 1: 0001-a.sql and 0001-b.sql"),
    (["01-a.sql"], "error: malformed script name: 01-a.sql"),
    (["0001-a.sqlite"], "error: unknown script type .sqlite: 0001-a.sqlite"),
])
def test_broken_folders_exit_2_naming_files(tmp_path: Path, names: list[str],
                                            expected: str) -> None:
    for name in names:
        write(tmp_path / "m", name, "SELECT 1;")
    err = fails(run_cli("upgrade", "--db", str(tmp_path / "a.db"), "--migrations",
                        str(tmp_path / "m")), 2)
    assert err.splitlines()[0] == expected
    assert not (tmp_path / "a.db").exists()


def test_unreadable_script_exits_2(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "0001-dangling.sql").symlink_to(tmp_path / "missing.sql")
    err = fails(run_cli("status", "--db", str(tmp_path / "a.db"), "--migrations",
                        str(tmp_path / "m")), 2)
    assert "cannot read 0001-dangling.sql" in err


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://u:s3cret@127.0.0.1:1/db", "cannot connect to postgresql://u:***@127.0.0.1:1"),
    ("mysql://u:s3cret@127.0.0.1:1/db", "cannot connect to mysql://u:***@127.0.0.1:1"),
    ("postgresql://u:s3cret@127.0.0.1:5432", "no database name in"),
    ("oracle://u:s3cret@host/db", "unsupported database URL scheme 'oracle'"),
    ("postgresql://u:s3cret@host:notaport/db", "malformed database URL"),
])
def test_bad_urls_exit_2_with_password_masked(tmp_path: Path, url: str, expected: str) -> None:
    write(tmp_path / "m", "0001-a.sql", "SELECT 1;")
    err = fails(run_cli("status", "--db", url, "--migrations", str(tmp_path / "m")), 2)
    assert expected in err
    assert "s3cret" not in err


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_generate_on_a_server_that_is_down_names_that_server(tmp_path: Path,
                                                             scheme: str) -> None:
    write(tmp_path, "models.py", "from sqlalchemy import MetaData\nmetadata = MetaData()\n")
    (tmp_path / "m").mkdir()
    err = fails(run_cli("generate", "-m", "x", "--db", f"{scheme}://u:s3cret@127.0.0.1:1/app",
                        "--migrations", "m", "--models", "models.py:metadata",
                        cwd=tmp_path), 2)
    assert f"cannot connect to {scheme}://u:***@127.0.0.1:1" in err
    assert "scratch_" not in err.split("\n")[0]  # not a scratch database's name
    assert "--dev-db" not in err or "check that the server runs" in err
    assert "s3cret" not in err


def test_missing_driver_gives_the_install_hint(tmp_path: Path) -> None:
    write(tmp_path / "m", "0001-a.sql", "SELECT 1;")
    code = ("import sys; sys.modules['psycopg'] = None; from autodiff.cli import main; "
            "sys.argv = ['autodiff', 'status', '--db', 'postgresql://localhost/x', "
            f"'--migrations', {str(tmp_path / 'm')!r}]; main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    err = fails(result, 2)
    assert "needs the psycopg driver" in err and "pip install 'autodiff[postgres]'" in err


def test_no_database_configured_exits_2(tmp_path: Path) -> None:
    write(tmp_path / "m", "0001-a.sql", "SELECT 1;")
    env = {k: v for k, v in os.environ.items() if k != "AUTODIFF_DB"}
    result = subprocess.run([sys.executable, "-m", "autodiff", "upgrade"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, check=False)
    assert "no database configured" in fails(result, 2)


def test_locked_sqlite_database_exits_2(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    write(tmp_path / "m", "0001-a.sql", "CREATE TABLE a (x INTEGER);")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        err = fails(run_cli("upgrade", "--db", str(db), "--migrations", str(tmp_path / "m")), 2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "database is locked" in err


# Root ignores file modes unless it gives up CAP_DAC_OVERRIDE, which setpriv does.
NO_OVERRIDE = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
               "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


def test_read_only_sqlite_database_exits_2(tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    write(tmp_path / "m", "0001-a.sql", "CREATE TABLE a (x INTEGER);")
    ok(run_cli("upgrade", "--db", str(db), "--migrations", str(tmp_path / "m")))
    write(tmp_path / "m", "0002-b.sql", "CREATE TABLE b (x INTEGER);")
    os.chmod(db, 0o444)
    try:
        result = subprocess.run(
            [*NO_OVERRIDE, sys.executable, "-m", "autodiff", "upgrade", "--db", str(db),
             "--migrations", str(tmp_path / "m")], capture_output=True, text=True, check=False)
    finally:
        os.chmod(db, 0o644)
    err = fails(result, 2)
    assert "readonly" in err
    assert tables(Database("sqlite", str(db), path=db)) == {"a", "autodiff_version"}


def test_snapshot_prints_the_stable_json_without_the_version_table(fresh_db: Database,
                                                                    tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql", CREATE_STUDENTS)
    args = ("--db", fresh_db.spec, "--migrations", str(folder))
    ok(run_cli("upgrade", *args))
    first = ok(run_cli("snapshot", *args))
    assert ok(run_cli("snapshot", *args)) == first  # deterministic bytes
    schema = Schema.from_json(first)
    assert [t.name for t in schema.tables] == ["students"]
    students = schema.tables[0]
    assert [c.name for c in students.columns] == ["id", "first_name", "last_name"]
    assert [i.name for i in students.indexes] == ["ix_students_last"]
    assert schema.dialect == fresh_db.dialect
    assert json.loads(first)["version"] == 1


def test_applying_scripts_imports_neither_sqlalchemy_nor_sqlglot(tmp_path: Path) -> None:
    """Only models need SQLAlchemy, and only unseen spellings sqlglot: `upgrade` (at
    every deploy) starts in a fraction of the time without them."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001-a.sql").write_text("CREATE TABLE a (x INTEGER);\n", encoding="utf-8")
    probe = ("import sys\nfrom autodiff.cli import main\n"
             f"sys.argv = ['autodiff', 'upgrade', '--db', {str(tmp_path / 'a.db')!r}, "
             f"'--migrations', {str(folder)!r}]\n"
             "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
             "print('loaded:', [m for m in ('sqlalchemy', 'sqlglot') if m in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert done.stdout.strip().endswith("loaded: []"), done.stdout + done.stderr


def test_reading_a_database_imports_no_sqlalchemy(empty_db: Database) -> None:
    """What generate's forked child does (the drift warning: the live schema, its
    fingerprint, the version table) needs no SQLAlchemy, which would cost the child
    0.1 s of CPU beside the models' import (sqlglot, only for an unseen spelling)."""
    execute(empty_db, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 0)")
    probe = ("import sys\nimport autodiff\nfrom autodiff.livecache import live_schema\n"
             "db = autodiff.api._database(sys.argv[1])\n"
             "assert [t.name for t in live_schema(db).tables] == ['t']\n"
             "print('sqlalchemy' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe, empty_db.spec], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "False", done.stdout + done.stderr


@pytest.mark.parametrize(("args", "says", "where"), [
    (["generate"], "Missing option '-m' / '--message'", "autodiff generate"),
    (["generate", "-m", "x", "--ext", "zz"], "Invalid value for '--ext'", "autodiff generate"),
    (["generate", "-m", "x", "--bogus"], "No such option '--bogus'", "autodiff generate"),
    (["generate", "-m", "x", "--ext", "py"], "--ext py is for --empty", "autodiff generate"),
    (["bogus"], "No such command 'bogus'", "autodiff"),
    (["--bogus", "status"], "No such option '--bogus'", "autodiff"),
], ids=["missing", "bad-choice", "unknown-option", "ext-without-empty", "unknown-command",
        "option-before-the-command"])
def test_usage_errors_are_one_line_and_a_hint(tmp_path: Path, args: list[str], says: str,
                                              where: str) -> None:
    write(tmp_path, "models.py", "from sqlalchemy import MetaData\nmetadata = MetaData()\n")
    (tmp_path / "migrations").mkdir()
    options = ["--db", "app.db", "--models", "models.py:metadata"]
    err = fails(run_cli(*args, *(options if args[0] == "generate" else []), cwd=tmp_path), 2)
    error, hint = err.splitlines()  # one line and a hint, no usage block
    assert error.startswith("error: ") and says in error
    assert hint == f"hint: see `{where} --help`"
    assert not list((tmp_path / "migrations").iterdir())


def test_what_the_models_print_stays_out_of_the_printed_script(tmp_path: Path) -> None:
    write(tmp_path, "models.py", "from sqlalchemy import Column, Integer, MetaData, Table\n"
                                 "print('hello from the models')\nmetadata = MetaData()\n"
                                 "Table('t', metadata, Column('id', Integer, primary_key=True))\n")
    (tmp_path / "migrations").mkdir()
    done = run_cli("generate", "-m", "init", "--sql", "--db", "app.db", "--models",
                   "models.py:metadata", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("-- 0001-init.sql: init\n")
    assert "hello from the models" not in done.stdout
    assert "hello from the models" in done.stderr


def test_end_of_input_at_the_rename_question_answers_no() -> None:
    from click.testing import CliRunner

    from autodiff.cli import _confirm

    with CliRunner().isolation(input=""):  # Ctrl-D: the prompt reads end of input
        assert _confirm("Did you rename t.a to t.b?") is False
    with CliRunner().isolation(input="y\n"):
        assert _confirm("Did you rename t.a to t.b?") is True
