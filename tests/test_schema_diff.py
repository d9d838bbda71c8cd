"""`autodiff diff FROM TO`: any two schemas compared, the SQL between them, exit 0/1/2."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import LEFT_OUT_MODELS, LOST_OPTIONS, execute, run_cli, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff import api
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.render import create_schema_sql
from tests.conftest import new_database
from tests.mutations import schema_pairs

STUDENTS = ("CREATE TABLE students (id INTEGER NOT NULL PRIMARY KEY, "
            "first_name VARCHAR(50) NOT NULL)")


@pytest.fixture
def two_dbs(dialect: str, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two empty databases on one server (or two SQLite files)."""
    made = [new_database(dialect, tmp_path) for _ in range(2)]
    for db in made:
        dialect_for(db).create_database(db)
    try:
        yield made[0], made[1]
    finally:
        for db in made:
            dialect_for(db).drop_database(db)


def diff(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("diff", *args, cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def test_two_databases_compare_and_the_sql_closes_the_gap(
        two_dbs: tuple[Database, Database], tmp_path: Path) -> None:
    staging, production = two_dbs
    execute(staging, STUDENTS)
    execute(production, STUDENTS)
    code, out, _ = diff(tmp_path, staging.spec, production.spec)
    assert code == 0 and out.startswith("-- ") and "are the same" in out
    execute(staging, "ALTER TABLE students ADD COLUMN age INTEGER",
            "CREATE INDEX ix_students_age ON students (age)")
    code, out, _ = diff(tmp_path, production.spec, staging.spec, "--format", "text")
    assert code == 1
    assert out.splitlines() == [
        f"column students.age: in {staging.display}, not in {production.display}",
        f"index students.ix_students_age: in {staging.display}, not in {production.display}"]
    code, sql, _ = diff(tmp_path, production.spec, staging.spec)
    assert code == 1 and sql.startswith("-- autodiff diff: from ")
    code, out, _ = diff(tmp_path, production.spec, staging.spec, "--format", "json")
    execute(production, *json.loads(out)["sql"])
    code, out, _ = diff(tmp_path, production.spec, staging.spec)
    assert code == 0, out


def test_json_names_both_sides(two_dbs: tuple[Database, Database], tmp_path: Path) -> None:
    a, b = two_dbs
    execute(b, STUDENTS)
    code, out, _ = diff(tmp_path, a.spec, b.spec, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert set(report) == {"format", "from", "to", "dialect", "same", "findings", "sql",
                           "warnings"}
    assert report["same"] is False and report["dialect"] == a.dialect
    assert [f["line"] for f in report["findings"]] == [
        f"table students: in {b.display}, not in {a.display}"]
    assert report["sql"][0].upper().startswith("CREATE TABLE")


MODELS = """
    from sqlalchemy import Integer, String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Student(Base):
        __tablename__ = "students"
        id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
        first_name: Mapped[str] = mapped_column(String(50))
"""


def test_models_snapshot_and_migrations_sides(two_dbs: tuple[Database, Database],
                                              tmp_path: Path) -> None:
    db, server = two_dbs
    (tmp_path / "models.py").write_text(textwrap.dedent(MODELS))
    folder = tmp_path / "migrations"
    write(folder, "0001-students.sql", STUDENTS + ";\n")
    write(folder, "0002-age.sql", "ALTER TABLE students ADD COLUMN age INTEGER;\n")
    api.upgrade(db, folder, to=1)
    code, out, err = diff(tmp_path, db.spec, "models:models.py:Base")
    assert code == 0, out + err
    snap = tmp_path / "live.json"
    snap.write_text(api.snapshot(db).to_json())
    code, out, _ = diff(tmp_path, str(snap), db.spec)
    assert code == 0, out
    code, out, _ = diff(tmp_path, "migrations@1", db.spec)
    assert code == 0, out
    code, out, _ = diff(tmp_path, db.spec, "migrations", "--format", "text")
    assert code == 1 and out == f"column students.age: in migrations, not in {db.display}\n"
    if db.dialect != "sqlite":  # migrations alone need a server to replay on
        code, out, _ = diff(tmp_path, "migrations@1", "models:models.py:Base",
                            "--dialect", db.dialect, "--dev-db", server.spec)
        assert code == 0, out


def test_a_models_side_says_what_it_leaves_out(two_dbs: tuple[Database, Database],
                                                tmp_path: Path) -> None:
    """As generate does: another schema's tables are not compared (nor the default
    schema's table of the bare name), and what the SQL would create without is named."""
    db, _ = two_dbs
    execute(db, "CREATE TABLE events (id INTEGER PRIMARY KEY, note VARCHAR(20))")
    (tmp_path / "models.py").write_text(LEFT_OUT_MODELS)
    code, out, err = diff(tmp_path, db.spec, "models:models.py:Base", "--format", "json")
    report = json.loads(out)
    assert code == 1 and [f["line"] for f in report["findings"]] == [
        f"table docs: in models:models.py:Base, not in {db.display}"]
    assert "events" not in " ".join(report["sql"]).lower()
    told = [w.split(":")[0] for w in report["warnings"]]
    assert told[:2] == ["table audit.events is left out",
                        "foreign key docs (event_id) -> audit.events is left out"]
    assert [w.split(" (not modelled")[0] for w in told[2:]] == LOST_OPTIONS[db.dialect]
    assert [line.removeprefix("warning: ") for line in err.splitlines()] == report["warnings"]
    # The models as FROM: the SQL creates nothing of theirs, so only what is left out.
    _, out, _ = diff(tmp_path, "models:models.py:Base", db.spec, "--format", "json")
    assert len(json.loads(out)["warnings"]) == 2
    code, _, err = diff(tmp_path, db.spec, "models:models.py:Base", "--format", "text")
    assert "warning: table audit.events is left out" in err


def test_migrations_and_models_alone_use_sqlite(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text(textwrap.dedent(MODELS))
    write(tmp_path / "migrations", "0001-students.sql", STUDENTS + ";\n")
    code, out, err = diff(tmp_path, "migrations", "models:models.py:Base")
    assert code == 0, out + err


@pytest.mark.parametrize(("args", "message"), [
    (("nowhere.db", "other.db"), "nowhere.db: no such database file, folder or snapshot"),
    (("models:", "x.db"), "models: needs a spec"),
    (("missing.json", "x.db"), "snapshot file not found: missing.json"),
    (("migrations@7", "migrations"), "migrations@7: no script has number 7"),
    (("migrations", "migrations", "--dialect", "postgresql"),
     "replaying migrations on postgresql needs a server"),
    (("a.db", "migrations", "--dialect", "postgresql"),
     "--dialect postgresql does not match the sides (sqlite)"),
    (("a.db", "postgresql://postgres@127.0.0.1:5432/postgres"),
     "the sides are of different dialects (postgresql, sqlite)"),
])
def test_bad_sides_are_trouble(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    write(tmp_path / "migrations", "0001-students.sql", STUDENTS + ";\n")
    (tmp_path / "a.db").write_bytes(b"")
    code, out, err = diff(tmp_path, *args)
    assert code == 2, out + err
    assert err.startswith(f"error: {message}"), err
    assert len(err.splitlines()) <= 2


EXAMPLES = int(os.environ.get("AUTODIFF_DIFF_EXAMPLES", "6"))


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_applying_the_diff_makes_the_sides_equal(two_dbs: tuple[Database, Database],
                                                 data: st.DataObject) -> None:
    """For random (a, b): the SQL of `diff a b`, run on a, leaves nothing to diff."""
    a_db, b_db = two_dbs
    a, b, _ = data.draw(schema_pairs(a_db.dialect))
    for db, schema in ((a_db, a), (b_db, b)):
        _reset(db)
        execute(db, *create_schema_sql(schema))
    result = api.schema_diff(a_db.spec, b_db.spec)
    execute(a_db, *result.statements)
    assert api.schema_diff(a_db.spec, b_db.spec).findings == ()


def _reset(db: Database) -> None:
    d = dialect_for(db)
    if db.dialect == "postgresql":
        execute(db, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public")
        return
    d.drop_database(db)
    d.create_database(db)
