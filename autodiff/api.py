"""The Python API. The CLI is a thin layer over these functions.

``create_db``, ``run_migrations`` and ``get_db_version`` keep fastmigrate's shapes, so
an application's start-up code can switch by changing its import.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from autodiff import scripts as scriptfolder
from autodiff import versiontable
from autodiff.database import Database, parse_database
from autodiff.database import with_dev_db as set_dev_db
from autodiff.dialects import dialect_for
from autodiff.errors import AutodiffError, ConfigError, ConnectionFailed, IntegrityError
from autodiff.model import Schema
from autodiff.runner import DEFAULT_LOCK_TIMEOUT, RunResult, session
from autodiff.scripts import Script

if TYPE_CHECKING:
    from autodiff.diff import Renames
    from autodiff.downgrade import Downgraded
    from autodiff.drift import CheckReport
    from autodiff.enroll import Enrolled
    from autodiff.generate import Generated
    from autodiff.rebase import Rebased
    from autodiff.sources import SchemaDiff


def _database(db: Database | str | Path) -> Database:
    return db if isinstance(db, Database) else parse_database(str(db))


def with_dev_db(db: Database | str | Path, dev_db: str | None) -> Database:
    """``db``, for any function here, with the scratch databases of its replays and
    proofs made on the server of ``dev_db`` (any database on a server of the same kind)
    instead of its own: what ``--dev-db`` does."""
    return set_dev_db(_database(db), dev_db)


def connect(db: Database | str | Path) -> Any:
    """An autocommit DB-API connection to ``db``: handy in ``.py`` migration scripts.

    ``conn = autodiff.connect(sys.argv[1])`` works the same on SQLite, PostgreSQL and MySQL.
    """
    target = _database(db)
    return dialect_for(target).connect(target)


def create_db(db: Database | str | Path) -> int:
    """Create the database if missing and make it managed; returns its version (0 when new).

    An existing database with tables but no version table is refused: enroll it instead.
    """
    target = _database(db)
    dialect = dialect_for(target)
    if not dialect.database_exists(target):
        dialect.create_database(target)
    with session(target) as s:
        s.ensure_managed()
        applied = s.applied()
    return applied[-1].version if applied else 0


def get_db_version(db: Database | str | Path) -> int:
    """The database's version: the highest applied script's number (0 for none)."""
    target = _database(db)
    dialect = dialect_for(target)
    conn = dialect.connect(target)
    try:
        if not versiontable.exists(dialect, conn):
            raise IntegrityError(f"{target.display} is not managed by autodiff",
                                 hint="call create_db() first, or run `autodiff enroll`")
        applied = versiontable.read(dialect, conn)
    finally:
        conn.close()
    return applied[-1].version if applied else 0


def run_migrations(db: Database | str | Path, migrations_dir: str | Path,
                   verbose: bool = False) -> bool:
    """Apply pending scripts; True on success. Errors go to stderr, as fastmigrate does.

    The database must exist and be managed: call :func:`create_db` first.
    """
    try:
        target = _database(db)
        if not dialect_for(target).database_exists(target):
            raise ConnectionFailed(f"database does not exist: {target.display}",
                                   hint="call create_db() before run_migrations()")
        upgrade(target, Path(migrations_dir), out=sys.stdout if verbose else None,
                create=False)
    except AutodiffError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        for line in exc.details:
            sys.stderr.write(f"  {line}\n")
        if exc.hint:
            sys.stderr.write(f"hint: {exc.hint}\n")
        return False
    return True


def upgrade(db: Database | str | Path, migrations_dir: Path, to: int | None = None,
            out: TextIO | None = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
            create: bool = True) -> RunResult:
    """Apply pending scripts up to version ``to``; creates a missing database if ``create``."""
    target = _database(db)
    scripts = scriptfolder.discover(migrations_dir)
    _check_target_version(scripts, to)
    dialect = dialect_for(target)
    if create and not dialect.database_exists(target):
        dialect.create_database(target)
        if out is not None:
            out.write(f"created database {target.display}\n")
    with session(target, lock_timeout, out) as s:
        if create:
            s.ensure_managed()
        started = time.perf_counter()
        result = s.run(scripts, to)
    if out is not None:
        _report(out, result, time.perf_counter() - started)
    return result


def _check_target_version(scripts: list[Script], to: int | None) -> None:
    if to is None:
        return
    if to != 0 and to not in {s.version for s in scripts}:
        raise ConfigError(f"--to {to}: no script has number {to}",
                          hint="pass the number of an existing script")


def _report(out: TextIO, result: RunResult, seconds: float) -> None:
    if not result.applied:
        out.write(f"Database is up to date at version {result.version_after}.\n")
        return
    n = len(result.applied)
    out.write(f"Applied {n} script{'s' if n != 1 else ''} in {seconds:.2f}s: "
              f"version {result.version_before} -> {result.version_after}.\n")


@dataclass(frozen=True)
class Status:
    """Where a database stands against the migrations folder."""

    database: str
    version: int
    head: int
    applied: list[versiontable.Applied]
    pending: list[Script]
    scripts: list[Script]

    def script_name(self, version: int) -> str:
        """The file name of the script with this number, or '-'."""
        return next((s.name for s in self.scripts if s.version == version), "-")


def status(db: Database | str | Path, migrations_dir: Path) -> Status:
    """Version, head, applied and pending scripts; IntegrityError if they disagree."""
    target = _database(db)
    scripts = scriptfolder.discover(migrations_dir)
    applied: list[versiontable.Applied] = []
    dialect = dialect_for(target)
    if dialect.database_exists(target):
        conn = dialect.connect(target)
        try:
            if versiontable.exists(dialect, conn):
                applied = versiontable.read(dialect, conn)
            elif versiontable.user_tables(dialect, conn):
                raise IntegrityError(f"{target.display} is not managed by autodiff",
                                     hint="adopt it with `autodiff enroll`")
        finally:
            conn.close()
    versiontable.verify(scripts, applied)
    return Status(target.display, applied[-1].version if applied else 0,
                  scripts[-1].version if scripts else 0, applied,
                  versiontable.pending(scripts, applied), scripts)


def upgrade_sql(db: Database | str | Path, migrations_dir: Path, to: int | None = None) -> str:
    """What ``upgrade`` would run, as text, without touching the database."""
    current = status(db, migrations_dir)
    _check_target_version(current.scripts, to)
    todo = [s for s in current.pending if to is None or s.version <= to]
    lines = [f"-- autodiff upgrade --sql: {len(todo)} pending script(s) for {current.database}, "
             f"version {current.version}"]
    for script in todo:
        lines.append(f"\n-- {script.name}")
        if script.kind == "sql":
            lines += ["BEGIN;", script.text().strip(), "COMMIT;"]
        else:
            runner = "sh" if script.kind == "sh" else "python"
            lines.append(f"-- runs as a subprocess: {runner} {script.name} <database>")
        lines.append(f"-- then records version {script.version} in "
                     f"{versiontable.VERSION_TABLE}")
    return "\n".join(lines) + "\n"


def backup(db: Database | str | Path, destination: Path | None = None) -> Path:
    """A consistent copy of a SQLite database through SQLite's online backup API."""
    target = _database(db)
    if target.path is None:
        raise ConfigError(f"backup copies SQLite databases; {target.display} is {target.dialect}",
                          hint="use pg_dump or mariadb-dump for server databases")
    if destination is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        destination = target.path.with_name(f"{target.path.name}.{stamp}.backup")
    if destination.exists():
        raise ConfigError(f"backup destination exists: {destination}",
                          hint="choose another path; backups never overwrite")
    source = dialect_for(target).connect(target)
    try:
        copy = sqlite3.connect(destination)
        try:
            # One step: the copy holds a read lock throughout, so it always finishes and is
            # consistent; stepwise copies restart on every write and may never finish.
            source.backup(copy)
        finally:
            copy.close()
    except sqlite3.Error as exc:
        destination.unlink(missing_ok=True)
        raise ConnectionFailed(f"backup of {target.display} failed: {exc}") from None
    finally:
        source.close()
    return destination


def generate(db: Database | str | Path, migrations_dir: Path, models: str, message: str,
             renames: Renames | None = None, *, base_dir: Path | None = None,
             ask: Callable[[str], bool] | None = None, ignore: tuple[str, ...] = (),
             from_db: bool = False, use_cache: bool = True, verify: bool = True,
             write: bool = True, out: TextIO | None = None) -> Generated:
    """Write the next migration script from ``models`` (see ``autodiff.generate``)."""
    from autodiff.diff import Renames as NoRenames
    from autodiff.generate import Request
    from autodiff.generate import generate as run

    return run(Request(_database(db), Path(migrations_dir), models, message,
                       base_dir or Path.cwd(), renames or NoRenames(), ask, ignore, from_db,
                       use_cache, verify, write, out))


def generate_empty(migrations_dir: Path, message: str, ext: str = "sql") -> Path:
    """Write a template for a hand-written script (``generate --empty``)."""
    from autodiff.generate import generate_empty as write_template

    return write_template(Path(migrations_dir), message, ext)


def snapshot(db: Database | str | Path) -> Schema:
    """The live schema of ``db`` (the version table left out)."""
    from autodiff.introspect import introspect

    return introspect(_database(db))


def check(db: Database | str | Path, migrations_dir: Path, models: str | None = None, *,
          base_dir: Path | None = None, ignore: tuple[str, ...] = (), use_cache: bool = True,
          out: TextIO | None = None) -> CheckReport:
    """The CI gate: integrity, drift, models and pending scripts (see ``autodiff.drift``).

    Findings are returned, not raised: ``report.exit_code`` is 0, 1 or 3. Trouble (no
    database, bad config) raises an ``AutodiffError`` with exit code 2.
    """
    from autodiff.drift import CheckRequest
    from autodiff.drift import check as run

    return run(CheckRequest(_database(db), Path(migrations_dir), models,
                            base_dir or Path.cwd(), ignore, use_cache, out))


def schema_diff(source: str, target: str, *, dialect: str | None = None,
                dev_db: str | None = None, base_dir: Path | None = None,
                ignore: tuple[str, ...] = (), use_cache: bool = True) -> SchemaDiff:
    """Compare two schemas of any kind (database, models, snapshot, migrations folder).

    ``result.sql()`` takes ``source`` to ``target``; ``result.findings`` say what differs.
    """
    from autodiff.sources import context_for, diff_sources, parse_source

    base = base_dir or Path.cwd()
    sides = [parse_source(source, base), parse_source(target, base)]
    ctx = context_for(sides, dialect, dev_db, base, use_cache)
    return diff_sources(sides[0], sides[1], ctx, ignore)


def rebase(migrations_dir: Path, db: Database | str | Path | None = None,
           models: str | None = None, *, onto: str | None = None,
           base_dir: Path | None = None, ignore: tuple[str, ...] = (), dry_run: bool = False,
           sum_only: bool = False, out: TextIO | None = None) -> Rebased:
    """Number this branch's new scripts after ``onto``'s and rewrite the sum (``autodiff.rebase``).

    ``sum_only`` rewrites ``autodiff.sum`` from the scripts and does nothing else (no git).
    """
    from autodiff.rebase import Rebased as Result
    from autodiff.rebase import Request as RebaseRequest
    from autodiff.rebase import rebase as run
    from autodiff.sumfile import refresh_sum

    folder = Path(migrations_dir)
    if sum_only:
        return Result("", 0, [], sum_path=refresh_sum(folder))
    return run(RebaseRequest(folder, None if db is None else _database(db), models,
                             base_dir or Path.cwd(), ignore, onto, dry_run, out))


def downgrade(db: Database | str | Path, migrations_dir: Path, to: int, *, yes: bool = False,
              sql: bool = False, ignore: tuple[str, ...] = (), use_cache: bool = True,
              lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
              out: TextIO | None = None) -> Downgraded:
    """Return the schema to version ``to`` (see ``autodiff.downgrade``).

    The plan (written to ``out``) diffs the live schema with the replay of scripts up to
    ``to``. ``sql`` plans only (``result.plan``); a plan that can lose data needs ``yes``.
    """
    from autodiff.downgrade import DowngradeRequest
    from autodiff.downgrade import downgrade as run

    return run(DowngradeRequest(_database(db), Path(migrations_dir), to, yes, sql, ignore,
                                use_cache, lock_timeout, out))


if TYPE_CHECKING:
    from autodiff.review import Review


def review(db: Database | str | Path, migrations_dir: Path, base: str | None = None,
           replay: bool = True, use_cache: bool = True) -> Review:
    """The scripts added or changed since git revision ``base`` (default: the merge base with
    the main branch), in words with warnings; ``.markdown`` is ready for a pull request.

    ``replay`` replays the earlier scripts into a scratch database of ``db``'s dialect to
    learn the old column types (a narrowing type change needs them).
    """
    from autodiff.review import review as review_scripts

    return review_scripts(_database(db), Path(migrations_dir), base, replay, use_cache)


def enroll(db: Database | str | Path, migrations_dir: Path, *, version: int | None = None,
           ignore: tuple[str, ...] = (), dry_run: bool = False,
           out: TextIO | None = None) -> Enrolled:
    """Adopt an unmanaged database: verify which version it is, then mark it (DESIGN §6).

    With no scripts, writes ``0001-initialize.sql`` from the live schema and marks version 1
    once a fresh database built from it has the same schema. fastmigrate's ``_meta`` and
    Alembic's ``alembic_version`` are adopted (``version`` names the script matching the
    Alembic revision). Raises ``EnrollRefused`` (exit 1) when nothing verifies.
    """
    from autodiff.enroll import EnrollRequest
    from autodiff.enroll import enroll as run

    return run(EnrollRequest(_database(db), Path(migrations_dir), version, ignore, dry_run,
                             out))
