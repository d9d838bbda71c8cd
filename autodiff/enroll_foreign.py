"""The version tables of the tools ``autodiff enroll`` adopts databases from.

fastmigrate keeps one number in ``_meta`` (the row with id 1); Alembic keeps its head
revision(s) in ``alembic_version``. enroll verifies that version like any other claim
before it records it and drops the other tool's table (docs/enroll.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from autodiff.errors import ConfigError
from autodiff.model import Schema
from autodiff.runner import Session

FASTMIGRATE_TABLE = "_meta"
ALEMBIC_TABLE = "alembic_version"


@dataclass(frozen=True)
class Foreign:
    """Another migration tool's version table found in the database."""

    tool: str  # "fastmigrate" or "alembic"
    table: str
    versions: tuple[str, ...]  # fastmigrate: one number; Alembic: its head revision(s)

    def describe(self) -> str:
        """E.g. ``fastmigrate's _meta table (version 2)``."""
        label = "version" if self.tool == "fastmigrate" else "revision"
        return f"{self.tool}'s {self.table} table ({label} {', '.join(self.versions) or 'none'})"


def foreign_table(schema: Schema) -> tuple[str, str] | None:
    """(tool, table) when ``schema`` holds fastmigrate's or Alembic's version table."""
    shapes = ((FASTMIGRATE_TABLE, "fastmigrate", {"id", "version"}),
              (ALEMBIC_TABLE, "alembic", {"version_num"}))
    for table_name, tool, columns in shapes:
        table = schema.table(table_name)
        if table is not None and {c.name for c in table.columns} == columns:
            return tool, table_name
    return None


def fastmigrate_version(foreign: Foreign, numbers: set[int], wanted: int | None) -> int:
    """fastmigrate's version, to verify and mark; ConfigError if no script has it or
    ``--version`` asks for another."""
    version = int(foreign.versions[0])
    if wanted is not None and wanted != version:
        raise ConfigError(f"--version {wanted}: fastmigrate's {foreign.table} says version "
                          f"{version}", hint="drop --version; enroll verifies fastmigrate's")
    if version > 0 and version not in numbers:
        raise ConfigError(f"fastmigrate's {foreign.table} says version {version}, but no "
                          f"script has number {version}",
                          hint="point --migrations at fastmigrate's migrations folder")
    return version


def foreign_versions(s: Session, table: str) -> tuple[str, ...]:
    """The versions the other tool's ``table`` records (Alembic may have several heads)."""
    q = s.dialect.quote
    if table == FASTMIGRATE_TABLE:
        rows = s.dialect.query(s.conn, f"SELECT {q('version')} FROM {q(table)} "
                                       f"WHERE {q('id')} = 1")
        if not rows:
            raise ConfigError(f"fastmigrate's {table} table has no version row",
                              hint="fastmigrate keeps its version in the row with id = 1")
    else:
        rows = s.dialect.query(s.conn, f"SELECT {q('version_num')} FROM {q(table)} "
                                       f"ORDER BY {q('version_num')}")
    return tuple(str(row[0]) for row in rows)
