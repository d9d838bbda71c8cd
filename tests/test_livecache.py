"""The live schema cache: reused while the catalog is unchanged, never after a change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import execute, run_cli, write

from autodiff import livecache
from autodiff.database import Database
from autodiff.introspect import FINGERPRINTS, introspect
from autodiff.livecache import live_cache_file, live_schema
from autodiff.model import Schema

BASE = ("CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)",
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, note VARCHAR(20))")

# Schema changes made outside any migration, each of which the cache must notice.
CHANGES: dict[str, dict[str, tuple[str, ...]]] = {
    "sqlite": {
        "add column": ("ALTER TABLE child ADD COLUMN extra INTEGER",),
        "create index": ("CREATE INDEX ix_child_note ON child (note)",),
        "rename table": ("ALTER TABLE child RENAME TO kid",),
        "rename column": ("ALTER TABLE child RENAME COLUMN note TO remark",),
        "create view": ("CREATE VIEW names AS SELECT name FROM parent",),
        "create trigger": ("CREATE TRIGGER t AFTER INSERT ON parent BEGIN "
                           "UPDATE parent SET name = name WHERE id = NEW.id; END",),
        "drop and create the same name": (
            "DROP TABLE child",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, note TEXT)"),
    },
    "postgresql": {
        "add column": ("ALTER TABLE child ADD COLUMN extra INTEGER",),
        "type change": ("ALTER TABLE child ALTER COLUMN note TYPE VARCHAR(30)",),
        "set default": ("ALTER TABLE child ALTER COLUMN note SET DEFAULT 'x'",),
        "drop not null": ("ALTER TABLE parent ALTER COLUMN name DROP NOT NULL",),
        "comment": ("COMMENT ON COLUMN child.note IS 'why'",),
        "table comment": ("COMMENT ON TABLE child IS 'kids'",),
        "check": ("ALTER TABLE child ADD CONSTRAINT ck_note CHECK (note <> '')",),
        "foreign key": ("ALTER TABLE child ADD CONSTRAINT fk_parent FOREIGN KEY (parent_id) "
                        "REFERENCES parent (id)",),
        "index concurrently": ("CREATE INDEX CONCURRENTLY ix_child_note ON child (note)",),
        "rename table": ("ALTER TABLE child RENAME TO kid",),
        "rename a column a view reads": (
            "CREATE VIEW names AS SELECT name FROM parent",
            "ALTER TABLE parent RENAME COLUMN name TO title"),
        "enum value": ("CREATE TYPE mood AS ENUM ('sad')", "ALTER TABLE child ADD COLUMN m mood",
                       "ALTER TYPE mood ADD VALUE 'happy'"),
        "sequence option": ("CREATE SEQUENCE counter", "ALTER SEQUENCE counter INCREMENT BY 5"),
        "drop and create the same name": (
            "DROP TABLE child",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, note TEXT)"),
    },
    "mysql": {
        "add column": ("ALTER TABLE child ADD COLUMN extra INTEGER",),
        "create index": ("CREATE INDEX ix_child_note ON child (note)",),
    },
}


class Counting:
    """An introspector that counts its calls."""

    def __init__(self, inner: Callable[[Any, Any], Schema]) -> None:
        self.inner, self.calls = inner, 0

    def __call__(self, d: Any, conn: Any) -> Schema:
        self.calls += 1
        return self.inner(d, conn)


@pytest.fixture
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "autodiff"


@pytest.fixture
def counting(empty_db: Database, monkeypatch: pytest.MonkeyPatch) -> Counting:
    wrapper = Counting(livecache.INTROSPECTORS[empty_db.dialect])
    monkeypatch.setitem(livecache.INTROSPECTORS, empty_db.dialect, wrapper)
    return wrapper


def test_an_unchanged_database_is_not_read_again(empty_db: Database, isolated_cache: Path,
                                                 counting: Counting) -> None:
    execute(empty_db, *BASE)
    first = live_schema(empty_db)
    second = live_schema(empty_db)
    # MySQL has no fingerprint: it is read every time.
    assert counting.calls == (1 if empty_db.dialect in FINGERPRINTS else 2)
    assert first == second == introspect(empty_db)
    assert {t.name for t in second.tables} == {"parent", "child"}
    assert live_cache_file(empty_db).exists() == (empty_db.dialect in FINGERPRINTS)


def test_use_cache_false_always_reads(empty_db: Database, isolated_cache: Path,
                                      counting: Counting) -> None:
    execute(empty_db, *BASE)
    live_schema(empty_db)
    unread = live_schema(empty_db, use_cache=False)
    assert counting.calls == 2
    assert unread == introspect(empty_db)


@pytest.mark.parametrize(("dialect", "change"),
                         [(d, c) for d, by in CHANGES.items() for c in by])
def test_every_change_outside_migrations_is_seen(empty_db: Database, isolated_cache: Path,
                                                 change: str) -> None:
    statements = CHANGES[empty_db.dialect][change]
    execute(empty_db, *BASE)
    before = live_schema(empty_db)
    execute(empty_db, *statements)
    after = live_schema(empty_db)
    assert after == introspect(empty_db)
    assert after != before


def test_a_corrupt_entry_is_read_again(empty_db: Database, isolated_cache: Path) -> None:
    execute(empty_db, *BASE)
    live_schema(empty_db)
    path = live_cache_file(empty_db)
    if empty_db.dialect in FINGERPRINTS:
        path.write_bytes(b"\x00not marshal")
    assert live_schema(empty_db) == introspect(empty_db)


def test_two_databases_keep_their_own_entries(empty_db: Database, tmp_path: Path,
                                              isolated_cache: Path) -> None:
    from autodiff.dialects import dialect_for
    from tests.conftest import new_database

    other = new_database(empty_db.dialect, tmp_path)
    dialect_for(other).create_database(other)
    try:
        execute(empty_db, BASE[0])
        execute(other, BASE[1])
        assert [t.name for t in live_schema(empty_db).tables] == ["parent"]
        assert [t.name for t in live_schema(other).tables] == ["child"]
        assert [t.name for t in live_schema(empty_db).tables] == ["parent"]
    finally:
        dialect_for(other).drop_database(other)


def test_check_sees_drift_made_after_a_clean_check(empty_db: Database, tmp_path: Path,
                                                   isolated_cache: Path) -> None:
    """Through the CLI: the second check must not trust the first one's reading."""
    folder = tmp_path / "migrations"
    write(folder, "0001-base.sql", ";\n".join(BASE) + ";\n")
    args = ["--db", empty_db.spec, "--migrations", str(folder)]
    assert run_cli("upgrade", *args, cwd=tmp_path).returncode == 0
    clean = run_cli("check", *args, cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    execute(empty_db, "ALTER TABLE child ADD COLUMN extra INTEGER")
    drifted = run_cli("check", *args, cwd=tmp_path)
    assert drifted.returncode == 1
    assert "column child.extra: in database, not in migrations" in drifted.stdout
    again = run_cli("check", "--no-cache", *args, cwd=tmp_path)
    assert again.returncode == 1 and "child.extra" in again.stdout


class Finder:
    """A comparison that counts its calls and reports what it is told to."""

    def __init__(self, findings: list[str]) -> None:
        self.findings, self.calls = findings, 0

    def __call__(self, schema: Schema) -> list[str]:
        self.calls += 1
        return list(self.findings)


def test_a_clean_verdict_spares_reading_and_comparing(empty_db: Database, isolated_cache: Path,
                                                      counting: Counting) -> None:
    execute(empty_db, *BASE)
    clean = Finder([])
    assert livecache.live_findings(empty_db, "head-a", clean) == []
    assert livecache.live_findings(empty_db, "head-a", clean) == []
    remembered = empty_db.dialect in FINGERPRINTS  # MySQL: read and compared every time
    assert clean.calls == (1 if remembered else 2)
    assert counting.calls == (1 if remembered else 2)


def test_findings_are_never_remembered(empty_db: Database, isolated_cache: Path) -> None:
    execute(empty_db, *BASE)
    drifted = Finder(["column child.extra: in database, not in migrations"])
    assert livecache.live_findings(empty_db, "head-a", drifted) == drifted.findings
    assert livecache.live_findings(empty_db, "head-a", drifted) == drifted.findings
    assert drifted.calls == 2


def test_a_verdict_is_for_its_own_key(empty_db: Database, isolated_cache: Path) -> None:
    execute(empty_db, *BASE)
    livecache.live_findings(empty_db, "head-a", Finder([]))
    other = Finder([])
    livecache.live_findings(empty_db, "head-b", other)
    livecache.live_findings(empty_db, None, other)  # no key: always compared
    assert other.calls == 2


@pytest.mark.parametrize(("dialect", "change"),
                         [(d, c) for d, by in CHANGES.items() for c in by])
def test_every_change_outside_migrations_voids_a_verdict(empty_db: Database,
                                                         isolated_cache: Path,
                                                         change: str) -> None:
    execute(empty_db, *BASE)
    livecache.live_findings(empty_db, "head-a", Finder([]))
    execute(empty_db, *CHANGES[empty_db.dialect][change])
    seen: list[Schema] = []
    livecache.live_findings(empty_db, "head-a", lambda schema: seen.append(schema) or [])
    assert seen == [introspect(empty_db)]


def test_check_trusts_a_clean_verdict_only_for_the_same_ignore(empty_db: Database,
                                                                tmp_path: Path,
                                                                isolated_cache: Path) -> None:
    """Through the CLI: a table drifted but ignored is clean only while it is ignored."""
    folder = tmp_path / "migrations"
    write(folder, "0001-base.sql", ";\n".join(BASE) + ";\n")
    args = ["--db", empty_db.spec, "--migrations", str(folder)]
    assert run_cli("upgrade", *args, cwd=tmp_path).returncode == 0
    execute(empty_db, "CREATE TABLE scratch_notes (id INTEGER PRIMARY KEY)")
    (tmp_path / "pyproject.toml").write_text('[tool.autodiff]\nignore = ["scratch_*"]\n')
    assert run_cli("check", *args, cwd=tmp_path).returncode == 0
    assert run_cli("check", *args, cwd=tmp_path).returncode == 0  # on the verdict
    (tmp_path / "pyproject.toml").write_text("[tool.autodiff]\n")
    drifted = run_cli("check", *args, cwd=tmp_path)
    assert drifted.returncode == 1, drifted.stdout + drifted.stderr
    assert "scratch_notes" in drifted.stdout
