"""Normalization: one spelling per type, default and expression, per dialect (pure)."""

from __future__ import annotations

import pytest

from autodiff.normalize import (
    normalize_collation,
    normalize_default,
    normalize_expression,
    normalize_fk_action,
    normalize_type,
    normalize_view,
)
from autodiff.sqltext import collapse_whitespace, strip_outer_parens

TYPES = [
    # PostgreSQL: format_type() output and common aliases.
    ("postgresql", "integer", "integer"),
    ("postgresql", "INT4", "integer"),
    ("postgresql", "int", "integer"),
    ("postgresql", "int8", "bigint"),
    ("postgresql", "int2", "smallint"),
    ("postgresql", "serial", "integer"),
    ("postgresql", "bigserial", "bigint"),
    ("postgresql", "character varying(50)", "varchar(50)"),
    ("postgresql", "VARCHAR( 50 )", "varchar(50)"),
    ("postgresql", "character varying", "varchar"),
    ("postgresql", "character(3)", "char(3)"),
    ("postgresql", "char", "char(1)"),
    ("postgresql", "bpchar", "bpchar"),
    ("postgresql", "numeric(10, 2)", "numeric(10,2)"),
    ("postgresql", "decimal(10)", "numeric(10,0)"),
    ("postgresql", "double precision", "double precision"),
    ("postgresql", "float8", "double precision"),
    ("postgresql", "float", "double precision"),
    ("postgresql", "float(10)", "real"),
    ("postgresql", "float4", "real"),
    ("postgresql", "bool", "boolean"),
    ("postgresql", "timestamp without time zone", "timestamp"),
    ("postgresql", "timestamp(3) without time zone", "timestamp(3)"),
    ("postgresql", "timestamp with time zone", "timestamptz"),
    ("postgresql", "TIMESTAMP(3) WITH TIME ZONE", "timestamptz(3)"),
    ("postgresql", "time without time zone", "time"),
    ("postgresql", "time with time zone", "timetz"),
    ("postgresql", "bytea", "bytea"),
    ("postgresql", "jsonb", "jsonb"),
    ("postgresql", "uuid", "uuid"),
    ("postgresql", "integer[]", "integer[]"),
    ("postgresql", "int4[3][]", "integer[]"),
    ("postgresql", "integer array", "integer[]"),
    ("postgresql", "character varying(20)[]", "varchar(20)[]"),
    ("postgresql", '"My Mood"', '"My Mood"'),
    ("postgresql", '"My Mood"[]', '"My Mood"[]'),
    ("postgresql", "mood", "mood"),
    # MySQL/MariaDB: COLUMN_TYPE output and aliases.
    ("mysql", "int(11)", "int"),
    ("mysql", "INTEGER", "int"),
    ("mysql", "int(10) unsigned", "int unsigned"),
    ("mysql", "bigint(20) unsigned zerofill", "bigint unsigned zerofill"),
    ("mysql", "int signed", "int"),
    ("mysql", "tinyint(1)", "tinyint(1)"),
    ("mysql", "tinyint(4)", "tinyint"),
    ("mysql", "BOOLEAN", "tinyint(1)"),
    ("mysql", "bool", "tinyint(1)"),
    ("mysql", "decimal(10,2)", "decimal(10,2)"),
    ("mysql", "NUMERIC(10, 2)", "decimal(10,2)"),
    ("mysql", "decimal", "decimal(10,0)"),
    ("mysql", "dec(5)", "decimal(5,0)"),
    ("mysql", "double precision", "double"),
    ("mysql", "real", "double"),
    ("mysql", "float(30)", "double"),
    ("mysql", "float(10)", "float"),
    ("mysql", "varchar(50)", "varchar(50)"),
    ("mysql", "character varying(50)", "varchar(50)"),
    ("mysql", "char", "char(1)"),
    ("mysql", "datetime(6)", "datetime(6)"),
    ("mysql", "datetime(0)", "datetime"),
    ("mysql", "year(4)", "year"),
    ("mysql", "bit", "bit(1)"),
    ("mysql", "enum('a','b')", "enum('a','b')"),
    ("mysql", "ENUM('A', 'it''s')", "enum('A','it''s')"),
    ("mysql", "set('x','Y')", "set('x','Y')"),
    ("mysql", "longtext", "longtext"),
    ("mysql", "serial", "bigint unsigned"),
    # SQLite: the declared type, lowercased, with the few aliases of identical meaning.
    ("sqlite", "INTEGER", "integer"),
    ("sqlite", "INT", "integer"),
    ("sqlite", "BIGINT", "bigint"),
    ("sqlite", "VARCHAR (50)", "varchar(50)"),
    ("sqlite", "Numeric(10, 2)", "numeric(10,2)"),
    ("sqlite", "unsigned  big   int", "unsigned big int"),
    ("sqlite", "BOOL", "boolean"),
    ("sqlite", "", ""),
]


@pytest.mark.parametrize(("dialect", "raw", "expected"), TYPES,
                         ids=[f"{d}:{r}" for d, r, _ in TYPES])
def test_normalize_type(dialect: str, raw: str, expected: str) -> None:
    assert normalize_type(dialect, raw) == expected
    assert normalize_type(dialect, expected) == expected  # idempotent


DEFAULTS = [
    # (dialect, raw default, column type, expected)
    ("postgresql", None, "integer", None),
    ("postgresql", "NULL", "integer", None),
    ("postgresql", "NULL::character varying", "varchar(5)", None),
    ("postgresql", "'abc'::character varying", "varchar(50)", "'abc'"),
    ("postgresql", "'abc'::text", "text", "'abc'"),
    ("postgresql", "'it''s'::text", "text", "'it''s'"),
    ("postgresql", "'q'::bpchar", "char(1)", "'q'"),
    ("postgresql", "'-5'::integer", "integer", "-5"),
    ("postgresql", "'-1.5'::numeric", "double precision", "-1.5"),
    ("postgresql", "1.50", "numeric(10,2)", "1.5"),
    ("postgresql", "(5)", "bigint", "5"),
    ("postgresql", "'happy'::\"Mood\"", '"Mood"', "'happy'"),
    ("postgresql", "'happy'::mood", "mood", "'happy'"),
    ("postgresql", "'{1,2}'::integer[]", "integer[]", "'{1,2}'"),
    ("postgresql", "'{}'::jsonb", "jsonb", "'{}'"),
    ("postgresql", "'2020-01-01'::date", "date", "'2020-01-01'"),
    ("postgresql", "'1 day'::interval", "timestamp", "CAST('1 day' AS INTERVAL)"),
    ("postgresql", "now()", "timestamptz", "CURRENT_TIMESTAMP"),
    ("postgresql", "CURRENT_TIMESTAMP", "timestamptz", "CURRENT_TIMESTAMP"),
    ("postgresql", "current_timestamp", "timestamp", "CURRENT_TIMESTAMP"),
    ("postgresql", "CURRENT_DATE", "date", "CURRENT_DATE"),
    ("postgresql", "true", "boolean", "TRUE"),
    ("postgresql", "gen_random_uuid()", "uuid", "GEN_RANDOM_UUID()"),
    ("postgresql", "lower('X'::text)", "text", "LOWER('X')"),
    ("mysql", None, "int", None),
    ("mysql", "NULL", "int", None),  # MariaDB's "no default" on a nullable column
    ("mysql", "'NULL'", "varchar(5)", "'NULL'"),  # the string NULL is a real default
    ("mysql", "-5", "int", "-5"),
    ("mysql", "'5'", "int", "5"),
    ("mysql", "1.50", "decimal(10,2)", "1.5"),
    ("mysql", "TRUE", "tinyint(1)", "1"),
    ("mysql", "'it''s a\\\\b'", "varchar(9)", "'it''s a\\\\b'"),
    ("mysql", "'it\\'s'", "varchar(9)", "'it''s'"),
    ("mysql", "current_timestamp()", "timestamp", "CURRENT_TIMESTAMP"),
    ("mysql", "CURRENT_TIMESTAMP", "datetime", "CURRENT_TIMESTAMP"),
    ("mysql", "now()", "datetime", "CURRENT_TIMESTAMP"),
    ("mysql", "current_timestamp(6)", "datetime(6)", "CURRENT_TIMESTAMP(6)"),
    ("mysql", "concat('a','b')", "text", "CONCAT('a', 'b')"),
    ("sqlite", "'x'", "text", "'x'"),
    ("sqlite", "(lower('X'))", "text", "LOWER('X')"),
    ("sqlite", "CURRENT_TIMESTAMP", "datetime", "CURRENT_TIMESTAMP"),
    ("sqlite", "-0.0", "real", "0"),
    ("sqlite", "10.50", "numeric(10,2)", "10.5"),
    ("sqlite", "TRUE", "boolean", "TRUE"),
    ("sqlite", "'5'", "", "'5'"),
    # What sqlglot cannot parse is kept, whitespace-normalized.
    ("sqlite", "(  a  ;;;  b )", "", "a ;;; b"),
]


@pytest.mark.parametrize(("dialect", "raw", "type_", "expected"), DEFAULTS,
                         ids=[f"{d}:{r}" for d, r, _, _ in DEFAULTS])
def test_normalize_default(dialect: str, raw: str | None, type_: str,
                           expected: str | None) -> None:
    got = normalize_default(dialect, raw, type_)
    assert got == expected
    assert normalize_default(dialect, got, type_) == expected  # idempotent


EXPRESSIONS = [
    ("postgresql", "((a > 0))", "\"a\" > 0"),
    ("postgresql", "a > '-5'::integer AND (a < 100 OR a = 200)",
     "(\"a\" > -5) AND ((\"a\" < 100) OR (\"a\" = 200))"),
    ("postgresql", "(a > 0) AND (b < 5) AND (c = 1)",
     "(\"a\" > 0) AND (\"b\" < 5) AND (\"c\" = 1)"),
    ("postgresql", "(price * (2)::numeric)", "\"price\" * 2"),  # PostgreSQL's coercion
    ("postgresql", "(2)::numeric / 3", "CAST(2 AS DECIMAL) / 3"),  # not integer division
    ("postgresql", "A > 0", "\"a\" > 0"),  # unquoted identifiers fold to lower case
    ("postgresql", "\"A\" > 0", "\"A\" > 0"),
    ("postgresql", "\"Ж\" > 0", "\"Ж\" > 0"),
    ("postgresql", "length(b::text) > 0", "LENGTH(\"b\") > 0"),  # b is varchar
    ("postgresql", "length(n::text) > 0", "LENGTH(CAST(\"n\" AS TEXT)) > 0"),  # n is integer
    ("postgresql", "b::text = ANY (ARRAY['a'::character varying, 'b'::character varying])",
     "\"b\" IN ('a', 'b')"),
    ("postgresql", "NOT (a > 0)", "\"a\" <= 0"),
    ("postgresql", "NOT (a IS NULL)", "NOT (\"a\" IS NULL)"),
    ("postgresql", "(a * 2) + 1 > -(b - 1)", "((\"a\" * 2) + 1) > -(\"b\" - 1)"),
    ("postgresql", "lower((b)::text)", "LOWER(\"b\")"),
    ("mysql", "`a` > -5 and (`a` < 100 or `a` = 200)",
     "(`a` > -5) AND ((`a` < 100) OR (`a` = 200))"),
    ("mysql", "`a` is not null", "NOT (`a` IS NULL)"),
    ("mysql", "NOT (`a` = 0)", "`a` <> 0"),
    ("mysql", "`A` > 0", "`A` > 0"),  # MySQL keeps the case it was given
    ("mysql", "char_length(`b`) > 0", "CHAR_LENGTH(`b`) > 0"),
    ("mysql", "`b` <> _utf8mb4'x'", "`b` <> 'x'"),
    ("sqlite", "\"My Col\" > 0 and A<3", "(\"my col\" > 0) AND (\"a\" < 3)"),
    ("sqlite", "\"É\" > 0", "\"É\" > 0"),  # SQLite folds ASCII letters only
    ("sqlite", "x AND y AND z OR w", "(\"x\" AND \"y\" AND \"z\") OR \"w\""),
    ("sqlite", "lower(  a  ", "lower( a"),  # unparsable: kept, whitespace-normalized
]


@pytest.mark.parametrize(("dialect", "sql", "expected"), EXPRESSIONS,
                         ids=[f"{d}:{s}" for d, s, _ in EXPRESSIONS])
def test_normalize_expression(dialect: str, sql: str, expected: str) -> None:
    types = {"b": "varchar(5)", "n": "integer"}
    got = normalize_expression(dialect, sql, types)
    assert got == expected
    assert normalize_expression(dialect, got, types) == expected  # idempotent


@pytest.mark.parametrize(("dialect", "raw", "expected"), [
    ("postgresql", "NO ACTION", None),
    ("postgresql", "restrict", "RESTRICT"),
    ("postgresql", "set  null", "SET NULL"),
    ("mysql", "RESTRICT", None),  # the same as NO ACTION in InnoDB
    ("mysql", "NO ACTION", None),
    ("mysql", "CASCADE", "CASCADE"),
    ("sqlite", "NO ACTION", None),
    ("sqlite", "RESTRICT", "RESTRICT"),  # immediate, unlike NO ACTION
    ("sqlite", None, None),
])
def test_normalize_fk_action(dialect: str, raw: str | None, expected: str | None) -> None:
    assert normalize_fk_action(dialect, raw) == expected


@pytest.mark.parametrize(("dialect", "raw", "expected"), [
    ("sqlite", "NOCASE", "nocase"),
    ("sqlite", "BINARY", None),
    ("mysql", "UTF8MB4_BIN", "utf8mb4_bin"),
    ("postgresql", "C", "C"),
    ("postgresql", None, None),
])
def test_normalize_collation(dialect: str, raw: str | None, expected: str | None) -> None:
    assert normalize_collation(dialect, raw) == expected


def test_normalize_view_collapses_whitespace_outside_literals() -> None:
    raw = " SELECT t.a,\n    'x  y'\n   FROM t;"
    assert normalize_view("postgresql", raw) == "SELECT t.a, 'x  y' FROM t"


@pytest.mark.parametrize(("raw", "expected"), [
    ("((a))", "a"),
    ("(a) + (b)", "(a) + (b)"),
    ("( ')(' )", "')('"),
    ("", ""),
])
def test_strip_outer_parens(raw: str, expected: str) -> None:
    assert strip_outer_parens(raw) == expected


def test_collapse_whitespace_keeps_quoted_text() -> None:
    assert collapse_whitespace("a   'b   c'\n\"d  e\"  ") == "a 'b   c' \"d  e\""
