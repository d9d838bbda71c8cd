"""Reading what SQLite's PRAGMAs leave out from its stored CREATE statements.

Constraint names, CHECK expressions, column collations, generated-column expressions
and index expressions are only in the SQL text SQLite keeps in ``sqlite_schema``
(https://www.sqlite.org/lang_createtable.html). A small tokenizer finds them there
and keeps the original text of every expression (normalized later, by sqlglot).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

_TOKEN = re.compile(r"""
    (?P<ws>\s+|--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<ident>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
  | (?P<string>'(?:[^']|'')*')
  | (?P<word>[^\W\d]\w*)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
  | (?P<punct>[(),;])
  | (?P<op>.)
""", re.S | re.X)


class Token(NamedTuple):
    """One token and where it is in the statement (a tuple: thousands are made)."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        """The token in upper case, for keyword tests (a quoted name is never a keyword)."""
        return self.text.upper() if self.kind == "word" else ""

    @property
    def value(self) -> str:
        """An identifier's name without quotes."""
        if self.kind != "ident":
            return self.text
        body = self.text[1:-1]
        return body if self.text[0] == "[" else body.replace(self.text[0] * 2, self.text[0])


@dataclass
class ParsedTable:
    """What a CREATE TABLE statement says that the PRAGMAs do not."""

    checks: list[tuple[str | None, str]] = field(default_factory=list)
    uniques: list[tuple[str | None, tuple[str, ...]]] = field(default_factory=list)
    # (name, columns, referenced table, DEFERRABLE INITIALLY DEFERRED)
    foreign_keys: list[tuple[str | None, tuple[str, ...], str, bool]] = field(
        default_factory=list)
    collations: dict[str, str] = field(default_factory=dict)
    generated: dict[str, tuple[str, bool]] = field(default_factory=dict)
    #: Table.options: AUTOINCREMENT, STRICT, WITHOUT ROWID, sorted.
    options: tuple[str, ...] = ()


def tokenize(sql: str) -> list[Token]:
    """Tokens of ``sql`` without whitespace and comments."""
    return [Token(m.lastgroup or "op", m.group(), m.start(), m.end())
            for m in _TOKEN.finditer(sql) if m.lastgroup != "ws"]


def _close(tokens: list[Token], i: int) -> int:
    """Index of the token closing the parenthesis at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text == "(":
            depth += 1
        elif tokens[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced parentheses")


def _inside(sql: str, tokens: list[Token], i: int) -> str:
    """The text between the parenthesis at ``tokens[i]`` and its closing one."""
    return sql[tokens[i].end:tokens[_close(tokens, i)].start].strip()


def _split(tokens: list[Token]) -> list[list[Token]]:
    """Split a token list at top-level commas."""
    items: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        depth += tok.text == "("
        depth -= tok.text == ")"
        if tok.text == "," and depth == 0:
            items.append([])
        else:
            items[-1].append(tok)
    return [item for item in items if item]


def _body(tokens: list[Token], after: int = 0) -> tuple[int, int]:
    """Indexes of the first parenthesis at or after ``after`` and of its closing one."""
    start = next(i for i in range(after, len(tokens)) if tokens[i].text == "(")
    return start, _close(tokens, start)


def _names(sql: str, tokens: list[Token], i: int) -> tuple[str, ...]:
    """The column names of a parenthesized key list starting at ``tokens[i]``."""
    return tuple(item[0].value for item in _split(tokens[i + 1:_close(tokens, i)]))


def parse_create_table(sql: str) -> ParsedTable:
    """Constraint names, checks, collations and generated columns of a CREATE TABLE."""
    tokens = tokenize(sql)
    start, end = _body(tokens)
    parsed = ParsedTable()
    for item in _split(tokens[start + 1:end]):
        if item[0].upper in ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
            _table_constraint(sql, item, parsed)
        else:
            _column(sql, item, parsed)
    parsed.options = _table_options(sql, tokens, start, end)
    return parsed


def _table_options(sql: str, tokens: list[Token], start: int, end: int) -> tuple[str, ...]:
    """AUTOINCREMENT (on the INTEGER PRIMARY KEY, in the body between ``start`` and
    ``end``), STRICT and WITHOUT ROWID (after the body)."""
    # The body's tokens are read only where the word is there at all (rarely).
    found = ["AUTOINCREMENT"] if "AUTOINCREMENT" in sql.upper() and any(
        t.upper == "AUTOINCREMENT" for t in tokens[start + 1:end]) else []
    after = {t.upper for t in tokens[end + 1:]}
    found += [word for word in ("STRICT", "WITHOUT") if word in after]
    return tuple("WITHOUT ROWID" if word == "WITHOUT" else word for word in found)


def _table_constraint(sql: str, item: list[Token], parsed: ParsedTable) -> None:
    name = None
    if item[0].upper == "CONSTRAINT":
        name, item = item[1].value, item[2:]
    kind = item[0].upper
    paren = next(i for i, t in enumerate(item) if t.text == "(")
    if kind == "UNIQUE":
        parsed.uniques.append((name, _names(sql, item, paren)))
    elif kind == "CHECK":
        parsed.checks.append((name, _inside(sql, item, paren)))
    elif kind == "FOREIGN":
        ref = next(i for i, t in enumerate(item) if t.upper == "REFERENCES")
        parsed.foreign_keys.append((name, _names(sql, item, paren), item[ref + 1].value,
                                    _deferred(item, ref + 1)))


def _column(sql: str, item: list[Token], parsed: ParsedTable) -> None:
    column, name, i = item[0].value, None, 1
    while i < len(item):
        word = item[i].upper
        if word == "CONSTRAINT":
            name, i = item[i + 1].value, i + 2
            continue
        if word == "CHECK":
            parsed.checks.append((name, _inside(sql, item, i + 1)))
        elif word == "UNIQUE":
            parsed.uniques.append((name, (column,)))
        elif word == "REFERENCES":
            parsed.foreign_keys.append((name, (column,), item[i + 1].value,
                                        _deferred(item, i + 1)))
        elif word == "COLLATE":
            parsed.collations[column] = item[i + 1].value
        elif word == "AS" and i + 1 < len(item) and item[i + 1].text == "(":
            after = _close(item, i + 1) + 1
            stored = after < len(item) and item[after].upper == "STORED"
            parsed.generated[column] = (_inside(sql, item, i + 1), stored)
        if word in ("CHECK", "UNIQUE", "REFERENCES", "PRIMARY", "NOT", "NULL", "DEFAULT",
                    "COLLATE", "GENERATED"):
            name = None  # a CONSTRAINT name belongs to the one constraint after it
        i = _close(item, i) + 1 if item[i].text == "(" else i + 1


# Words that begin the next column constraint, after a REFERENCES clause.
_AFTER_REFERENCES = {"CONSTRAINT", "CHECK", "UNIQUE", "PRIMARY", "COLLATE", "GENERATED", "AS",
                     "REFERENCES"}


def _deferred(item: list[Token], start: int) -> bool:
    """Whether the REFERENCES clause from ``item[start]`` ends DEFERRABLE INITIALLY DEFERRED
    (https://www.sqlite.org/syntax/foreign-key-clause.html)."""
    words = [t.upper for t in item[start:]]
    for j, word in enumerate(words):
        if word == "DEFERRABLE":
            return (j == 0 or words[j - 1] != "NOT") and words[j + 1:j + 3] == [
                "INITIALLY", "DEFERRED"]
        if word in _AFTER_REFERENCES:
            return False
    return False


def parse_create_index(sql: str) -> tuple[list[str], str | None]:
    """The key parts (original text, sort order and collation dropped) and WHERE text."""
    tokens = tokenize(sql)
    on = next(i for i, t in enumerate(tokens) if t.upper == "ON")
    start, end = _body(tokens, on)
    parts = []
    for part in _split(tokens[start + 1:end]):
        while len(part) > 1 and part[-1].upper in ("ASC", "DESC"):
            part = part[:-1]
        if len(part) > 2 and part[-2].upper == "COLLATE":
            part = part[:-2]
        parts.append(sql[part[0].start:part[-1].end])
    where = next((i for i in range(end, len(tokens)) if tokens[i].upper == "WHERE"), None)
    return parts, (sql[tokens[where].end:].strip().rstrip(";") if where is not None else None)


def view_query(sql: str) -> str:
    """The SELECT of a CREATE VIEW statement (text after the AS that follows the name)."""
    tokens = tokenize(sql)
    i = next(i for i, t in enumerate(tokens) if t.upper == "VIEW") + 1
    if tokens[i].upper == "IF":  # IF NOT EXISTS
        i += 3
    i += 1  # the view's name
    if tokens[i].text == ".":  # schema-qualified
        i += 2
    if tokens[i].text == "(":  # a column list is not modelled; the query is kept
        i = _close(tokens, i) + 1
    return sql[tokens[i].end:].strip()


#: Words only parsing a CREATE TABLE reads what they say of.
_PARSE_WORDS = ("CHECK", "CONSTRAINT", "COLLATE", "WITHOUT", "DEFERRABLE", "AUTOINCREMENT")


def needs_parse(sql: str) -> bool:
    """Whether a table's CREATE TABLE can say what only parsing it reads: a cheap test,
    run on every table (generated columns are known from the PRAGMA and parsed
    regardless)."""
    # Substring tests: a case-blind regex of the words takes five times as long.
    upper = sql.upper()
    return any(word in upper for word in _PARSE_WORDS) or \
        "STRICT" in upper[upper.rfind(")"):]  # after the body: RESTRICT is no STRICT
