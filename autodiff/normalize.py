"""Per-dialect normalization: one spelling for each type, default and expression.

Introspection and the SQLAlchemy loader both pass what they read through these
functions, so the same schema read from a database and declared in models compares
equal. Every canonical form is valid DDL in its dialect: the renderer emits it as is.
Rules that differ by dialect live in one :class:`Rules` entry per dialect (``RULES``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from autodiff import memo
from autodiff.sqltext import collapse_whitespace
from autodiff.typenames import is_numeric_type, normalize_type, type_base

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

# -- expressions and defaults ----------------------------------------------------

def normalize_expression(dialect: str, sql: str, types: Mapping[str, str] | None = None) -> str:
    """A check, index or generated-column expression in one canonical spelling.

    ``types`` maps column names to normalized types; with it, the casts PostgreSQL adds
    on its own (``name::text`` on a varchar, ``'a'::mood`` beside a mood column) are dropped.
    """
    # Plain str (column names may be SQLAlchemy's quoted_name): the memo stores them.
    known = tuple(sorted((str(k), str(v)) for k, v in types.items())) \
        if dialect == "postgresql" and types else ()
    return _normalize_expression(dialect, str(sql), known)


@lru_cache(maxsize=16384)
def _normalize_expression(dialect: str, sql: str, types: tuple[tuple[str, str], ...]) -> str:
    def work() -> str:
        from autodiff.canonical import canonical_expression

        return canonical_expression(dialect, sql, types)

    return memo.computed(("expression", dialect, sql, types), work)


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
    def work() -> str | None:
        from autodiff.canonical import canonical_default

        return canonical_default(dialect, raw, type_)

    return memo.computed(("default", dialect, str(raw), type_ and str(type_)), work)


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
