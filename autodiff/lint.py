"""SQL statements in words, with warnings: the per-statement rules of ``autodiff review``.

In the spirit of squawk and Atlas lint, but for any ``.sql`` script, generated or
hand-written: each statement is parsed with sqlglot in the database's dialect, described
like an op (``add column students.age (integer)``) and checked against :data:`RULES`.
A statement sqlglot cannot read is shown as written with a note; it never stops the
review. The warning families are those of :mod:`autodiff.safety`, plus FAILS.

What SQL alone cannot tell (a column's type before the script, the columns a SQLite
rebuild leaves out) comes from ``before``: the schema the earlier scripts produce, or
None when it is not known.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from autodiff.model import Schema, Table
from autodiff.safety import DESTRUCTIVE, FAILS, LOCK, REWRITE
from autodiff.sqlsplit import Statement, split_sql
from autodiff.typenames import normalize_type

EDITED = "EDITED"
#: rule id -> (family, what it means). docs/review.md lists the same.
RULES: dict[str, tuple[str, str]] = {
    "drop-table": (DESTRUCTIVE, "a table is dropped, or rebuilt without copying its rows"),
    "drop-column": (DESTRUCTIVE, "a column is dropped, or left out of a table rebuild"),
    "narrowing-type": (DESTRUCTIVE, "a type change that may truncate or fail to convert "
                                    "values (or whose old type is unknown)"),
    "delete-rows": (DESTRUCTIVE, "DELETE or TRUNCATE removes rows"),
    "table-rewrite": (REWRITE, "every row is copied: SQLite table rebuild, PostgreSQL type "
                               "change, MySQL change of a column's type or NULL"),
    "index-not-concurrently": (LOCK, "PostgreSQL CREATE INDEX without CONCURRENTLY blocks "
                                     "writes to the table while it builds"),
    "unique-not-concurrently": (LOCK, "PostgreSQL ADD UNIQUE / PRIMARY KEY builds its index "
                                      "under an ACCESS EXCLUSIVE lock"),
    "not-null-without-default": (FAILS, "ADD COLUMN ... NOT NULL without a default fails on "
                                        "a table that has rows (PostgreSQL), or at once "
                                        "(SQLite)"),
    "set-not-null": (LOCK, "PostgreSQL SET NOT NULL scans the table under an ACCESS "
                           "EXCLUSIVE lock"),
    "volatile-default": (LOCK, "PostgreSQL ADD COLUMN with a volatile default (random(), "
                               "gen_random_uuid(), serial...) rewrites the table under an "
                               "ACCESS EXCLUSIVE lock"),
    "fk-not-valid": (LOCK, "PostgreSQL foreign key added without NOT VALID: validating it "
                           "scans the table while writes to both tables wait"),
    "check-not-valid": (LOCK, "PostgreSQL check constraint added without NOT VALID scans "
                              "the table under an ACCESS EXCLUSIVE lock"),
    "concurrently-in-transaction": (FAILS, "PostgreSQL refuses CONCURRENTLY inside the "
                                           "transaction the runner opens for a script"),
    # About a script itself, from git (autodiff.review), not about a statement.
    "modified-script": (EDITED, "a script that existed at the base revision was changed"),
    "removed-script": (EDITED, "a script that existed at the base revision was removed"),
}
_SQLGLOT = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}
# Functions evaluated per row: as an ADD COLUMN default they force a rewrite.
# https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
_VOLATILE = {"random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1",
             "uuid_generate_v1mc", "uuid_generate_v4", "nextval"}
_SERIAL = {exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL,
           exp.DataType.Type.SMALLSERIAL}
SchemaSource = Callable[[], "Schema | None"]
Described = list[tuple[str, list["Finding"]]]


@dataclass(frozen=True)
class Finding:
    """One warning: the rule that fired and why, in words."""

    rule: str
    message: str

    @property
    def family(self) -> str:
        """DESTRUCTIVE, REWRITES TABLE, HEAVY LOCK, FAILS or EDITED."""
        return RULES[self.rule][0]


@dataclass(frozen=True)
class Change:
    """One change a script makes, in words, from the statement starting at ``line``."""

    description: str
    line: int
    findings: tuple[Finding, ...] = ()
    note: str | None = None


def lint_sql(text: str, dialect: str, before: SchemaSource = lambda: None) -> list[Change]:
    """The changes ``text`` makes on ``dialect``, in order, each with its warnings."""
    from autodiff.lint_rules import HANDLERS, find_rebuilds, rebuild

    statements = split_sql(text, dialect)
    trees = [parse(s.text, dialect) for s in statements]
    linter = Linter(dialect, before, _in_transaction(trees))
    rebuilds = {r.statements[0]: r for r in find_rebuilds(linter, trees)}
    covered = {i for r in rebuilds.values() for i in r.statements}
    out: list[Change] = []
    for i, (statement, tree) in enumerate(zip(statements, trees, strict=True)):
        if i in rebuilds:
            out += _changes(rebuild(linter, rebuilds[i], trees), statement)
        elif tree is None:
            out.append(Change(statement.summary(100), statement.line,
                              note="not analysed: sqlglot cannot parse it; review it by hand"))
        elif i not in covered:
            handler = HANDLERS.get(type(tree))
            described = handler(linter, tree) if handler else [(linter.short(tree), [])]
            out += _changes(described, statement)
    return out


def _changes(described: Described, statement: Statement) -> list[Change]:
    return [Change(text, statement.line, tuple(found)) for text, found in described]


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    # sqlglot logs a warning for each statement it falls back to a Command for.
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def parse(text: str, dialect: str) -> exp.Expr | None:
    """The statement's tree, or None when sqlglot does not understand all of it."""
    try:
        with _quiet_sqlglot():
            trees = sqlglot.parse(text, read=_SQLGLOT[dialect])
    except (SqlglotError, ValueError, RecursionError):
        return None
    if len(trees) != 1 or trees[0] is None or isinstance(trees[0], (exp.Command, exp.Block)):
        return None
    return trees[0]


def _in_transaction(trees: list[exp.Expr | None]) -> bool:
    # The runner wraps a script in BEGIN/COMMIT unless it controls transactions itself.
    return not any(isinstance(t, (exp.Transaction, exp.Commit)) for t in trees)


@dataclass
class Linter:
    """What the rules need to know about the script and the database."""

    dialect: str
    before: SchemaSource
    in_transaction: bool
    created: set[str] = field(default_factory=set)  # tables new in this script: no rows

    def name(self, node: exp.Expr | None) -> str:
        """An identifier, table or column as the database names it (PostgreSQL folds)."""
        if isinstance(node, exp.Table):
            schema = node.args.get("db")
            own = self.name(node.this)
            return f"{self.name(schema)}.{own}" if schema else own
        if isinstance(node, (exp.Column, exp.ColumnDef)):
            return self.name(node.this)
        if isinstance(node, exp.Identifier):
            folds = self.dialect == "postgresql" and not node.quoted
            return node.name.lower() if folds else node.name
        return self.sql(node) if node is not None else "?"

    def names(self, nodes: list[exp.Expr]) -> str:
        """Names joined with commas, e.g. for a column list."""
        return ", ".join(self.name(n) for n in nodes)

    def sql(self, node: exp.Expr) -> str:
        """``node`` as SQL of the dialect, on one line."""
        return " ".join(node.sql(_SQLGLOT[self.dialect]).split())

    def short(self, node: exp.Expr) -> str:
        """``node`` as SQL, cut to 100 characters."""
        text = self.sql(node)
        return text if len(text) <= 100 else text[:99] + "…"

    def type_of(self, kind: exp.Expr | None) -> str:
        """A column type as the schema model spells it on this dialect."""
        if kind is None:
            return "?"
        # sqlglot's SQLite dialect prints type affinities (VARCHAR(50) as TEXT(50)); SQLite
        # keeps the declared type, which sqlglot's generic dialect prints back.
        text = kind.sql() if self.dialect == "sqlite" else self.sql(kind)
        return normalize_type(self.dialect, text)

    def old_column(self, table: str, column: str) -> tuple[str | None, bool]:
        """(type, nullable) of ``table.column`` before the script; type None if unknown."""
        found = self.old_table(table)
        col = next((c for c in found.columns if c.name.lower() == column.lower()), None) \
            if found is not None else None
        return (col.type, col.nullable) if col is not None else (None, True)

    def old_table(self, table: str) -> Table | None:
        """The table as it was before the script, or None if unknown."""
        schema = self.before()
        return schema.table(table) if schema is not None else None

    def pg_lock(self, table: str) -> bool:
        """Whether the PostgreSQL lock rules apply to ``table`` (not new in this script)."""
        return self.dialect == "postgresql" and table not in self.created

    def volatile_default(self, column: exp.ColumnDef) -> str | None:
        """The volatile default of a column definition (serial types count), or None."""
        kind = column.args.get("kind")
        if isinstance(kind, exp.DataType) and kind.this in _SERIAL:
            return f"the sequence of {self.sql(kind).lower()}"
        default = column.find(exp.DefaultColumnConstraint)
        if default is None:
            return None
        for func in default.find_all(exp.Func):
            if func.sql("postgres").split("(")[0].lower() in _VOLATILE:
                return self.sql(default.this)
        return None
