"""`autodiff generate` vs `alembic revision --autogenerate` on N-table SQLAlchemy models.

    python bench/generate.py [--tables 100,500,1000] [--dialects sqlite,postgresql]
                             [--runs 3] [--warmup 1] [--settle S] [--dev-db URL|ram]
                             [--profile]

The models are a generated module of declarative classes (SQLAlchemy 2 ``Mapped[...]``
style, the naming convention of SQLAlchemy's documentation): 8 columns of mixed types, a
primary key, two indexes, and by turns a foreign key with ON DELETE CASCADE, a unique and a
check constraint. The change switches the module to its "after" version, which alters 5% of
the tables (every 20th, from the 10th), by turns: two added columns, a type change
(VARCHAR(20) -> VARCHAR(40)), a new index, a dropped column.

Set-up (not timed), per dialect and size, in a temporary directory (and, on PostgreSQL,
uniquely named scratch databases dropped at the end, also on failure or SIGTERM):

- autodiff: ``pyproject.toml`` naming the models, ``autodiff generate -m init`` and
  ``autodiff upgrade`` on the "before" models;
- alembic: ``alembic init``, an ``env.py`` with ``target_metadata = Base.metadata`` (and
  ``render_as_batch`` on SQLite, as alembic recommends), ``alembic revision
  --autogenerate -m init`` and ``alembic upgrade head``.

Then the models become "after" and these processes are timed, interleaved round by round
(stdout/stderr captured; the file each generate writes is removed after the run), the
cold generate first in each round and ``--settle S`` seconds of quiet after it:

- ``python -c pass`` (interpreter start) and ``python -c "import models"`` (what every
  tool pays to import the models, SQLAlchemy included);
- ``autodiff generate -m change`` cold: ``XDG_CACHE_HOME`` a new empty directory, so the
  replay of the migrations and the proof are both in it;
- ``autodiff generate -m change`` warm: the cache filled by an earlier generate of the
  same change (the replayed head, and the proof of the same script);
- ``autodiff generate -m change`` with a warm head but the proof not cached: a copy of
  the warm cache without its proofs, as after a change to the models;
- ``alembic revision --autogenerate -m change``.

``--dev-db`` gives autodiff's PostgreSQL project a dev database (``dev_db``): its
scratch databases (the replay, the proof) are made on that server instead of the one the
project's database and alembic's live on; ``ram`` starts a throwaway server on /dev/shm
with fsync=off for the run (``bench/ramserver.py``), as ``docker run --tmpfs`` would.

"own work" = whole process - the ``import models`` process (which includes the interpreter
start), computed run by run; for autodiff, against ``import models`` with the cyclic
collector paused and the models frozen afterwards, as autodiff's CLI loads them. Since
that subtracts two separately noisy processes, each tool's process also times its own
import of the models (SQLAlchemy included) inside itself (``TIMED_IMPORT_DRIVERS``), and
"own work, import timed inside" = whole process - that import - the ``python -c pass``
process of the same round. Every run's changes are checked against the expected ones.
``--profile`` adds, for the largest size, a breakdown of one cold and one warm autodiff
generate by phase (functions wrapped in the process, no profiler overhead) and a cProfile
summary of each.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from benchutil import (
    REPO,
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
)

DIALECTS = ("sqlite", "postgresql")
SERVER_URLS = {
    "postgresql": os.environ.get("AUTODIFF_TEST_POSTGRES_URL",
                                 "postgresql://postgres@127.0.0.1:5432/postgres"),
}
BIN = Path(sys.executable).parent
TIMEOUT = 1800  # seconds, for any one process
#: Targets of the issue, at the largest size.
OWN_WORK_TARGET = 10.0  # alembic's own work / autodiff's own work (warm cache), at least
COLD_TARGET = 1.0  # autodiff cold whole / alembic whole, at most


# -- the models ---------------------------------------------------------------------------------
MODELS_HEADER = '''\
"""{count} generated models ({state})."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {{
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
'''

CHANGE_KINDS = ("add columns", "type change", "new index", "drop column")


def table_name(i: int) -> str:
    return f"t_{i:04d}"


def has_fk(i: int) -> bool:
    return i > 1 and i % 3 != 0


def change_of(i: int) -> str | None:
    """Which change the "after" models make to table ``i``: every 20th table, by turns."""
    if i % 20 != 10:
        return None
    return CHANGE_KINDS[(i // 20) % 4]


def model_source(i: int, after: bool) -> str:
    """One declarative class."""
    name = table_name(i)
    change = change_of(i) if after else None
    args = [f'Index("ix_{name}_created", "created_at", "is_active")']
    if i % 2 == 0:
        args.append('UniqueConstraint("code")')
    if i % 3 == 0:
        args.append('CheckConstraint("amount >= 0", name="amount")')
    code_length = 40 if change == "type change" else 20
    lines = [
        f"class T{i:04d}(Base):",
        f'    __tablename__ = "{name}"',
        f"    __table_args__ = ({', '.join(args)},)",
        "",
        "    id: Mapped[int] = mapped_column(primary_key=True)",
        "    name: Mapped[str] = mapped_column(String(100), index=True)",
        f"    code: Mapped[str] = mapped_column(String({code_length}))",
        '    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default=text("0"))',
        "    is_active: Mapped[bool] = mapped_column(server_default=true())",
        "    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),",
        "                                                 server_default=func.now())",
    ]
    if change != "drop column":
        lines.append("    note: Mapped[str | None] = mapped_column(Text)")
    if change == "add columns":
        lines += ['    score: Mapped[int] = mapped_column(Integer, server_default=text("0"))',
                  "    tag: Mapped[str | None] = mapped_column(String(30))"]
    index = ", index=True" if change == "new index" else ""
    if has_fk(i):
        lines.append(f"    parent_id: Mapped[int | None] = mapped_column(\n"
                     f'        ForeignKey("{table_name((i - 1) // 2 + 1)}.id", '
                     f'ondelete="CASCADE"){index})')
    else:
        lines.append(f"    parent_id: Mapped[int | None] = mapped_column({index[2:]})")
    return "\n".join(lines) + "\n"


def models_source(count: int, after: bool) -> str:
    parts = [MODELS_HEADER.format(count=count, state="after" if after else "before")]
    parts += [model_source(i, after) for i in range(1, count + 1)]
    return "\n\n".join(parts)


def expected_changes(count: int) -> set[tuple[str, str, str]]:
    """(kind, table, column or index) of every change from "before" to "after"."""
    found: set[tuple[str, str, str]] = set()
    for i in range(1, count + 1):
        name, change = table_name(i), change_of(i)
        if change == "add columns":
            found |= {("add column", name, "score"), ("add column", name, "tag")}
        elif change == "type change":
            found.add(("alter type", name, "code"))
        elif change == "new index":
            found.add(("create index", name, f"ix_{name}_parent_id"))
        elif change == "drop column":
            found.add(("drop column", name, "note"))
    return found


# -- reading what each tool found -----------------------------------------------------------------
_AUTODIFF_OP = re.compile(
    r"(?P<kind>add column|drop column) (?P<table>\w+)\.(?P<column>\w+)"
    r"|alter column (?P<at>\w+)\.(?P<ac>\w+): (?P<what>.*)"
    r"|create (?:unique )?index (?P<index>\w+) on (?P<it>\w+) \(.*\)")


def autodiff_changes(stdout: str) -> tuple[set[tuple[str, str, str]], list[str], int]:
    """The changes autodiff listed, the lines it could not classify, and its op count."""
    header = re.search(r"^(\d+) change\(s\):$", stdout, re.M)
    lines = [line[4:] for line in stdout.splitlines() if line.startswith(("  + ", "  ! "))]
    found: set[tuple[str, str, str]] = set()
    other: list[str] = []
    for line in lines:
        rebuild = re.fullmatch(r"rebuild table \w+ \((.*)\)", line)
        for part in rebuild.group(1).split("; ") if rebuild else [line]:
            m = _AUTODIFF_OP.fullmatch(part.split(" (")[0] if part.startswith(
                ("add column", "drop column")) else part)
            if m is None:
                other.append(part)
            elif m["kind"]:
                found.add((m["kind"], m["table"], m["column"]))
            elif m["at"]:
                if m["what"].startswith("type "):
                    found.add(("alter type", m["at"], m["ac"]))
                if not re.fullmatch(r"type [^,]*", m["what"]):
                    other.append(part)
            else:
                found.add(("create index", m["it"], m["index"]))
    return found, other, int(header.group(1)) if header else 0


def _literal(node: ast.expr) -> str:
    """A string argument, also inside ``op.f("...")``."""
    if isinstance(node, ast.Call) and node.args:
        node = node.args[0]
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else "?"


def alembic_changes(source: str) -> tuple[set[tuple[str, str, str]], list[str], int]:
    """The changes in an alembic revision's ``upgrade()``: op.* and batch_op.* calls."""
    tree = ast.parse(source)
    upgrade = next(n for n in tree.body if isinstance(n, ast.FunctionDef)
                   and n.name == "upgrade")
    found: set[tuple[str, str, str]] = set()
    other: list[str] = []
    calls = 0

    def visit(statements: list[ast.stmt], table: str | None) -> None:
        nonlocal calls
        for stmt in statements:
            if isinstance(stmt, ast.With):
                call = stmt.items[0].context_expr
                assert isinstance(call, ast.Call)
                visit(stmt.body, _literal(call.args[0]))
                continue
            if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                    and isinstance(stmt.value.func, ast.Attribute)):
                continue
            call, name = stmt.value, stmt.value.func.attr
            args = list(call.args)
            if table is None and name != "create_index" and args:
                owner = _literal(args.pop(0))
            elif name == "create_index":
                owner = table or _literal(args[1])
                args = [args[0]]
            else:
                owner = table or "?"
            calls += 1
            keywords = {k.arg for k in call.keywords}
            if name == "add_column" and isinstance(args[0], ast.Call):
                found.add(("add column", owner, _literal(args[0].args[0])))
            elif name == "drop_column":
                found.add(("drop column", owner, _literal(args[0])))
            elif name == "create_index":
                found.add(("create index", owner, _literal(args[0])))
            elif name == "alter_column" and "type_" in keywords:
                found.add(("alter type", owner, _literal(args[0])))
                if keywords - {"type_", "existing_type", "existing_nullable",
                               "existing_server_default"}:
                    other.append(ast.unparse(call))
            else:
                other.append(ast.unparse(call))

    visit(upgrade.body, None)
    return found, other, calls


@dataclass
class Check:
    """How one tool's changes compare with the expected ones (the last recorded run)."""

    ops: int = 0
    matched: int = 0
    missing: list[tuple[str, str, str]] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    statements: int | None = None

    def summary(self, expected: int) -> str:
        words = [f"{self.matched}/{expected} expected"]
        if self.missing:
            words.append(f"MISSING {len(self.missing)}: " + ", ".join(
                f"{k} {t}.{c}" for k, t, c in self.missing[:3])
                + (" ..." if len(self.missing) > 3 else ""))
        if self.extra:
            words.append(f"EXTRA {len(self.extra)}: " + "; ".join(self.extra[:2])
                         + (" ..." if len(self.extra) > 2 else ""))
        return ", ".join(words)


def compare(expected: set[tuple[str, str, str]], found: set[tuple[str, str, str]],
            other: list[str], ops: int, statements: int | None = None) -> Check:
    extra = [f"{k} {t}.{c}" for k, t, c in sorted(found - expected)] + other
    return Check(ops, len(found & expected), sorted(expected - found), extra, statements)


# -- projects ------------------------------------------------------------------------------------
ALEMBIC_ENV = """\
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

from models import Base

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"""


#: Run as ``python -c DRIVER out_file args...``: the tool's command line, with the time its
#: process spends importing the models (SQLAlchemy included) written to ``out_file``. Each
#: imports them as it always does, timed where it does it: autodiff in its own loader (the
#: collector off, as its CLI has it; SQLAlchemy first, which autodiff imports just before
#: the models); alembic's env.py finds them imported already, as by its first line.
TIMED_IMPORT_DRIVERS = {
    "autodiff": r"""
import gc, sys, time
out_path, sys.argv = sys.argv[1], ["autodiff", *sys.argv[2:]]
gc.disable()
started = time.perf_counter()
import sqlalchemy, sqlalchemy.orm
spent = [time.perf_counter() - started]
import autodiff.loader
real_import = autodiff.loader._import

def timed_import(*args, **kwargs):
    started = time.perf_counter()
    try:
        return real_import(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - started)

autodiff.loader._import = timed_import
from autodiff.cli import main
try:
    main()
finally:
    with open(out_path, "w") as f:
        f.write(repr(sum(spent)))
""",
    "alembic": r"""
import sys, time
out_path, sys.argv = sys.argv[1], ["alembic", *sys.argv[2:]]
started = time.perf_counter()
import models
with open(out_path, "w") as f:
    f.write(repr(time.perf_counter() - started))
from alembic.config import main
sys.exit(main(prog="alembic"))
""",
}


@dataclass
class Project:
    """One tool's project folder, and how to put it back after a timed generate."""

    root: Path
    versions: Path
    kept: dict[Path, bytes] = field(default_factory=dict)

    @property
    def import_time_file(self) -> Path:
        return self.root.parent / f"{self.root.name}-import-seconds"

    def freeze(self) -> None:
        """Remember the migrations as they are now (what every timed run starts from)."""
        self.kept = {p: p.read_bytes() for p in self.versions.iterdir() if p.is_file()}

    def new_files(self) -> list[Path]:
        return sorted(p for p in self.versions.iterdir() if p.is_file() and p not in self.kept)

    def restore(self) -> None:
        for path in self.new_files():
            path.unlink()
        for path, data in self.kept.items():
            if path.read_bytes() != data:
                path.write_bytes(data)


def console_script(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise SystemExit(f"{name} not found beside {sys.executable}: pip install -e '.[bench]'")
    return str(path)


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command to completion and return its stdout; RuntimeError if it fails.

    On any interruption the command gets SIGTERM first (autodiff then drops its scratch
    databases), and SIGKILL only if it has not stopped 20 s later.
    """
    proc = subprocess.Popen(argv, cwd=cwd, env=child_environment(env), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except BaseException:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ... exited {proc.returncode} in {cwd}:\n"
                           f"{err[-3000:]}")
    return out


def write_models(folder: Path, count: int, after: bool) -> None:
    """Write models.py, drop its stale bytecode and compile it again (untimed)."""
    (folder / "models.py").write_text(models_source(count, after), encoding="utf-8")
    shutil.rmtree(folder / "__pycache__", ignore_errors=True)
    run([sys.executable, "-c", "import models"], folder)


def autodiff_project(folder: Path, db: str, count: int, cache: Path,
                     dev_db: str | None = None) -> Project:
    folder.mkdir()
    dev = f'dev_db = "{dev_db}"\n' if dev_db else ""
    (folder / "pyproject.toml").write_text(
        f'[tool.autodiff]\ndb = "{db}"\nmigrations = "migrations"\nmodels = "models.py:Base"\n'
        + dev, encoding="utf-8")
    (folder / "migrations").mkdir()
    write_models(folder, count, after=False)
    autodiff = console_script("autodiff")
    run([autodiff, "generate", "-m", "init", "--no-input"], folder,
        {"XDG_CACHE_HOME": str(cache)})
    run([autodiff, "upgrade"], folder)
    return Project(folder, folder / "migrations")


def alembic_project(folder: Path, url: str, count: int) -> Project:
    folder.mkdir()
    write_models(folder, count, after=False)
    alembic = console_script("alembic")
    run([alembic, "init", "alembic"], folder)
    ini = folder / "alembic.ini"
    text = ini.read_text(encoding="utf-8")
    ini.write_text(re.sub(r"(?m)^sqlalchemy\.url = .*$", f"sqlalchemy.url = {url}", text),
                   encoding="utf-8")
    (folder / "alembic" / "env.py").write_text(ALEMBIC_ENV, encoding="utf-8")
    run([alembic, "revision", "--autogenerate", "-m", "init"], folder)
    run([alembic, "upgrade", "head"], folder)
    return Project(folder, folder / "alembic" / "versions")


# -- databases -----------------------------------------------------------------------------------
@contextlib.contextmanager
def scratch_databases(dialect: str, tmp: Path) -> Iterator[tuple[str, str]]:
    """(autodiff spec, alembic URL) of two new databases; dropped on the way out."""
    if dialect == "sqlite":
        yield "app.db", "sqlite:///app.db"
        return
    from sqlalchemy.engine import make_url

    from autodiff.database import parse_database
    from autodiff.dialects import dialect_for

    name = f"autodiff_bench_{uuid.uuid4().hex[:10]}"
    server = parse_database(SERVER_URLS[dialect])
    dbs = [server.with_database(f"{name}_ad"), server.with_database(f"{name}_al")]
    d = dialect_for(server)
    try:
        for db in dbs:
            d.create_database(db)
        url = make_url(dbs[1].spec).set(drivername="postgresql+psycopg")
        yield dbs[0].spec, url.render_as_string(hide_password=False)
    finally:
        for db in dbs:
            with contextlib.suppress(Exception):
                d.drop_database(db)
            if d.database_exists(db):
                note(f"warning: could not drop {db.display}")


def server_problem(dialect: str) -> str | None:
    if dialect == "sqlite":
        return None
    from autodiff.database import parse_database
    from autodiff.dialects import dialect_for
    from autodiff.errors import AutodiffError

    server = parse_database(SERVER_URLS[dialect])
    try:
        dialect_for(server).connect(server).close()
    except AutodiffError as exc:
        return str(exc)
    return None


def server_version(dialect: str, url: str | None = None) -> str:
    from autodiff.database import parse_server
    from autodiff.dialects import dialect_for

    server = parse_server(url or SERVER_URLS[dialect])
    d = dialect_for(server)
    conn = d.connect(server)
    try:
        return str(d.query(conn, "SELECT version()")[0][0]).split(" on ")[0].split(",")[0]
    finally:
        conn.close()


# -- measuring -----------------------------------------------------------------------------------
@dataclass
class Case:
    """One dialect and size: the samples of every timed process, and the checks."""

    dialect: str
    tables: int
    setup_seconds: float = 0.0
    start: Samples = field(default_factory=lambda: Samples("python -c pass"))
    models: Samples = field(default_factory=lambda: Samples("python -c 'import models'"))
    models_paused: Samples = field(default_factory=lambda: Samples(
        "python -c 'import models', collector paused, models frozen"))
    cold: Samples = field(default_factory=lambda: Samples("autodiff generate, cold cache"))
    warm: Samples = field(default_factory=lambda: Samples("autodiff generate, warm cache"))
    warm_head: Samples = field(default_factory=lambda: Samples(
        "autodiff generate, warm head, proof not cached"))
    alembic: Samples = field(default_factory=lambda: Samples("alembic revision --autogenerate"))
    checks: dict[str, Check] = field(default_factory=dict)
    profile: str = ""

    def own(self, samples: Samples, cpu: bool = False) -> list[float]:
        """Run by run: whole process - the import-models process of the same round.

        Each tool against the import as it does it: autodiff imports the models with the
        cyclic collector paused and freezes them (faster than a plain import at this size,
        and the process's exit skips a collection over them), alembic does neither.
        Otherwise that speed-up of the user's import would count as autodiff's own work
        getting smaller.
        """
        models = self.models if samples is self.alembic else self.models_paused
        mine, base = (samples.cpu, models.cpu) if cpu else (samples.seconds, models.seconds)
        return [a - b for a, b in zip(mine, base, strict=True)]

    def own_inside(self, samples: Samples) -> list[float]:
        """Run by run: whole process - its import of the models, timed inside it - the
        interpreter's start (``python -c pass``) of the same round."""
        return [whole - imported - start for whole, imported, start
                in zip(samples.seconds, samples.inside, self.start.seconds, strict=True)]


def autodiff_generate(project: Project, cache: Path, expected: set[tuple[str, str, str]],
                      case: Case, label: str) -> None:
    from autodiff.sqlsplit import split_sql

    try:
        out = run(timed_import_command("autodiff", project, "generate", "-m", "change",
                                       "--no-input"),
                  project.root, {"XDG_CACHE_HOME": str(cache)})
        written = project.new_files()
        script = next((p for p in written if p.suffix == ".sql"), None)
        text = script.read_text(encoding="utf-8") if script else ""
        statements = len(split_sql(text, case.dialect))
        case.checks[label] = compare(expected, *autodiff_changes(out), statements)
    finally:
        project.restore()


def alembic_generate(project: Project, expected: set[tuple[str, str, str]],
                     case: Case) -> None:
    try:
        run(timed_import_command("alembic", project, "revision", "--autogenerate", "-m",
                                 "change"), project.root)
        written = project.new_files()
        if len(written) != 1:
            raise RuntimeError(f"alembic wrote {len(written)} files: {written}")
        case.checks["alembic"] = compare(expected, *alembic_changes(
            written[0].read_text(encoding="utf-8")))
    finally:
        project.restore()


def timed_import_command(tool: str, project: Project, *args: str) -> list[str]:
    console_script(tool)  # installed, or say how to install it
    return [sys.executable, "-c", TIMED_IMPORT_DRIVERS[tool], str(project.import_time_file),
            *args]


def timed_import(project: Project) -> float:
    """The seconds the last timed process spent importing the models (its driver's file)."""
    return float(project.import_time_file.read_text(encoding="utf-8"))


def head_only_copy(cache: Path, copy: Path) -> Path:
    """A copy of a warm cache holding the replayed heads but no proven scripts: what a
    generate finds after the models changed since the last one."""
    (copy / "autodiff").mkdir(parents=True)
    for entry in (cache / "autodiff").glob("head-*"):
        shutil.copy2(entry, copy / "autodiff" / entry.name)
    return copy


def bench_case(dialect: str, count: int, tmp: Path, runs: int, warmup: int,
               profile: bool, settle: float = 0.0, dev_db: str | None = None) -> Case:
    case = Case(dialect, count)
    expected = expected_changes(count)
    root = tmp / f"{dialect}-{count}"
    root.mkdir()
    warm_cache = root / "cache-warm"
    with scratch_databases(dialect, root) as (db, url):
        note(f"{dialect}, {count} tables: setting up (autodiff init + upgrade, alembic init "
             "revision + upgrade)")
        ad = alembic = None

        def set_up() -> None:
            nonlocal ad, alembic
            ad = autodiff_project(root / "autodiff", db, count, root / "cache-setup",
                                  dev_db if dialect == "postgresql" else None)
            alembic = alembic_project(root / "alembic", url, count)
            for project in (ad, alembic):
                write_models(project.root, count, after=True)
                project.freeze()

        setup = clocked(set_up)
        case.setup_seconds = setup[0]
        assert ad is not None and alembic is not None
        note(f"  set up in {setup[0]:.0f}s; filling the warm cache")
        autodiff_generate(ad, warm_cache, expected, case, "fill")
        interpreter = [sys.executable, "-c", "pass"]
        import_models = [sys.executable, "-c", "import models"]
        # As autodiff's CLI loads them: collector paused, then the models frozen, which
        # also spares the process's exit a collection over them.
        import_paused = [sys.executable, "-c",
                         "import gc; gc.disable(); import models; gc.freeze(); gc.enable()"]
        for round_ in range(warmup + runs):
            tag = "warm-up" if round_ < warmup else f"run {round_ - warmup + 1}/{runs}"
            cold_cache = root / f"cache-cold-{round_}"
            head_cache = head_only_copy(warm_cache, root / f"cache-head-{round_}")
            # The cold generate first: on PostgreSQL it ends by dropping a scratch
            # database of thousands of files, whose aftermath (the file system's, the
            # server's checkpoint) the --settle pause keeps out of every other process.
            timed = [
                (case.cold, partial(autodiff_generate, ad, cold_cache, expected, case,
                                    "autodiff, cold cache")),
                (case.start, partial(run, interpreter, ad.root)),
                (case.models, partial(run, import_models, ad.root)),
                (case.models_paused, partial(run, import_paused, ad.root)),
                (case.warm, partial(autodiff_generate, ad, warm_cache, expected, case,
                                    "autodiff, warm cache")),
                (case.warm_head, partial(autodiff_generate, ad, head_cache, expected, case,
                                         "autodiff, warm head, proof not cached")),
                (case.alembic, partial(alembic_generate, alembic, expected, case)),
            ]
            for samples, func in timed:
                clock = clocked(func)
                inside = ""
                if samples in (case.cold, case.warm, case.warm_head, case.alembic):
                    seconds_inside = timed_import(alembic if samples is case.alembic else ad)
                    inside = f", importing the models {seconds_inside:.2f}s"
                    if round_ >= warmup:
                        samples.inside.append(seconds_inside)
                if round_ >= warmup:
                    samples.add(clock)
                note(f"  {tag}: {samples.label}: {clock[0]:.2f}s (CPU {clock[1]:.2f}s{inside})")
                if settle and samples is case.cold:
                    time.sleep(settle)  # untimed: see --settle
            shutil.rmtree(cold_cache, ignore_errors=True)
            shutil.rmtree(head_cache, ignore_errors=True)
        if profile:
            case.profile = profile_generate(ad, root, warm_cache)
    return case


# -- where autodiff's time goes (--profile) -------------------------------------------------------
#: Run as ``python -c``: autodiff's CLI with its main steps wrapped in timers. Nested calls
#: are recorded as "outer > inner"; the timings go to argv[1] as JSON.
PHASE_DRIVER = r"""
import json, sys, time
T0 = time.perf_counter()
out_path = sys.argv[1]
sys.argv = ["autodiff", "generate", "-m", "change", "--no-input"]
spent, stack = {}, []

def timed(label, func):
    def wrapper(*args, **kwargs):
        key = " > ".join([*stack, label])
        stack.append(label)
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            stack.pop()
            spent[key] = spent.get(key, 0.0) + time.perf_counter() - started
    return wrapper

def patch(owner, name, label):
    if hasattr(owner, name):  # the tree measured may not have every function yet
        setattr(owner, name, timed(label, getattr(owner, name)))

import autodiff.cli, autodiff.generate, autodiff.head, autodiff.introspect, autodiff.model
import autodiff.render, autodiff.sqla, autodiff.verify, autodiff.runner
from autodiff.dialects.sqlite import SQLiteDialect
from autodiff.dialects.postgresql import PostgreSQLDialect
spent["import autodiff, click, SQLAlchemy, sqlglot"] = time.perf_counter() - T0
patch(autodiff.sqla, "load_models", "import the models (load_models)")
patch(autodiff.sqla, "schema_from_metadata", "models -> Schema (schema_from_metadata)")
patch(autodiff.head, "head_schema", "head schema (head_schema)")
patch(autodiff.head, "replay", "replay the scripts (runner)")
patch(autodiff.head, "_write_atomically", "write the cache file")
patch(autodiff.head, "write_atomically", "write a cache file")
patch(autodiff.head, "decode_schema", "read a cache file (decode_schema)")
patch(autodiff.generate, "target_flavor", "server flavor (target_flavor)")
patch(autodiff.generate, "_drift_warnings", "live database drift (_drift_warnings)")
patch(autodiff.introspect, "introspect", "introspect")
schema = autodiff.model.Schema
schema.from_json = staticmethod(timed("Schema.from_json (cache read)", schema.from_json))
patch(schema, "to_json", "Schema.to_json")
patch(autodiff.generate, "_managed_parts", "ignore/keep (_managed_parts)")
patch(autodiff.generate, "_settle_renames", "rename candidates (_settle_renames)")
patch(autodiff.generate, "diff", "diff")
patch(autodiff.generate, "plan", "plan")
patch(autodiff.render, "render_ops", "render_ops")
patch(autodiff.generate, "script_text", "script_text")
patch(autodiff.generate, "write_sum", "write script + autodiff.sum")
patch(autodiff.verify, "verify_script", "proof (verify_script)")
patch(autodiff.verify, "_scope", "scope")
patch(autodiff.verify, "_build", "build the head subset (CREATE ...)")
patch(autodiff.verify, "_apply", "apply the script (runner)")
patch(autodiff.verify, "diff", "compare with the models (diff)")
patch(autodiff.cli, "_echo_generated", "print the summary")
for cls in (SQLiteDialect, PostgreSQLDialect):
    patch(cls, "create_database", "create scratch database")
    patch(cls, "drop_database", "drop scratch database")
code = 0
try:
    autodiff.cli.main()
except SystemExit as exc:
    code = exc.code or 0
finally:
    spent["total (interpreter start excluded)"] = time.perf_counter() - T0
    with open(out_path, "w") as f:
        json.dump(spent, f)
sys.exit(code)
"""


def phase_times(project: Project, cache: Path | None, out: Path) -> dict[str, float]:
    """One generate under PHASE_DRIVER; ``cache`` None means a new, empty cache."""
    import json

    cache_dir = cache or out.with_suffix(".cache")
    try:
        run([sys.executable, "-c", PHASE_DRIVER, str(out)], project.root,
            {"XDG_CACHE_HOME": str(cache_dir)})
        return json.loads(out.read_text(encoding="utf-8"))
    finally:
        project.restore()
        if cache is None:
            shutil.rmtree(cache_dir, ignore_errors=True)


def cprofile_summary(project: Project, cache: Path | None, out: Path, top: int = 25) -> str:
    """cProfile of one generate process: the top functions by own time."""
    import io
    import pstats

    cache_dir = cache or out.with_suffix(".cache")
    try:
        run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "autodiff", "generate",
             "-m", "change", "--no-input"], project.root, {"XDG_CACHE_HOME": str(cache_dir)})
    finally:
        project.restore()
        if cache is None:
            shutil.rmtree(cache_dir, ignore_errors=True)
    def table(sort: str, *restrictions: object, strip: bool = True) -> str:
        text = io.StringIO()
        stats = pstats.Stats(str(out), stream=text)
        if strip:
            stats.strip_dirs()
        stats.sort_stats(sort).print_stats(*restrictions)
        body = text.getvalue().replace(str(REPO) + "/", "")
        return body[body.find("   ncalls"):].rstrip()

    return (f"Top {top} by own time:\n\n```\n{table('tottime', top)}\n```\n\n"
            f"autodiff's functions, top {top} by cumulative time:\n\n```\n"
            f"{table('cumulative', str(REPO / 'autodiff'), top, strip=False)}\n```\n")


def profile_generate(project: Project, root: Path, warm_cache: Path, repeat: int = 3) -> str:
    """Phase breakdown (median of ``repeat``) of a cold and a warm generate, and cProfiles."""
    note("  profiling autodiff generate (phases, then cProfile)")
    cold = [phase_times(project, None, root / f"phases-cold-{i}.json") for i in range(repeat)]
    warm = [phase_times(project, warm_cache, root / f"phases-warm-{i}.json")
            for i in range(repeat)]
    total = "total (interpreter start excluded)"
    seen = list(dict.fromkeys(k for run_ in cold + warm for k in run_ if k != total))
    keys = []  # a tree: each step, then what it called (timers record the inner ones first)
    for top_level in (k for k in seen if " > " not in k):
        keys += [top_level] + [k for k in seen if k.startswith(top_level + " > ")]
    keys.append(total)

    def median_ms(runs: list[dict[str, float]], key: str) -> str:
        values = [r[key] for r in runs if key in r]
        return f"{statistics.median(values) * 1000:.0f}" if values else ""

    def other_ms(runs: list[dict[str, float]]) -> str:
        rest = [r[total] - sum(v for k, v in r.items() if " > " not in k and k != total)
                for r in runs]
        return f"{statistics.median(rest) * 1000:.0f}"

    rows = [["    " * k.count(" > ") + k.rsplit(" > ", 1)[-1], median_ms(cold, k),
             median_ms(warm, k)] for k in keys]
    rows.insert(-1, ["other (click, CLI, process exit, ...)", other_ms(cold), other_ms(warm)])
    table = io_table(["phase (nested: indented)", "cold ms, median", "warm ms, median"], rows)
    profiles = [f"cProfile of one {kind} generate process. "
                f"{cprofile_summary(project, cache, root / f'{kind}.prof')}"
                for kind, cache in (("warm", warm_cache), ("cold", None))]
    return f"Phases, median of {repeat} runs of each:\n\n{table}\n" + "\n".join(profiles)


def io_table(headers: list[str], rows: list[list[str]]) -> str:
    import io

    buffer = io.StringIO()
    print_table(headers, rows, out=buffer)
    return buffer.getvalue()


# -- reporting ------------------------------------------------------------------------------------
def seconds(values: list[float]) -> tuple[str, str]:
    return f"{statistics.median(values):.2f}", f"{min(values):.2f}"


def result_rows(cases: list[Case]) -> list[list[str]]:
    rows = []
    for c in cases:
        for s in (c.start, c.models, c.models_paused, c.cold, c.warm, c.warm_head, c.alembic):
            whole = seconds(s.seconds)
            own: tuple[str, ...] = ("", "", "", "", "")
            if s in (c.cold, c.warm, c.warm_head, c.alembic):
                own = (*seconds(c.own(s)), f"{statistics.median(c.own(s, cpu=True)):.2f}",
                       f"{statistics.median(s.inside):.2f}", seconds(c.own_inside(s))[0])
            rows.append([c.dialect, str(c.tables), s.label, *whole,
                         f"{s.cpu_median:.2f}", *own])
    return rows


def ratio_rows(cases: list[Case]) -> list[list[str]]:
    rows = []
    for c in cases:
        own_warm, own_cold, own_alembic = c.own(c.warm), c.own(c.cold), c.own(c.alembic)
        own_head = c.own(c.warm_head)
        own_ratio = [a / w if w > 0 else float("inf")
                     for a, w in zip(own_alembic, own_warm, strict=True)]
        own_cpu = [a / w if w > 0 else float("inf") for a, w in
                   zip(c.own(c.alembic, cpu=True), c.own(c.warm, cpu=True), strict=True)]
        cold_ratio = [a / b for a, b in zip(c.cold.seconds, c.alembic.seconds, strict=True)]
        inside = own_inside_ratios(c)
        rows.append([
            c.dialect, str(c.tables),
            f"{c.cold.paired_ratio(c.alembic):.2f}x ({', '.join(f'{r:.2f}' for r in cold_ratio)})",
            f"{c.warm.paired_ratio(c.alembic):.2f}x",
            f"{statistics.median(own_ratio):.1f}x ({', '.join(f'{r:.1f}' for r in own_ratio)})",
            f"{statistics.median(own_cpu):.1f}x",
            f"{statistics.median(inside):.1f}x ({', '.join(f'{r:.1f}' for r in inside)})",
            f"{statistics.median(a / b for a, b in zip(own_alembic, own_cold, strict=True)):.1f}x",
            f"{statistics.median(a / b for a, b in zip(own_alembic, own_head, strict=True)):.1f}x",
        ])
    return rows


def own_inside_ratios(c: Case) -> list[float]:
    return [a / w if w > 0 else float("inf") for a, w in
            zip(c.own_inside(c.alembic), c.own_inside(c.warm), strict=True)]


def check_rows(cases: list[Case]) -> list[list[str]]:
    rows = []
    for c in cases:
        expected = len(expected_changes(c.tables))
        for label, check in c.checks.items():
            if label == "fill":
                continue
            extra = f", {check.statements} SQL statements" if check.statements else ""
            rows.append([c.dialect, str(c.tables), label, str(expected),
                         f"{check.ops} ops{extra}", check.summary(expected)])
    return rows


def verdicts(cases: list[Case]) -> list[str]:
    largest = max(c.tables for c in cases)
    lines = []
    for c in (c for c in cases if c.tables == largest):
        own = [a / w for a, w in zip(c.own(c.alembic), c.own(c.warm), strict=True)]
        inside = own_inside_ratios(c)
        cold = [a / b for a, b in zip(c.cold.seconds, c.alembic.seconds, strict=True)]
        lines.append(f"- {c.dialect}, {c.tables} tables: own work with a warm cache, alembic / "
                     f"autodiff = {statistics.median(own):.1f}x (target >= {OWN_WORK_TARGET:.0f}x):"
                     f" {verdict([r >= OWN_WORK_TARGET for r in own])}; the same, import timed "
                     f"inside = {statistics.median(inside):.1f}x: "
                     f"{verdict([r >= OWN_WORK_TARGET for r in inside])}; cold whole process "
                     f"autodiff / alembic = {statistics.median(cold):.2f}x (target <= "
                     f"{COLD_TARGET:.1f}x): {verdict([r <= COLD_TARGET for r in cold])}")
    return lines


def verdict(met: list[bool]) -> str:
    if all(met):
        return "met"
    if not any(met):
        return "NOT met"
    return "inconclusive (run-by-run ratios on both sides of the target)"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", default="100,500,1000",
                        help="comma-separated model sizes (at most 9999 tables)")
    parser.add_argument("--dialects", default=",".join(DIALECTS),
                        help="comma-separated subset of " + ",".join(DIALECTS))
    parser.add_argument("--runs", type=int, default=3, help="recorded rounds per case")
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded rounds first")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the temporary directory goes (default: the system's)")
    parser.add_argument("--settle", type=float, default=0.0,
                        help="seconds to pause (untimed) after each cold generate, which "
                             "comes first in its round: on ext4, files created within a "
                             "minute or so of many others being deleted (its scratch "
                             "database) take longer to create, and the server checkpoints")
    parser.add_argument("--dev-db", default=None, metavar="URL|ram",
                        help="PostgreSQL: autodiff's scratch databases on this server (its "
                             "dev_db); 'ram' starts a throwaway server on /dev/shm with "
                             "fsync=off for the run (bench/ramserver.py)")
    parser.add_argument("--profile", action="store_true",
                        help="also break down one cold and one warm autodiff generate at the "
                             "largest size")
    args = parser.parse_args(argv)
    args.dialects = [d.strip() for d in args.dialects.split(",") if d.strip()]
    try:
        args.tables = sorted({int(n) for n in args.tables.split(",") if n.strip()})
    except ValueError:
        parser.error("--tables takes comma-separated numbers")
    unknown = set(args.dialects) - set(DIALECTS)
    if unknown or not args.tables or not 20 <= min(args.tables) <= max(args.tables) <= 9999:
        parser.error(f"bad arguments (unknown dialects: {sorted(unknown) or 'none'}; "
                     "sizes must be 20..9999)")
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be >= 1 and --warmup >= 0")
    return args


def main(argv: list[str] | None = None) -> None:
    exit_on_sigterm()
    args = parse_args(argv)
    load_before = os.getloadavg()
    cases, skipped, servers = [], [], []
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="autodiff-bench-",
                                                              dir=args.dir))
        dev_db, dev_label = args.dev_db, "none (the database's own server)"
        if "postgresql" not in args.dialects:
            dev_db, dev_label = None, "not used (no PostgreSQL case)"
        elif dev_db == "ram":
            from ramserver import ram_server

            dev_db = stack.enter_context(ram_server())
            dev_label = (f"a PostgreSQL server on /dev/shm (RAM), fsync=off, {dev_db}, "
                         f"{server_version('postgresql', dev_db)}")
        elif dev_db:
            dev_label = f"{dev_db}, {server_version('postgresql', dev_db)}"
        for dialect in args.dialects:
            problem = server_problem(dialect)
            if problem is not None:
                skipped.append(f"- {dialect} skipped: {problem}")
                continue
            if dialect != "sqlite":
                servers.append((f"{dialect} server", server_version(dialect)))
            for count in args.tables:
                cases.append(bench_case(dialect, count, Path(tmp), args.runs, args.warmup,
                                        args.profile and count == args.tables[-1],
                                        args.settle, dev_db))
        fs = filesystem_of(Path(tmp))
    load_after = os.getloadavg()
    print("## `autodiff generate` vs `alembic revision --autogenerate`\n")
    print_environment(environment([
        *servers,
        ("temporary directory", fs),
        ("alembic", package_version("alembic")),
        ("SQLAlchemy", package_version("SQLAlchemy")),
        ("psycopg", package_version("psycopg")),
        ("runs", f"{args.warmup} warm-up + {args.runs} recorded rounds per case, interleaved"),
        ("pause after each cold generate (first in its round)", f"{args.settle:g} s"),
        ("autodiff's dev database (PostgreSQL scratch databases)", dev_label),
        ("load average (1/5/15 min), start", " / ".join(f"{x:.2f}" for x in load_before)),
        ("load average (1/5/15 min), end", " / ".join(f"{x:.2f}" for x in load_after)),
    ]))
    print("Seconds per process. \"own work\" = whole - the `import models` process of the "
          "same round (so interpreter start and importing the models, SQLAlchemy included, "
          "are left out). autodiff's is against the import with the collector paused and "
          "the models frozen, as autodiff loads them; alembic's against the plain "
          "import. \"import timed inside\": whole - the import of the models as timed "
          "inside the same process - the `python -c pass` process of the same round.\n")
    print_table(["dialect", "tables", "process", "whole, median s", "whole, min s",
                 "CPU median s", "own work, median s", "own work, min s",
                 "own CPU, median s", "importing the models inside, median s",
                 "own work, import timed inside, median s"], result_rows(cases))
    print("Ratios, medians of round-by-round ratios (the rounds in brackets):\n")
    print_table(["dialect", "tables", "autodiff cold / alembic, whole",
                 "autodiff warm / alembic, whole", "alembic own / autodiff warm own",
                 "same, CPU", "same, import timed inside", "alembic own / autodiff cold own",
                 "alembic own / autodiff warm head (proof not cached) own"], ratio_rows(cases))
    print("Changes found (last recorded run of each) against the expected ones:\n")
    print_table(["dialect", "tables", "tool", "expected", "found", "check"], check_rows(cases))
    print("Set-up (not timed): " + ", ".join(
        f"{c.dialect} {c.tables}: {c.setup_seconds:.0f}s" for c in cases) + "\n")
    print("\n".join(verdicts(cases)) + "\n")
    if skipped:
        print("\n".join(skipped) + "\n")
    for c in cases:
        if c.profile:
            print(f"### Where autodiff generate spends its time: {c.dialect}, {c.tables} "
                  f"tables\n\n{c.profile}")


if __name__ == "__main__":
    main()
