"""The live schema, introspected again only when the database's catalog changed.

Introspecting 1,000 tables costs 0.3-0.4 s, and generate (its drift warning) and check
do it on every run although a database's schema rarely changes between runs. Each
dialect that can tell cheaply and exactly whether anything its introspector reads has
changed gives a fingerprint (``introspect.FINGERPRINTS``: SQLite's sqlite_schema rows,
PostgreSQL's catalog row versions); the last schema read from a database is kept with
its fingerprint, one cache entry per database, and reused while the fingerprint is the
same. MySQL has no such fingerprint and is always introspected.

Comparisons are memoized the same way (:func:`live_findings`): when the schema behind a
fingerprint was found to match a given head (say, the replay of the scripts the
database recorded), that verdict stands while the fingerprint is the same, and the
schema need not even be read back.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from autodiff import __version__
from autodiff.cachefiles import cache_dir, read_entry, write_atomically
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.head import LAYOUT, decode_schema, encode_schema
from autodiff.introspect import FINGERPRINTS, INTROSPECTORS, introspect
from autodiff.model import Schema

_MAGIC = "autodiff-live-3"  # 3: the schema in the head cache's format
_CLEAN_MAGIC = "autodiff-clean-1"
#: Verdicts kept per fingerprint: a database is compared with one or two heads at a time.
_MAX_VERDICTS = 16
F = TypeVar("F")


def live_schema(db: Database, use_cache: bool = True) -> Schema:
    """``introspect(db)``, reusing the last result while ``db``'s fingerprint is the same."""
    return live_findings(db, None, lambda schema: [schema], use_cache)[0]


def live_findings(db: Database, key: str | None, find: Callable[[Schema], list[F]],
                  use_cache: bool = True) -> list[F]:
    """``find(live schema of db)``; empty without reading the schema when ``find`` came
    back empty for the same ``key`` and fingerprint before.

    ``key`` must name everything ``find`` compares with (a head's cache key, say), or be
    None to always call it.
    """
    fingerprint_of = FINGERPRINTS.get(db.dialect)
    if not use_cache or fingerprint_of is None:
        return find(introspect(db))
    dialect = dialect_for(db)
    conn = dialect.connect(db)
    try:
        # Read before the schema: a change made in between gives a newer fingerprint
        # than the one stored, so the entry is read again next time, never trusted stale.
        fingerprint = hashlib.sha256(fingerprint_of(dialect, conn).encode()).hexdigest()
        path = live_cache_file(db)
        clean = _verdicts(path, fingerprint)
        if key is not None and key in clean:
            return []
        schema = _read(path, fingerprint)
        if schema is None:
            schema = INTROSPECTORS[db.dialect](dialect, conn)
            write_atomically(path, marshal.dumps((_MAGIC, fingerprint, encode_schema(schema))))
    finally:
        conn.close()
    found = find(schema)
    if key is not None and not found:
        kept = [k for k in clean if k != key][-(_MAX_VERDICTS - 1):]
        write_atomically(_verdict_file(path),
                         marshal.dumps((_CLEAN_MAGIC, fingerprint, [*kept, key])))
    return found


def live_cache_file(db: Database) -> Path:
    """The one cache entry of ``db``: its last introspected schema and fingerprint."""
    where = str(db.path.resolve()) if db.path is not None else db.display
    key = hashlib.sha256(f"{__version__}\0{LAYOUT}\0{db.dialect}\0{where}".encode())
    return cache_dir() / f"live-{key.hexdigest()[:32]}.bin"


def _verdict_file(path: Path) -> Path:
    return path.with_suffix(".clean")


def _verdicts(path: Path, fingerprint: str) -> list[str]:
    """The keys the schema behind ``fingerprint`` was found clean against."""
    entry = read_entry(_verdict_file(path), _CLEAN_MAGIC, 2)
    if entry is None or entry[0] != fingerprint or not isinstance(entry[1], list):
        return []
    return [str(k) for k in entry[1]]


def _read(path: Path, fingerprint: str) -> Schema | None:
    entry = read_entry(path, _MAGIC, 2)
    if entry is None or entry[0] != fingerprint:
        return None
    try:
        return decode_schema(entry[1])
    except Exception:  # noqa: BLE001 - a corrupt entry is just introspected again
        return None
