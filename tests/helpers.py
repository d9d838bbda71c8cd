"""Small helpers shared by the tests: writing scripts, running the CLI for real."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

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
