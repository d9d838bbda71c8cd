"""Per-dialect normalization: one spelling for each type, default and expression.

Introspection and the SQLAlchemy loader both pass what they read through these
functions, so the same schema read from a database and declared in models compares
equal. Every canonical form is valid DDL in its dialect: the renderer emits it as is.
Rules that differ by dialect live in one :class:`Rules` entry per dialect (``RULES``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from autodiff.sqltext import collapse_whitespace, strip_outer_parens
from autodiff.sqltree import (
    add_parens,
    any_to_in,
    between_to_and,
    decimal,
    drop_parens,
    in_to_comparison,
    is_number,
    mysql_node,
    negate,
    pg_cast,
    pg_in_values,
    unparen,
)
from autodiff.typenames import (
    PG_INTEGERS,
    PG_STRING_BASES,
    is_numeric_type,
    normalize_type,
    type_base,
)

__all__ = ["RULES", "Rules", "is_numeric_type", "mysql_implicit_default", "normalize_collation",
           "normalize_default", "normalize_expression", "normalize_fk_action",
           "normalize_on_update", "normalize_type", "normalize_view", "split_on_update",
           "type_base"]

# -- the rules per dialect --------------------------------------------------------

@dataclass(frozen=True)
class Rules:
    """Everything that makes one dialect's normalization differ from another's."""

    #: sqlglot's name for the dialect.
    sqlglot: str
    #: Referential actions that mean the default, reported as None.
    default_actions: frozenset[str]
    #: Backslash escapes inside string literals.
    backslash: bool = False
    #: Identifiers are folded to lower case: PostgreSQL folds unquoted ones, SQLite
    #: compares all case-insensitively; both fold ASCII letters only.
    #: https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
    fold_identifiers: bool = False
    #: Function names (upper case) that mean CURRENT_TIMESTAMP.
    now_functions: frozenset[str] = frozenset()


RULES: dict[str, Rules] = {
    "postgresql": Rules("postgres", frozenset({"NO ACTION"}), fold_identifiers=True,
                        now_functions=frozenset({"NOW", "TRANSACTION_TIMESTAMP"})),
    # RESTRICT and NO ACTION are the same in InnoDB (both checked immediately):
    # https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html
    "mysql": Rules("mysql", frozenset({"NO ACTION", "RESTRICT"}), backslash=True,
                   now_functions=frozenset({"NOW", "LOCALTIMESTAMP", "LOCALTIME"})),
    # SQLite's RESTRICT fires immediately, NO ACTION at statement end: they differ.
    # https://www.sqlite.org/foreignkeys.html#fk_actions
    "sqlite": Rules("sqlite", frozenset({"NO ACTION"}), fold_identifiers=True),
}

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# -- expressions and defaults ----------------------------------------------------

def normalize_expression(dialect: str, sql: str, types: Mapping[str, str] | None = None) -> str:
    """A check, index or generated-column expression in one canonical spelling.

    ``types`` maps column names to normalized types; with it, the casts PostgreSQL adds
    on its own (``name::text`` on a varchar, ``'a'::mood`` beside a mood column) are dropped.
    """
    known = tuple(sorted(types.items())) if dialect == "postgresql" and types else ()
    return _normalize_expression(dialect, sql, known)


@lru_cache(maxsize=16384)
def _normalize_expression(dialect: str, sql: str, types: tuple[tuple[str, str], ...]) -> str:
    rules = RULES[dialect]
    text = strip_outer_parens(sql)
    tree = _parse(rules, text)
    try:
        return _generate(rules, _canonical(tree, dialect, dict(types))) if tree \
            else _plain(rules, text)
    except (SqlglotError, ValueError, TypeError, AttributeError):  # sqlglot cannot write it
        return _plain(rules, text)


def _plain(rules: Rules, text: str) -> str:
    return collapse_whitespace(text, rules.backslash)


@lru_cache(maxsize=16384)
def normalize_default(dialect: str, raw: str | None, type_: str | None = None) -> str | None:
    """A column default in canonical form; None when there is none (or it is NULL)."""
    if raw is None:
        return None
    out = _normalize_default(dialect, raw, type_)
    return _mysql_now(out, type_, on_update=False) if dialect == "mysql" and out else out


def normalize_on_update(dialect: str, raw: str | None, type_: str | None = None) -> str | None:
    """MySQL's ``ON UPDATE`` expression in canonical form (``CURRENT_TIMESTAMP(3)``)."""
    if raw is None:
        return None
    out = _normalize_default(dialect, raw, type_)
    return _mysql_now(out, type_, on_update=True) if dialect == "mysql" and out else out


def mysql_implicit_default(default: str | None, nullable: bool,
                           on_update: str | None) -> str | None:
    """None for the zero date MariaDB gives a NOT NULL column with ON UPDATE and no
    default: created without a default, it reads back with that one."""
    if on_update is None or nullable or default is None or not _ZERO_DATE.fullmatch(default):
        return default
    return None


def split_on_update(raw: str) -> tuple[str | None, str | None]:
    """``"X ON UPDATE Y"`` (a MySQL server default written with its ON UPDATE clause, as
    SQLAlchemy users must) as ``("X", "Y")``; ``(raw, None)`` without the clause."""
    m = _ON_UPDATE.search(raw.strip())
    if m is None:
        return raw, None
    return raw.strip()[:m.start()].strip() or None, m.group(1)


def _normalize_default(dialect: str, raw: str, type_: str | None) -> str | None:
    rules = RULES[dialect]
    text = strip_outer_parens(raw)
    if dialect == "postgresql":
        text = _strip_pg_literal_cast(text, type_)
    tree = _parse(rules, text)
    if tree is None:
        return _plain(rules, text) or None
    try:
        tree = _canonical(tree, dialect, {})
        if isinstance(tree, exp.Cast) and isinstance(unparen(tree.this), exp.Null):
            return None  # NULL::character varying, as PostgreSQL shows DEFAULT NULL
        if isinstance(tree, exp.Null):
            return None
        if dialect == "postgresql":
            tree = _pg_boolean(tree) if type_ == "boolean" else _pg_own_cast(tree, type_)
        if dialect != "sqlite" and type_ is not None:
            tree = _datetime(tree, type_base(type_))
        return _generate(rules, _number(tree) if is_numeric_type(type_) else tree)
    except (SqlglotError, ValueError, TypeError, AttributeError):  # sqlglot cannot write it
        return _plain(rules, text) or None


def normalize_fk_action(dialect: str, raw: str | None) -> str | None:
    """``ON DELETE``/``ON UPDATE`` action in upper case; None for the dialect's default."""
    if raw is None:
        return None
    action = " ".join(raw.upper().split())
    return None if action in RULES[dialect].default_actions else action


def normalize_index_order(dialect: str, desc: bool, nulls_first: bool | None = None) -> str:
    """One index key part's sort order: ``""`` (ASC), ``"DESC"``, plus on PostgreSQL a
    NULLS clause only where it differs from the default (NULLS LAST for ASC, FIRST for
    DESC: https://www.postgresql.org/docs/15/indexes-ordering.html)."""
    order = "DESC" if desc else ""
    if dialect != "postgresql" or nulls_first is None or nulls_first == desc:
        return order
    return f"{order} NULLS {'FIRST' if nulls_first else 'LAST'}".strip()


def normalize_deferral(dialect: str, deferrable: bool | None, initially: str | None
                       ) -> tuple[bool, str | None]:
    """A foreign key's (``deferrable``, ``initially``) in one spelling per meaning.

    PostgreSQL: INITIALLY DEFERRED implies DEFERRABLE; IMMEDIATE is the default. SQLite
    has no SET CONSTRAINTS, so only DEFERRABLE INITIALLY DEFERRED differs from nothing
    (https://www.sqlite.org/foreignkeys.html#fk_deferred). MySQL has no deferral.
    """
    deferred = (initially or "").upper() == "DEFERRED"
    if dialect == "mysql" or (dialect == "sqlite" and not (deferrable and deferred)):
        return False, None
    return bool(deferrable) or deferred, "DEFERRED" if deferred else None


def normalize_collation(dialect: str, name: str | None) -> str | None:
    """A column collation's canonical name; None for SQLite's default BINARY."""
    if name is None or dialect == "postgresql":  # PostgreSQL collation names are case-sensitive
        return name
    name = name.lower()  # SQLite and MySQL compare collation names case-insensitively
    return None if dialect == "sqlite" and name == "binary" else name


def normalize_view(dialect: str, sql: str) -> str:
    """A view's query with whitespace collapsed and no trailing semicolon."""
    return collapse_whitespace(sql, RULES[dialect].backslash).rstrip(";").rstrip()


# MySQL's clause takes only CURRENT_TIMESTAMP or a synonym, with an optional precision.
_NOW_CALL = r"(?:CURRENT_TIMESTAMP|NOW|LOCALTIMESTAMP|LOCALTIME)(?:\s*\(\s*(\d*)\s*\))?"
_ON_UPDATE = re.compile(rf"(?:^|\s)ON\s+UPDATE\s+({_NOW_CALL})$", re.IGNORECASE)
_NOW = re.compile(_NOW_CALL, re.IGNORECASE)
_FSP = re.compile(r"\((\d)\)")
_ZERO_DATE = re.compile(r"'0000-00-00 00:00:00(\.0+)?'")


def _mysql_now(text: str, type_: str | None, on_update: bool) -> str:
    """CURRENT_TIMESTAMP (or a synonym) with the precision MariaDB stores for the column.

    On a DATETIME/TIMESTAMP of precision f, MariaDB stores a default's precision p as f
    when p is 0, absent or above f, and an ON UPDATE's as f when absent or above f (a
    lower one is refused); MySQL 8 takes only p = f. So both read back as p = f:
    https://mariadb.com/kb/en/timestamp/
    """
    m = _NOW.fullmatch(text)
    if m is None:
        return text
    p = int(m.group(1)) if m.group(1) else None
    base = type_base(type_) if type_ else ""
    if base in ("datetime", "timestamp"):
        fsp = _FSP.search(type_ or "")
        f = int(fsp.group(1)) if fsp else 0
        if p is None or p >= f or (p == 0 and not on_update):
            p = f
        elif on_update:  # refused by the server: kept as written, so its error shows
            return f"CURRENT_TIMESTAMP({p})"
    return f"CURRENT_TIMESTAMP({p})" if p else "CURRENT_TIMESTAMP"
# The spellings PostgreSQL reads as a boolean, and their unique prefixes ('t', 'of').
# https://www.postgresql.org/docs/15/datatype-boolean.html
_PG_BOOLEAN_WORDS = ((True, ("true", "yes", "on", "1")), (False, ("false", "no", "off", "0")))


def _pg_boolean(tree: exp.Expr) -> exp.Expr:
    """A string default of a boolean column as TRUE or FALSE, as PostgreSQL stores it."""
    if not (isinstance(tree, exp.Literal) and tree.is_string):
        return tree
    word = tree.this.strip().lower()
    hits = {value for value, words in _PG_BOOLEAN_WORDS
            for w in words if word and w.startswith(word)}
    return exp.Boolean(this=hits.pop()) if len(hits) == 1 else tree


def _pg_own_cast(tree: exp.Expr, type_: str | None) -> exp.Expr:
    """CAST(5 AS INTEGER) on an integer column as 5: PostgreSQL folds the constant."""
    if not isinstance(tree, exp.Cast) or type_ is None:
        return tree
    inner = unparen(tree.this)
    if not is_number(inner):
        return tree
    target = normalize_type("postgresql", tree.to.sql(dialect="postgres"))
    fraction = "." in inner.sql() or "e" in inner.sql().lower()
    same = target == type_ and not (fraction and type_base(type_) in PG_INTEGERS)
    return inner if same else tree


def _datetime(tree: exp.Expr, base: str) -> exp.Expr:
    """A date or time literal as PostgreSQL and MariaDB store it ('2020-01-01' on a
    timestamp is '2020-01-01 00:00:00'); fractions and time zones are left alone."""
    if not (isinstance(tree, exp.Literal) and tree.is_string) or base not in _DATETIMES:
        return tree
    try:
        value = _DATETIMES[base](tree.this.strip())
    except ValueError:
        return tree
    if getattr(value, "microsecond", 0) or getattr(value, "tzinfo", None):
        return tree
    return exp.Literal.string(value.isoformat(" ") if base not in ("date", "time")
                              else value.isoformat())


_DATETIMES: dict[str, Callable[[str], Any]] = {
    "date": dt.date.fromisoformat, "time": dt.time.fromisoformat,
    "timestamp": dt.datetime.fromisoformat, "datetime": dt.datetime.fromisoformat}
_PG_LITERAL_CAST = re.compile(r"^('(?:[^']|'')*')::(.+)$", re.S)


def _strip_pg_literal_cast(text: str, type_: str | None) -> str:
    # PostgreSQL stores DEFAULT 'abc' on a varchar as 'abc'::character varying, and
    # negative numbers as '-5'::integer. The cast to the column's own type adds nothing.
    m = _PG_LITERAL_CAST.match(text)
    if m is None:
        return text
    cast = normalize_type("postgresql", m.group(2))
    if type_ is None or type_base(cast) in (type_base(type_), *PG_STRING_BASES) or (
            is_numeric_type(cast) and decimal(m.group(1)[1:-1]) is not None):
        return m.group(1)
    return text


def _parse(rules: Rules, text: str) -> exp.Expr | None:
    try:
        trees = sqlglot.parse(text, read=rules.sqlglot)
    except (SqlglotError, ValueError, TypeError):
        return None
    # One expression or nothing: "a; b" is two statements, a Command is sqlglot giving up.
    if len(trees) != 1 or trees[0] is None or isinstance(trees[0], exp.Command):
        return None
    return trees[0]


def _generate(rules: Rules, tree: exp.Expr) -> str:
    return tree.sql(dialect=rules.sqlglot, identify=True)


def _canonical(tree: exp.Expr, dialect: str, types: Mapping[str, str]) -> exp.Expr:
    rules = RULES[dialect]
    tree = drop_parens(tree)
    if rules.fold_identifiers:
        for ident in tree.find_all(exp.Identifier):
            if dialect == "sqlite" or not ident.quoted:
                ident.set("this", ident.this.translate(_ASCII_LOWER))
    for node in reversed(list(tree.walk())):  # children before their parents
        replacement = _simplify(node, dialect, types)
        if replacement is not node:
            if node is tree:
                tree = replacement
            else:
                node.replace(replacement)
    return add_parens(tree)


def _simplify(node: exp.Expr, dialect: str, types: Mapping[str, str]) -> exp.Expr:
    """One node's dialect-specific simplification (or the node itself)."""
    rules = RULES[dialect]
    if isinstance(node, exp.CurrentTimestamp) and not node.this or (
            isinstance(node, exp.Anonymous) and str(node.this).upper() in rules.now_functions
            and not node.expressions):
        return exp.var("CURRENT_TIMESTAMP")
    if dialect != "mysql" and isinstance(node, (exp.CurrentTimestamp, exp.CurrentTime)):
        # sqlglot writes CURRENT_TIME() (not PostgreSQL's or SQLite's) and drops the
        # precision of CURRENT_TIMESTAMP(3) for PostgreSQL: spelled out here instead.
        name = "CURRENT_TIMESTAMP" if isinstance(node, exp.CurrentTimestamp) else "CURRENT_TIME"
        return exp.var(f"{name}({node.this.sql()})" if node.this else name)
    if dialect == "mysql":
        node = mysql_node(node)
    if isinstance(node, exp.Not):
        return negate(node)  # NOT (a = 1) is a <> 1; MariaDB stores it that way
    if isinstance(node, exp.Between):
        return between_to_and(node)
    if isinstance(node, exp.In):
        return in_to_comparison(node)
    if dialect == "postgresql" and isinstance(node, exp.Cast):
        return pg_cast(node, types)
    if dialect == "postgresql" and isinstance(node, (exp.EQ, exp.NEQ)):
        found = any_to_in(node)
        return node if found is node else pg_in_values(found, types)
    if isinstance(node, exp.Introducer) and isinstance(node.expression, exp.Literal):
        return node.expression  # MySQL 8 prints _utf8mb4'x' in checks and generated columns
    return node


def _number(tree: exp.Expr) -> exp.Expr:
    # 1.50 and 1.5 are one default for a numeric column; the column's scale decides.
    if isinstance(tree, exp.Boolean):  # MySQL's TRUE is 1, and reads back as 1
        return exp.Literal.number(1 if tree.this else 0)
    sign, literal = ("-", tree.this) if isinstance(tree, exp.Neg) else ("", tree)
    if not isinstance(literal, exp.Literal):
        return tree
    value = decimal(sign + literal.this)
    if value is None:
        return tree
    text = format(value.normalize(), "f")
    return exp.Literal.number("0" if text == "-0" else text)
