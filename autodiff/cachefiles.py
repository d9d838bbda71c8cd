"""Where autodiff keeps what it may compute again (``$XDG_CACHE_HOME/autodiff``), and how
an entry is written: whole or not at all. Losing any entry only costs time."""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """Where replayed head schemas and the other caches live (``$XDG_CACHE_HOME/autodiff``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "autodiff"


def write_atomically(path: Path, data: bytes) -> None:
    """Write a cache entry whole or not at all; a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def read_entry(path: Path, magic: str, fields: int) -> tuple[Any, ...] | None:
    """The ``fields`` values after ``magic`` of an entry written as
    ``marshal.dumps((magic, *values))``; None when it is missing, unreadable or of
    another format."""
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, tuple) or len(data) != fields + 1 or data[0] != magic:
        return None
    return data[1:]
