"""Canonical spellings computed by earlier runs, so a run need not compute them again.

Normalizing a default or an expression parses it with sqlglot; a project has a few
dozen distinct ones, and importing sqlglot alone costs a process 60-90 ms. The results
are pure functions of their arguments and of the code that computes them, so they are
kept in one cache entry named after that code (autodiff's version, the bytes of its
normalization modules, sqlglot's version): an edit to any of it starts a new entry,
never reads an old answer. New results are added to the entry when the process ends.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import marshal
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from autodiff.cachefiles import cache_dir, read_entry, write_atomically

T = TypeVar("T")

#: The modules whose code decides a canonical spelling.
_SOURCES = ("normalize.py", "canonical.py", "sqltree.py", "sqltext.py", "typenames.py")
#: Past this many entries the memo starts again: it is a cache, not a record.
MAX_ENTRIES = 50_000
_MAGIC = "autodiff-memo-1"


class _Memo:
    def __init__(self) -> None:
        self.path: Path | None = None
        self.values: dict[Any, Any] | None = None
        self.added: dict[Any, Any] = {}

    def load(self) -> dict[Any, Any]:
        if self.values is None:
            self.path = memo_file()
            self.values = _read(self.path)
        return self.values

    def add(self, key: Any, value: Any) -> None:
        self.load()[key] = value
        try:  # a str subclass is not marshalled: such a result is not kept
            marshal.dumps((key, value))
        except ValueError:
            return
        if not self.added:
            atexit.register(self.save)
        self.added[key] = value

    def save(self) -> None:
        """Write the entry with this process's additions (others' kept where read)."""
        if not self.added or self.path is None:
            return
        merged = _read(self.path)
        if len(merged) + len(self.added) > MAX_ENTRIES:
            merged = {}
        merged.update(self.added)
        write_atomically(self.path, marshal.dumps((_MAGIC, merged)))
        self.added = {}


_MEMO = _Memo()


def computed(key: Any, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for ``key`` in this or an earlier run.

    ``key`` must name everything the result depends on besides the code, and hold only
    what marshal stores (str, int, None, tuples); the result likewise.
    """
    values = _MEMO.load()
    try:
        found: T = values[key]
        return found
    except KeyError:
        value = compute()
        _MEMO.add(key, value)
        return value


def save() -> None:
    """Add this process's new results to the cache entry now (else done when it ends)."""
    _MEMO.save()


def memo_file() -> Path:
    """The memo's cache entry for the code installed now."""
    from autodiff import __version__

    h = hashlib.sha256(f"{__version__}\0".encode())
    here = Path(__file__).resolve().parent
    for name in _SOURCES:
        h.update(_bytes(here / name))
    sqlglot = importlib.util.find_spec("sqlglot")
    if sqlglot is not None and sqlglot.origin:  # its version, without importing it
        origin = Path(sqlglot.origin)
        h.update(_bytes(origin.with_name("_version.py")) + _stamp(origin))
    return cache_dir() / f"memo-{h.hexdigest()[:32]}.bin"


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"?"


def _stamp(path: Path) -> bytes:
    try:
        st = path.stat()
    except OSError:
        return b"?"
    return f"{st.st_mtime_ns} {st.st_size}".encode()


def _read(path: Path) -> dict[Any, Any]:
    entry = read_entry(path, _MAGIC, 1)
    return entry[0] if entry is not None and isinstance(entry[0], dict) else {}
