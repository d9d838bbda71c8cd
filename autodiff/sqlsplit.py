"""Split a ``.sql`` script into statements, so a failure can name the statement.

A small scanner that knows where a ``;`` does not end a statement: inside quotes,
identifiers, comments, PostgreSQL dollar quotes and SQLite trigger bodies. MySQL
scripts may use the ``DELIMITER`` directive of the mysql client for procedure bodies.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
_DELIMITER = re.compile(r"DELIMITER[ \t]+(\S+)[ \t]*(\r?\n|$)", re.IGNORECASE)
_ATOMIC = re.compile(r"\bBEGIN\s+ATOMIC\b", re.IGNORECASE)
_BLOCK_OPEN = re.compile(r"\b(BEGIN|CASE)\b", re.IGNORECASE)
_BLOCK_END = re.compile(r"\bEND\b", re.IGNORECASE)
_TRANSACTION_WORDS = re.compile(
    r"^(BEGIN|COMMIT|END|ROLLBACK|START\s+TRANSACTION)\b(?!\s+(?:TRANSACTION\s+)?TO\b)",
    re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    """One statement: its text (no trailing delimiter) and the line it starts on."""

    text: str
    line: int

    @property
    def controls_transaction(self) -> bool:
        """True for BEGIN / COMMIT / END / ROLLBACK / START TRANSACTION (not ROLLBACK TO)."""
        return bool(_TRANSACTION_WORDS.match(self.text))

    @property
    def is_commit(self) -> bool:
        """True for COMMIT or END (PostgreSQL and SQLite's synonym)."""
        return bool(re.match(r"^(COMMIT|END)\b", self.text, re.IGNORECASE))

    def summary(self, width: int = 160) -> str:
        """The statement on one line, cut to ``width`` characters."""
        flat = " ".join(self.text.split())
        return flat if len(flat) <= width else flat[: width - 1] + "…"


def split_sql(sql: str, dialect: str) -> list[Statement]:
    """The statements of ``sql`` in order; comment-only pieces are dropped."""
    return list(_Scanner(sql, dialect).statements())


class _Scanner:
    def __init__(self, sql: str, dialect: str) -> None:
        self.sql = sql
        self.dialect = dialect
        self.delimiter = ";"
        self._line, self._counted = 1, 0

    def statements(self) -> list[Statement]:
        out: list[Statement] = []
        sql, n = self.sql, len(self.sql)
        special = self._special()
        i = 0
        first = last = -1  # bounds of the current statement's code, comments around it left out
        while i < n:
            if first < 0 and self.dialect == "mysql":
                m = _DELIMITER.match(sql, i + len(sql[i:]) - len(sql[i:].lstrip()))
                if m:
                    self.delimiter = m.group(1)
                    special = self._special()
                    i = m.end()
                    continue
            # Plain text up to the next character that could start a quote, a comment or
            # a delimiter is skipped in one regex step: the scanner runs on every script.
            m = special.search(sql, i)
            stop = m.start() if m else n
            if stop > i and not sql[i:stop].isspace():
                code = sql[i:stop]
                first = i + (len(code) - len(code.lstrip())) if first < 0 else first
                last = i + len(code.rstrip())
            i = stop
            if i >= n:
                break
            if sql.startswith(self.delimiter, i):
                i += len(self.delimiter)
                if first >= 0 and self._complete(sql[first:i]):
                    out.append(self._statement(first, last))
                    first = -1
                continue
            skip = self._skip(i)
            end = max(skip, i + 1)
            if not (skip != i and self._is_comment(i)):
                first = i if first < 0 else first
                last = end
            i = end
        if first >= 0:
            out.append(self._statement(first, last))
        return out

    def _special(self) -> re.Pattern[str]:
        chars = "'\"`[$#/-" + self.delimiter[0]
        return re.compile("[" + re.escape(chars) + "]")

    def _complete(self, piece: str) -> bool:
        # A ';' inside CREATE TRIGGER ... BEGIN ... END does not end it; SQLite knows.
        if self.dialect == "sqlite":
            return sqlite3.complete_statement(piece.replace("\0", " "))  # NUL: its error later
        # PostgreSQL 14+ SQL-standard bodies: BEGIN ATOMIC ...; ...; END (as psql counts them).
        if self.dialect == "postgresql" and _ATOMIC.search(piece):
            opened = len(_BLOCK_OPEN.findall(piece))
            return len(_BLOCK_END.findall(piece)) >= opened
        return True

    def _statement(self, first: int, last: int) -> Statement:
        # Count newlines from the previous statement on, not from the start (quadratic).
        self._line += self.sql.count("\n", self._counted, first)
        self._counted = first
        return Statement(self.sql[first:last], self._line)

    def _is_comment(self, i: int) -> bool:
        return self.sql.startswith(("--", "/*"), i) or (
            self.dialect == "mysql" and self.sql[i] == "#")

    def _skip(self, i: int) -> int:
        """Index just past a quoted string or comment starting at ``i``; ``i`` if none."""
        sql, c = self.sql, self.sql[i]
        if sql.startswith("--", i) or (c == "#" and self.dialect == "mysql"):
            nl = sql.find("\n", i)
            return len(sql) if nl < 0 else nl + 1
        if sql.startswith("/*", i):
            return self._block_comment_end(i)
        if c == "'":
            backslash = self.dialect == "mysql" or (i > 0 and sql[i - 1] in "eE"
                                                    and self.dialect == "postgresql")
            return self._quoted_end(i, "'", backslash)
        if c == '"':
            return self._quoted_end(i, '"', self.dialect == "mysql")
        if c == "`" and self.dialect in ("mysql", "sqlite"):
            return self._quoted_end(i, "`", False)
        if c == "[" and self.dialect == "sqlite":
            close = sql.find("]", i + 1)
            return len(sql) if close < 0 else close + 1
        if c == "$" and self.dialect == "postgresql":
            m = _DOLLAR.match(sql, i)
            if m and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
                close = sql.find(m.group(0), m.end())
                return len(sql) if close < 0 else close + len(m.group(0))
        return i

    def _quoted_end(self, i: int, quote: str, backslash: bool) -> int:
        sql, j = self.sql, i + 1
        while j < len(sql):
            ch = sql[j]
            if backslash and ch == "\\":
                j += 2
                continue
            if ch == quote:
                if sql.startswith(quote * 2, j):
                    j += 2
                    continue
                return j + 1
            j += 1
        return len(sql)

    def _block_comment_end(self, i: int) -> int:
        # PostgreSQL block comments nest; elsewhere the first */ ends one.
        depth, j, sql = 0, i, self.sql
        while j < len(sql):
            if sql.startswith("/*", j):
                depth += 1
                j += 2
            elif sql.startswith("*/", j):
                depth -= 1
                j += 2
                if depth == 0 or self.dialect != "postgresql":
                    return j
            else:
                j += 1
        return len(sql)
