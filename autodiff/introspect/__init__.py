"""Live database -> Schema: one introspector per dialect, a constant number of queries.

Every introspector reads the catalog with one query per kind of object, whatever the
number of tables, through ``Dialect.query`` (so a test can count the queries), and
normalizes what it reads at this boundary (``autodiff.normalize``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from autodiff.database import Database
from autodiff.dialects import Dialect, dialect_for
from autodiff.introspect import mysql, postgresql, sqlite
from autodiff.model import Schema

INTROSPECTORS: dict[str, Callable[[Dialect, Any], Schema]] = {
    "sqlite": sqlite.read_schema,
    "postgresql": postgresql.read_schema,
    "mysql": mysql.read_schema,
}

#: Dialects whose catalog tells cheaply whether anything read above has changed
#: (used by ``autodiff.livecache``); MySQL's does not.
FINGERPRINTS: dict[str, Callable[[Dialect, Any], str]] = {
    "sqlite": sqlite.fingerprint,
    "postgresql": postgresql.fingerprint,
}


def introspect(db: Database, conn: Any = None, tables: Collection[str] | None = None) -> Schema:
    """The schema of the live database ``db`` (through ``conn`` if given, else its own).

    ``tables``: at least these tables are read (PostgreSQL reads just them, 1,000 tables
    taking 0.25 s; elsewhere every table is), with everything that is not a table.
    """
    dialect = dialect_for(db)
    own = conn is None
    conn = dialect.connect(db) if own else conn
    try:
        if tables is not None and db.dialect == "postgresql":
            return postgresql.read_schema(dialect, conn, tables)
        return INTROSPECTORS[db.dialect](dialect, conn)
    finally:
        if own:
            conn.close()


__all__ = ["FINGERPRINTS", "INTROSPECTORS", "introspect"]
