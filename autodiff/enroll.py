"""``autodiff enroll``: adopt a database autodiff does not manage yet (DESIGN section 6).

The invariant is fastmigrate's: a database marked version N is exactly what the scripts
up to N produce. So enroll never marks a version it has not verified. With no scripts it
writes ``0001-initialize.sql`` from the live schema and proves it by building a fresh
database from it; with scripts it replays them, one at a time in one scratch database,
and marks the version whose schema equals the live one. fastmigrate's ``_meta`` and
Alembic's ``alembic_version`` are adopted: their version is verified like any claim,
recorded, and their table dropped in the same transaction (docs/decisions.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from autodiff import __version__, versiontable
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.drift import ignored_tables
from autodiff.enroll_foreign import Foreign, fastmigrate_version, foreign_table, foreign_versions
from autodiff.errors import AutodiffError, ConfigError, ConnectionFailed, ScriptFailed
from autodiff.findings import Finding, Sides, differences
from autodiff.model import Schema
from autodiff.runner import Session, session
from autodiff.scripts import SUM_FILE, Script, discover, write_sum

INITIAL_NAME = "0001-initialize.sql"


class AlreadyManaged(AutodiffError):
    """The database already has a version table: there is nothing to enroll."""


class EnrollRefused(AutodiffError):
    """The live schema matches no verifiable version: nothing was written or marked."""

    exit_code = 1


@dataclass(frozen=True)
class EnrollRequest:
    """Everything one ``enroll`` needs."""

    db: Database
    migrations: Path
    version: int | None = None
    ignore: tuple[str, ...] = ()
    dry_run: bool = False
    out: TextIO | None = None

    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")
            self.out.flush()


@dataclass
class Enrolled:
    """What ``enroll`` did (or, with ``dry_run``, would do)."""

    database: str
    version: int
    recorded: list[str] = field(default_factory=list)
    script: Path | None = None  # the 0001-initialize.sql written, if any
    sum_file: Path | None = None
    foreign: Foreign | None = None
    pending: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    dry_run: bool = False


# -- pure parts ---------------------------------------------------------------------------

def comparable(schema: Schema, ignore: tuple[str, ...], foreign: Foreign | None) -> Schema:
    """``schema`` less ignored tables and the other tool's version table."""
    names = set(ignored_tables(schema, ignore))
    if foreign is not None:
        names.add(foreign.table)
    return schema.without_tables(names) if names else schema


def is_empty(schema: Schema) -> bool:
    """True when there is nothing in ``schema`` to enroll."""
    return not (schema.tables or schema.views or schema.triggers or schema.enums
                or schema.sequences)


def initial_script(schema: Schema, source: str) -> str:
    """The text of ``0001-initialize.sql``: a header, then the statements creating ``schema``."""
    from autodiff.render import create_schema_sql

    release = ".".join(__version__.split(".")[:2])  # a patch release must not change bytes
    lines = [f"-- {INITIAL_NAME}: initialize",
             f"-- Enrolled by autodiff {release} from {source} ({schema.dialect}).",
             "-- The schema of that database when it was enrolled. It was marked as version 1",
             "-- without running this script; new databases start from here.", ""]
    for statement in create_schema_sql(schema):
        lines += [statement.rstrip().rstrip(";") + ";", ""]
    return "\n".join(lines)


def claimed_version(foreign: Foreign | None, scripts: list[Script],
                    wanted: int | None) -> int | None:
    """The version to verify and mark, or None to search for it. ConfigError if unusable."""
    numbers = {s.version for s in scripts}
    if wanted is not None and scripts and wanted not in numbers:
        raise ConfigError(f"--version {wanted}: no script has number {wanted}",
                          hint="pass the number of an existing script")
    if wanted is not None and not scripts and wanted != 1:
        raise ConfigError(f"--version {wanted}: there are no scripts yet, enroll writes "
                          f"{INITIAL_NAME} and marks version 1", hint="drop --version")
    if foreign is None:
        return wanted
    if foreign.tool == "fastmigrate":
        return fastmigrate_version(foreign, numbers, wanted)
    if scripts and wanted is None:
        raise ConfigError(f"the database is managed by Alembic ({foreign.describe()}): say "
                          "which autodiff script matches that revision",
                          hint="pass --version N; enroll verifies the claim before marking it")
    return wanted


Results = list[tuple[Script, list[Finding]]]


def choose(results: Results, display: str) -> Script:
    """The one script whose replay matched; EnrollRefused or ConfigError otherwise."""
    matches = [script for script, found in results if not found]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(s.name for s in matches)
        raise ConfigError(f"{len(matches)} versions have the schema of {display}: {names}",
                          hint="scripts that change no schema (data migrations) make them "
                               "alike: say which ran last with --version N")
    script, found = min(results, key=lambda r: (len(r[1]), -r[0].version))
    raise refusal(f"{display} matches no version of the migrations; the closest is version "
                  f"{script.version} ({script.name}), {len(found)} difference(s)", found)


_AGREE = ("nothing was written or marked; make the database and the scripts agree "
          "(a script for the difference?), then enroll again")


def refusal(message: str, found: list[Finding], hint: str = _AGREE) -> EnrollRefused:
    """The error refusing to enroll, the differences as its details."""
    return EnrollRefused(message, details=tuple(f.line() for f in found), hint=hint)


def summary(result: Enrolled) -> list[str]:
    """What ``enroll`` did, in lines for the terminal."""
    lines = [f"Left out (ignore patterns): {', '.join(result.ignored)}"] if result.ignored \
        else []
    if result.script is not None:
        lines += [f"{'Would write' if result.dry_run else 'Wrote'} {result.script}",
                  f"Verified: a fresh database built from {result.script.name} has the "
                  f"schema of {result.database}."]
    elif result.recorded:
        span = " .. ".join(dict.fromkeys((result.recorded[0], result.recorded[-1])))
        lines.append(f"Verified: replaying {span} gives the schema of {result.database}.")
    verb = "Would mark" if result.dry_run else "Marked"
    at = f" ({result.recorded[-1]})" if result.recorded else ""
    lines.append(f"{verb} {result.database} as version {result.version}{at}: "
                 f"{len(result.recorded)} script(s) recorded"
                 + ("." if result.foreign else ", nothing else changed."))
    if result.foreign is not None:
        lines.append(f"Adopted from {result.foreign.describe()}: "
                     f"{'would drop' if result.dry_run else 'dropped'} {result.foreign.table}, "
                     f"now version {result.version} in {versiontable.VERSION_TABLE}.")
    if result.sum_file is not None and not result.dry_run:
        lines.append(f"Wrote {result.sum_file}")
    if result.pending:
        lines.append(f"{len(result.pending)} script(s) pending: run `autodiff upgrade`.")
    return lines


# -- the database and the scratch replays ---------------------------------------------------

def enroll(req: EnrollRequest) -> Enrolled:
    """Verify the version of the unmanaged ``req.db``, then mark it (module docstring)."""
    raw, foreign = _survey(req.db)
    scripts = discover(req.migrations) if req.migrations.is_dir() else []
    claim = claimed_version(foreign, scripts, req.version)
    live = comparable(raw, req.ignore, foreign)
    result = Enrolled(req.db.display, 0, foreign=foreign, dry_run=req.dry_run,
                      ignored=ignored_tables(raw, req.ignore))
    if is_empty(live) and (claim in (None, 0) or not scripts):
        if foreign is None:
            raise ConfigError(f"{req.db.display} is empty: there is nothing to enroll",
                              hint="run `autodiff upgrade`: it makes a new database managed")
        recorded: list[Script] = []
    elif scripts:
        recorded = _verify_scripts(req, scripts, live, claim, foreign)
    else:
        recorded = [_verify_initial(req, live)]
        result.script = recorded[0].path
    result.version = recorded[-1].version if recorded else 0
    result.recorded = [s.name for s in recorded]
    result.pending = [s.name for s in scripts if s.version > result.version]
    if not req.dry_run:
        _commit(req, result, recorded, live)
    return result


def _commit(req: EnrollRequest, result: Enrolled, recorded: list[Script], live: Schema) -> None:
    # The script first: a marked database whose script failed to be written would lie.
    if result.script is not None:
        req.migrations.mkdir(parents=True, exist_ok=True)
        with open(result.script, "xb") as handle:
            handle.write(recorded[0].data)
    try:
        _mark(req, recorded, result.foreign, live)
    except BaseException:
        if result.script is not None:
            result.script.unlink(missing_ok=True)
        raise
    if result.script is not None or not (req.migrations / SUM_FILE).exists():
        result.sum_file = write_sum(req.migrations, discover(req.migrations))


def _survey(db: Database) -> tuple[Schema, Foreign | None]:
    """The live schema and any other tool's version table; refuses managed or missing ones."""
    from autodiff.introspect import introspect

    dialect = dialect_for(db)
    if not dialect.database_exists(db):
        raise ConnectionFailed(f"database does not exist: {db.display}",
                               hint="enroll adopts an existing database; `autodiff upgrade` "
                                    "creates a new one")
    # No run lock yet (on SQLite it is a file): a refusal or a dry run leaves no trace.
    s = Session(db, dialect, dialect.connect(db), None)
    with contextlib.closing(s.conn), s.storage_errors():
        if versiontable.exists(s.dialect, s.conn):
            raise AlreadyManaged(f"{db.display} is already managed by autodiff",
                                 hint="`autodiff status` shows its version")
        schema = introspect(db, s.conn)
        found = foreign_table(schema)
        if found is None:
            return schema, None
        return schema, Foreign(*found, foreign_versions(s, found[1]))


def _verify_scripts(req: EnrollRequest, scripts: list[Script], live: Schema,
                    claim: int | None, foreign: Foreign | None) -> list[Script]:
    from autodiff.head import head_schema

    if claim is None:
        req.say(f"Replaying {len(scripts)} script(s) one by one into a scratch "
                f"{req.db.dialect} database")
        chosen = choose(_replay_each(req, scripts, live, foreign), req.db.display)
        return [s for s in scripts if s.version <= chosen.version]
    upto = [s for s in scripts if s.version <= claim]
    req.say(f"Replaying {len(upto)} script(s) up to version {claim} into a scratch "
            f"{req.db.dialect} database")
    with _scratch_failures():
        expected = head_schema(req.db, upto) if upto else Schema(live.dialect)
    found = differences(comparable(expected, req.ignore, foreign), live,
                        Sides(f"version {claim}", "database"))
    if found:
        raise refusal(f"{req.db.display} does not have the schema of version {claim}: "
                      f"{len(found)} difference(s)", found)
    return upto


def _replay_each(req: EnrollRequest, scripts: list[Script], live: Schema,
                 foreign: Foreign | None) -> Results:
    """Each script's replayed schema compared with ``live``: one scratch database for all."""
    from autodiff.head import scratch_database
    from autodiff.introspect import introspect

    results: Results = []
    with _scratch_failures(), scratch_database(req.db) as scratch, session(scratch) as s:
        s.ensure_managed()
        for script in scripts:
            s.apply(script, results[-1][0].version if results else 0)
            expected = comparable(introspect(scratch, s.conn), req.ignore, foreign)
            found = differences(expected, live, Sides(f"version {script.version}", "database"))
            req.say(f"  {script.name}: "
                    + (f"{len(found)} difference(s)" if found else "same schema"))
            results.append((script, found))
    return results


_EMPTY_RUN = "nothing was written or marked; every script must run on an empty database"


@contextlib.contextmanager
def _scratch_failures(what: str = "replaying the scripts into a scratch database failed",
                      hint: str = _EMPTY_RUN) -> Iterator[None]:
    # The runner's hint speaks of "the database": here it is a scratch copy, dropped after.
    try:
        yield
    except ScriptFailed as exc:
        raise EnrollRefused(f"{what}: {exc.message}", details=exc.details,
                            hint=hint) from None


def _verify_initial(req: EnrollRequest, live: Schema) -> Script:
    from autodiff.head import replay, scratch_database
    from autodiff.introspect import introspect

    script = Script(1, req.migrations / INITIAL_NAME, "sql",
                    initial_script(live, req.db.display).encode("utf-8"))
    req.say(f"Proving {INITIAL_NAME}: building a fresh {req.db.dialect} database from it")
    by_hand = (f"nothing was written or marked; write {INITIAL_NAME} by hand (with what "
               "autodiff does not capture, e.g. functions) and enroll again: it verifies yours")
    with _scratch_failures(f"the generated {INITIAL_NAME} does not build a fresh database",
                           by_hand), scratch_database(req.db) as scratch:
        replay(scratch, [script])
        built = introspect(scratch)
    found = differences(live, built, Sides("database", INITIAL_NAME))
    if found:
        raise refusal(f"a fresh database built from the generated {INITIAL_NAME} differs "
                      f"from {req.db.display}: {len(found)} difference(s)", found, by_hand)
    return script


def _mark(req: EnrollRequest, recorded: list[Script], foreign: Foreign | None,
          live: Schema) -> None:
    """Record ``recorded`` (and drop the other tool's table) in one transaction where possible."""
    with session(req.db) as s, s.storage_errors():
        transactional = s.dialect.TRANSACTIONAL_DDL
        created = False
        try:
            if transactional:
                s.dialect.execute(s.conn, "BEGIN")
            _recheck(s, req, foreign, live)
            created = True
            _write_marks(s, recorded, foreign)
            if transactional:
                s.dialect.execute(s.conn, "COMMIT")
        except BaseException:
            _undo(s, drop_version_table=created and not transactional)
            raise


def _recheck(s: Session, req: EnrollRequest, foreign: Foreign | None, live: Schema) -> None:
    from autodiff.introspect import introspect

    if versiontable.exists(s.dialect, s.conn):
        raise AlreadyManaged(f"{req.db.display} was enrolled by another run meanwhile")
    if comparable(introspect(req.db, s.conn), req.ignore, foreign) != live:
        raise EnrollRefused(f"{req.db.display} changed while enroll was verifying it",
                            hint="nothing was written or marked; run enroll again")


def _write_marks(s: Session, recorded: list[Script], foreign: Foreign | None) -> None:
    d, conn = s.dialect, s.conn
    d.execute(conn, versiontable.create_sql(d))  # MySQL commits implicitly here
    if not d.TRANSACTIONAL_DDL:
        d.execute(conn, "BEGIN")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    cur = conn.cursor()
    try:
        for script in recorded:
            cur.execute(versiontable.insert_sql(d),
                        (script.version, script.name, script.checksum, now, 0))
    finally:
        cur.close()
    if not d.TRANSACTIONAL_DDL:
        d.execute(conn, "COMMIT")
    if foreign is not None:
        d.execute(conn, f"DROP TABLE {d.quote(foreign.table)}")


def _undo(s: Session, drop_version_table: bool) -> None:
    d = s.dialect
    with contextlib.suppress(*d.driver_errors):
        if d.in_transaction(s.conn):
            d.execute(s.conn, "ROLLBACK")
        if drop_version_table:
            # MySQL/MariaDB cannot roll back DDL: take back the version table by hand, so a
            # failed enroll leaves the database unmanaged rather than marked version 0.
            d.execute(s.conn, f"DROP TABLE IF EXISTS {d.quote(versiontable.VERSION_TABLE)}")
