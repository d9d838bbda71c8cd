"""The runner: the only code that changes a database's version.

One connection and one lock for the whole run; each script in its own transaction
where the dialect allows DDL in one; the version row is written in the same
transaction as the script's statements, so a script is applied and recorded, or neither.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from autodiff import versiontable
from autodiff.database import Database, mask
from autodiff.dialects import Dialect, dialect_for
from autodiff.errors import ConnectionFailed, IntegrityError, ScriptFailed
from autodiff.scripts import Script
from autodiff.sqlsplit import Statement, split_sql

DEFAULT_LOCK_TIMEOUT = 60.0
#: Writes the version table for an applied script, given it and when it started.
Recorder = Callable[[Script, float], None]


@dataclass
class RunResult:
    """What a run did: versions before and after, and each applied script with its time."""

    version_before: int
    version_after: int
    applied: list[tuple[Script, int]] = field(default_factory=list)


@contextmanager
def session(db: Database, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
            out: TextIO | None = None) -> Iterator[Session]:
    """A connection to ``db`` holding the run lock; the version is read after locking."""
    dialect = dialect_for(db)
    conn = dialect.connect(db)
    try:
        waited = time.monotonic()
        token = dialect.acquire_lock(db, conn, lock_timeout)
        if out is not None and time.monotonic() - waited > 1:
            out.write(f"(waited {time.monotonic() - waited:.1f}s for another run's lock)\n")
        try:
            yield Session(db, dialect, conn, out)
        finally:
            # A connection broken by an interrupted statement cannot release the lock;
            # the server releases it as the connection ends, and the interrupt goes on.
            with contextlib.suppress(*dialect.driver_errors):
                dialect.release_lock(db, conn, token)
    finally:
        with contextlib.suppress(*dialect.driver_errors):
            conn.close()


class Session:
    """An open, locked connection the runner works through."""

    def __init__(self, db: Database, dialect: Dialect, conn: Any, out: TextIO | None) -> None:
        self.db, self.dialect, self.conn, self.out = db, dialect, conn, out
        self.cancelled = False
        self._proc: subprocess.Popen[str] | None = None

    def cancel(self) -> None:
        """Stop this session's run from another thread: the statement or script running
        is interrupted and nothing after it runs (the run raises KeyboardInterrupt)."""
        self.cancelled = True
        proc = self._proc
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()
        with contextlib.suppress(*self.dialect.driver_errors):
            self.dialect.interrupt(self.conn)

    def _stop_if_cancelled(self) -> None:
        if self.cancelled:
            raise KeyboardInterrupt

    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")
            self.out.flush()

    # -- the version table ------------------------------------------------------
    def ensure_managed(self) -> None:
        """Create the version table in an empty database; refuse an unmanaged non-empty one."""
        with self.storage_errors():
            tables = versiontable.user_tables(self.dialect, self.conn)
            if versiontable.VERSION_TABLE in tables:
                return
            if tables:
                raise IntegrityError(
                    f"{self.db.display} has tables but is not managed by autodiff "
                    f"(no {versiontable.VERSION_TABLE} table)",
                    hint="adopt it with `autodiff enroll` instead of replaying every script")
            self.dialect.execute(self.conn, versiontable.create_sql(self.dialect))

    def applied(self) -> list[versiontable.Applied]:
        """The version table's rows; IntegrityError when the database is not managed."""
        with self.storage_errors():
            if not versiontable.exists(self.dialect, self.conn):
                raise IntegrityError(f"{self.db.display} is not managed by autodiff "
                                     f"(no {versiontable.VERSION_TABLE} table)",
                                     hint="call create_db() / run `autodiff upgrade` first")
            return versiontable.read(self.dialect, self.conn)

    @contextmanager
    def storage_errors(self) -> Iterator[None]:
        """Turn a driver error outside any script into a one-line ConnectionFailed."""
        try:
            yield
        except self.dialect.driver_errors as exc:
            raise ConnectionFailed(f"{self.db.display}: {self._error_text(exc)}") from None

    def _error_text(self, exc: BaseException) -> str:
        return mask(self.dialect.user_error(exc), self.db)

    # -- running scripts -----------------------------------------------------------
    def run(self, scripts: list[Script], to: int | None = None) -> RunResult:
        """Apply pending scripts (up to ``to``) in order; stop at the first failure."""
        applied = self.applied()
        versiontable.verify(scripts, applied)
        todo = versiontable.pending(scripts, applied, to)
        before = applied[-1].version if applied else 0
        result = RunResult(before, before)
        for index, script in enumerate(todo, 1):
            self._stop_if_cancelled()
            prefix = f"[{index}/{len(todo)}] " if len(todo) > 3 else ""
            self.say(f"{prefix}applying {script.name}")
            started = time.perf_counter()
            self.apply(script, result.version_after)
            ms = round((time.perf_counter() - started) * 1000)
            result.applied.append((script, ms))
            result.version_after = script.version
        return result

    def apply(self, script: Script, current: int, record: Recorder | None = None) -> None:
        """Apply one script and record it; ScriptFailed if it fails (nothing recorded).

        ``record(script, started)`` writes the version table inside the script's
        transaction; the default inserts its row. ``downgrade`` passes one that deletes
        the rows above its target instead, so it is applied exactly as a script is.
        """
        record = record or self._record
        if script.kind == "sql":
            self._apply_sql(script, current, record)
        else:
            started = time.perf_counter()
            self._run_subprocess(script, current)
            with self.storage_errors():
                self.dialect.execute(self.conn, "BEGIN")
                record(script, started)
                self.dialect.execute(self.conn, "COMMIT")

    def _record(self, script: Script, started: float) -> None:
        ms = round((time.perf_counter() - started) * 1000)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        cur = self.conn.cursor()
        try:
            cur.execute(versiontable.insert_sql(self.dialect),
                        (script.version, script.name, script.checksum, now, ms))
        finally:
            cur.close()

    def _apply_sql(self, script: Script, current: int, record: Recorder) -> None:
        statements = split_sql(script.text(), self.dialect.name)
        started = time.perf_counter()
        self.dialect.before_script(self.conn)
        if any(s.controls_transaction for s in statements):
            self._run_self_managed(script, statements, current, started, record)
            return
        self.dialect.execute(self.conn, "BEGIN")
        try:
            self._execute_all(script, statements, current)
            self._check_and_record(script, statements, current, started, record)
            self.dialect.execute(self.conn, "COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _run_self_managed(self, script: Script, statements: list[Statement], current: int,
                          started: float, record: Recorder) -> None:
        # The script opens and commits its own transaction(s). The version row goes into
        # the last one when the script ends with its COMMIT, else right after the script.
        last = statements[-1]
        recorded = False
        try:
            for statement in statements:
                if statement is last and last.is_commit and self.dialect.in_transaction(self.conn):
                    self._check_and_record(script, statements, current, started, record)
                    recorded = True
                self._execute(script, statement, current)
        except BaseException:
            self._rollback()
            raise
        if self.dialect.in_transaction(self.conn):
            self._rollback()
            raise ScriptFailed(f"{script.name} left a transaction open (BEGIN without COMMIT)",
                               hint=f"its last transaction was rolled back; the database is "
                                    f"still at version {current}: add the COMMIT")
        if not recorded:
            self.dialect.execute(self.conn, "BEGIN")
            record(script, started)
            self.dialect.execute(self.conn, "COMMIT")

    def _check_and_record(self, script: Script, statements: list[Statement], current: int,
                          started: float, record: Recorder) -> None:
        problem = self.dialect.check_before_commit(self.conn, statements)
        if problem is not None:
            raise ScriptFailed(f"{script.name}: {problem}",
                               hint=f"rolled back; the database is still at version {current}")
        record(script, started)

    def _execute_all(self, script: Script, statements: list[Statement], current: int) -> None:
        """The statements of a script in the transaction just opened, in one round trip
        where the dialect batches them. If the batch fails, it is rolled back and run
        again one statement at a time, to name the statement that fails (a failure that
        does not come back leaves the script applied, as run one by one)."""
        if not self.dialect.BATCHES or len(statements) < 2:
            for statement in statements:
                self._execute(script, statement, current)
            return
        try:
            self.dialect.execute_batch(self.conn, [s.text for s in statements])
            return
        except self.dialect.driver_errors as exc:
            failed = exc
            self._rollback()
            self._stop_if_cancelled()
        try:
            self.dialect.execute(self.conn, "BEGIN")
        except self.dialect.driver_errors:  # the connection went with the batch
            raise ScriptFailed(f"{script.name} failed: {self._error_text(failed)}",
                               hint=self._failure_hint(current)) from None
        for statement in statements:
            self._execute(script, statement, current)

    def _execute(self, script: Script, statement: Statement, current: int) -> None:
        self._stop_if_cancelled()
        try:
            self.dialect.execute(self.conn, statement.text)
        except self.dialect.driver_errors as exc:
            self._stop_if_cancelled()
            self._storage_trouble(exc)
            raise ScriptFailed(
                f"{script.name} failed at line {statement.line}: {self._error_text(exc)} "
                f"-- in: {statement.summary()}",
                hint=self._failure_hint(current)) from None

    def _storage_trouble(self, exc: BaseException) -> None:
        # A locked or read-only SQLite file is not the script's fault: exit 2, not 1.
        text = str(exc).lower()
        if self.dialect.name == "sqlite" and ("locked" in text or "readonly" in text):
            raise ConnectionFailed(f"cannot write {self.db.display}: {exc}",
                                   hint="is another program holding it, or is it read-only?")

    def _failure_hint(self, current: int) -> str:
        if self.dialect.TRANSACTIONAL_DDL:
            return f"rolled back; the database is still at version {current}"
        return (f"{self.dialect.name} cannot roll back DDL: statements before this one may "
                f"have taken effect; nothing was recorded, the version is still {current}")

    def _rollback(self) -> None:
        if self.dialect.in_transaction(self.conn):
            # If the connection is gone, the server rolls back on its own.
            with contextlib.suppress(*self.dialect.driver_errors):
                self.dialect.execute(self.conn, "ROLLBACK")

    def _run_subprocess(self, script: Script, current: int) -> None:
        interpreter = ["sh"] if script.kind == "sh" else [sys.executable]
        target = str(self.db.path) if self.db.path is not None else self.db.spec
        # Unbuffered, so a Python script's progress lines arrive as they are printed.
        env = {"PYTHONUNBUFFERED": "1", **os.environ, "AUTODIFF_DB": target}
        returncode, stderr = self._stream([*interpreter, str(script.path), target], env)
        if returncode != 0:
            lines = [mask(ln, self.db) for ln in stderr if ln.strip()]
            last = lines[-1] if lines else "(no output on stderr)"
            raise ScriptFailed(f"{script.name} exited with status {returncode}: {last}",
                               hint=f"nothing was recorded; the database is still at version "
                                    f"{current}", details=tuple(lines[-20:]))

    def _stream(self, argv: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
        """Run a script, showing its stdout as it comes (a long data step shows progress);
        its stderr is kept for the error message."""
        self._stop_if_cancelled()
        proc = self._proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True,
                                             errors="replace", bufsize=1)
        assert proc.stdout is not None and proc.stderr is not None
        if self.cancelled:  # cancelled while it was being started
            proc.kill()
        stderr: list[str] = []
        # stderr drains in a thread: a script filling the pipe would block otherwise.
        reader = threading.Thread(target=lambda: stderr.extend(proc.stderr or ()), daemon=True)
        reader.start()
        try:
            for line in proc.stdout:
                self.say(f"  {line.rstrip(chr(10))}")
            returncode = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            self._proc = None
            reader.join(timeout=5)
            proc.stdout.close()
            proc.stderr.close()
        self._stop_if_cancelled()
        return returncode, [line.rstrip("\n") for line in stderr]
