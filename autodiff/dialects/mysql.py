"""MySQL and MariaDB through PyMySQL; GET_LOCK for the run. DDL is not transactional."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from autodiff.database import Database, mask
from autodiff.dialects.base import Dialect
from autodiff.errors import ConnectionFailed

SERVER_STATUS_IN_TRANS = 1  # MySQL protocol status flag


def _driver() -> Any:
    try:
        import pymysql
    except ImportError:
        raise ConnectionFailed("MySQL/MariaDB support needs the PyMySQL driver",
                               hint="pip install 'autodiff[mysql]'") from None
    return pymysql


class MySQLDialect(Dialect):
    name = "mysql"
    # Every DDL statement commits implicitly: a failed script cannot be rolled back.
    # https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html
    TRANSACTIONAL_DDL: ClassVar[bool] = False
    QUOTE = "`"

    @property
    def driver_errors(self) -> tuple[type[BaseException], ...]:  # type: ignore[override]
        return (_driver().Error,)

    def connect(self, db: Database, database: str | None = None) -> Any:
        pymysql = _driver()
        url = db.url
        assert url is not None
        params: dict[str, Any] = {k: v for k, v in url.query.items() if isinstance(v, str)}
        params.update(host=url.host or "localhost", port=url.port or 3306,
                      user=url.username or "root", password=url.password or "",
                      autocommit=True, connect_timeout=10, charset="utf8mb4")
        if database != "":
            params["database"] = database or url.database
        try:
            return pymysql.connect(**params)
        except pymysql.Error as exc:
            reason = mask(self.user_error(exc), db)
            # A connection to the server only (to create a database) names the server.
            where = db.display if database is None else db.server_display
            raise ConnectionFailed(f"cannot connect to {where}: {reason}") from None

    def in_transaction(self, conn: Any) -> bool:
        return bool(conn.server_status & SERVER_STATUS_IN_TRANS)

    def server_connection(self, db: Database) -> Any:
        return self.connect(db, database="")

    def database_exists(self, db: Database) -> bool:
        with self.server_connection(db) as conn:
            return bool(self.query(
                conn, "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                (db.name,)))

    def create_database(self, db: Database, like: Database | None = None) -> None:
        # Column collations are read relative to the database default, so a scratch
        # database copies the default of the database it stands in for.
        charset, collation = "utf8mb4", "utf8mb4_unicode_ci"
        with self.connect(db, database="") as conn:
            if like is not None:
                # On a scratch server of its own, like's defaults are asked of its server.
                found = self._defaults(conn, like) if like.same_server(db) else \
                    self._defaults_elsewhere(like)
                if found:
                    charset, collation = found
            self.database_ddl(conn, db, "create",
                              f"CREATE DATABASE IF NOT EXISTS {self.quote(db.name)} "
                              f"CHARACTER SET {charset} COLLATE {collation}")

    def _defaults(self, conn: Any, db: Database) -> tuple[str, str] | None:
        """The character set and collation ``db`` was created with (None if absent)."""
        found = self.query(conn, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
                                 "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                           (db.name,))
        return (found[0][0], found[0][1]) if found else None

    def _defaults_elsewhere(self, db: Database) -> tuple[str, str] | None:
        with self.connect(db, database="") as conn:
            return self._defaults(conn, db)

    def drop_database(self, db: Database) -> None:
        with self.connect(db, database="") as conn:
            self.database_ddl(conn, db, "drop", f"DROP DATABASE IF EXISTS {self.quote(db.name)}")

    def acquire_lock(self, db: Database, conn: Any, timeout: float) -> Any:
        # GET_LOCK names are server-wide and at most 64 characters.
        name = "autodiff." + hashlib.sha1(db.name.encode()).hexdigest()[:24]
        got = self.query(conn, "SELECT GET_LOCK(%s, %s)", (name, max(0, int(timeout))))[0][0]
        if got != 1:
            raise ConnectionFailed(
                f"another autodiff run holds the lock on {db.display} (waited {timeout:g}s)",
                hint="retry later, or raise --lock-timeout")
        return name

    def release_lock(self, db: Database, conn: Any, token: Any) -> None:
        self.query(conn, "SELECT RELEASE_LOCK(%s)", (token,))

    def user_error(self, exc: BaseException) -> str:
        # PyMySQL errors are (code, message) tuples.
        args: tuple[Any, ...] = getattr(exc, "args", ())
        if len(args) == 2 and isinstance(args[1], str):
            return f"({args[0]}) {' '.join(args[1].split())}"
        return super().user_error(exc)
