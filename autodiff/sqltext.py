"""Text-level helpers for SQL fragments: quote-aware whitespace and parentheses."""

from __future__ import annotations

import re
from collections.abc import Callable

_QUOTED = {
    # '...' with '' doubled; MySQL also honours backslash escapes inside literals.
    False: re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`)"""),
    True: re.compile(r"""('(?:[^'\\]|''|\\.)*'|"(?:[^"\\]|""|\\.)*"|`(?:[^`]|``)*`)"""),
}


def outside_quotes(text: str, fn: Callable[[str], str], backslash: bool = False) -> str:
    """Apply ``fn`` to the parts of ``text`` outside quoted strings and identifiers."""
    parts = _QUOTED[backslash].split(text)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))


def collapse_whitespace(text: str, backslash: bool = False) -> str:
    """``text`` stripped, with runs of whitespace outside quotes made one space."""
    return outside_quotes(text, lambda s: re.sub(r"\s+", " ", s), backslash).strip()


def strip_outer_parens(text: str) -> str:
    """``text`` without parentheses that enclose all of it: ``((a + 1))`` -> ``a + 1``."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _closing(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at ``start``, quotes skipped; -1 if none."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
