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


@dataclass(frozen=True)
class Release:
    """A server's product and version numbers, from its version string."""

    product: str  # "PostgreSQL", "MySQL" or "MariaDB"
    numbers: tuple[int, ...]  # (major, minor[, patch]): minor 0 where the string has none

    def at_least(self, *numbers: int) -> bool:
        """Whether this release is ``numbers`` or later."""
        return self.numbers[:len(numbers)] >= numbers

    def words(self) -> str:
        """The major release: ``PostgreSQL 15`` (from 10 on, its first number), ``MariaDB
        10.11``, ``MySQL 8.0``."""
        major, minor = self.numbers[:2]
        if self.product == "PostgreSQL" and major >= 10:
            return f"PostgreSQL {major}"
        return f"{self.product} {major}.{minor}"


def parse_release(dialect: str, version: str) -> Release | None:
    """What ``version()`` said, read; None where it names no release."""
    if dialect == "mysql":
        # MariaDB's may carry the replication prefix: 5.5.5-10.11.6-MariaDB.
        m = re.search(r"(\d+)\.(\d+)\.(\d+)-MariaDB", version, re.IGNORECASE)
        if m is not None:
            return Release("MariaDB", tuple(int(n) for n in m.groups()))
    m = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", version)
    if m is None:
        return None
    major, minor, patch = m.groups()
    numbers = (int(major), int(minor or 0)) + ((int(patch),) if patch else ())
    if dialect == "postgresql":
        return Release("PostgreSQL", numbers)
    return Release("MariaDB" if "mariadb" in version.lower() else "MySQL", numbers)


def release(dialect: str, version: str) -> str:
    """The major release a server's version string names, in words (:meth:`Release.words`);
    the string itself when it names none."""
    found = parse_release(dialect, version)
    return found.words() if found is not None else version


def dev_server_warnings(db: Database, dev: Flavor | None = None) -> list[str]:
    """A dev database's server of another major release than ``db``'s own: heads are
    replayed and scripts proven there (``dev`` is what it said, asked here when not
    given), and the two can differ (a default, a type, a generated column). Nothing
    without a dev database, or when a server cannot be reached: what needs it names that."""
    from autodiff.errors import ConnectionFailed

    if db.scratch_server is None:
        return []
    try:
        dev = dev or server_wide_flavor(db.scratch_server)
        if not dev.version:
            return []
        own = release(db.dialect, server_wide_flavor(db).version or "")
    except ConnectionFailed:
        return []
    there = release(db.dialect, dev.version)
    if there == own:
        return []
    return [f"the dev database's server runs {there}, {db.display}'s runs {own}: heads are "
            "replayed and scripts proven on the dev server; use the same major release"]
