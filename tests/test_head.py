"""The head schema: scratch databases are always dropped; the proof rejects a wrong script."""

from __future__ import annotations

import marshal
import os
import pickle
import pickletools
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import imported_module, marked_models, scratch_names, waiting_migrations, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff import head as head_module
from autodiff import verify as verify_module
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.head import (
    SCRATCH_PREFIX,
    cache_file,
    cache_key,
    decode_schema,
    encode_schema,
    head_schema,
    scratch_database,
)
from autodiff.model import Check, Column, ForeignKey, Index, PrimaryKey, Schema, Table, Unique
from autodiff.scripts import Script, discover
from autodiff.verify import SMALL_SCHEMA, VerificationFailed, _scope, _start, verify_script
from tests.strategies import schemas

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
    # Ours, as far as can be told: other test runs on the same server make their own.
    ours = scratch_names(empty_db) - before
    time.sleep(1.0)  # inside the slow script
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "Traceback" not in err
    assert not ours & scratch_names(empty_db)  # servers: the scratch database is gone
    assert list(private_tmp.iterdir()) == []  # SQLite: the scratch file and its folder too


# PostgreSQL's runs on the replay thread: without a cancel it would outlast the test.
SLOW_SQL = {"postgresql": "SELECT pg_sleep(600);\n", "mysql": "SELECT SLEEP(30);\n"}


def generate_command(db: Database, folder: Path) -> list[str]:
    return [sys.executable, "-m", "autodiff", "generate", "-m", "x", "--db", db.spec,
            "--migrations", str(folder), "--models", "models.py:metadata"]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"], indirect=True)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupting_a_statement_of_the_replay_drops_the_scratch_database(
        empty_db: Database, tmp_path: Path, signum: int) -> None:
    """On PostgreSQL the replay runs on its own thread: the running statement is cancelled."""
    folder = tmp_path / "migrations"
    write(folder, "0001-slow.sql", SLOW_SQL[empty_db.dialect])
    (tmp_path / "models.py").write_text("from sqlalchemy import MetaData\nmetadata = MetaData()\n")
    before = scratch_names(empty_db)
    proc = subprocess.Popen(generate_command(empty_db, folder), cwd=tmp_path,
                            env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not scratch_names(empty_db) - before:
        time.sleep(0.1)
    ours = scratch_names(empty_db) - before
    assert ours, "the replay never started"
    time.sleep(1.0)  # inside the slow statement
    started = time.monotonic()
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "Traceback" not in err
    assert not ours & scratch_names(empty_db)
    # Not a speed target: the statement was stopped, not waited for (nor the 30 s the
    # main thread gives the replay thread to let go).
    assert time.monotonic() - started < 25


def test_an_error_in_the_models_stops_the_replay_running_meanwhile(
        empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    write(folder, "0001-slow.py", SLOW_SCRIPT)
    # The import fails once the replay is under way (its script has printed, or 3 s).
    (tmp_path / "models.py").write_text("import time\ntime.sleep(3)\nx = (\n")
    before = scratch_names(empty_db)
    done = subprocess.run(generate_command(empty_db, folder), cwd=tmp_path,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "SyntaxError" in done.stderr
    assert "Traceback" not in done.stderr
    assert scratch_names(empty_db) == before


def test_the_replay_and_the_models_import_overlap_where_the_server_replays(
        empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL a script of the replay waits for a file that only importing the
    models writes: it finishes only if the two run at the same time. Elsewhere the
    replay runs after the import, and the file is there already."""
    from autodiff import api

    folder, marker = waiting_migrations(tmp_path, monkeypatch)
    (tmp_path / "models.py").write_text(marked_models(marker, "t", "u"))
    result = api.generate(empty_db, folder, "models.py:metadata", "add u", base_dir=tmp_path,
                          write=False)
    assert [op.describe() for op in result.ops] == ["create table u"]
    assert result.verified
    models = imported_module(tmp_path / "models.py")
    assert models.REPLAYING is (empty_db.dialect == "postgresql")


def test_a_cold_generate_proves_its_script_on_the_replay(
        empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No second scratch database on PostgreSQL: the script is applied where the head was
    replayed. Elsewhere the touched tables are built again (cheap there)."""
    from autodiff import api

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    made: list[str] = []
    original = head_module.scratch_database

    @contextmanager
    def counting(like: Database, create: bool = True) -> Iterator[Database]:
        with original(like, create) as scratch:
            made.append(scratch.name)
            yield scratch

    monkeypatch.setattr(head_module, "scratch_database", counting)
    monkeypatch.setattr(verify_module, "scratch_database", counting)
    folder = tmp_path / "migrations"
    write(folder, "0001-table.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
    (tmp_path / "models.py").write_text(
        "from sqlalchemy import Column, Integer, MetaData, String, Table\n"
        "metadata = MetaData()\n"
        "Table('t', metadata, Column('id', Integer, primary_key=True, autoincrement=False), "
        "Column('name', String(20)))\n")
    result = api.generate(empty_db, folder, "models.py:metadata", "add name",
                          base_dir=tmp_path, write=False)
    assert [op.describe().split(" (")[0] for op in result.ops] == ["add column t.name"]
    scratches = 1 if empty_db.dialect == "postgresql" else 2
    assert result.verified and len(made) == scratches
    # The proof was cached as well: generating again builds nothing at all.
    again = api.generate(empty_db, folder, "models.py:metadata", "add name",
                         base_dir=tmp_path, write=False)
    assert again.verified and len(made) == scratches


def test_a_wrong_script_fails_its_proof_on_the_replay(empty_db: Database,
                                                      tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    write(folder, "0001-table.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
    scripts = discover(folder)
    with head_module.prepared_head(empty_db, scripts, use_cache=False) as head:
        start = head.schema()
        table = start.table("t")
        assert table is not None and head.scratch is not None
        wanted = replace(start, tables=(replace(table, columns=(
            *table.columns, Column("name", "integer", nullable=True))),))
        with pytest.raises(VerificationFailed):
            verify_script(empty_db, start, wanted, "ALTER TABLE t ADD COLUMN other INTEGER;",
                          "0002-x.sql", {"t"}, scripts, use_cache=False, scratch=head.scratch)
    assert head.scratch.name not in scratch_names(empty_db)


def test_head_is_cached_by_the_bytes_of_the_scripts(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    db = Database("sqlite", str(tmp_path / "a.db"), path=tmp_path / "a.db")
    script = write(tmp_path / "m", "0001-a.sql", "CREATE TABLE a (x INTEGER);")
    scripts = discover(tmp_path / "m")
    first = head_schema(db, scripts)
    key = cache_key(db, scripts)
    assert cache_file(db, scripts).is_file()
    assert key in cache_file(db, scripts).name
    assert head_schema(db, scripts) == first
    script.write_text("CREATE TABLE a (x INTEGER, y TEXT);")
    changed = discover(tmp_path / "m")
    assert cache_key(db, changed) != key
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


# -- the caches ----------------------------------------------------------------------------

@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.sampled_from(["sqlite", "postgresql", "mysql"]).flatmap(schemas))
def test_the_cache_format_round_trips(schema: Schema) -> None:
    again = decode_schema(encode_schema(schema))
    assert again == schema
    assert again.to_json() == schema.to_json()
    assert [again.table(t.name) for t in schema.tables] == list(schema.tables)


def test_equal_objects_are_written_once_and_read_back_shared() -> None:
    tables = tuple(Table(f"t{i}", (Column("id", "INTEGER", False), Column("note", "TEXT")),
                         PrimaryKey(("id",))) for i in range(50))
    schema = Schema("sqlite", tables=tables)
    data = encode_schema(schema)
    again = decode_schema(data)
    assert again == schema
    assert again.tables[0].columns[1] is again.tables[49].columns[1]
    assert again.tables[0].primary_key is again.tables[49].primary_key
    # Each distinct object is built once: the schema, 50 tables, 2 columns, 1 primary key.
    built = [op for op, _, _ in pickletools.genops(data) if op.name == "REDUCE"]
    assert len(built) == 1 + 50 + 2 + 1


def test_an_entry_naming_anything_but_the_model_is_refused_unrun(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, (f"touch {marker}",))

    for entry in (pickle.dumps((head_module._MAGIC, Payload())),
                  pickle.dumps((head_module._MAGIC, print))):
        with pytest.raises(pickle.UnpicklingError, match="not a model class"):
            decode_schema(entry)
    assert not marker.exists()


def test_a_corrupt_cache_entry_is_replayed_again(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    db = Database("sqlite", str(tmp_path / "a.db"), path=tmp_path / "a.db")
    write(tmp_path / "m", "0001-a.sql", "CREATE TABLE a (x INTEGER);")
    scripts = discover(tmp_path / "m")
    first = head_schema(db, scripts, use_cache=False)
    for junk in (b"", b"not a pickle", encode_schema(first)[:-5],
                 pickle.dumps(("autodiff-head-0", None)),
                 marshal.dumps(("autodiff-head-2", head_module.plain(first)))):  # old format
        cache_file(db, scripts).parent.mkdir(parents=True, exist_ok=True)
        cache_file(db, scripts).write_bytes(junk)
        head_module._SEEN.clear()  # this process read nothing before
        assert head_schema(db, scripts) == first
        assert decode_schema(cache_file(db, scripts).read_bytes()) == first


def _wide_head(count: int = SMALL_SCHEMA + 5) -> Schema:
    """A head above the size that is built whole: a chain of FKs, every table indexed."""
    tables = []
    for i in range(count):
        fks = (ForeignKey(f"fk_t{i}", ("parent_id",), f"t{i - 1}", ("id",)),) if i else ()
        tables.append(Table(
            f"t{i}", (Column("id", "INTEGER", False), Column("code", "TEXT", False),
                      Column("parent_id", "INTEGER"), Column("note", "TEXT")),
            PrimaryKey(("id",)), (Unique(f"uq_t{i}", ("code",)),),
            (Index(f"ix_t{i}_note", ("note",)),), fks, (Check(f"ck_t{i}", "id > 0"),)))
    return Schema("sqlite", tuple(tables))


def test_the_proof_builds_the_touched_tables_their_children_and_stand_ins() -> None:
    head = _wide_head()
    scope = _scope(head, head, {"t10"})
    assert scope == {"t10", "t11"}  # the table and its child: compared
    start = _start(head, head, scope)
    assert {t.name for t in start.tables} == {"t9", "t10", "t11"}
    assert start.table("t10") == head.table("t10") and start.table("t11") == head.table("t11")
    # t9 is only referenced: its key, nothing that would pull in its own parent.
    assert start.table("t9") == Table("t9", (Column("id", "INTEGER", False),),
                                      PrimaryKey(("id",)))


def _chain(db: Database, folder: Path) -> tuple[Schema, list[Script]]:
    """The head of a chain of tables, each referencing the one before, indexed and checked."""
    body = "".join(
        f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE, "
        f"note VARCHAR(50), parent_id INTEGER{f' REFERENCES t{i - 1} (id)' if i else ''}, "
        f"CHECK (id > 0));\nCREATE INDEX ix_t{i}_note ON t{i} (note);\n"
        for i in range(SMALL_SCHEMA + 5))
    write(folder, "0001-chain.sql", body)
    scripts = discover(folder)
    return head_schema(db, scripts), scripts


def _with_code(head: Schema, table: str, code_type: str) -> Schema:
    return replace(head, tables=tuple(
        replace(t, columns=tuple(replace(c, type=code_type) if c.name == "code" else c
                                 for c in t.columns)) if t.name == table else t
        for t in head.tables))


def test_the_proof_is_cached_and_still_compared(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    db = Database("sqlite", str(tmp_path / "a.db"), path=tmp_path / "a.db")
    head, scripts = _chain(db, tmp_path / "m")
    t10 = head.table("t10")
    assert t10 is not None
    desired = replace(head, tables=tuple(
        replace(t, columns=(*t.columns, Column("y", "integer"))) if t is t10 else t
        for t in head.tables))
    script = 'ALTER TABLE "t10" ADD COLUMN "y" INTEGER;\n'
    verify_script(db, head, desired, script, "0002-y.sql", {"t10"}, scripts)
    assert len(list((tmp_path / "cache" / "autodiff").glob("proof-*"))) == 1

    def no_scratch(like: Database) -> None:
        raise AssertionError("the cached proof built a scratch database")

    monkeypatch.setattr(verify_module, "scratch_database", no_scratch)
    verify_script(db, head, desired, script, "0002-y.sql", {"t10"}, scripts)
    # The cached result is compared with the models of this run, not trusted as a pass.
    with pytest.raises(VerificationFailed):
        verify_script(db, head, head, script, "0002-y.sql", {"t10"}, scripts)
    with pytest.raises(AssertionError, match="built a scratch database"):
        verify_script(db, head, desired, script, "0002-y.sql", {"t10"}, scripts,
                      use_cache=False)


def test_a_proof_with_stand_ins_passes_on_every_dialect(dialect: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins must be enough for the server to accept the children's foreign keys."""
    from conftest import new_database

    from autodiff.diff import diff
    from autodiff.plan import plan
    from autodiff.render import render_ops

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    db = new_database(dialect, tmp_path)
    head, scripts = _chain(db, tmp_path / "m")
    code = next(c.type for c in head.tables[0].columns if c.name == "code")
    desired = _with_code(head, "t10", code.replace("20", "40"))
    assert len(_start(head, desired, {"t10", "t11"}).tables) == 3
    rendered = render_ops(plan(diff(head, desired), head, desired), dialect)

    def no_replay(*args: object) -> None:
        raise AssertionError("the stand-ins could not be built: the proof replayed")

    monkeypatch.setattr(verify_module, "_result_from_replay", no_replay)
    script = "".join(f"{statement};\n" for _, statements in rendered for statement in statements)
    verify_script(db, head, desired, script, "0002-code.sql", {"t10"}, scripts,
                  use_cache=False)
