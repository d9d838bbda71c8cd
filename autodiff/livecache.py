"""The live schema, introspected again only when the database's catalog changed.

Introspecting 1,000 tables costs 0.3-0.4 s, and generate (its drift warning) and check
do it on every run although a database's schema rarely changes between runs. Each
dialect that can tell cheaply and exactly whether anything its introspector reads has
changed gives a fingerprint (``introspect.FINGERPRINTS``: SQLite's sqlite_schema rows,
PostgreSQL's catalog row versions); the last schema read from a database is kept with
its fingerprint, one cache entry per database, and reused while the fingerprint is the
same. MySQL has no such fingerprint and is always introspected.
"""

from __future__ import annotations

import hashlib
import marshal
from pathlib import Path
from typing import Any

from autodiff import __version__
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.head import LAYOUT, cache_dir, plain, rebuild, write_atomically
from autodiff.introspect import FINGERPRINTS, INTROSPECTORS, introspect
from autodiff.model import Schema

_MAGIC = "autodiff-live-1"


def live_schema(db: Database, use_cache: bool = True) -> Schema:
    """``introspect(db)``, reusing the last result while ``db``'s fingerprint is the same."""
    fingerprint_of = FINGERPRINTS.get(db.dialect)
    if not use_cache or fingerprint_of is None:
        return introspect(db)
    dialect = dialect_for(db)
    conn = dialect.connect(db)
    try:
        # Read before the schema: a change made in between gives a newer fingerprint
        # than the one stored, so the entry is read again next time, never trusted stale.
        fingerprint = hashlib.sha256(fingerprint_of(dialect, conn).encode()).hexdigest()
        path = live_cache_file(db)
        schema = _read(path, fingerprint)
        if schema is None:
            schema = INTROSPECTORS[db.dialect](dialect, conn)
            write_atomically(path, marshal.dumps((_MAGIC, fingerprint, plain(schema))))
    finally:
        conn.close()
    return schema


def live_cache_file(db: Database) -> Path:
    """The one cache entry of ``db``: its last introspected schema and fingerprint."""
    where = str(db.path.resolve()) if db.path is not None else db.display
    key = hashlib.sha256(f"{__version__}\0{LAYOUT}\0{db.dialect}\0{where}".encode())
    return cache_dir() / f"live-{key.hexdigest()[:32]}.bin"


def _read(path: Path, fingerprint: str) -> Schema | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        magic, stored, body = marshal.loads(data)
        if magic != _MAGIC or stored != fingerprint:
            return None
        schema: Any = rebuild(body)
    except Exception:  # noqa: BLE001 - a corrupt entry is just introspected again
        return None
    return schema if isinstance(schema, Schema) else None
