"""Runners racing on one database, and a runner killed in the middle of a script."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import py_script, rows, tables, write

import autodiff
from autodiff.database import Database

RUNNERS = 4


def racing_folder(folder: Path, scripts: int = 8) -> None:
    write(folder, "0001-log.sql", "CREATE TABLE applied_log (v INTEGER NOT NULL);")
    for v in range(2, scripts + 1):
        if v % 3 == 0:  # a slow .py step widens the window for a race
            write(folder, f"{v:04d}-slow.py",
                  "import time\ntime.sleep(0.2)\n" +
                  py_script(f"INSERT INTO applied_log (v) VALUES ({v})"))
        else:
            write(folder, f"{v:04d}-step.sql", f"INSERT INTO applied_log (v) VALUES ({v});")


def start_upgrade(db: Database, folder: Path, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTODIFF_DB"}
    return subprocess.Popen(
        [sys.executable, "-m", "autodiff", "upgrade", "--db", db.spec, "--migrations",
         str(folder), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env)


def test_concurrent_runners_apply_each_script_once(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    racing_folder(folder)
    autodiff.create_db(empty_db)
    procs = [start_upgrade(empty_db, folder) for _ in range(RUNNERS)]
    results = [(p.wait(timeout=180), p.stdout.read(), p.stderr.read())  # type: ignore[union-attr]
               for p in procs]
    assert all(code == 0 for code, _, _ in results), results
    assert sorted(rows(empty_db, "SELECT v FROM applied_log")) == [(v,) for v in range(2, 9)]
    assert [a.version for a in autodiff.status(empty_db, folder).applied] == list(range(1, 9))
    # Exactly one runner did the work; the others found the database up to date.
    assert sum("Applied 8 scripts" in out for _, out, _ in results) == 1
    assert sum("up to date at version 8" in out for _, out, _ in results) == RUNNERS - 1


LONG_SCRIPTS = {
    "sqlite": """
        ALTER TABLE students ADD COLUMN age INTEGER;
        CREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
            SELECT x FROM c LIMIT 200000000;
    """,
    "postgresql": """
        ALTER TABLE students ADD COLUMN age INTEGER;
        CREATE TABLE big AS SELECT g AS x FROM generate_series(1, 400000000) AS g;
    """,
}


# MySQL is left out: its DDL commits statement by statement, so no runner can promise this.
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
def test_kill_9_mid_script_leaves_previous_version_and_schema(empty_db: Database,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-initialize.sql",
          "CREATE TABLE students (id INTEGER PRIMARY KEY, name VARCHAR(40));\n"
          "INSERT INTO students VALUES (1, 'Ada');")
    autodiff.upgrade(empty_db, folder)
    before = autodiff.snapshot(empty_db)
    long_script = write(folder, "0002-long.sql", LONG_SCRIPTS[empty_db.dialect])

    proc = start_upgrade(empty_db, folder)
    assert proc.stdout is not None
    assert "applying 0002-long.sql" in proc.stdout.readline()
    time.sleep(1.0)  # well inside the long statement
    assert proc.poll() is None, "the long script finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    assert autodiff.get_db_version(empty_db) == 1
    assert autodiff.snapshot(empty_db) == before
    assert "big" not in tables(empty_db)
    assert rows(empty_db, "SELECT id, name FROM students") == [(1, "Ada")]
    # The lock died with the runner: the next run goes ahead.
    long_script.write_text("ALTER TABLE students ADD COLUMN age INTEGER;\n")
    autodiff.upgrade(empty_db, folder, lock_timeout=30)
    assert autodiff.get_db_version(empty_db) == 2
