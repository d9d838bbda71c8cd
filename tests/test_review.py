"""`autodiff review`: statement rules per dialect, Markdown goldens, the git story end to end.

Regenerate the goldens in fixtures/review/ with AUTODIFF_UPDATE_GOLDENS=1.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import new_database
from helpers import run_cli, write

from autodiff.cli import cli
from autodiff.lint import RULES, lint_sql
from autodiff.model import Column, Index, Schema, Table
from autodiff.review import _replayer, review_scripts
from autodiff.scripts import discover
from autodiff.typenames import narrows

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "review"

# (dialect, sql, [(description, [rule ids])]) with nothing known about the schema before.
CASES = [
    ("postgresql", "ALTER TABLE students ADD COLUMN age integer",
     [("add column students.age (integer)", [])]),
    ("postgresql", "ALTER TABLE students ADD COLUMN age integer NOT NULL",
     [("add column students.age (integer)", ["not-null-without-default"])]),
    ("postgresql", "ALTER TABLE students ADD COLUMN age integer NOT NULL DEFAULT 0",
     [("add column students.age (integer)", [])]),
    ("sqlite", "ALTER TABLE students ADD COLUMN age integer NOT NULL",
     [("add column students.age (integer)", ["not-null-without-default"])]),
    ("mysql", "ALTER TABLE students ADD COLUMN age integer NOT NULL",  # filled with 0
     [("add column students.age (int)", [])]),
    ("postgresql", "CREATE TABLE n (a int); ALTER TABLE n ADD COLUMN b int NOT NULL",
     [("create table n", []), ("add column n.b (integer)", [])]),
    ("postgresql", "ALTER TABLE s ADD COLUMN t uuid DEFAULT gen_random_uuid()",
     [("add column s.t (uuid)", ["volatile-default"])]),
    ("postgresql", "ALTER TABLE s ADD COLUMN n bigserial",
     [("add column s.n (bigint)", ["volatile-default"])]),
    ("postgresql", "ALTER TABLE s ADD COLUMN at timestamptz DEFAULT now()",
     [("add column s.at (timestamptz)", [])]),
    ("postgresql", "CREATE INDEX ix ON s (a, lower(b))",
     [("create index ix on s (a, LOWER(b))", ["index-not-concurrently"])]),
    ("postgresql", "CREATE INDEX CONCURRENTLY ix ON s (a)",
     [("create index ix on s (a)", ["concurrently-in-transaction"])]),
    ("postgresql", "BEGIN; CREATE TABLE x (a int); COMMIT;\nCREATE INDEX CONCURRENTLY ix ON s (a)",
     [("transaction control: BEGIN", []), ("create table x", []),
      ("transaction control: COMMIT", []), ("create index ix on s (a)", [])]),
    ("postgresql", "CREATE TABLE s (a int); CREATE INDEX ix ON s (a); "
                   "ALTER TABLE s ADD FOREIGN KEY (a) REFERENCES t (id)",
     [("create table s", []), ("create index ix on s (a)", []),
      ("add foreign key s (a) -> t (id)", [])]),
    ("postgresql", 'ALTER TABLE "S" ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES t (id)',
     [("add foreign key S (a) -> t (id)", ["fk-not-valid"])]),
    ("postgresql", "ALTER TABLE s ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES t (id) NOT VALID",
     [("add foreign key s (a) -> t (id)", [])]),
    ("postgresql", "ALTER TABLE s ADD CONSTRAINT ck CHECK (a > 0)",
     [("add check ck on s: a > 0", ["check-not-valid"])]),
    ("postgresql", "ALTER TABLE s ADD CONSTRAINT u UNIQUE (a, b)",
     [("add unique u on s (a, b)", ["unique-not-concurrently"])]),
    ("postgresql", "ALTER TABLE s ALTER COLUMN a SET NOT NULL",
     [("alter column s.a: set NOT NULL", ["set-not-null"])]),
    ("postgresql", "ALTER TABLE s ALTER COLUMN a TYPE bigint",
     [("alter column s.a: type bigint", ["narrowing-type", "table-rewrite"])]),
    ("postgresql", "ALTER TABLE s DROP COLUMN a, ADD COLUMN b text",
     [("drop column s.a", ["drop-column"]), ("add column s.b (text)", [])]),
    ("postgresql", "DROP TABLE IF EXISTS a, b CASCADE",
     [("drop table a", ["drop-table"]), ("drop table b", ["drop-table"])]),
    ("postgresql", "CREATE TABLE t (a int); DROP TABLE t",
     [("create table t", []), ("drop table t", [])]),
    ("postgresql", "TRUNCATE s", [("data migration: TRUNCATE s", ["delete-rows"])]),
    ("postgresql", "UPDATE s SET a = 1", [("data migration: UPDATE s", [])]),
    ("postgresql", "ALTER TABLE s RENAME COLUMN a TO b; ALTER TABLE s RENAME TO t",
     [("rename column s.a to b", []), ("rename table s to t", [])]),
    ("postgresql", "DO $$ BEGIN PERFORM 1; END $$", [("DO $$ BEGIN PERFORM 1; END $$", [])]),
    ("mysql", "CREATE INDEX ix ON s (a)", [("create index ix on s (a)", [])]),
    ("mysql", "ALTER TABLE s ADD COLUMN a int NOT NULL", [("add column s.a (int)", [])]),
    ("mysql", "ALTER TABLE `s` MODIFY COLUMN `a` varchar(10)",
     [("alter column s.a: type varchar(10)", ["narrowing-type", "table-rewrite"])]),
    ("mysql", "ALTER TABLE s ADD INDEX ix (a)", [("create index ix on s (a)", [])]),
    ("mysql", "DELETE FROM s WHERE a = 1", [("data migration: DELETE FROM s", ["delete-rows"])]),
    ("sqlite", 'ALTER TABLE "s" DROP COLUMN "a"', [("drop column s.a", ["drop-column"])]),
    ("sqlite", "CREATE INDEX ix ON s (a)", [("create index ix on s (a)", [])]),
    ("sqlite", "ALTER TABLE s ADD COLUMN a VARCHAR(5) NOT NULL DEFAULT ''",
     [("add column s.a (varchar(5))", [])]),
    ("sqlite", "CREATE TABLE n (a int); INSERT INTO n (a) SELECT a FROM s; DROP TABLE s; "
               "ALTER TABLE n RENAME TO s",
     [("SQLite table rebuild of s: the table before is unknown: dropped or retyped columns "
       "not shown", ["table-rewrite", "drop-column"])]),
    # AUTOINCREMENT's counter kept: the rebuild's bookkeeping, no rows deleted.
    ("sqlite", "CREATE TABLE n (a int); INSERT INTO n (a) SELECT a FROM s; "
               "DELETE FROM sqlite_sequence WHERE name = 'n'; INSERT INTO sqlite_sequence "
               "(name, seq) SELECT 'n', seq FROM sqlite_sequence WHERE name = 's'; "
               "DROP TABLE s; ALTER TABLE n RENAME TO s",
     [("SQLite table rebuild of s: the table before is unknown: dropped or retyped columns "
       "not shown", ["table-rewrite", "drop-column"])]),
    ("sqlite", "DELETE FROM sqlite_sequence WHERE name = 's'",
     [("data migration: DELETE FROM sqlite_sequence", ["delete-rows"])]),
    ("sqlite", "CREATE TABLE n (a int); DROP TABLE s; ALTER TABLE n RENAME TO s",
     [("SQLite table rebuild of s: adds a; the table before is unknown: dropped or retyped "
       "columns not shown", ["table-rewrite", "drop-table", "drop-column"])]),
    ("sqlite", "SELECT FROM WHERE", [("SELECT FROM WHERE", [])]),
]


def _described(sql: str, dialect: str, before: Schema | None = None) -> list[tuple[str, list[str]]]:
    return [(c.description, [f.rule for f in c.findings])
            for c in lint_sql(sql, dialect, lambda: before)]


@pytest.mark.parametrize(("dialect", "sql", "expected"), CASES,
                         ids=[f"{d}-{s[:40]}" for d, s, _ in CASES])
def test_statements_in_words_with_their_rules(dialect: str, sql: str,
                                              expected: list[tuple[str, list[str]]]) -> None:
    assert _described(sql, dialect) == expected


def test_a_statement_sqlglot_cannot_read_is_shown_with_a_note() -> None:
    [change] = lint_sql("CREATE EXTENSION IF NOT EXISTS pgcrypto", "postgresql")
    assert change.description == "CREATE EXTENSION IF NOT EXISTS pgcrypto"
    assert change.note is not None and "sqlglot" in change.note


def _students(dialect: str, email: str) -> Schema:
    columns = (Column("id", "integer", nullable=False), Column("email", email),
               Column("nickname", "text"))
    return Schema(dialect, (Table("students", columns, indexes=(
        Index("ix_students_email", ("email",)),)),))


@pytest.mark.parametrize(("dialect", "sql", "old", "rules"), [
    ("postgresql", "ALTER TABLE students ALTER COLUMN email TYPE varchar(50)", "varchar(100)",
     ["narrowing-type", "table-rewrite"]),
    ("postgresql", "ALTER TABLE students ALTER COLUMN email TYPE varchar(200)", "varchar(100)",
     []),
    ("postgresql", "ALTER TABLE students ALTER COLUMN email TYPE text", "varchar(100)", []),
    ("postgresql", "ALTER TABLE students ALTER COLUMN email TYPE integer", "text",
     ["narrowing-type", "table-rewrite"]),
    ("mysql", "ALTER TABLE students MODIFY email varchar(200)", "varchar(100)",
     ["table-rewrite"]),
    ("mysql", "ALTER TABLE students MODIFY email varchar(100)", "varchar(100)", []),
    ("mysql", "ALTER TABLE students MODIFY email varchar(100) NOT NULL", "varchar(100)",
     ["table-rewrite"]),
])
def test_old_types_come_from_the_schema_before(dialect: str, sql: str, old: str,
                                               rules: list[str]) -> None:
    [(_, found)] = _described(sql, dialect, _students(dialect, old))
    assert found == rules


def test_a_rebuild_with_the_schema_before_names_what_it_loses() -> None:
    sql = ("CREATE TABLE students_new (id INTEGER PRIMARY KEY, mail VARCHAR(20));\n"
           "INSERT INTO students_new (id, mail) SELECT id, email FROM students;\n"
           "DROP TABLE students;\nALTER TABLE students_new RENAME TO students;")
    [(text, rules)] = _described(sql, "sqlite", _students("sqlite", "varchar(100)"))
    assert text == ("SQLite table rebuild of students: renames email to mail; drops nickname; "
                    "mail varchar(100) -> varchar(20); index ix_students_email is not "
                    "created again")
    assert rules == ["table-rewrite", "drop-column", "narrowing-type"]


@pytest.mark.parametrize(("dialect", "old", "new", "expected"), [
    ("postgresql", "varchar(100)", "varchar(50)", True),
    ("postgresql", "varchar(50)", "text", False),
    ("postgresql", "text", "varchar(50)", True),
    ("postgresql", "integer", "bigint", False),
    ("postgresql", "bigint", "integer", True),
    ("postgresql", "integer", "numeric(12,2)", False),
    ("postgresql", "integer", "numeric(8,2)", True),
    ("postgresql", "numeric(8,2)", "numeric(10,2)", False),
    ("postgresql", "numeric(8,2)", "numeric(8,1)", True),
    ("postgresql", "double precision", "real", True),
    ("postgresql", "timestamp(6)", "timestamp(3)", True),
    ("postgresql", "integer", "text", False),
    ("postgresql", "text", "integer", True),
    ("mysql", "text", "varchar(1000)", True),
    ("mysql", "tinytext", "varchar(1000)", False),
    ("mysql", "int", "tinyint", True),
    ("mysql", "enum('new','doing','done')", "enum('new','doing')", True),
    ("mysql", "enum('new','doing')", "enum('new','doing','done')", False),
    ("mysql", "enum('a','b')", "enum('b','a')", False),
    ("mysql", "set('a','it''s')", "set('a','c')", True),
    ("mysql", "set('a','it''s')", "set('it''s','a','c')", False),
    ("sqlite", "INTEGER", "int", False),
])
def test_narrowing(dialect: str, old: str, new: str, expected: bool) -> None:
    assert narrows(old, new, dialect) is expected


def test_every_rule_is_documented() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "review.md").read_text()
    assert [rule for rule in RULES if f"`{rule}`" not in doc] == []


# -- goldens -------------------------------------------------------------------------------
def test_review_goldens(dialect: str, tmp_path: Path) -> None:
    """The fixture folder of each dialect, everything after 0001 new, old types replayed."""
    scripts = discover(FIXTURES / dialect / "migrations")
    notes: list[str] = []
    before = _replayer(new_database(dialect, tmp_path), scripts, False, notes)
    result = review_scripts(scripts, {s.name: "added" for s in scripts[1:]}, dialect, before,
                            "`0001-initialize.sql` (the fixture base)", "migrations")
    assert notes == []
    golden = FIXTURES / f"expected-{dialect}.md"
    if os.environ.get("AUTODIFF_UPDATE_GOLDENS") == "1":
        golden.write_text(result.markdown, encoding="utf-8")
    assert result.markdown == golden.read_text(encoding="utf-8")


# -- the git story ---------------------------------------------------------------------------
def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; the output."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True,
                          capture_output=True, text=True).stdout


BASE_SQL = "CREATE TABLE students (id INTEGER PRIMARY KEY, email VARCHAR(100), age INTEGER);\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose main branch has one script; HEAD on a feature branch."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root / "migrations", "0001-initialize.sql", BASE_SQL)
    write(root / "migrations", "README.md", "not a script\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def review_cli(root: Path, db: str, *args: str) -> tuple[int, str, str]:
    """``autodiff review`` through click; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(cli, ["review", "--db", db, "--migrations",
                                      str(root / "migrations"), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def test_review_lists_committed_and_uncommitted_new_scripts(repo: Path) -> None:
    write(repo / "migrations", "0002-add-name.sql", "ALTER TABLE students ADD COLUMN name TEXT;\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "feature")
    write(repo / "migrations", "0003-seed.py", "print('hi')\n")
    code, out, _ = review_cli(repo, str(repo / "app.db"))
    assert code == 0
    assert out.startswith("## autodiff review: 2 scripts, no warnings\n")
    assert "merge base with main" in out
    assert "- add column students.name (text) (line 1)" in out
    assert "### `0003-seed.py` (added, Python script)" in out
    assert "0001-initialize" not in out and "README" not in out


def test_fail_on_destructive_exits_1(repo: Path) -> None:
    write(repo / "migrations", "0002-drop.sql", "ALTER TABLE students DROP COLUMN email;\n")
    code, out, err = review_cli(repo, str(repo / "app.db"), "--fail-on", "destructive")
    assert code == 1
    assert "`drop-column`: the values of students.email are lost" in out
    assert "1 warning(s) matching --fail-on destructive" in err
    code, _, _ = review_cli(repo, str(repo / "app.db"), "--fail-on", "lock")
    assert code == 0


def test_edited_and_removed_old_scripts_are_flagged(repo: Path) -> None:
    write(repo / "migrations", "0002-x.sql", "CREATE TABLE x (a INTEGER);\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "two")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "feature")
    git(repo, "checkout", "-q", "-b", "edits")
    write(repo / "migrations", "0001-initialize.sql", BASE_SQL + "CREATE TABLE y (b INTEGER);\n")
    (repo / "migrations" / "0002-x.sql").unlink()
    code, out, _ = review_cli(repo, str(repo / "app.db"), "--fail-on", "any")
    assert code == 1
    assert "### `0001-initialize.sql` (modified, hand-written)" in out
    assert "`modified-script`" in out and "`removed-script`" in out
    assert "### `0002-x.sql` (removed)" in out


def test_base_option_and_output_file(repo: Path, tmp_path: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    write(repo / "migrations", "0002-t.sql", "CREATE TABLE t (a INTEGER);\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "t")
    target = tmp_path / "review.md"
    code, out, err = review_cli(repo, str(repo / "app.db"), "--base", first, "-o", str(target))
    assert (code, out) == (0, "")
    assert f"`{first[:7]}` (--base {first})" in target.read_text()
    code, out, _ = review_cli(repo, str(repo / "app.db"), "--base", "HEAD")
    assert out.startswith("## autodiff review: no new scripts\n")


@pytest.mark.parametrize(("setup", "args", "message"), [
    ("plain", (), "error: not a git repository: "),
    ("repo", ("--base", "no-such-rev"), "error: unknown git revision: no-such-rev"),
    ("no-main", (), "error: no main branch found"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, setup: str, args: tuple[str, ...],
                                          message: str) -> None:
    root = tmp_path / "proj"
    write(root / "migrations", "0001-a.sql", BASE_SQL)
    if setup != "plain":
        git(root, "init", "-q", "-b", "trunk" if setup == "no-main" else "main")
    result = run_cli("review", "--db", str(root / "app.db"), "--migrations",
                     str(root / "migrations"), *args, cwd=root)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(message) and "Traceback" not in result.stderr


def test_review_replays_to_find_a_narrowing_type(dialect: str, repo: Path,
                                                 tmp_path: Path) -> None:
    """Through a real subprocess on each database: the old type comes from the replay."""
    change = {"sqlite": "CREATE TABLE s2 (id INTEGER PRIMARY KEY, email VARCHAR(20), "
                        "age INTEGER);\nINSERT INTO s2 (id, email, age) SELECT id, email, age "
                        "FROM students;\nDROP TABLE students;\nALTER TABLE s2 RENAME TO "
                        "students;\n",
              "postgresql": "ALTER TABLE students ALTER COLUMN email TYPE varchar(20);\n",
              "mysql": "ALTER TABLE students MODIFY COLUMN email varchar(20);\n"}[dialect]
    write(repo / "migrations", "0002-narrow.sql", change)
    db = new_database(dialect, tmp_path)
    result = run_cli("review", "--db", db.spec, "--migrations", str(repo / "migrations"),
                     "--no-cache", "--fail-on", "destructive", cwd=repo)
    assert result.returncode == 1, result.stderr
    assert "students.email varchar(100) -> varchar(20) may truncate" in result.stdout
    assert "0002-narrow.sql" in result.stdout


def test_a_failed_replay_is_a_note_and_old_types_stay_unknown(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    write(folder, "0001-broken.sql", "CREATE TABLE students (email VARCHAR(100));\nNOT SQL;\n")
    write(folder, "0002-narrow.sql", "ALTER TABLE students DROP COLUMN email;\n"
                                     "CREATE TABLE n (a INTEGER);\nDROP TABLE students;\n"
                                     "ALTER TABLE n RENAME TO students;\n")
    scripts = discover(folder)
    notes: list[str] = []
    before = _replayer(new_database("sqlite", tmp_path), scripts, False, notes)
    result = review_scripts(scripts, {"0002-narrow.sql": "added"}, "sqlite", before, "`x`",
                            "migrations")
    assert len(notes) == 1 and notes[0].startswith("earlier scripts could not be replayed (")
    assert "the table before is unknown" in result.markdown
