"""``autodiff enroll``: hand-built, fastmigrate- and Alembic-managed databases adopted."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import new_database
from helpers import execute, py_script, rows, run_cli, tables, write

from autodiff.database import VERSION_TABLE, Database
from autodiff.dialects import dialect_for
from autodiff.enroll import (
    Enrolled,
    EnrollRefused,
    Foreign,
    choose,
    claimed_version,
    comparable,
    foreign_table,
    initial_script,
    is_empty,
    summary,
)
from autodiff.errors import ConfigError
from autodiff.findings import Finding
from autodiff.model import Check, Column, PrimaryKey, Schema, Sequence, Table
from autodiff.scripts import Script, checksum

AUTHORS = """
CREATE TABLE authors (
    id INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    born INTEGER,
    CONSTRAINT uq_authors_name UNIQUE (name),
    CONSTRAINT ck_authors_born CHECK (born > 1000)
);
"""
BOOKS = """
CREATE TABLE books (
    id INTEGER NOT NULL PRIMARY KEY,
    author_id INTEGER NOT NULL,
    title VARCHAR(200) NOT NULL,
    price NUMERIC(8, 2) DEFAULT 0,
    CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (id)
        ON DELETE CASCADE
);
CREATE INDEX ix_books_title ON books (title);
CREATE TABLE tags (name VARCHAR(50) NOT NULL PRIMARY KEY);
CREATE TABLE book_tags (
    book_id INTEGER NOT NULL,
    tag VARCHAR(50) NOT NULL,
    PRIMARY KEY (book_id, tag),
    CONSTRAINT fk_book_tags_book FOREIGN KEY (book_id) REFERENCES books (id),
    CONSTRAINT fk_book_tags_tag FOREIGN KEY (tag) REFERENCES tags (name)
);
CREATE UNIQUE INDEX ux_books_author_title ON books (author_id, title);
CREATE VIEW cheap_books AS SELECT title, price FROM books WHERE price < 10;
"""
ADD_PAGES = "ALTER TABLE books ADD COLUMN pages INTEGER;\n"
ROWS = (
    "INSERT INTO authors (id, name, born) VALUES (1, 'Ann', 1970), (2, 'Bo', 1980)",
    "INSERT INTO books (id, author_id, title, price) VALUES (1, 1, 'Cheap', 5), (2, 2, 'Dear', 50)",
    "INSERT INTO tags (name) VALUES ('fun')",
    "INSERT INTO book_tags (book_id, tag) VALUES (1, 'fun')",
)
FASTMIGRATE_META = ("CREATE TABLE _meta (id INTEGER PRIMARY KEY CHECK (id = 1), "
                    "version INTEGER NOT NULL DEFAULT 0)")
ALEMBIC_VERSION = ("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                   "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout


def fails(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    return result.stderr


def statements(text: str) -> list[str]:
    return [s.strip() for s in text.split(";") if s.strip()]


def build(db: Database, *texts: str) -> None:
    """Build ``db`` by hand (no autodiff), statement by statement."""
    for text in texts:
        execute(db, *statements(text))


def enroll(db: Database, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("enroll", "--db", db.spec, "--migrations", str(folder), *args,
                   cwd=folder.parent)


def cli(command: str, db: Database, folder: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(command, "--db", db.spec, "--migrations", str(folder), cwd=folder.parent)


def recorded(db: Database) -> list[tuple[int, str, str]]:
    return [(int(v), n, c.strip()) for v, n, c in
            rows(db, f"SELECT version, name, checksum FROM {VERSION_TABLE} ORDER BY version")]


def versioned(folder: Path) -> list[tuple[int, str, str]]:
    paths = sorted(p for p in folder.iterdir() if p.name[:1].isdigit())
    return [(int(p.name[:4]), p.name, checksum(p.read_bytes())) for p in paths]


@pytest.fixture
def other_db(dialect: str, tmp_path: Path) -> Iterator[Database]:
    """A second database spec on the same dialect, dropped afterwards."""
    db = new_database(dialect, tmp_path)
    try:
        yield db
    finally:
        dialect_for(db).drop_database(db)


def three_scripts(folder: Path) -> None:
    write(folder, "0001-authors.sql", AUTHORS)
    write(folder, "0002-books.sql", BOOKS)
    write(folder, "0003-pages.sql", ADD_PAGES)


# -- no scripts yet: write 0001-initialize.sql ------------------------------------------------

def test_hand_built_database_is_enrolled_and_rebuilt_identically(
        empty_db: Database, other_db: Database, tmp_path: Path) -> None:
    build(empty_db, AUTHORS, BOOKS)
    execute(empty_db, *ROWS)
    before = ok(cli("snapshot", empty_db, tmp_path / "migrations"))
    folder = tmp_path / "migrations"

    out = ok(enroll(empty_db, folder))
    script = folder / "0001-initialize.sql"
    assert f"Wrote {script}" in out and "as version 1" in out
    text = script.read_text()
    assert text.startswith("-- 0001-initialize.sql: initialize\n-- Enrolled by autodiff")
    assert empty_db.display in text and "cheap_books" in text
    assert recorded(empty_db) == versioned(folder)
    assert (folder / "autodiff.sum").read_text().startswith("0001-initialize.sql h1:")
    assert ok(cli("snapshot", empty_db, folder)) == before  # nothing else touched
    assert sorted(rows(empty_db, "SELECT id, title FROM books")) == [(1, "Cheap"), (2, "Dear")]
    assert rows(empty_db, "SELECT book_id, tag FROM book_tags") == [(1, "fun")]
    assert "clean" in ok(cli("check", empty_db, folder))

    ok(cli("upgrade", other_db, folder))
    assert ok(cli("snapshot", other_db, folder)) == before


def test_dry_run_writes_and_marks_nothing(empty_db: Database, tmp_path: Path) -> None:
    build(empty_db, AUTHORS)
    folder = tmp_path / "migrations"
    out = ok(enroll(empty_db, folder, "--dry-run"))
    assert "Would write" in out and "Would mark" in out
    assert not (folder / "0001-initialize.sql").exists()
    assert VERSION_TABLE not in tables(empty_db)


# -- scripts exist: find the version -------------------------------------------------------------

def test_database_at_a_middle_version_is_marked_and_upgraded(
        empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    three_scripts(folder)
    build(empty_db, AUTHORS, BOOKS)
    execute(empty_db, *ROWS)

    out = ok(enroll(empty_db, folder))
    assert "0002-books.sql: same schema" in out and "0003-pages.sql: 1 difference(s)" in out
    assert "as version 2 (0002-books.sql)" in out and "1 script(s) pending" in out
    assert recorded(empty_db) == versioned(folder)[:2]
    assert "pending:  1" in ok(cli("status", empty_db, folder))
    assert "version 2 -> 3" in ok(cli("upgrade", empty_db, folder))
    assert "clean" in ok(cli("check", empty_db, folder))
    assert sorted(rows(empty_db, "SELECT id, pages FROM books")) == [(1, None), (2, None)]


def test_a_lying_enroll_is_refused_with_the_difference(empty_db: Database,
                                                       tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    three_scripts(folder)
    build(empty_db, AUTHORS, BOOKS, "ALTER TABLE authors ADD COLUMN nickname VARCHAR(20)")

    err = fails(enroll(empty_db, folder), 1)
    assert "matches no version" in err and "closest is version 2 (0002-books.sql)" in err
    assert "column authors.nickname: in database, not in version 2" in err
    assert VERSION_TABLE not in tables(empty_db)
    assert not (folder / "autodiff.sum").exists()


def test_claiming_the_wrong_version_is_refused(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    three_scripts(folder)
    build(empty_db, AUTHORS, BOOKS)

    err = fails(enroll(empty_db, folder, "--version", "3"), 1)
    assert "does not have the schema of version 3" in err
    assert "column books.pages: in version 3, missing in database" in err
    assert VERSION_TABLE not in tables(empty_db)
    assert "no script has number 7" in fails(enroll(empty_db, folder, "--version", "7"), 2)
    assert "as version 2" in ok(enroll(empty_db, folder, "--version", "2"))


# -- other tools' version tables ------------------------------------------------------------------

def test_fastmigrate_database_is_adopted(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    three_scripts(folder)
    # What fastmigrate's create_db + run_migrations leave behind at version 2.
    build(empty_db, FASTMIGRATE_META, AUTHORS, BOOKS)
    execute(empty_db, "INSERT INTO _meta (id, version) VALUES (1, 2)", *ROWS)

    out = ok(enroll(empty_db, folder))
    assert "Adopted from fastmigrate's _meta table (version 2): dropped _meta" in out
    assert recorded(empty_db) == versioned(folder)[:2]
    assert "_meta" not in tables(empty_db)
    assert "version 2 -> 3" in ok(cli("upgrade", empty_db, folder))
    assert "clean" in ok(cli("check", empty_db, folder))


def test_fastmigrate_version_that_lies_is_refused(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    three_scripts(folder)
    build(empty_db, FASTMIGRATE_META, AUTHORS, BOOKS)
    execute(empty_db, "INSERT INTO _meta (id, version) VALUES (1, 1)")

    err = fails(enroll(empty_db, folder), 1)
    assert "does not have the schema of version 1" in err and "table books" in err
    assert {"_meta", "books"} <= tables(empty_db) and VERSION_TABLE not in tables(empty_db)
    assert "fastmigrate's _meta says version 1" in fails(
        enroll(empty_db, folder, "--version", "2"), 2)


def test_alembic_database_is_adopted_with_the_matching_script(
        empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    three_scripts(folder)
    build(empty_db, ALEMBIC_VERSION, AUTHORS, BOOKS)
    execute(empty_db, "INSERT INTO alembic_version (version_num) VALUES ('ae1027a6acf')")

    err = fails(enroll(empty_db, folder), 2)
    assert "managed by Alembic" in err and "ae1027a6acf" in err and "--version N" in err
    assert "does not have the schema of version 1" in fails(
        enroll(empty_db, folder, "--version", "1"), 1)
    assert "alembic_version" in tables(empty_db)

    out = ok(enroll(empty_db, folder, "--version", "2"))
    assert "Adopted from alembic's alembic_version table (revision ae1027a6acf)" in out
    assert recorded(empty_db) == versioned(folder)[:2]
    assert "alembic_version" not in tables(empty_db)
    assert "version 2 -> 3" in ok(cli("upgrade", empty_db, folder))


def test_alembic_database_without_scripts_gets_0001(empty_db: Database, other_db: Database,
                                                    tmp_path: Path) -> None:
    build(empty_db, ALEMBIC_VERSION, AUTHORS)
    execute(empty_db, "INSERT INTO alembic_version (version_num) VALUES ('1975ea83b712')")
    folder = tmp_path / "migrations"
    ok(enroll(empty_db, folder))
    assert "alembic_version" not in (folder / "0001-initialize.sql").read_text()
    assert tables(empty_db) == {"authors", VERSION_TABLE}
    assert "clean" in ok(cli("check", empty_db, folder))


# -- errors --------------------------------------------------------------------------------------

def test_managed_and_missing_databases_are_refused(empty_db: Database, other_db: Database,
                                                   tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    write(folder, "0001-authors.sql", AUTHORS)
    ok(cli("upgrade", empty_db, folder))
    err = fails(enroll(empty_db, folder), 2)
    assert "already managed by autodiff" in err and len(err.splitlines()) == 2
    assert "database does not exist" in fails(enroll(other_db, folder), 2)
    assert not dialect_for(other_db).database_exists(other_db)


def test_empty_database_has_nothing_to_enroll(empty_db: Database, tmp_path: Path) -> None:
    assert "nothing to enroll" in fails(enroll(empty_db, tmp_path / "migrations"), 2)


# -- SQLite-only stories (the logic is the same on every dialect) ---------------------------------

def sqlite_db(tmp_path: Path) -> Database:
    db = new_database("sqlite", tmp_path)
    dialect_for(db).create_database(db)
    return db


def test_data_migrations_make_versions_alike_and_need_version(tmp_path: Path) -> None:
    db, folder = sqlite_db(tmp_path), tmp_path / "migrations"
    write(folder, "0001-authors.sql", AUTHORS)
    write(folder, "0002-seed.py", py_script("INSERT INTO authors (id, name) VALUES (9, 'Z')"))
    build(db, AUTHORS)
    err = fails(enroll(db, folder), 2)
    assert "2 versions have the schema" in err and "0001-authors.sql, 0002-seed.py" in err
    assert "as version 1" in ok(enroll(db, folder, "--version", "1"))
    assert "version 1 -> 2" in ok(cli("upgrade", db, folder))


def test_ignored_tables_are_left_out(tmp_path: Path) -> None:
    db, folder = sqlite_db(tmp_path), tmp_path / "migrations"
    build(db, AUTHORS, "CREATE TABLE celery_tasks (id INTEGER PRIMARY KEY)")
    (tmp_path / "pyproject.toml").write_text('[tool.autodiff]\nignore = ["celery_*"]\n')
    out = ok(enroll(db, folder))
    assert "Left out (ignore patterns): celery_tasks" in out
    assert "celery_tasks" not in (folder / "0001-initialize.sql").read_text()
    assert "celery_tasks" in tables(db)


def test_fastmigrate_at_version_0_is_adopted_as_version_0(tmp_path: Path) -> None:
    db, folder = sqlite_db(tmp_path), tmp_path / "migrations"
    write(folder, "0001-authors.sql", AUTHORS)
    build(db, FASTMIGRATE_META)
    execute(db, "INSERT INTO _meta (id, version) VALUES (1, 0)")
    out = ok(enroll(db, folder))
    assert "as version 0: 0 script(s) recorded" in out and "dropped _meta" in out
    assert tables(db) == {VERSION_TABLE}
    assert "version 0 -> 1" in ok(cli("upgrade", db, folder))


def test_a_failing_script_is_reported_not_marked(tmp_path: Path) -> None:
    db, folder = sqlite_db(tmp_path), tmp_path / "migrations"
    write(folder, "0001-authors.sql", AUTHORS)
    write(folder, "0002-broken.sql", "ALTER TABLE nowhere ADD COLUMN x INTEGER;")
    build(db, AUTHORS)
    err = fails(enroll(db, folder), 1)
    assert "replaying the scripts into a scratch database failed: 0002-broken.sql" in err
    assert VERSION_TABLE not in tables(db)


# -- pure parts ------------------------------------------------------------------------------------

def table(name: str, *columns: str) -> Table:
    return Table(name, tuple(Column(c, "integer") for c in columns))


@pytest.mark.parametrize(("tables_", "expected"), [
    ((), None),
    ((table("_meta", "id", "version"),), ("fastmigrate", "_meta")),
    ((table("_meta", "key", "value"),), None),  # a user's own _meta table
    ((table("alembic_version", "version_num"),), ("alembic", "alembic_version")),
], ids=["none", "fastmigrate", "someone-elses-meta", "alembic"])
def test_foreign_table(tables_: tuple[Table, ...], expected: tuple[str, str] | None) -> None:
    assert foreign_table(Schema("sqlite", tables_)) == expected


def test_comparable_leaves_out_ignored_and_foreign_tables() -> None:
    schema = Schema("sqlite", (table("a", "id"), table("celery_x", "id"),
                               table("_meta", "id", "version")))
    meta = Foreign("fastmigrate", "_meta", ("1",))
    assert [t.name for t in comparable(schema, ("celery_*",), meta).tables] == ["a"]
    assert comparable(schema, (), None) == schema


def scripts(*numbers: int) -> list[Script]:
    return [Script(n, Path(f"{n:04d}-s.sql"), "sql", b"") for n in numbers]


FM2 = Foreign("fastmigrate", "_meta", ("2",))
ALEMBIC = Foreign("alembic", "alembic_version", ("abc",))


@pytest.mark.parametrize(("foreign", "numbers", "wanted", "expected"), [
    (None, (1, 2), None, None),
    (None, (1, 2), 2, 2),
    (None, (), None, None),
    (None, (), 1, 1),
    (None, (1, 2), 5, "no script has number 5"),
    (None, (), 2, "there are no scripts yet"),
    (FM2, (1, 2, 3), None, 2),
    (FM2, (1, 2, 3), 2, 2),
    (FM2, (1, 2, 3), 1, "_meta says version 2"),
    (FM2, (1,), None, "no script has number 2"),
    (FM2, (), None, "no script has number 2"),
    (ALEMBIC, (1, 2), None, "managed by Alembic"),
    (ALEMBIC, (1, 2), 2, 2),
    (ALEMBIC, (), None, None),
], ids=["search", "claim", "none", "none-1", "no-such", "none-claim", "fm", "fm-agrees",
        "fm-disagrees", "fm-missing", "fm-no-scripts", "alembic-needs-version", "alembic",
        "alembic-no-scripts"])
def test_claimed_version(foreign: Foreign | None, numbers: tuple[int, ...], wanted: int | None,
                         expected: int | str | None) -> None:
    if isinstance(expected, str):
        with pytest.raises(ConfigError, match=expected):
            claimed_version(foreign, scripts(*numbers), wanted)
    else:
        assert claimed_version(foreign, scripts(*numbers), wanted) == expected


def finding(name: str) -> Finding:
    return Finding("drift", "table", name, "in database, not in version N")


def test_choose_picks_the_one_match_or_refuses_with_the_closest() -> None:
    one, two, three = scripts(1, 2, 3)
    assert choose([(one, [finding("a")]), (two, []), (three, [finding("b")])], "db") == two
    with pytest.raises(ConfigError, match="2 versions have the schema of db"):
        choose([(one, []), (two, [])], "db")
    with pytest.raises(EnrollRefused, match="closest is version 3") as refused:
        choose([(one, [finding("a"), finding("b")]), (two, [finding("c")]),
                (three, [finding("d")])], "db")
    assert refused.value.details == ("table d: in database, not in version N",)
    assert refused.value.exit_code == 1


def test_initial_script_is_deterministic_and_names_its_source() -> None:
    schema = Schema("sqlite", (Table("t", (Column("id", "integer", nullable=False),),
                                     PrimaryKey(("id",)), checks=(Check(None, "id > 0"),)),))
    text = initial_script(schema, "app.db")
    assert text == initial_script(schema, "app.db")
    assert "-- Enrolled by autodiff" in text and "from app.db (sqlite)" in text
    assert 'CREATE TABLE "t"' in text and text.endswith(";\n")


def test_summary_words() -> None:
    lines = summary(Enrolled("app.db", 2, ["0001-a.sql", "0002-b.sql"], foreign=FM2,
                             pending=["0003-c.sql"]))
    assert lines == [
        "Verified: replaying 0001-a.sql .. 0002-b.sql gives the schema of app.db.",
        "Marked app.db as version 2 (0002-b.sql): 2 script(s) recorded.",
        "Adopted from fastmigrate's _meta table (version 2): dropped _meta, now version 2 "
        "in autodiff_version.",
        "1 script(s) pending: run `autodiff upgrade`.",
    ]


def test_a_database_with_only_a_sequence_is_not_empty() -> None:
    assert is_empty(Schema("postgresql"))
    assert not is_empty(Schema("postgresql", sequences=(Sequence("order_no"),)))
