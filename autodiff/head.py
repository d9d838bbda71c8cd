"""The head schema: what the migrations produce, found by replaying them.

Scripts are replayed into a scratch database of the target's dialect (a temporary
SQLite file; a temporary database on the same PostgreSQL/MySQL server), then
introspected. Never a developer's own database: hand-written scripts and all, the
replay is the truth. Replays are cached by the bytes of the scripts they ran.
"""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from autodiff import __version__
from autodiff.database import Database, parse_database
from autodiff.dialects import dialect_for
from autodiff.model import Schema
from autodiff.runner import session
from autodiff.scripts import Script

SCRATCH_PREFIX = "autodiff_scratch_"


@contextmanager
def scratch_database(like: Database) -> Iterator[Database]:
    """A new empty database of ``like``'s dialect (same server), dropped on the way out.

    Dropped even on Ctrl-C or SIGTERM: SIGTERM is turned into KeyboardInterrupt while
    the scratch database exists, so the clean-up below runs.
    """
    dialect = dialect_for(like)
    with tempfile.TemporaryDirectory(prefix="autodiff-") as tmp:
        name = f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:16]}"
        if like.dialect == "sqlite":
            scratch = parse_database(str(Path(tmp) / f"{name}.db"))
        else:
            scratch = like.with_database(name)
        with _sigterm_as_interrupt():
            template = like if like.dialect != "sqlite" and dialect.database_exists(like) \
                else None
            try:
                # Inside the try: an interrupt during CREATE must still drop (IF EXISTS).
                dialect.create_database(scratch, like=template)
                yield scratch
            finally:
                dialect.drop_database(scratch)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def replay(scratch: Database, scripts: list[Script]) -> None:
    """Apply ``scripts`` to the empty ``scratch`` database with the ordinary runner."""
    with session(scratch) as s:
        s.ensure_managed()
        s.run(scripts)


def cache_key(dialect: str, scripts: list[Script]) -> str:
    """A key naming the replay of exactly these scripts on this dialect."""
    h = hashlib.sha256(f"{__version__}\0{dialect}\n".encode())
    for script in scripts:
        h.update(f"{script.name}\0{script.checksum}\n".encode())
    return h.hexdigest()[:32]


def cache_dir() -> Path:
    """Where replayed head schemas are cached (``$XDG_CACHE_HOME/autodiff``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "autodiff"


def head_schema(like: Database, scripts: list[Script], use_cache: bool = True) -> Schema:
    """The schema ``scripts`` produce on ``like``'s dialect (cached by their bytes)."""
    from autodiff.introspect import introspect

    path = cache_dir() / f"head-{cache_key(like.dialect, scripts)}.json"
    if use_cache and path.is_file():
        try:
            return Schema.from_json(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - a corrupt cache entry is just replayed again
            path.unlink(missing_ok=True)
    with scratch_database(like) as scratch:
        replay(scratch, scripts)
        schema = introspect(scratch)
    if use_cache:
        _write_atomically(path, schema.to_json())
    return schema


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs time
