"""Apply N small .sql migrations to a new SQLite file: autodiff, a bare loop, fastmigrate, alembic.

    python bench/apply_scripts.py [--scripts 1000] [--runs 3] [--warmup 1] [--dir D] [--profile]

Every contender applies the same SQL (one statement per script: CREATE TABLE, ALTER TABLE
ADD COLUMN, INSERT or CREATE INDEX, in a cycle) to a new database file, one durable commit
per script (SQLite defaults: rollback journal, synchronous=FULL). Runs are interleaved
(run 1 of every contender, then run 2, ...) so that disk or load drift hits all alike,
and every run's result is checked against the floor's (same schema, same rows). Ratios
to the floor are medians of run-by-run ratios; CPU time (children included) is shown
beside wall-clock time because it is far less disturbed by other load on the machine.

The floor is a bare loop in one Python process on one ``sqlite3`` connection:
BEGIN, the script's statement, COMMIT. The target of the foundation issue is autodiff
within 1.25x of it. In-process rows exclude imports; process rows include interpreter
start-up. ``--dir /dev/shm`` puts the files on tmpfs, where a sync costs nothing, to see
CPU overhead alone; ``--profile`` adds where autodiff.upgrade() spends its time.
Everything lives in a temporary directory that is removed at the end."""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import hashlib
import inspect
import io
import os
import pstats
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

from benchutil import (
    Samples,
    child_environment,
    clocked,
    environment,
    exit_on_sigterm,
    filesystem_of,
    note,
    package_version,
    print_environment,
    print_table,
    timed,
)

TARGET = 1.25
VERSION_TABLE = "autodiff_version"
BIN = Path(sys.executable).parent


# -- the workload ---------------------------------------------------------------------------
def create_table_sql(table: str, parent: str | None) -> str:
    """A realistic new table: PK, NOT NULL, UNIQUE, CHECK, DEFAULT, and an FK to ``parent``."""
    fk = f",\n    parent_id INTEGER REFERENCES {parent} (id) ON DELETE CASCADE" if parent else ""
    return (f"CREATE TABLE {table} (\n"
            "    id INTEGER PRIMARY KEY,\n"
            "    name VARCHAR(100) NOT NULL,\n"
            "    email VARCHAR(255) NOT NULL UNIQUE,\n"
            "    status VARCHAR(20) NOT NULL DEFAULT 'new'"
            " CHECK (status IN ('new', 'active', 'closed')),\n"
            f"    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP{fk}\n)")


def migration_sql(i: int) -> str:
    """The one statement of script ``i`` (1-based): create, add column, insert, index."""
    number, step = divmod(i - 1, 4)
    table, parent = f"app_{number + 1:04d}", f"app_{number:04d}" if number else None
    if step == 0:
        return create_table_sql(table, parent)
    if step == 1:
        return f"ALTER TABLE {table} ADD COLUMN score_{i} INTEGER NOT NULL DEFAULT 0"
    if step == 2:
        columns = "name, email, parent_id" if parent else "name, email"
        values = f"'row {i}', 'user{i}@example.com'" + (", 1" if parent else "")
        return f"INSERT INTO {table} ({columns}) VALUES ({values})"
    return f"CREATE INDEX ix_{table}_created_at ON {table} (created_at)"


def script_name(i: int) -> str:
    kind = ("create-table", "add-column", "insert-row", "create-index")[(i - 1) % 4]
    return f"{i:04d}-{kind}"


def write_sql_scripts(folder: Path, count: int) -> None:
    """``NNNN-words.sql`` files, the naming autodiff and fastmigrate share."""
    folder.mkdir()
    for i in range(1, count + 1):
        text = f"-- {script_name(i)}\n{migration_sql(i)};\n"
        (folder / f"{script_name(i)}.sql").write_text(text, encoding="utf-8")


ALEMBIC_INI = """\
[alembic]
script_location = %(here)s
sqlalchemy.url = sqlite:///unset.db

# The logging set-up of `alembic init`'s generic template.
[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""

# The online path of `alembic init`'s generic env.py; `-x db=PATH` picks the database.
ALEMBIC_ENV = """\
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
db = context.get_x_argument(as_dictionary=True).get("db")
if db:
    config.set_main_option("sqlalchemy.url", f"sqlite:///{db}")

connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                 prefix="sqlalchemy.", poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

ALEMBIC_REVISION = '''\
"""{name}"""
from alembic import op

revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    op.execute({sql!r})


def downgrade():
    pass
'''


def write_alembic_project(folder: Path, count: int) -> Path:
    """An alembic project whose linear chain of ``count`` revisions runs the same SQL."""
    versions = folder / "versions"
    versions.mkdir(parents=True)
    (folder / "alembic.ini").write_text(ALEMBIC_INI, encoding="utf-8")
    (folder / "env.py").write_text(ALEMBIC_ENV, encoding="utf-8")
    for i in range(1, count + 1):
        text = ALEMBIC_REVISION.format(name=script_name(i), revision=f"r{i:04d}",
                                       down=f"r{i - 1:04d}" if i > 1 else None,
                                       sql=migration_sql(i))
        (versions / f"r{i:04d}_{script_name(i)[5:].replace('-', '_')}.py").write_text(
            text, encoding="utf-8")
    return folder / "alembic.ini"


# -- the floor (also run as its own process, from this very source) --------------------------
def floor(db: str, folder: str) -> None:
    """Each script's statement on one connection, in its own transaction: BEGIN, it, COMMIT."""
    import sqlite3
    from pathlib import Path

    conn = sqlite3.connect(db, isolation_level=None)
    for path in sorted(Path(folder).glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        conn.execute("BEGIN")
        conn.execute(sql)
        conn.execute("COMMIT")
    conn.close()


def floor_with_bookkeeping(db: str, folder: str) -> None:
    """The floor plus the SQL autodiff's runner adds per script on SQLite (DESIGN section 3).

    foreign_keys off before BEGIN, PRAGMA foreign_key_check before COMMIT, one version
    row INSERT in the script's transaction: what remains of autodiff's time is Python.
    """
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("CREATE TABLE autodiff_version (version INTEGER NOT NULL PRIMARY KEY, "
                 "name VARCHAR(255) NOT NULL, checksum CHAR(64) NOT NULL, "
                 "applied_at VARCHAR(32) NOT NULL, duration_ms INTEGER NOT NULL)")
    for version, path in enumerate(sorted(Path(folder).glob("*.sql")), 1):
        data = path.read_bytes()
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN")
        conn.execute(data.decode("utf-8"))
        if conn.execute("PRAGMA foreign_key_check").fetchall():
            raise RuntimeError(f"{path.name}: foreign key violation")
        conn.execute("INSERT INTO autodiff_version VALUES (?, ?, ?, ?, ?)",
                     (version, path.name, hashlib.sha256(data).hexdigest(),
                      "2026-01-01T00:00:00+00:00", 0))
        conn.execute("COMMIT")
    conn.close()


def floor_program() -> str:
    """``python -c`` source running :func:`floor` on argv[1], argv[2]."""
    return inspect.getsource(floor) + "\nimport sys\nfloor(sys.argv[1], sys.argv[2])\n"


# -- contenders ---------------------------------------------------------------------------------
@dataclass
class Contender:
    """One way of applying the scripts; ``run(db)`` applies all of them to a new file."""

    label: str
    process: bool
    run: Callable[[Path], object]
    prepare: Callable[[Path], object] = lambda db: None  # untimed set-up before each run
    samples: Samples = field(init=False)

    def __post_init__(self) -> None:
        self.samples = Samples(self.label)


def run_process(argv: list[str], cwd: Path) -> None:
    """Run a command to completion; RuntimeError with its stderr if it fails."""
    proc = subprocess.run(argv, cwd=cwd, env=child_environment(), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} ... exited {proc.returncode}:\n"
                           f"{proc.stderr[-2000:]}")


def console_script(name: str) -> str:
    """The console script installed beside this interpreter."""
    path = BIN / name
    if not path.exists():
        raise SystemExit(f"{name} not found beside {sys.executable}: pip install -e '.[bench]'")
    return str(path)


def autodiff_contenders(sql_dir: Path, root: Path) -> list[Contender]:
    import autodiff

    cli = console_script("autodiff")
    return [
        Contender("autodiff.upgrade()", False, lambda db: autodiff.upgrade(db, sql_dir)),
        Contender("autodiff upgrade (CLI)", True, lambda db: run_process(
            [cli, "upgrade", "--db", str(db), "--migrations", str(sql_dir)], root)),
    ]


def fastmigrate_contenders(sql_dir: Path, root: Path) -> list[Contender]:
    from fastmigrate import core

    cli = console_script("fastmigrate_run_migrations")

    def in_process(db: Path) -> None:
        core.create_db(db)
        if not core.run_migrations(db, sql_dir):
            raise RuntimeError("fastmigrate run_migrations failed")

    return [
        # The CLI needs an existing, managed file: made before the clock starts.
        Contender("fastmigrate_run_migrations (CLI)", True, lambda db: run_process(
            [cli, "--db", str(db), "--migrations", str(sql_dir)], root),
            prepare=lambda db: core.create_db(db)),
        Contender("fastmigrate create_db() + run_migrations()", False, in_process),
    ]


def alembic_contenders(ini: Path, root: Path) -> list[Contender]:
    from alembic import command
    from alembic.config import Config

    cli = console_script("alembic")

    def in_process(db: Path) -> None:
        config = Config(str(ini))
        config.cmd_opts = argparse.Namespace(x=[f"db={db}"])
        with contextlib.redirect_stderr(io.StringIO()):
            command.upgrade(config, "head")

    return [
        Contender("alembic upgrade head (CLI)", True, lambda db: run_process(
            [cli, "-c", str(ini), "-x", f"db={db}", "upgrade", "head"], root)),
        Contender("alembic command.upgrade()", False, in_process),
    ]


def contenders(sql_dir: Path, ini: Path, root: Path) -> list[Contender]:
    program = floor_program()
    return [
        Contender("floor: bare sqlite3 loop", False, lambda db: floor(str(db), str(sql_dir))),
        *autodiff_contenders(sql_dir, root),
        Contender("floor + autodiff's per-script SQL", False,
                  lambda db: floor_with_bookkeeping(str(db), str(sql_dir))),
        Contender("floor as a process (python -c)", True, lambda db: run_process(
            [sys.executable, "-c", program, str(db), str(sql_dir)], root)),
        *fastmigrate_contenders(sql_dir, root),
        *alembic_contenders(ini, root),
    ]


# -- measuring -----------------------------------------------------------------------------------
def remove_database(db: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm", ".autodiff-lock"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{db}{suffix}")


def fingerprint(db: Path) -> str:
    """The application's schema and row count (bookkeeping tables left out)."""
    conn = sqlite3.connect(db)
    try:
        objects = conn.execute(
            "SELECT type, name, sql FROM sqlite_schema WHERE name LIKE 'app\\_%' ESCAPE '\\' "
            "OR name LIKE 'ix\\_%' ESCAPE '\\' ORDER BY name").fetchall()
        rows = sum(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                   for kind, name, _ in objects if kind == "table")
    finally:
        conn.close()
    digest = hashlib.sha256(repr(objects).encode()).hexdigest()[:16]
    return f"{len(objects)} objects, {rows} rows, {digest}"


def measure(all_contenders: list[Contender], root: Path, runs: int, warmup: int) -> None:
    """Interleaved runs; the first ``warmup`` rounds are not recorded."""
    expected: str | None = None
    for round_ in range(warmup + runs):
        tag = "warm-up" if round_ < warmup else f"run {round_ - warmup + 1}/{runs}"
        for contender in all_contenders:
            db = root / "bench.db"
            remove_database(db)
            contender.prepare(db)
            clock = clocked(partial(contender.run, db))
            got = fingerprint(db)
            expected = expected or got
            if got != expected:
                raise RuntimeError(f"{contender.label} produced {got}, expected {expected}")
            if round_ >= warmup:
                contender.samples.add(clock)
            note(f"  {tag}: {contender.label}: {clock[0]:.2f}s (CPU {clock[1]:.2f}s)")
    remove_database(root / "bench.db")


def startup_costs(root: Path, repeat: int = 5) -> list[list[str]]:
    """Process start-up alone: the interpreter, autodiff's imports, an upgrade with no script."""
    empty = root / "empty"
    empty.mkdir(exist_ok=True)
    db = root / "startup.db"
    commands = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("python -c 'import autodiff.cli'", [sys.executable, "-c", "import autodiff.cli"]),
        ("autodiff upgrade, 0 scripts (new file)",
         [console_script("autodiff"), "upgrade", "--db", str(db), "--migrations", str(empty)]),
    ]
    rows = []
    for label, argv in commands:
        samples = []
        for _ in range(repeat):
            remove_database(db)
            samples.append(timed(partial(run_process, argv, root)))
        rows.append([label, f"{sorted(samples)[len(samples) // 2] * 1000:.0f}",
                     f"{min(samples) * 1000:.0f}"])
    remove_database(db)
    return rows


# -- reporting ----------------------------------------------------------------------------------
def result_rows(all_contenders: list[Contender], count: int) -> list[list[str]]:
    floor_ = all_contenders[0].samples
    rows = []
    for c in all_contenders:
        s = c.samples
        rows.append([c.label, "process" if c.process else "in-process",
                     f"{s.median * 1000 / count:.2f}", f"{s.best * 1000 / count:.2f}",
                     f"{s.cpu_median * 1000 / count:.2f}",
                     f"{s.paired_ratio(floor_):.2f}x", f"{s.paired_ratio(floor_, cpu=True):.2f}x"])
    return rows


def verdict(ratios: list[float]) -> str:
    """Met, not met, or inconclusive when run-by-run ratios fall on both sides of the target."""
    if all(r <= TARGET for r in ratios):
        return "met"
    if all(r > TARGET for r in ratios):
        return "NOT met"
    return "inconclusive (run-by-run ratios on both sides of the target)"


def verdicts(all_contenders: list[Contender]) -> list[str]:
    by_label = {c.label: c.samples for c in all_contenders}
    floor_ = all_contenders[0].samples
    lines = []
    for label in ("autodiff.upgrade()", "autodiff upgrade (CLI)"):
        s = by_label[label]
        wall = [a / f for a, f in zip(s.seconds, floor_.seconds, strict=True)]
        cpu = [a / f for a, f in zip(s.cpu, floor_.cpu, strict=True)]
        lines.append(
            f"- {label}: wall clock {s.paired_ratio(floor_):.2f}x the floor (run by run "
            f"{', '.join(f'{r:.2f}' for r in wall)}): target <= {TARGET}x {verdict(wall)}; "
            f"CPU time {s.paired_ratio(floor_, cpu=True):.2f}x (run by run "
            f"{', '.join(f'{r:.2f}' for r in cpu)}): {verdict(cpu)}")
    return lines


class TimedCursor:
    """A DB-API cursor proxy adding each ``execute`` call's time to a per-kind tally."""

    def __init__(self, inner: Any, tally: dict[str, float]) -> None:
        self._inner, self._tally = inner, tally

    def execute(self, sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._inner.execute(sql, *args)
        finally:
            kind = sql_kind(sql)
            self._tally[kind] = self._tally.get(kind, 0.0) + time.perf_counter() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TimedConnection(TimedCursor):
    """The same for a connection: its own ``execute`` and the cursors it hands out."""

    def cursor(self) -> TimedCursor:
        return TimedCursor(self._inner.cursor(), self._tally)


def sql_kind(sql: str) -> str:
    """Which part of a run a statement is, for the breakdown."""
    words = sql.split()
    head = " ".join(words[:2]).upper()
    if head.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
        return head.split()[0]
    if "FOREIGN_KEY_CHECK" in head:
        return "PRAGMA foreign_key_check"
    if "FOREIGN_KEYS" in head:
        return "PRAGMA foreign_keys = OFF"
    if VERSION_TABLE in sql or "sqlite_schema" in sql:
        return "version row INSERT" if head.startswith("INSERT") else "version table, catalog"
    return "script statements"


@contextlib.contextmanager
def instrumented(tally: dict[str, float]) -> Iterator[None]:
    """Time autodiff's SQL per kind, and its statement splitter, without touching autodiff."""
    from autodiff import runner
    from autodiff.dialects.sqlite import SQLiteDialect

    connect, split = SQLiteDialect.connect, runner.split_sql

    def timed_connect(self: SQLiteDialect, db: Any) -> Any:
        return TimedConnection(connect(self, db), tally)

    def timed_split(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return split(*args)
        finally:
            tally["split_sql (Python)"] = (tally.get("split_sql (Python)", 0.0)
                                           + time.perf_counter() - started)

    with mock.patch.object(SQLiteDialect, "connect", timed_connect), \
            mock.patch.object(runner, "split_sql", timed_split):
        yield


def breakdown(sql_dir: Path, root: Path, count: int, runs: int) -> list[list[str]]:
    """Where one in-process ``autodiff.upgrade()`` spends its time, median of ``runs``."""
    import autodiff

    db = root / "breakdown.db"
    tallies: list[dict[str, float]] = []
    for _ in range(runs):
        remove_database(db)
        tally: dict[str, float] = {}
        with instrumented(tally):
            total = timed(lambda: autodiff.upgrade(db, sql_dir))
        tally["other Python (runner, API)"] = total - sum(tally.values())
        tally["total"] = total
        tallies.append(tally)
    remove_database(db)
    medians = {kind: statistics.median(t.get(kind, 0.0) for t in tallies) for kind in tallies[0]}
    total = medians["total"]
    return [[kind, f"{median * 1000 / count:.3f}", f"{100 * median / total:.0f}%"]
            for kind, median in sorted(medians.items(), key=lambda kv: (kv[0] == "total",
                                                                         -kv[1]))]


def foreign_key_check(conn: sqlite3.Connection) -> list[Any]:
    return conn.execute("PRAGMA foreign_key_check").fetchall()


def foreign_key_check_scaling(root: Path, sizes: tuple[int, ...] = (100, 250, 500, 1000),
                              repeat: int = 20) -> list[list[str]]:
    """Cost of one ``PRAGMA foreign_key_check`` right after a DDL statement, by schema size."""
    rows = []
    for size in sizes:
        db = root / "fkcheck.db"
        remove_database(db)
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE t0 (id INTEGER PRIMARY KEY)")
        for i in range(1, size + 1):
            conn.execute(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, "
                         f"parent_id INTEGER REFERENCES t{i - 1} (id))")
            conn.execute(f"INSERT INTO t{i} VALUES (1, {1 if i > 1 else 'NULL'})")
        conn.execute("COMMIT")
        spent = 0.0
        for j in range(repeat):
            conn.execute("BEGIN")
            conn.execute(f"ALTER TABLE t1 ADD COLUMN c{j} INTEGER")
            spent += timed(partial(foreign_key_check, conn))
            conn.execute("ROLLBACK")
        conn.close()
        rows.append([str(size), f"{spent * 1000 / repeat:.2f}"])
    remove_database(root / "fkcheck.db")
    return rows


def print_profile(sql_dir: Path, root: Path, count: int, runs: int, top: int = 20) -> None:
    """Where autodiff's time goes: per-part breakdown, FK-check scaling, cProfile."""
    import autodiff

    print(f"### Where autodiff.upgrade() spends its time (in-process, median of {runs})\n")
    print_table(["part", "ms/script", "share"], breakdown(sql_dir, root, count, runs))
    print("Cost of one PRAGMA foreign_key_check after a DDL statement, by schema size "
          "(tables with one FK and one row each):\n")
    print_table(["tables with FKs", "ms per check"], foreign_key_check_scaling(root))
    db = root / "profile.db"
    remove_database(db)
    profiler = cProfile.Profile()
    profiler.runcall(autodiff.upgrade, db, sql_dir)
    remove_database(db)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("tottime").print_stats(top)
    print(f"### cProfile of one autodiff.upgrade(), top {top} by own time\n\n```")
    print(text.getvalue().strip())
    print("```\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scripts", type=int, default=1000, help="number of scripts (1-9999)")
    parser.add_argument("--runs", type=int, default=3, help="recorded runs per contender")
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded rounds first")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the temporary directory goes (default: the system's)")
    parser.add_argument("--profile", action="store_true",
                        help="also show where autodiff.upgrade() spends its time")
    args = parser.parse_args(argv)
    if not 1 <= args.scripts <= 9999:  # fastmigrate reads exactly four digits
        parser.error("--scripts must be between 1 and 9999")
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be >= 1 and --warmup >= 0")
    return args


def main(argv: list[str] | None = None) -> None:
    exit_on_sigterm()
    args = parse_args(argv)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="autodiff-bench-", dir=args.dir) as tmp:
        root = Path(tmp)
        sql_dir = root / "migrations"
        write_sql_scripts(sql_dir, args.scripts)
        ini = write_alembic_project(root / "alembic", args.scripts)
        all_contenders = contenders(sql_dir, ini, root)
        note(f"applying {args.scripts} scripts, {args.warmup} warm-up + {args.runs} runs each")
        measure(all_contenders, root, args.runs, args.warmup)
        startup = startup_costs(root)
        print(f"## Applying {args.scripts} .sql scripts to a new SQLite file\n")
        print_environment(environment([
            ("temporary directory", f"{root.parent} on {filesystem_of(root)}"),
            ("alembic", package_version("alembic")),
            ("fastmigrate", f"{package_version('fastmigrate')} (runs .sql through Python's "
                            "sqlite3, no sqlite3 binary)"),
            ("SQLAlchemy", package_version("SQLAlchemy")),
            ("runs", f"{args.warmup} warm-up + {args.runs} recorded per contender, "
                     "interleaved"),
            ("load average (1 min), start / end",
             f"{load_before:.2f} / {os.getloadavg()[0]:.2f}"),
        ]))
        print_table(["contender", "runs as", "wall ms/script, median", "wall, min",
                     "CPU ms/script, median", "wall vs floor", "CPU vs floor"],
                    result_rows(all_contenders, args.scripts))
        print("Process start-up alone (5 runs):\n")
        print_table(["command", "median ms", "min ms"], startup)
        print("\n".join(verdicts(all_contenders)) + "\n")
        if args.profile:
            print_profile(sql_dir, root, args.scripts, args.runs)


if __name__ == "__main__":
    main()
