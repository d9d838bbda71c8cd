"""`autodiff backup`: a consistent copy of a SQLite database, even while it is written."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from helpers import run_cli

import autodiff
from autodiff.errors import ConfigError


def test_backup_while_another_connection_writes(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE pairs (a INTEGER, pad TEXT)")
    conn.executemany("INSERT INTO pairs VALUES (?, ?)",
                     [(i, "x" * 500) for i in range(50_000)])  # ~30 MB: a multi-step copy
    conn.commit()
    stop = threading.Event()
    writes: list[int] = []

    def writer() -> None:
        # Each transaction slides a window of 50,000 consecutive values by one: any
        # consistent copy holds exactly such a window; a torn one would not.
        w = sqlite3.connect(db, timeout=30)
        i = 50_000
        while not stop.is_set():
            with w:
                w.execute("INSERT INTO pairs VALUES (?, ?)", (i, "y" * 500))
                w.execute("DELETE FROM pairs WHERE a = ?", (i - 50_000,))
            i += 1
            writes.append(i)
        w.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while not writes:
            stop.wait(0.01)
        copies = [autodiff.backup(db, tmp_path / f"copy{n}.db") for n in range(3)]
        written_during = len(writes)
    finally:
        stop.set()
        thread.join()
    assert written_during > 1  # the copies really were taken under writes
    for copy in copies:
        check = sqlite3.connect(copy)
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count, low, high = check.execute("SELECT count(*), min(a), max(a) FROM pairs").fetchone()
        assert count == 50_000 and high - low == 49_999
        check.close()


def test_backup_cli_names_the_file_and_never_overwrites(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x INTEGER)").connection.close()
    result = run_cli("backup", "--db", str(db))
    assert result.returncode == 0, result.stderr
    made = Path(result.stdout.strip())
    assert made.parent == tmp_path and made.name.startswith("app.db.")
    assert made.name.endswith(".backup")
    again = run_cli("backup", "--db", str(db), "--to", str(made))
    assert again.returncode == 2 and "backup destination exists" in again.stderr


def test_backup_refuses_server_databases() -> None:
    with pytest.raises(ConfigError, match="backup copies SQLite databases"):
        autodiff.backup("postgresql://localhost/x")


def test_upgrade_backup_flag_copies_first(tmp_path: Path) -> None:
    db, folder = tmp_path / "app.db", tmp_path / "m"
    folder.mkdir()
    (folder / "0001-a.sql").write_text("CREATE TABLE a (x INTEGER);")
    assert run_cli("upgrade", "--db", str(db), "--migrations", str(folder)).returncode == 0
    (folder / "0002-b.sql").write_text("CREATE TABLE b (x INTEGER);")
    result = run_cli("upgrade", "--backup", "--db", str(db), "--migrations", str(folder))
    assert result.returncode == 0, result.stderr
    (backup,) = tmp_path.glob("app.db.*.backup")
    names = {r[0] for r in sqlite3.connect(backup).execute("SELECT name FROM sqlite_schema")}
    assert "a" in names and "b" not in names
