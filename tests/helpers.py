"""Small helpers shared by the tests: writing scripts, running the CLI for real."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from autodiff.database import Database
from autodiff.dialects import dialect_for


def write(folder: Path, name: str, text: str) -> Path:
    """Write a script (dedented) into ``folder``, creating it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def py_script(*statements: str) -> str:
    """A .py migration that runs ``statements`` on the database given as argv[1]."""
    body = "\n".join(f"    conn.cursor().execute({s!r})" for s in statements)
    return (
        "import sys, autodiff\n"
        "conn = autodiff.connect(sys.argv[1])\n"
        "try:\n"
        f"{body}\n"
        "finally:\n"
        "    conn.close()\n"
    )


def rows(db: Database, sql: str) -> list[tuple]:
    """The rows of one query against ``db``."""
    d = dialect_for(db)
    conn = d.connect(db)
    try:
        return [tuple(r) for r in d.query(conn, sql)]
    finally:
        conn.close()


def execute(db: Database, *statements: str) -> None:
    """Run statements against ``db`` in autocommit mode."""
    d = dialect_for(db)
    conn = d.connect(db)
    try:
        for statement in statements:
            d.execute(conn, statement)
    finally:
        conn.close()


def tables(db: Database) -> set[str]:
    """The table names in ``db`` (version table included)."""
    from autodiff import versiontable

    d = dialect_for(db)
    conn = d.connect(db)
    try:
        return versiontable.user_tables(d, conn)
    finally:
        conn.close()


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m autodiff ARGS`` in a real subprocess."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("AUTODIFF_DB", None) if env is None or "AUTODIFF_DB" not in env else None
    return subprocess.run([sys.executable, "-m", "autodiff", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, check=False)


STUDENT_MODELS = """
    from sqlalchemy import BigInteger, Integer, String, text
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Student(Base):
        __tablename__ = "students"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        first_name: Mapped[str] = mapped_column(String(50))
"""


def student_models(folder: Path, body: str = "") -> None:
    """Write ``folder``/models.py: a declarative Base and a Student table (id,
    first_name) with the further class-body lines in ``body``."""
    source = textwrap.dedent(STUDENT_MODELS) + textwrap.indent(textwrap.dedent(body), " " * 4)
    (folder / "models.py").write_text(source)

# A replay script that waits for a file only importing the models writes (marked_models):
# it ends only if the replay and the import overlap, or the import came first.
WAITS_FOR_MODELS = """import os, sys, time
marker = os.environ["AUTODIFF_TEST_MARKER"]
deadline = time.monotonic() + 60
while not os.path.exists(marker):
    if time.monotonic() > deadline:
        sys.exit("the models were never imported while the replay ran")
    time.sleep(0.05)
"""


def waiting_migrations(tmp_path: Path, env: Any) -> tuple[Path, Path]:
    """A folder of a table script and a WAITS_FOR_MODELS script, and the marker file it
    waits for; ``env`` (pytest's monkeypatch) gets the marker and a private cache."""
    marker = tmp_path / "models-imported"
    env.setenv("AUTODIFF_TEST_MARKER", str(marker))
    env.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "migrations"
    write(folder, "0001-table.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
    write(folder, "0002-wait.py", WAITS_FOR_MODELS)
    return folder, marker


def marked_models(marker: Path, *tables: str) -> str:
    """A models file writing ``marker`` when imported, with a table (integer key, not
    numbered by the database) per name; REPLAYING says whether a replay thread ran."""
    lines = ["import pathlib, threading",
             "from sqlalchemy import Column, Integer, MetaData, Table",
             "REPLAYING = any(t.name == 'autodiff-replay' for t in threading.enumerate())",
             f"pathlib.Path({str(marker)!r}).write_text('imported')",
             "metadata = MetaData()"]
    lines += [f"Table({name!r}, metadata, Column('id', Integer, primary_key=True, "
              "autoincrement=False))" for name in tables]
    return "\n".join(lines) + "\n"


def imported_module(path: Path) -> Any:
    """The module imported from ``path`` in this process."""
    return next(m for m in list(sys.modules.values())
                if getattr(m, "__file__", None) == str(path))


def scratch_names(db: Database) -> set[str]:
    """The autodiff scratch databases on ``db``'s server now (none for SQLite)."""
    from autodiff.head import SCRATCH_PREFIX

    d = dialect_for(db)
    if db.dialect == "sqlite":
        return set()
    sql = ("SELECT datname FROM pg_database" if db.dialect == "postgresql"
           else "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
    conn = d.connect(db)
    try:
        return {r[0] for r in d.query(conn, sql) if r[0].startswith(SCRATCH_PREFIX)}
    finally:
        conn.close()


# Models that declare what autodiff leaves out: a table in another schema, a foreign key
# into it, index options not modelled (test_generate, test_schema_diff).
LEFT_OUT_MODELS = """
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Event(Base):
    __tablename__ = "events"
    __table_args__ = {"schema": "audit"}
    id: Mapped[int] = mapped_column(primary_key=True)


class Doc(Base):
    __tablename__ = "docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("audit.events.id"))
    __table_args__ = (
        Index("ix_docs_title", "title", postgresql_include=["body"],
              mysql_length={"title": 10}),
        Index("ix_docs_body", "body", postgresql_using="hash"),
        {"sqlite_autoincrement": True},
    )
"""

#: What each dialect's generate says of LEFT_OUT_MODELS' options.
LOST_OPTIONS = {
    "sqlite": [],  # its AUTOINCREMENT is modelled (Table.options)
    "postgresql": ["index ix_docs_body on docs is created without its USING hash",
                   "index ix_docs_title on docs is created without its INCLUDE columns"],
    "mysql": ["index ix_docs_title on docs is created without its prefix lengths"],
}
