"""Small helpers shared by the per-dialect introspectors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any


def group(rows: Iterable[Sequence[Any]], width: int = 1) -> dict[Any, list[tuple[Any, ...]]]:
    """Rows grouped by their first ``width`` values (a scalar key when width is 1)."""
    out: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        key = row[0] if width == 1 else tuple(row[:width])
        out[key].append(tuple(row[width:]))
    return out


def text(value: Any) -> str | None:
    """A catalog value as str (MySQL may return bytes for some columns); None stays None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8")
    return str(value)
