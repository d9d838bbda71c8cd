"""`autodiff check`, the CI gate: every drift kind, integrity, models and pending scripts.

Each case runs the real CLI against a real database on every dialect and asserts the
exit code (DESIGN section 5) and the object-level lines.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from helpers import (
    execute,
    imported_module,
    marked_models,
    py_script,
    run_cli,
    student_models,
    waiting_migrations,
    write,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autodiff import api
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.diff import diff
from autodiff.findings import Sides, differences
from autodiff.model import Check, Column, ForeignKey, Index, PrimaryKey, Schema, Table
from autodiff.plan import plan
from autodiff.render import create_schema_sql, render_ops
from tests.conftest import new_database
from tests.mutations import schema_pairs

COURSES = ("CREATE TABLE courses (id INTEGER NOT NULL PRIMARY KEY, title VARCHAR(100), "
           "credits INTEGER DEFAULT 3)")


def hand_written_project(tmp_path: Path, db: Database) -> None:
    """Scripts only (no models): SQL, a .py step and a view, applied."""
    (tmp_path / "pyproject.toml").write_text(f'[tool.autodiff]\ndb = "{db.spec}"\n')
    folder = tmp_path / "migrations"
    write(folder, "0001-students.sql", """
        CREATE TABLE students (
            id INTEGER NOT NULL PRIMARY KEY,
            first_name VARCHAR(50) NOT NULL,
            last_name VARCHAR(50) NOT NULL,
            score INTEGER DEFAULT 0
        );
        CREATE INDEX ix_students_first_name ON students (first_name);
    """)
    write(folder, "0002-courses.py", py_script(COURSES))
    write(folder, "0003-names.sql", "CREATE VIEW student_names AS SELECT id, first_name "
                                    "FROM students;\n")
    upgraded = run_cli("upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr


def check(tmp_path: Path, *args: str) -> tuple[int, str]:
    """The exit code and the report (stdout), or the error (stderr) on trouble."""
    result = run_cli("check", *args, cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode == 2:
        return 2, result.stderr
    assert all(line.startswith("Head: replaying") for line in result.stderr.splitlines()), \
        result.stderr  # progress only: the report stays parseable on stdout
    return result.returncode, result.stdout


def rebuild_courses_sqlite(definition: str) -> list[str]:
    """SQLite has no ALTER for types or defaults: the by-hand 12-step, as users do it."""
    return [definition.replace("courses", "courses_new", 1),
            "INSERT INTO courses_new SELECT * FROM courses", "DROP TABLE courses",
            "ALTER TABLE courses_new RENAME TO courses"]


OUT_OF_BAND: dict[str, dict[str, list[str]]] = {
    "table added": {
        "any": ["CREATE TABLE audit (id INTEGER NOT NULL PRIMARY KEY)"],
    },
    "column dropped": {
        "any": ["ALTER TABLE students DROP COLUMN last_name"],
    },
    "column type changed": {
        "sqlite": rebuild_courses_sqlite(COURSES.replace("VARCHAR(100)", "VARCHAR(200)")),
        "postgresql": ["ALTER TABLE courses ALTER COLUMN title TYPE VARCHAR(200)"],
        "mysql": ["ALTER TABLE courses MODIFY title VARCHAR(200)"],
    },
    "index dropped": {
        "sqlite": ["DROP INDEX ix_students_first_name"],
        "postgresql": ["DROP INDEX ix_students_first_name"],
        "mysql": ["DROP INDEX ix_students_first_name ON students"],
    },
    "default changed": {
        "sqlite": rebuild_courses_sqlite(COURSES.replace("DEFAULT 3", "DEFAULT 4")),
        "postgresql": ["ALTER TABLE courses ALTER COLUMN credits SET DEFAULT 4"],
        "mysql": ["ALTER TABLE courses ALTER COLUMN credits SET DEFAULT 4"],
    },
}

EXPECTED = {
    "table added": "table audit: in database, not in migrations",
    "column dropped": "column students.last_name: in migrations, missing in database",
    "column type changed": "column courses.title: type ",
    "index dropped": "index students.ix_students_first_name: in migrations, missing in database",
    "default changed": "column courses.credits: default 3 in migrations, 4 in database",
}


def test_a_database_that_only_ran_its_migrations_is_clean(empty_db: Database,
                                                            tmp_path: Path) -> None:
    hand_written_project(tmp_path, empty_db)
    code, out = check(tmp_path)
    assert code == 0, out
    assert out.splitlines()[-1] == "clean: database and migrations agree"
    assert "not checked: models: no models configured" in out
    assert "not checked: autodiff.sum: autodiff.sum is missing" in out


@pytest.mark.parametrize("kind", sorted(OUT_OF_BAND))
def test_every_kind_of_drift_is_named(empty_db: Database, tmp_path: Path, kind: str) -> None:
    hand_written_project(tmp_path, empty_db)
    statements = OUT_OF_BAND[kind].get(empty_db.dialect) or OUT_OF_BAND[kind]["any"]
    execute(empty_db, *statements)
    code, out = check(tmp_path)
    assert code == 1, out
    drift = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    assert len(drift) == 1 and drift[0].startswith(EXPECTED[kind]), out
    assert "drift (the database was changed outside migrations):" in out


def test_type_change_names_both_types(empty_db: Database, tmp_path: Path) -> None:
    hand_written_project(tmp_path, empty_db)
    kind = OUT_OF_BAND["column type changed"]
    execute(empty_db, *kind[empty_db.dialect])
    code, out = check(tmp_path, "--format", "json")
    (finding,) = json.loads(out)["findings"]
    assert finding["message"].startswith("type varchar(100) in migrations, ")
    assert "200" in finding["message"].split(",")[1]


def test_drift_at_a_middle_version_is_drift_not_pending(empty_db: Database,
                                                        tmp_path: Path) -> None:
    hand_written_project(tmp_path, empty_db)
    write(tmp_path / "migrations", "0004-more.sql", "CREATE TABLE later (id INTEGER);\n")
    code, out = check(tmp_path)
    assert code == 3, out  # only pending
    assert "script 0004-more.sql: not applied yet" in out
    execute(empty_db, "CREATE TABLE later (id INTEGER)")  # applied by hand, not recorded
    code, out = check(tmp_path)
    assert code == 1, out
    assert "table later: in database, not in migrations" in out


def test_an_edited_applied_script_is_broken_integrity(empty_db: Database,
                                                      tmp_path: Path) -> None:
    hand_written_project(tmp_path, empty_db)
    view = tmp_path / "migrations" / "0003-names.sql"
    view.write_text(view.read_text() + "-- edited\n")
    code, out = check(tmp_path, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert [f["category"] for f in report["findings"]] == ["integrity"]
    assert "0003-names.sql was changed after it was applied" in report["findings"][0]["message"]
    assert "drift: the applied scripts do not match the version table" in report["not_checked"]


def test_duplicate_numbers_are_named(empty_db: Database, tmp_path: Path) -> None:
    hand_written_project(tmp_path, empty_db)
    write(tmp_path / "migrations", "0003-other.sql", "SELECT 1;\n")
    code, out = check(tmp_path)
    assert code == 1, out
    assert "scripts 0003-names.sql and 0003-other.sql: 2 scripts have number 3" in out
    assert "at version 3, head 3" in out


def test_a_late_merged_script_is_named(empty_db: Database, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[tool.autodiff]\ndb = "{empty_db.spec}"\n')
    folder = tmp_path / "migrations"
    write(folder, "0001-a.sql", "CREATE TABLE a (id INTEGER);\n")
    write(folder, "0003-c.sql", "CREATE TABLE c (id INTEGER);\n")
    cli_ok(tmp_path, "upgrade")
    write(folder, "0002-merged-late.sql", "CREATE TABLE b (id INTEGER);\n")
    code, out = check(tmp_path)
    assert code == 1, out
    assert "0002-merged-late.sql is numbered below the database's version 3 but never " \
           "applied (merged late?)" in out


def test_a_stale_sum_is_named_with_its_fix(empty_db: Database, tmp_path: Path) -> None:
    hand_written_project(tmp_path, empty_db)
    folder = tmp_path / "migrations"
    api.generate_empty(folder, "hand step")  # the template, and a current sum
    code, out = check(tmp_path)
    assert code == 3, out  # a current sum, one pending script
    write(folder, "0005-by-hand.sql", "SELECT 2;\n")
    code, out = check(tmp_path)
    assert code == 1, out
    assert "file autodiff.sum: autodiff.sum is stale" in out
    assert "autodiff rebase --sum-only" in out


def test_a_warning_is_shown_in_every_format() -> None:
    from autodiff.drift import CheckReport, render

    report = CheckReport("app.db", 1, 1, warnings=["the dev database's server runs X"])
    assert "warning: the dev database's server runs X\nclean: " in render(report, "text")
    assert json.loads(render(report, "json"))["warnings"] == report.warnings
    assert "**Warning:** the dev database's server runs X." in render(report, "markdown")
    assert report.exit_code == 0  # a warning is no problem


def test_json_is_stable_and_markdown_pastes(empty_db: Database, tmp_path: Path) -> None:
    hand_written_project(tmp_path, empty_db)
    execute(empty_db, "CREATE TABLE audit (id INTEGER NOT NULL PRIMARY KEY)")
    code, out = check(tmp_path, "--format", "json")
    report = json.loads(out)
    assert code == report["exit_code"] == 1
    assert set(report) == {"format", "database", "version", "head", "status", "exit_code",
                           "findings", "not_checked", "warnings"}
    assert report["warnings"] == []
    assert report["format"] == 1 and report["status"] == "problems"
    assert report["findings"] == [{
        "category": "drift", "object": "table", "name": "audit",
        "message": "in database, not in migrations",
        "line": "table audit: in database, not in migrations"}]
    code, out = check(tmp_path, "--format", "markdown")
    assert code == 1
    assert out.startswith("### ❌ autodiff check: 1 problem(s) found")
    assert "- `table audit`: in database, not in migrations" in out


def test_ignored_tables_are_left_alone(empty_db: Database, tmp_path: Path) -> None:
    hand_written_project(tmp_path, empty_db)
    execute(empty_db, "CREATE TABLE celery_tasks (id INTEGER)")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'ignore = ["celery_*"]\n')
    code, out = check(tmp_path)
    assert code == 0, out


def test_trouble_is_exit_2(tmp_path: Path, empty_db: Database) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[tool.autodiff]\ndb = "{empty_db.spec}"\n')
    (tmp_path / "migrations").mkdir()
    execute(empty_db, "CREATE TABLE legacy (id INTEGER)")
    code, out = check(tmp_path)
    assert code == 2 and "is not managed by autodiff" in out and "enroll" in out
    code, out = check(tmp_path, "--db", str(tmp_path / "missing.db"))
    assert code == 2 and "database does not exist" in out
    code, out = check(tmp_path, "--format", "yaml")
    assert code == 2


# -- models: a model change without a script ----------------------------------------------

def generated_project(tmp_path: Path, db: Database, extra: str = "") -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.autodiff]\ndb = "{db.spec}"\nmodels = "models.py:Base"\n')
    (tmp_path / "migrations").mkdir(exist_ok=True)
    student_models(tmp_path, "last_name: Mapped[str] = mapped_column(String(50))\n"
                   + textwrap.dedent(extra))


def cli_ok(tmp_path: Path, *args: str) -> str:
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout + result.stderr


def test_models_without_a_script_fail_and_say_so(fresh_db: Database, tmp_path: Path) -> None:
    generated_project(tmp_path, fresh_db)
    cli_ok(tmp_path, "generate", "-m", "create students")
    cli_ok(tmp_path, "upgrade")
    code, out = check(tmp_path)
    assert code == 0, out
    assert out.splitlines()[-1] == "clean: database, migrations and models agree"
    generated_project(tmp_path, fresh_db, "    age: Mapped[int | None] = "
                                          "mapped_column(Integer)\n")
    code, out = check(tmp_path)
    assert code == 1, out
    assert "models (changed without a migration script):" in out
    assert "column students.age: in models, not in migrations" in out
    assert "autodiff generate" in out


def test_the_classic_drift_story(fresh_db: Database, tmp_path: Path) -> None:
    """A column dropped by hand: check names it; generate warns and writes only `age`."""
    generated_project(tmp_path, fresh_db)
    cli_ok(tmp_path, "generate", "-m", "create students")
    cli_ok(tmp_path, "upgrade")
    execute(fresh_db, "ALTER TABLE students DROP COLUMN last_name")
    code, out = check(tmp_path)
    assert code == 1
    assert "column students.last_name: in migrations, missing in database" in out
    generated_project(tmp_path, fresh_db, "    age: Mapped[int | None] = "
                                          "mapped_column(Integer)\n")
    out = cli_ok(tmp_path, "generate", "-m", "add age")
    assert "warning:" in out and "has drifted from its migrations" in out
    assert "column students.last_name: in migrations, missing in database" in out
    (script,) = (tmp_path / "migrations").glob("0002-add-age.sql")
    body = [line for line in script.read_text().splitlines()
            if line.strip() and not line.startswith("--")]
    assert "last_name" not in "\n".join(body)
    assert sum("ADD COLUMN" in line.upper() for line in body) == 1


UPDATED_AT = """    from sqlalchemy import TIMESTAMP, FetchedValue, text
    updated_at = mapped_column(TIMESTAMP, nullable=False, server_onupdate=FetchedValue(),
                               server_default=text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"))
"""


@pytest.mark.parametrize("dialect", ["mysql"])
def test_on_update_is_generated_kept_and_its_loss_named(fresh_db: Database,
                                                        tmp_path: Path) -> None:
    """The reported bug: generate wrote the column without ON UPDATE, and check never saw
    it go."""
    generated_project(tmp_path, fresh_db, UPDATED_AT)
    cli_ok(tmp_path, "generate", "-m", "create students")
    (script,) = (tmp_path / "migrations").glob("0001-*.sql")
    assert ("`updated_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP "
            "ON UPDATE CURRENT_TIMESTAMP" in script.read_text())
    cli_ok(tmp_path, "upgrade")
    assert "No changes detected" in cli_ok(tmp_path, "generate", "-m", "again", "--no-input")
    assert check(tmp_path)[0] == 0
    execute(fresh_db, "ALTER TABLE students MODIFY updated_at timestamp NOT NULL "
                      "DEFAULT CURRENT_TIMESTAMP")
    code, out = check(tmp_path)
    assert code == 1, out
    assert "column students.updated_at: on update CURRENT_TIMESTAMP in migrations, " \
           "none in database" in out


def test_python_api_returns_the_report(empty_db: Database, tmp_path: Path) -> None:
    hand_written_project(tmp_path, empty_db)
    execute(empty_db, "CREATE TABLE audit (id INTEGER NOT NULL PRIMARY KEY)")
    report = api.check(empty_db, tmp_path / "migrations")
    assert report.exit_code == 1 and report.version == report.head == 3
    assert [f.line() for f in report.findings] == ["table audit: in database, not in migrations"]


# -- the pure part -------------------------------------------------------------------------

def _schema(*tables: Table) -> Schema:
    return Schema("postgresql", tables)


STUDENTS = Table("students", (Column("id", "integer", False), Column("name", "text")),
                 PrimaryKey(("id",)), indexes=(Index("ix_name", ("name",)),),
                 checks=(Check("ck_name", "length(name) > 0"),))


def test_differences_speak_per_object() -> None:
    changed = Table("students", (Column("id", "bigint", False), Column("email", "text")),
                    PrimaryKey(("id",)), indexes=(Index("ix_name", ("email",)),),
                    foreign_keys=(ForeignKey(None, ("id",), "people", ("id",)),))
    lines = [f.line() for f in differences(_schema(STUDENTS), _schema(changed))]
    assert lines == [
        "check students.ck_name: in migrations, missing in database",
        "column students.email: in database, not in migrations",
        "column students.id: type integer in migrations, bigint in database",
        "column students.name: in migrations, missing in database",
        "foreign key students(id) -> people(id): in database, not in migrations",
        "index students.ix_name: differs between migrations and database",
    ]


def test_differences_of_equal_schemas_are_none() -> None:
    assert differences(_schema(STUDENTS), _schema(STUDENTS)) == []


def test_sides_name_the_two_schemas() -> None:
    found = differences(_schema(), _schema(STUDENTS), Sides("models", "head"), "models")
    assert [(f.category, f.line()) for f in found] == [
        ("models", "table students: in head, not in models")]


def test_nullability_and_defaults_read_naturally() -> None:
    was = Table("t", (Column("a", "integer", True, "0"),))
    now = Table("t", (Column("a", "integer", False, None),))
    assert [f.line() for f in differences(_schema(was), _schema(now))] == [
        "column t.a: default 0 in migrations, none in database",
        "column t.a: nullability NULL in migrations, NOT NULL in database",
    ]


def test_on_update_reads_naturally() -> None:
    was = Table("t", (Column("at", "datetime(3)", on_update="CURRENT_TIMESTAMP(3)"),))
    now = Table("t", (Column("at", "datetime(3)"),))
    assert [f.line() for f in differences(Schema("mysql", (was,)), Schema("mysql", (now,)))] == [
        "column t.at: on update CURRENT_TIMESTAMP(3) in migrations, none in database"]


# -- properties: no false positives, and every out-of-band change caught --------------------

PROPERTY_EXAMPLES = int(os.environ.get("AUTODIFF_CHECK_EXAMPLES", "6"))


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_schemas_check_clean_then_catch_out_of_band_changes(
        dialect: str, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    """a made by a script checks clean; b's DDL run by hand is drift, exactly diff(a, b)."""
    a, b, _ = data.draw(schema_pairs(dialect))
    folder = tmp_path_factory.mktemp("check")
    db = new_database(dialect, folder)
    dialect_for(db).create_database(db)
    try:
        write(folder / "migrations", "0001-a.sql",
              "".join(f"{s};\n\n" for s in create_schema_sql(a)))
        api.upgrade(db, folder / "migrations")
        report = api.check(db, folder / "migrations", use_cache=False)
        assert [f.line() for f in report.findings] == []
        as_created = api.snapshot(db)
        changes = diff(as_created, b)
        assume(changes)  # some mutations (a type to itself, say) change nothing
        planned = plan(changes, as_created, b)
        execute(db, *[sql for _, statements in render_ops(planned, dialect)
                      for sql in statements])
        report = api.check(db, folder / "migrations", use_cache=False)
        expected = differences(as_created, api.snapshot(db))
        assert expected, "the mutation changed nothing the schema model sees"
        assert report.exit_code == 1
        assert [f.line() for f in report.findings] == [f.line() for f in expected]
    finally:
        dialect_for(db).drop_database(db)


def test_check_replays_while_it_imports_the_models_where_the_server_replays(
        empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A script waits for a file that importing the models writes: on PostgreSQL the
    replay runs meanwhile (else it would wait for ever); elsewhere it runs after."""
    folder, marker = waiting_migrations(tmp_path, monkeypatch)
    marker.write_text("for upgrade")
    api.upgrade(empty_db, folder)
    marker.unlink()
    (tmp_path / "models.py").write_text(marked_models(marker, "t"))
    report = api.check(empty_db, folder, models="models.py:metadata", base_dir=tmp_path)
    assert report.findings == [] and report.exit_code == 0
    models = imported_module(tmp_path / "models.py")
    assert models.REPLAYING is (empty_db.dialect == "postgresql")
