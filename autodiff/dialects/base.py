"""What every dialect provides: connecting, quoting, transactions and the run lock.

Each dialect is one small subclass; flags carry a comment saying why they differ.
Connections are plain DB-API connections in autocommit mode: the runner opens and
closes transactions itself, so a script's own BEGIN/COMMIT can be seen and honoured.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from autodiff.database import Database
from autodiff.errors import ConnectionFailed
from autodiff.sqlsplit import Statement


class Dialect:
    """Base of the per-dialect classes in this package."""

    name: ClassVar[str]
    #: Can DDL run inside a transaction that rolls back cleanly?
    TRANSACTIONAL_DDL: ClassVar[bool] = True
    #: The DB-API placeholder for a parameter.
    PARAM: ClassVar[str] = "%s"
    #: Quote character for identifiers.
    QUOTE: ClassVar[str] = '"'
    #: What a driver raises; the runner catches these and names the script.
    driver_errors: ClassVar[tuple[type[BaseException], ...]] = ()
    #: Does the driver send many statements in one round trip? A 1,000-table script is
    #: about 3,000 statements; one by one, the round trips are a quarter of its time.
    BATCHES: ClassVar[bool] = False

    # -- connections -------------------------------------------------------
    def connect(self, db: Database) -> Any:
        """An autocommit DB-API connection; ConnectionFailed if it cannot be had."""
        raise NotImplementedError

    def in_transaction(self, conn: Any) -> bool:
        """Whether ``conn`` has an open transaction."""
        raise NotImplementedError

    def database_exists(self, db: Database) -> bool:
        """Whether the database (file, or database on the server) exists."""
        raise NotImplementedError

    def server_connection(self, db: Database) -> Any:
        """A connection to ``db``'s server that does not need ``db`` itself to exist."""
        raise NotImplementedError

    def create_database(self, db: Database, like: Database | None = None) -> None:
        """Create an empty database (file, or database on the server), with the defaults
        (character set, collation) of ``like``, if it exists and the dialect has such
        defaults."""
        raise NotImplementedError

    def drop_database(self, db: Database) -> None:
        """Drop the database (file, or database on the server) if it exists."""
        raise NotImplementedError

    # -- SQL text -----------------------------------------------------------
    def quote(self, name: str) -> str:
        """``name`` as a quoted identifier, quote characters doubled."""
        q = self.QUOTE
        return q + name.replace(q, q + q) + q

    def query(self, conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows (empty for statements without rows)."""
        cur = conn.cursor()
        try:
            cur.execute(sql, tuple(params)) if params else cur.execute(sql)
            return list(cur.fetchall()) if cur.description else []
        finally:
            cur.close()

    def execute(self, conn: Any, sql: str) -> None:
        """Run one statement, discarding rows."""
        cur = conn.cursor()
        try:
            cur.execute(sql)
        finally:
            cur.close()

    def database_ddl(self, conn: Any, db: Database, doing: str, sql: str,
                     done_already: tuple[type[BaseException], ...] = ()) -> None:
        """Run ``sql`` (CREATE or DROP DATABASE ``db``); the server's refusal (no right to
        create databases, say) as one line naming the server. ``done_already``: errors
        that mean there is nothing to do."""
        try:
            self.execute(conn, sql)
        except done_already:
            pass
        except self.driver_errors as exc:
            raise ConnectionFailed(f"cannot {doing} database {db.name} on "
                                   f"{db.server_display}: {self.user_error(exc)}") from None

    def interrupt(self, conn: Any) -> None:
        """Make the statement running on ``conn`` (in another thread) fail soon; where the
        driver cannot, it runs to its end and the runner stops after it."""

    def execute_batch(self, conn: Any, statements: Sequence[str]) -> None:
        """Run statements in order: in one round trip where the dialect batches, else one
        by one. A failure says which statement failed only when run one by one."""
        if not self.BATCHES or len(statements) < 2:
            for statement in statements:
                self.execute(conn, statement)
            return
        # A newline before each ';' ends a trailing -- comment, which would swallow it.
        self.execute(conn, "\n;\n".join(statements))

    # -- the run lock ---------------------------------------------------------
    def acquire_lock(self, db: Database, conn: Any, timeout: float) -> Any:
        """Take the lock that serializes runners on ``db``; returns a token for release."""
        raise NotImplementedError

    def release_lock(self, db: Database, conn: Any, token: Any) -> None:
        """Release what :meth:`acquire_lock` took."""
        raise NotImplementedError

    # -- foreign keys around a script (SQLite only does anything) ----------
    def before_script(self, conn: Any) -> None:
        """Prepare the connection before a script's transaction opens."""

    def check_before_commit(self, conn: Any, statements: Sequence[Statement]) -> str | None:
        """A problem the script's ``statements`` caused that must fail it, or None."""
        return None

    def user_error(self, exc: BaseException) -> str:
        """The database's own message for ``exc``, on one line."""
        return " ".join(str(exc).split())
