"""PostgreSQL through psycopg 3; session advisory lock for the run."""

from __future__ import annotations

import time
from typing import Any

from autodiff.database import Database, mask
from autodiff.dialects.base import Dialect
from autodiff.errors import ConnectionFailed

# pg_advisory_lock takes a bigint; this one is ours (the bytes of "autodiff").
LOCK_KEY = int.from_bytes(b"autodiff", "big") >> 1


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConnectionFailed("PostgreSQL support needs the psycopg driver",
                               hint="pip install 'autodiff[postgres]'") from None
    return psycopg


class PostgreSQLDialect(Dialect):
    name = "postgresql"
    # Without parameters psycopg sends the simple query protocol, which takes a whole
    # script: https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT
    BATCHES = True

    @property
    def driver_errors(self) -> tuple[type[BaseException], ...]:  # type: ignore[override]
        return (_driver().Error,)

    def interrupt(self, conn: Any) -> None:
        conn.cancel()  # a cancel request on its own connection; thread-safe in psycopg

    def connect(self, db: Database, database: str | None = None) -> Any:
        psycopg = _driver()
        url = db.url
        assert url is not None
        params: dict[str, Any] = {k: v for k, v in url.query.items() if isinstance(v, str)}
        params.update(host=url.host or "localhost", port=url.port or 5432,
                      dbname=database or url.database)
        if url.username:
            params["user"] = url.username
        if url.password:
            params["password"] = url.password
        params.setdefault("connect_timeout", "10")
        try:
            conn = psycopg.connect(autocommit=True, **params)
        except psycopg.Error as exc:
            reason = mask(self.user_error(exc), db)
            # A connection to the server only (to create a database) names the server.
            where = db.display if database is None else db.server_display
            raise ConnectionFailed(f"cannot connect to {where}: {reason}") from None
        if conn.info.server_version >= 140000:
            # A runner killed mid-statement otherwise keeps its transaction and the run lock
            # until the statement ends; with this the server notices within a second.
            # https://www.postgresql.org/docs/current/runtime-config-connection.html
            self.execute(conn, "SET client_connection_check_interval = 1000")
        return conn

    def in_transaction(self, conn: Any) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(conn.info.transaction_status != TransactionStatus.IDLE)

    def server_connection(self, db: Database) -> Any:
        return self.connect(db, database="postgres")

    def database_exists(self, db: Database) -> bool:
        with self.server_connection(db) as conn:
            return bool(self.query(conn, "SELECT 1 FROM pg_database WHERE datname = %s",
                                   (db.name,)))

    def create_database(self, db: Database, like: Database | None = None) -> None:
        with self.server_connection(db) as conn:  # another runner may have created it first
            self.database_ddl(conn, db, "create", f"CREATE DATABASE {self.quote(db.name)}",
                              done_already=(_driver().errors.DuplicateDatabase,))

    def drop_database(self, db: Database) -> None:
        with self.server_connection(db) as conn:
            self.database_ddl(conn, db, "drop",
                              f"DROP DATABASE IF EXISTS {self.quote(db.name)} WITH (FORCE)")

    def acquire_lock(self, db: Database, conn: Any, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while not self.query(conn, "SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))[0][0]:
            if time.monotonic() >= deadline:
                raise ConnectionFailed(
                    f"another autodiff run holds the lock on {db.display} (waited {timeout:g}s)",
                    hint="retry later, or raise --lock-timeout")
            time.sleep(0.05)
        return LOCK_KEY

    def release_lock(self, db: Database, conn: Any, token: Any) -> None:
        self.query(conn, "SELECT pg_advisory_unlock(%s)", (token,))
