"""What compiling the models needs to know of the server they are compared with.

Apart from ``autodiff.sqla`` so that asking a server for it does not import SQLAlchemy
(generate asks in a child process while the parent imports the models).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from autodiff.database import Database


@dataclass(frozen=True)
class Flavor:
    """What compiling models needs to know about the target server.

    ``version`` is the server's version string: SQLAlchemy compiles for MariaDB when
    it sees one (``Uuid`` is MariaDB 10.7+'s native UUID, CHAR(32) on MySQL), and for
    PostgreSQL 18+ with virtual generated columns. MySQL only: ``collation`` is the
    database's default collation and ``charsets`` maps a character set to its default
    collation, since a column's collation is reported only when it is not the
    database's default.
    """

    version: str | None = None
    collation: str | None = None
    charsets: dict[str, str] = field(default_factory=dict, compare=False)


_MYSQL_FLAVOR = """SELECT VERSION(), @@collation_database, CHARACTER_SET_NAME, DEFAULT_COLLATE_NAME
FROM information_schema.CHARACTER_SETS"""


def server_flavor(db: Database, conn: Any = None) -> Flavor:
    """The :class:`Flavor` of the live database ``db`` (empty for SQLite)."""
    if db.dialect == "sqlite":
        return Flavor()
    from autodiff.dialects import dialect_for

    d = dialect_for(db)
    own = conn is None
    conn = d.connect(db) if own else conn
    try:
        if db.dialect == "postgresql":
            return Flavor(d.query(conn, "SELECT current_setting('server_version')")[0][0])
        rows = d.query(conn, _MYSQL_FLAVOR)
    finally:
        if own:
            conn.close()
    return Flavor(rows[0][0], rows[0][1], {r[2]: r[3] for r in rows})


def server_wide_flavor(db: Database) -> Flavor:
    """:func:`server_flavor` over a connection to ``db``'s server, which ``db`` itself
    need not exist for: the version is the server's (on MySQL, the collation then is the
    server's default, not a database's)."""
    from autodiff.dialects import dialect_for

    conn = dialect_for(db).server_connection(db)
    try:
        return server_flavor(db, conn)
    finally:
        conn.close()


def release(dialect: str, version: str) -> str:
    """The major release a server's version string names, in words: ``PostgreSQL 15``
    (from 10 on, its first number), ``MariaDB 10.11``, ``MySQL 8.0``; the string itself
    when it names none."""
    m = re.match(r"(\d+)(?:\.(\d+))?", version)
    if m is None:
        return version
    if dialect == "postgresql":
        major = m.group(1) if int(m.group(1)) >= 10 else f"{m.group(1)}.{m.group(2) or 0}"
        return f"PostgreSQL {major}"
    product = "MariaDB" if "mariadb" in version.lower() else "MySQL"
    return f"{product} {m.group(1)}.{m.group(2) or 0}"
