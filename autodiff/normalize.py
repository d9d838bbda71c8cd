"""Per-dialect normalization: one spelling for each type, default and expression.

Introspection and the SQLAlchemy loader both pass what they read through these
functions, so the same schema read from a database and declared in models compares
equal. Every canonical form is valid DDL in its dialect: the renderer emits it as is.
Rules that differ by dialect live in one :class:`Rules` entry per dialect (``RULES``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from autodiff.sqltext import collapse_whitespace, outside_quotes, strip_outer_parens
from autodiff.sqltree import add_parens, drop_parens, negate, unparen

# -- types -------------------------------------------------------------------------

_TYPE_SUFFIX = re.compile(
    r"\s+(with(?:out)? time zone|unsigned zerofill|unsigned|signed|zerofill)$")
_ARGS = re.compile(r"^(?P<name>[^(]*?)\s*\((?P<args>.*)\)$")

_PG_ALIASES = {
    "int": "integer", "int4": "integer", "int8": "bigint", "int2": "smallint",
    "float8": "double precision", "float4": "real", "bool": "boolean",
    "character varying": "varchar", "character": "char", "decimal": "numeric",
    # serial types are integers plus an owned sequence (the autoincrement flag).
    "serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
    "smallserial": "smallint", "serial2": "smallint", "bit varying": "varbit",
    "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
    "time without time zone": "time", "time with time zone": "timetz",
}
_MYSQL_ALIASES = {
    "integer": "int", "int1": "tinyint", "int2": "smallint", "int3": "mediumint",
    "int4": "int", "int8": "bigint", "middleint": "mediumint", "dec": "decimal",
    "numeric": "decimal", "fixed": "decimal", "double precision": "double",
    "real": "double",  # unless sql_mode REAL_AS_FLOAT, which we do not support
    "character varying": "varchar", "character": "char", "bool": "tinyint",
    "boolean": "tinyint",
}
# SQLite only cares about affinity, except that a sole primary key column declared
# exactly INTEGER is the rowid alias (https://www.sqlite.org/lang_createtable.html#rowid);
# the autoincrement flag keeps that distinction, so int and integer can be one type.
_SQLITE_ALIASES = {"int": "integer", "bool": "boolean"}
_MYSQL_INTS = {"tinyint", "smallint", "mediumint", "int", "bigint"}


def _split_type(text: str) -> tuple[str, str | None, str]:
    """``'numeric(10,2) unsigned'`` -> ``('numeric', '10,2', 'unsigned')``."""
    suffix = ""
    while (m := _TYPE_SUFFIX.search(text)) is not None:
        suffix = f"{m.group(1)} {suffix}".strip()
        text = text[: m.start()]
    m = _ARGS.match(text)
    if m is None:
        return text.strip(), None, suffix
    return m.group("name"), m.group("args"), suffix


def _join_type(name: str, args: str | None, suffix: str = "") -> str:
    text = f"{name}({args})" if args else name
    return f"{text} {suffix}" if suffix else text


def _pg_type(name: str, args: str | None, suffix: str) -> str:
    if suffix in ("with time zone", "without time zone"):
        name, suffix = f"{name} {suffix}", ""
    if name == "float":  # float(p): real up to 24 bits of precision, else double
        name = "real" if args and int(args) <= 24 else "double precision"
        args = None
    name = _PG_ALIASES.get(name, name)
    if name == "bpchar" and args:
        name = "char"
    if name in ("char", "bit") and not args:
        args = "1"
    if name == "numeric" and args and "," not in args:
        args += ",0"
    return _join_type(name, args, suffix)


def _mysql_type(name: str, args: str | None, suffix: str) -> str:
    if name in ("bool", "boolean"):
        args = "1"
    name = _MYSQL_ALIASES.get(name, name)
    suffix = " ".join(w for w in suffix.split() if w != "signed")
    if name in _MYSQL_INTS and not (name == "tinyint" and args == "1"):
        args = None  # display widths mean nothing since MySQL 8.0.17
    elif name == "float" and args and "," not in args:
        name, args = ("float" if int(args) <= 24 else "double"), None
    elif name == "decimal":
        args = "10,0" if not args else args if "," in args else f"{args},0"
    elif name in ("char", "binary", "bit") and not args:
        args = "1"
    elif name in ("datetime", "timestamp", "time") and args == "0" or name == "year":
        args = None  # fractional seconds precision 0 is the default; YEAR(4) is YEAR
    elif name == "serial":
        name, suffix = "bigint", "unsigned"
    return _join_type(name, args, suffix)


def _sqlite_type(name: str, args: str | None, suffix: str) -> str:
    return _join_type(_SQLITE_ALIASES.get(name, name), args, suffix)


# -- the rules per dialect --------------------------------------------------------

@dataclass(frozen=True)
class Rules:
    """Everything that makes one dialect's normalization differ from another's."""

    #: sqlglot's name for the dialect.
    sqlglot: str
    #: (base name, args or None, suffix words) -> the canonical type.
    type_rule: Callable[[str, str | None, str], str]
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
    "postgresql": Rules("postgres", _pg_type, frozenset({"NO ACTION"}), fold_identifiers=True,
                        now_functions=frozenset({"NOW", "TRANSACTION_TIMESTAMP"})),
    # RESTRICT and NO ACTION are the same in InnoDB (both checked immediately):
    # https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html
    "mysql": Rules("mysql", _mysql_type, frozenset({"NO ACTION", "RESTRICT"}), backslash=True,
                   now_functions=frozenset({"NOW", "LOCALTIMESTAMP", "LOCALTIME"})),
    # SQLite's RESTRICT fires immediately, NO ACTION at statement end: they differ.
    # https://www.sqlite.org/foreignkeys.html#fk_actions
    "sqlite": Rules("sqlite", _sqlite_type, frozenset({"NO ACTION"}), fold_identifiers=True),
}

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_NUMERIC_BASES = {
    "integer", "bigint", "smallint", "numeric", "real", "double precision",  # PostgreSQL
    "int", "tinyint", "mediumint", "decimal", "double", "float",  # MySQL, SQLite
}
_PG_STRING_BASES = {"text", "varchar", "char", "bpchar", "name"}


# The normalizers are pure and called for every column of every table; big schemas
# repeat the same types and defaults, so the results are cached.
@lru_cache(maxsize=16384)
def normalize_type(dialect: str, raw: str) -> str:
    """The canonical spelling of a column type, e.g. ``INT4`` -> ``integer`` on PostgreSQL."""
    rules = RULES[dialect]
    text = collapse_whitespace(raw, rules.backslash)
    if dialect == "postgresql":
        text, array = _pg_array(text)
    else:
        array = ""
    if text.startswith('"'):  # a quoted user-defined type (enum, domain): kept as is
        return text + array
    text = outside_quotes(text, _tight_parens, rules.backslash)
    name, args, suffix = _split_type(text)
    try:
        return rules.type_rule(name, args, suffix) + array
    except ValueError:  # a malformed argument such as float(x): leave it to the database
        return text + array


def _tight_parens(text: str) -> str:
    text = re.sub(r"\s*\(\s*", "(", text.lower())
    return re.sub(r"\s*,\s*", ",", re.sub(r"\s*\)", ")", text))


def _pg_array(text: str) -> tuple[str, str]:
    # PostgreSQL ignores declared array bounds and dimensions: int[3][] is int[].
    m = re.search(r"(\s*\[\d*\])+$|\s+array(\s*\[\d*\])?$", text, re.IGNORECASE)
    return (text[: m.start()], "[]") if m else (text, "")


@lru_cache(maxsize=4096)
def type_base(type_: str) -> str:
    """A normalized type without its arguments: ``varchar(50)`` -> ``varchar``."""
    return re.sub(r"\([^)]*\)", "", type_).strip()


def is_numeric_type(type_: str | None) -> bool:
    """Whether a normalized type holds numbers (so a numeric string default is a number)."""
    return type_ is not None and type_base(type_).split(" unsigned")[0] in _NUMERIC_BASES


# -- expressions and defaults ----------------------------------------------------

def normalize_expression(dialect: str, sql: str, types: Mapping[str, str] | None = None) -> str:
    """A check, index or generated-column expression in one canonical spelling.

    ``types`` maps column names to normalized types; with it, PostgreSQL's casts of
    string columns to ``text`` (which it adds on its own) are dropped.
    """
    strings: frozenset[str] = frozenset()
    if dialect == "postgresql" and types:
        strings = frozenset(n for n, t in types.items() if type_base(t) in _PG_STRING_BASES)
    return _normalize_expression(dialect, sql, strings)


@lru_cache(maxsize=16384)
def _normalize_expression(dialect: str, sql: str, strings: frozenset[str]) -> str:
    rules = RULES[dialect]
    text = strip_outer_parens(sql)
    tree = _parse(rules, text)
    try:
        return _generate(rules, _canonical(tree, dialect, strings)) if tree else _plain(rules, text)
    except (SqlglotError, ValueError, TypeError, AttributeError):  # sqlglot cannot write it
        return _plain(rules, text)


def _plain(rules: Rules, text: str) -> str:
    return collapse_whitespace(text, rules.backslash)


@lru_cache(maxsize=16384)
def normalize_default(dialect: str, raw: str | None, type_: str | None = None) -> str | None:
    """A column default in canonical form; None when there is none (or it is NULL)."""
    if raw is None:
        return None
    rules = RULES[dialect]
    text = strip_outer_parens(raw)
    if dialect == "postgresql":
        text = _strip_pg_literal_cast(text, type_)
    tree = _parse(rules, text)
    if tree is None:
        return _plain(rules, text) or None
    try:
        tree = _canonical(tree, dialect, frozenset())
        if isinstance(tree, exp.Cast) and isinstance(unparen(tree.this), exp.Null):
            return None  # NULL::character varying, as PostgreSQL shows DEFAULT NULL
        if isinstance(tree, exp.Null):
            return None
        return _generate(rules, _number(tree) if is_numeric_type(type_) else tree)
    except (SqlglotError, ValueError, TypeError, AttributeError):  # sqlglot cannot write it
        return _plain(rules, text) or None


def normalize_fk_action(dialect: str, raw: str | None) -> str | None:
    """``ON DELETE``/``ON UPDATE`` action in upper case; None for the dialect's default."""
    if raw is None:
        return None
    action = " ".join(raw.upper().split())
    return None if action in RULES[dialect].default_actions else action


def normalize_collation(dialect: str, name: str | None) -> str | None:
    """A column collation's canonical name; None for SQLite's default BINARY."""
    if name is None or dialect == "postgresql":  # PostgreSQL collation names are case-sensitive
        return name
    name = name.lower()  # SQLite and MySQL compare collation names case-insensitively
    return None if dialect == "sqlite" and name == "binary" else name


def normalize_view(dialect: str, sql: str) -> str:
    """A view's query with whitespace collapsed and no trailing semicolon."""
    return collapse_whitespace(sql, RULES[dialect].backslash).rstrip(";").rstrip()


_PG_LITERAL_CAST = re.compile(r"^('(?:[^']|'')*')::(.+)$", re.S)


def _strip_pg_literal_cast(text: str, type_: str | None) -> str:
    # PostgreSQL stores DEFAULT 'abc' on a varchar as 'abc'::character varying, and
    # negative numbers as '-5'::integer. The cast to the column's own type adds nothing.
    m = _PG_LITERAL_CAST.match(text)
    if m is None:
        return text
    cast = normalize_type("postgresql", m.group(2))
    if type_ is None or type_base(cast) in (type_base(type_), *_PG_STRING_BASES) or (
            is_numeric_type(cast) and _decimal(m.group(1)[1:-1]) is not None):
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


def _canonical(tree: exp.Expr, dialect: str, strings: frozenset[str]) -> exp.Expr:
    rules = RULES[dialect]
    tree = drop_parens(tree)
    if rules.fold_identifiers:
        for ident in tree.find_all(exp.Identifier):
            if dialect == "sqlite" or not ident.quoted:
                ident.set("this", ident.this.translate(_ASCII_LOWER))
    for node in reversed(list(tree.walk())):  # children before their parents
        replacement = _simplify(node, dialect, strings)
        if replacement is not node:
            if node is tree:
                tree = replacement
            else:
                node.replace(replacement)
    return add_parens(tree)


def _simplify(node: exp.Expr, dialect: str, strings: frozenset[str]) -> exp.Expr:
    """One node's dialect-specific simplification (or the node itself)."""
    rules = RULES[dialect]
    if isinstance(node, exp.CurrentTimestamp) and not node.this or (
            isinstance(node, exp.Anonymous) and str(node.this).upper() in rules.now_functions
            and not node.expressions):
        return exp.var("CURRENT_TIMESTAMP")
    if isinstance(node, exp.Not):
        return negate(node)  # NOT (a = 1) is a <> 1; MariaDB stores it that way
    if dialect == "postgresql" and isinstance(node, exp.Cast):
        return _pg_cast(node, strings)
    if isinstance(node, exp.Introducer) and isinstance(node.expression, exp.Literal):
        return node.expression  # MySQL 8 prints _utf8mb4'x' in checks and generated columns
    return node


def _pg_cast(node: exp.Cast, strings: frozenset[str]) -> exp.Expr:
    inner = unparen(node.this)
    target = normalize_type("postgresql", node.to.sql(dialect="postgres"))
    if isinstance(inner, exp.Literal) and inner.is_string:
        if type_base(target) in _PG_STRING_BASES:
            return inner
        if is_numeric_type(target) and _decimal(inner.this) is not None:
            return exp.Literal.number(inner.this)
    if isinstance(inner, exp.Literal) and is_numeric_type(target) and _coerced(node):
        return inner
    if isinstance(inner, exp.Column) and target == "text" and inner.name in strings:
        return inner  # a varchar or char column cast to text: PostgreSQL's own addition
    return node


def _coerced(cast: exp.Cast) -> bool:
    """Whether PostgreSQL added ``cast`` to match the other operand (price * 2::numeric)."""
    parent = cast.parent
    if not isinstance(parent, exp.Binary):
        return False
    other = parent.expression if parent.this is cast else parent.this
    return not isinstance(unparen(other), (exp.Literal, exp.Cast, exp.Neg))


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _number(tree: exp.Expr) -> exp.Expr:
    # 1.50 and 1.5 are one default for a numeric column; the column's scale decides.
    if isinstance(tree, exp.Boolean):  # MySQL's TRUE is 1, and reads back as 1
        return exp.Literal.number(1 if tree.this else 0)
    sign, literal = ("-", tree.this) if isinstance(tree, exp.Neg) else ("", tree)
    if not isinstance(literal, exp.Literal):
        return tree
    value = _decimal(sign + literal.this)
    if value is None:
        return tree
    text = format(value.normalize(), "f")
    return exp.Literal.number("0" if text == "-0" else text)
