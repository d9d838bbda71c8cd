"""The statement splitter: where a ';' ends a statement and where it does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff.sqlsplit import split_sql

CASES = [
    ("sqlite", "CREATE TABLE a (x TEXT DEFAULT 'a;b'); INSERT INTO a VALUES ('it''s;')",
     ["CREATE TABLE a (x TEXT DEFAULT 'a;b')", "INSERT INTO a VALUES ('it''s;')"]),
    ("sqlite", "-- lead;\n/* block; */ SELECT 1;; ;\n-- trailing", ["SELECT 1"]),
    ("sqlite",
     "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; DELETE FROM b; END; SELECT 2",
     ["CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; DELETE FROM b; END",
      "SELECT 2"]),
    ("sqlite", 'SELECT "a;b", [c;d], `e;f`', ['SELECT "a;b", [c;d], `e;f`']),
    ("postgresql", "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;"
     " SELECT $tag$ ; $tag$",
     ["CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql",
      "SELECT $tag$ ; $tag$"]),
    ("postgresql", "SELECT E'a\\';b'; SELECT 'c\\'; SELECT 3",
     ["SELECT E'a\\';b'", "SELECT 'c\\'", "SELECT 3"]),
    ("postgresql", "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN"
     " true THEN 1 END; SELECT 2; END; SELECT 3",
     ["CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END;"
      " SELECT 2; END", "SELECT 3"]),
    ("postgresql", "/* outer /* inner; */ still; */ SELECT 1; SELECT 2", ["SELECT 1", "SELECT 2"]),
    ("mysql", "SELECT 'a\\';b'; # comment;\nSELECT 2", ["SELECT 'a\\';b'", "SELECT 2"]),
    ("mysql", "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END //\n"
     "DELIMITER ;\nSELECT 3;",
     ["CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", "SELECT 3"]),
    ("mysql", "-- a generated script\n-- create trigger t\nDELIMITER //\nCREATE TRIGGER t BEFORE"
     " INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; SET NEW.y = ';'; END //\nDELIMITER ;\n\n"
     "SELECT 2;\n",
     ["CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; SET NEW.y = ';';"
      " END", "SELECT 2"]),
    ("postgresql", "", []),
    ("postgresql", "-- only a comment\n", []),
]


@pytest.mark.parametrize(("dialect", "sql", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_split(dialect: str, sql: str, expected: list[str]) -> None:
    assert [s.text for s in split_sql(sql, dialect)] == expected


def test_line_numbers_point_at_the_statement_not_its_comments() -> None:
    statements = split_sql("-- header\n\nCREATE TABLE a (x int);\n\n\nSELECT\n 1;", "sqlite")
    assert [s.line for s in statements] == [3, 6]


@pytest.mark.parametrize(("text", "controls", "commit"), [
    ("BEGIN", True, False), ("begin transaction", True, False), ("BEGIN IMMEDIATE", True, False),
    ("START TRANSACTION", True, False), ("COMMIT", True, True), ("END", True, True),
    ("ROLLBACK", True, False), ("ROLLBACK TO SAVEPOINT s", False, False),
    ("ROLLBACK TRANSACTION TO s", False, False), ("SAVEPOINT s", False, False),
("CREATE TABLE beginning (x int)", False, False),
])
def test_transaction_control_is_recognized(text: str, controls: bool, commit: bool) -> None:
    (statement,) = split_sql(text, "postgresql")
    assert statement.controls_transaction is controls
    assert statement.is_commit is commit


def test_summary_is_one_line_and_cut() -> None:
    (statement,) = split_sql("SELECT\n  " + "x, " * 100 + "y", "sqlite")
    summary = statement.summary(40)
    assert "\n" not in summary and len(summary) == 40 and summary.endswith("…")


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
                min_size=1, max_size=6))
def test_delimiters_inside_strings_never_split(values: list[str]) -> None:
    sql = ";\n".join("SELECT '" + v.replace("'", "''") + "'" for v in values)
    for dialect in ("sqlite", "postgresql"):
        assert [s.text for s in split_sql(sql, dialect)] == [
            "SELECT '" + v.replace("'", "''") + "'" for v in values]


@pytest.mark.parametrize(("sql", "scope"), [
    ("CREATE TABLE a (x INTEGER REFERENCES b (id))", set()),
    ("CREATE INDEX ix ON a (x); ALTER TABLE a ADD COLUMN y INTEGER", set()),
    ('INSERT INTO "my table" (x) VALUES (1); INSERT INTO b VALUES (2)', {"my table", "b"}),
    ("ALTER TABLE a ADD COLUMN p INTEGER REFERENCES b (id) DEFAULT 1", None),
    ("CREATE TABLE c AS SELECT * FROM a", None),
    ("DELETE FROM b", None), ("UPDATE b SET id = 2", None), ("DROP TABLE b", None),
    ("INSERT OR REPLACE INTO b VALUES (1)", None),
])
def test_sqlite_foreign_key_check_scope(sql: str, scope: set[str] | None) -> None:
    from autodiff.dialects.sqlite import fk_check_scope

    assert fk_check_scope(split_sql(sql, "sqlite")) == scope
