"""sqlglot's part of normalization: expressions and defaults parsed, simplified per
dialect and written back in one spelling.

Only :mod:`autodiff.normalize` calls this, and only for a spelling it has not seen:
importing sqlglot costs a process 60-90 ms, and most runs find every spelling in the
memo of earlier runs (``autodiff.memo``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from autodiff.normalize import RULES, Rules
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

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def canonical_expression(dialect: str, sql: str, types: tuple[tuple[str, str], ...]) -> str:
    """:func:`autodiff.normalize.normalize_expression`'s work (``types`` as sorted pairs)."""
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


def canonical_default(dialect: str, raw: str, type_: str | None) -> str | None:
    """A default's canonical spelling before MySQL's CURRENT_TIMESTAMP precision rule;
    None for NULL."""
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
