"""The version table: one row per applied script. The highest version is the database's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autodiff.database import VERSION_TABLE, Database
from autodiff.dialects.base import Dialect
from autodiff.errors import IntegrityError
from autodiff.scripts import Script


@dataclass(frozen=True)
class Applied:
    """A row of the version table."""

    version: int
    name: str
    checksum: str
    applied_at: str
    duration_ms: int


def create_sql(dialect: Dialect) -> str:
    """The DDL of the version table (portable column types, ISO-8601 UTC timestamps)."""
    q = dialect.quote
    return (f"CREATE TABLE IF NOT EXISTS {q(VERSION_TABLE)} ("
            f"{q('version')} INTEGER NOT NULL PRIMARY KEY, "
            f"{q('name')} VARCHAR(255) NOT NULL, "
            f"{q('checksum')} CHAR(64) NOT NULL, "
            f"{q('applied_at')} VARCHAR(32) NOT NULL, "
            f"{q('duration_ms')} INTEGER NOT NULL)")


def insert_sql(dialect: Dialect) -> str:
    """The parametrized INSERT that records one applied script (built once per dialect)."""
    sql = _INSERTS.get(dialect.name)
    if sql is None:
        q, p = dialect.quote, dialect.PARAM
        cols = ", ".join(q(c) for c in ("version", "name", "checksum", "applied_at",
                                         "duration_ms"))
        sql = f"INSERT INTO {q(VERSION_TABLE)} ({cols}) VALUES ({p}, {p}, {p}, {p}, {p})"
        _INSERTS[dialect.name] = sql
    return sql


_INSERTS: dict[str, str] = {}


def exists(dialect: Dialect, conn: Any) -> bool:
    """Whether the version table exists (the database is managed by autodiff)."""
    return VERSION_TABLE in user_tables(dialect, conn)


def user_tables(dialect: Dialect, conn: Any) -> set[str]:
    """Names of the tables in the database (the version table included)."""
    if dialect.name == "sqlite":
        sql = ("SELECT name FROM sqlite_schema WHERE type = 'table' "
               "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    elif dialect.name == "postgresql":
        sql = ("SELECT table_name FROM information_schema.tables "
               "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
    else:
        sql = ("SELECT TABLE_NAME FROM information_schema.TABLES "
               "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")
    return {row[0] for row in dialect.query(conn, sql)}


def read(dialect: Dialect, conn: Any) -> list[Applied]:
    """The applied scripts in version order."""
    q = dialect.quote
    rows = dialect.query(conn, f"SELECT {q('version')}, {q('name')}, {q('checksum')}, "
                               f"{q('applied_at')}, {q('duration_ms')} "
                               f"FROM {q(VERSION_TABLE)} ORDER BY {q('version')}")
    return [Applied(int(r[0]), r[1], r[2].strip(), r[3], int(r[4])) for r in rows]


def recorded(db: Database) -> list[Applied] | None:
    """The applied scripts of ``db``; None when it does not exist or autodiff does not
    manage it (callers that must tell those apart ask ``database_exists`` first)."""
    from autodiff.dialects import dialect_for

    dialect = dialect_for(db)
    if not dialect.database_exists(db):
        return None
    conn = dialect.connect(db)
    try:
        return read(dialect, conn) if exists(dialect, conn) else None
    finally:
        conn.close()


def verify(scripts: list[Script], applied: list[Applied]) -> None:
    """Refuse a database that the scripts cannot safely move forward (DESIGN section 3)."""
    found = problems(scripts, applied)
    if found:
        raise found[0]


def problems(scripts: list[Script], applied: list[Applied]) -> list[IntegrityError]:
    """Every way the database and the scripts disagree, worst first (empty when none)."""
    if not applied:
        return []
    found: list[IntegrityError] = []
    version = applied[-1].version
    head = scripts[-1].version if scripts else 0
    if version > head:
        found.append(IntegrityError(
            f"database is at version {version} ({applied[-1].name}), newer than the newest "
            f"script ({scripts[-1].name if scripts else 'none'})",
            hint="this code is older than the database: deploy the newer migrations"))
    by_version = {s.version: s for s in scripts}
    for row in applied:
        script = by_version.get(row.version)
        if script is None:
            found.append(IntegrityError(
                f"applied script {row.name} (version {row.version}) is missing from the "
                "migrations folder", hint="restore the file: applied scripts are append-only"))
        elif script.checksum != row.checksum:
            found.append(IntegrityError(
                f"{script.name} was changed after it was applied "
                f"(checksum {row.checksum[:12]} recorded, {script.checksum[:12]} now)",
                hint="restore the applied script and put the change in a new script"))
    done = {row.version for row in applied}
    skipped = [s for s in scripts if s.version < version and s.version not in done]
    if skipped:
        names = ", ".join(s.name for s in skipped)
        found.append(IntegrityError(
            f"{names} {'is' if len(skipped) == 1 else 'are'} numbered below the database's "
            f"version {version} but never applied (merged late?)",
            hint="renumber the script(s) after the newest applied one"))
    return found


def pending(scripts: list[Script], applied: list[Applied], to: int | None = None) -> list[Script]:
    """Scripts not yet applied, up to version ``to`` if given."""
    done = {row.version for row in applied}
    return [s for s in scripts if s.version not in done and (to is None or s.version <= to)]
