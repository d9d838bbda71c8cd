"""The head schema: scratch databases are always dropped; the proof rejects a wrong script."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import write

from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.head import SCRATCH_PREFIX, cache_key, head_schema, scratch_database
from autodiff.model import Column
from autodiff.scripts import discover
from autodiff.verify import VerificationFailed, verify_script


def scratch_names(db: Database) -> set[str]:
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


SLOW_SCRIPT = "import time\nprint('slow step started', flush=True)\ntime.sleep(30)\n"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_generate_drops_its_scratch_database(empty_db: Database, tmp_path: Path,
                                                         signum: int) -> None:
    folder = tmp_path / "migrations"
    write(folder, "0001-slow.py", SLOW_SCRIPT)
    (tmp_path / "models.py").write_text("from sqlalchemy import MetaData\nmetadata = MetaData()\n")
    before = scratch_names(empty_db)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(private_tmp)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "autodiff", "generate", "-m", "x", "--db", empty_db.spec,
         "--migrations", str(folder), "--models", "models.py:metadata"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (scratch_names(empty_db) - before
                                               or list(private_tmp.glob("autodiff-*/*.db"))):
        time.sleep(0.1)
    assert time.monotonic() < deadline, "the replay never started"
    time.sleep(1.0)  # inside the slow script
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "Traceback" not in err
    assert scratch_names(empty_db) == before  # servers: the scratch database is gone
    assert list(private_tmp.iterdir()) == []  # SQLite: the scratch file and its folder too


def test_head_is_cached_by_the_bytes_of_the_scripts(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    db = Database("sqlite", str(tmp_path / "a.db"), path=tmp_path / "a.db")
    script = write(tmp_path / "m", "0001-a.sql", "CREATE TABLE a (x INTEGER);")
    scripts = discover(tmp_path / "m")
    first = head_schema(db, scripts)
    key = cache_key("sqlite", scripts)
    assert (tmp_path / "cache" / "autodiff" / f"head-{key}.json").is_file()
    assert head_schema(db, scripts) == first
    script.write_text("CREATE TABLE a (x INTEGER, y TEXT);")
    changed = discover(tmp_path / "m")
    assert cache_key("sqlite", changed) != key
    table = head_schema(db, changed).table("a")
    assert table is not None and [c.name for c in table.columns] == ["x", "y"]


def test_the_proof_rejects_a_script_that_does_not_produce_the_models(
        dialect: str, tmp_path: Path) -> None:
    from conftest import new_database

    db = new_database(dialect, tmp_path)
    write(tmp_path / "m", "0001-a.sql", "CREATE TABLE a (x INTEGER);")
    scripts = discover(tmp_path / "m")
    head = head_schema(db, scripts, use_cache=False)
    table = head.tables[0]
    desired = replace(head, tables=(replace(table, columns=(
        *table.columns, Column("y", "integer" if dialect != "mysql" else "int")),),))
    with pytest.raises(VerificationFailed) as info:
        verify_script(db, head, desired, "-- forgot the ALTER\n", "0002-y.sql", {"a"}, scripts)
    assert "0002-y.sql does not produce the models' schema: add column a.y" in str(info.value)
    # The same check passes for the script that does the job.
    verify_script(db, head, desired, "ALTER TABLE a ADD COLUMN y INTEGER;\n", "0002-y.sql",
                  {"a"}, scripts)


def test_scratch_database_is_dropped_after_use(dialect: str, tmp_path: Path) -> None:
    from conftest import new_database

    like = new_database(dialect, tmp_path)
    with scratch_database(like) as scratch:
        assert dialect_for(scratch).database_exists(scratch)
        assert scratch.name.startswith(SCRATCH_PREFIX)
    assert not dialect_for(scratch).database_exists(scratch)
