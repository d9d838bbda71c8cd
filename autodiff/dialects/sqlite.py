"""SQLite: a file, stdlib ``sqlite3``, an OS file lock beside the database."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from autodiff.database import Database
from autodiff.dialects.base import Dialect
from autodiff.errors import ConnectionFailed
from autodiff.sqlsplit import Statement

if sys.platform == "win32":  # pragma: no cover
    import msvcrt

    def _try_lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # OSError while another process holds it

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError while held

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class SQLiteDialect(Dialect):
    name = "sqlite"
    PARAM = "?"
    driver_errors: ClassVar[tuple[type[BaseException], ...]] = (sqlite3.Error,)

    def __init__(self, busy_timeout: float = 5.0) -> None:
        self.busy_timeout = busy_timeout

    def interrupt(self, conn: Any) -> None:
        conn.interrupt()  # https://docs.python.org/3/library/sqlite3.html#sqlite3.Connection.interrupt

    def connect(self, db: Database) -> sqlite3.Connection:
        path = _path(db)
        if not path.exists():
            raise ConnectionFailed(f"database file does not exist: {path}",
                                   hint="`autodiff upgrade` or create_db() creates it")
        try:
            # isolation_level=None: the runner issues BEGIN/COMMIT itself.
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True,
                                   isolation_level=None, timeout=self.busy_timeout)
            conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ConnectionFailed(f"cannot open SQLite database {path}: {exc}") from None
        return conn

    def in_transaction(self, conn: Any) -> bool:
        return bool(conn.in_transaction)

    def database_exists(self, db: Database) -> bool:
        return _path(db).exists()

    def create_database(self, db: Database, like: Database | None = None) -> None:
        path = _path(db)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            sqlite3.connect(path).close()
        except (OSError, sqlite3.Error) as exc:
            raise ConnectionFailed(f"cannot create SQLite database {path}: {exc}") from None

    def drop_database(self, db: Database) -> None:
        path = _path(db)
        for suffix in ("", "-journal", "-wal", "-shm", ".autodiff-lock"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{path}{suffix}")

    def acquire_lock(self, db: Database, conn: Any, timeout: float) -> Any:
        # A lock file, not a transaction: a write transaction held across the run
        # would block the writes of .py/.sh scripts (DESIGN section 3).
        lock_path = f"{_path(db)}.autodiff-lock"
        try:
            handle = open(lock_path, "a+b")  # noqa: SIM115 - held until release_lock
        except OSError as exc:
            raise ConnectionFailed(f"cannot create the lock file {lock_path}: {exc.strerror}",
                                   hint="is the database's folder read-only?") from None
        deadline = time.monotonic() + timeout
        while True:
            try:
                _try_lock(handle.fileno())
                return handle
            except OSError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise ConnectionFailed(
                        f"another autodiff run holds the lock on {_path(db)} "
                        f"(waited {timeout:g}s)", hint="retry later, or raise --lock-timeout"
                    ) from None
                time.sleep(0.05)

    def release_lock(self, db: Database, conn: Any, token: Any) -> None:
        _unlock(token.fileno())
        token.close()

    def before_script(self, conn: Any) -> None:
        # foreign_keys is ignored inside a transaction, so it is set before BEGIN;
        # with it on, the DROP TABLE of a table rebuild would cascade into child rows.
        conn.execute("PRAGMA foreign_keys = OFF")

    def check_before_commit(self, conn: Any, statements: Sequence[Statement]) -> str | None:
        # Foreign keys are off while a script runs, so violations are looked for before
        # the commit: everywhere, unless every statement is one that can only break the
        # rows of the tables it inserts into (or none at all). The full check costs
        # milliseconds on large schemas, paid by every script otherwise.
        tables = fk_check_scope(statements)
        if tables is None:
            rows = conn.execute("PRAGMA foreign_key_check").fetchall()
        else:
            rows = [row for table in sorted(tables) for row in conn.execute(
                "SELECT * FROM pragma_foreign_key_check(?)", (table,)).fetchall()]
        if not rows:
            return None
        table, rowid, parent, _ = rows[0]
        more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
        return f"foreign key violation: {table} row {rowid} references a missing {parent} row{more}"


def _path(db: Database) -> Path:
    assert db.path is not None
    return db.path


# Statements after which no foreign key can be violated (foreign keys are off during a
# script, so SQLite does not check them itself): schema objects without rows.
_HARMLESS = re.compile(
    r"^(CREATE\s+(UNIQUE\s+)?INDEX|CREATE\s+(TEMP\w*\s+)?(VIEW|TRIGGER)|"
    r"DROP\s+(INDEX|VIEW|TRIGGER)|ALTER\s+TABLE\s+\S+\s+RENAME\s+(COLUMN\s+)?\S+\s+TO)\b",
    re.IGNORECASE)
_CREATE_TABLE = re.compile(r"^CREATE\s+(TEMP\w*\s+)?TABLE\b", re.IGNORECASE)
_ADD_COLUMN = re.compile(r"^ALTER\s+TABLE\s+\S+\s+ADD\b", re.IGNORECASE)
_INSERT = re.compile(r'^INSERT\s+INTO\s+("(?:[^"]|"")+"|`(?:[^`]|``)+`|\[[^\]]+\]|[\w$]+)'
                     r"(?=[\s(])", re.IGNORECASE)


def fk_check_scope(statements: Sequence[Statement]) -> set[str] | None:
    """Tables whose rows need a foreign key check; None for the whole database."""
    tables: set[str] = set()
    for statement in statements:
        text = statement.text
        # CREATE TABLE ... AS SELECT fills a table; " AS " also catches generated columns.
        if _HARMLESS.match(text) or (_CREATE_TABLE.match(text) and " AS " not in text.upper()):
            continue
        if _ADD_COLUMN.match(text) and "REFERENCES" not in text.upper():
            continue
        insert = _INSERT.match(text)
        if insert is None:
            return None  # anything else (UPDATE, DELETE, DROP TABLE, ...) may orphan rows
        tables.add(_unquote(insert.group(1)))
    return tables


def _unquote(name: str) -> str:
    if name[:1] in "\"`[":
        close = "]" if name[0] == "[" else name[0]
        return name[1:-1].replace(close * 2, close)
    return name
