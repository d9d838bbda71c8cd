"""The models loader: every kind of ``attr``, user errors as one-line ConfigErrors (exit
code 2) naming the user's file and line, rename hints, and the server flavor."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Computed,
    DateTime,
    FetchedValue,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects import mysql

from autodiff.database import Database
from autodiff.diff import Renames, diff
from autodiff.errors import ConfigError
from autodiff.introspect import introspect
from autodiff.render import create_schema_sql
from autodiff.sqla import (
    Flavor,
    load_models,
    rename_hints,
    schema_from_metadata,
    server_flavor,
)
from autodiff.sqla_unmodelled import (
    other_schema_references,
    other_schema_tables,
    unmodelled_options,
)
from tests.helpers import execute, run_cli, write

DECLARATIVE = textwrap.dedent("""
    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(40))
""")


def tables(spec: str, base_dir: Path) -> set[str]:
    """The table names the models at ``spec`` declare."""
    return set(load_models(spec, base_dir).tables)


def unique_name() -> str:
    """A package name no other test imports (sys.modules is process-wide)."""
    return f"app_{uuid.uuid4().hex[:10]}"


# -- every kind of attr ----------------------------------------------------------------------

def test_metadata(tmp_path: Path) -> None:
    write(tmp_path, "models.py", """
        from sqlalchemy import Column, Integer, MetaData, Table

        metadata = MetaData()
        Table("things", metadata, Column("id", Integer, primary_key=True))
    """)
    assert tables("models.py:metadata", tmp_path) == {"things"}


@pytest.mark.parametrize("attr", ["Base", "Base.metadata", "Base.registry", "User"])
def test_declarative_base_and_what_it_carries(tmp_path: Path, attr: str) -> None:
    write(tmp_path / "src", "models.py", DECLARATIVE)
    assert tables(f"src/models.py:{attr}", tmp_path) == {"users"}


def test_flask_sqlalchemy_db(tmp_path: Path) -> None:
    write(tmp_path, "app.py", """
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()


        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            title = db.Column(db.String(80), nullable=False)
    """)
    assert tables("app.py:db", tmp_path) == {"post"}


def test_sqlmodel(tmp_path: Path) -> None:
    # SQLModel's registry is process-wide: loaded here, these tables would join the
    # zoo's. A fresh interpreter keeps the two apart.
    write(tmp_path, "models.py", """
        from sqlmodel import Field, SQLModel


        class Hero(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            name: str = Field(index=True)
    """)
    code = ("import json, sys; from pathlib import Path; from autodiff.sqla import *; "
            "md = load_models('models.py:SQLModel', Path(sys.argv[1])); "
            "print(json.dumps(sorted(md.tables)))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, check=True, timeout=60)
    assert json.loads(done.stdout) == ["hero"]


def test_package_module_with_relative_imports(tmp_path: Path) -> None:
    package = unique_name()
    write(tmp_path / package, "__init__.py", "")
    write(tmp_path / package, "base.py", DECLARATIVE)
    write(tmp_path / package, "models.py", """
        from sqlalchemy import Column, Integer

        from .base import Base


        class Order(Base):
            __tablename__ = "orders"
            id = Column(Integer, primary_key=True)
    """)
    assert tables(f"{package}.models:Base", tmp_path) == {"users", "orders"}
    # The same file named by its path is imported as that module, relative imports too.
    assert tables(f"{package}/models.py:Base", tmp_path) == {"users", "orders"}


def test_a_file_imports_its_neighbours(tmp_path: Path) -> None:
    neighbour = unique_name()
    write(tmp_path / "db", f"{neighbour}.py", DECLARATIVE)
    write(tmp_path / "db", "models.py", f"from {neighbour} import Base\n")
    assert tables("db/models.py:Base", tmp_path) == {"users"}


def test_a_changed_file_is_read_again_and_an_unchanged_one_is_not(tmp_path: Path) -> None:
    path = write(tmp_path, "models.py", DECLARATIVE)
    first = load_models("models.py:Base", tmp_path)
    assert load_models("models.py:Base", tmp_path) is first
    path.write_text(path.read_text() + "\n\nclass Tag(Base):\n    __tablename__ = 'tags'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n")
    assert tables("models.py:Base", tmp_path) == {"users", "tags"}


# -- errors in the user's models ---------------------------------------------------------------

ERRORS = [
    # (file text, spec, what the one-line message must say)
    ("x = (\n", "models.py:Base", ["models.py:1", "SyntaxError"]),
    ("import sqlalchemy\n\nBase = undefined_name\n", "models.py:Base",
     ["models.py:3", "NameError: name 'undefined_name' is not defined"]),
    ("import os\nimport no_such_module_xyz\n", "models.py:Base",
     ["models.py:2", "ModuleNotFoundError: No module named 'no_such_module_xyz'"]),
    ("import sqlalchemy as sa\n\ncolumn = sa.Strin(10)\n", "models.py:Base",
     ["models.py:3", "AttributeError", "Strin"]),
    (DECLARATIVE + "\n\nclass NoKey(Base):\n    __tablename__ = 'nokey'\n", "models.py:Base",
     ["models.py:15", "ArgumentError", "primary key"]),
    (DECLARATIVE, "models.py:Missing", ["has no attribute 'Missing'"]),
    (DECLARATIVE + "\nANSWER = 42\n", "models.py:ANSWER",
     ["is a int, not something with a MetaData"]),
    (DECLARATIVE, "elsewhere.py:Base", ["models file not found", "elsewhere.py"]),
    (DECLARATIVE, "no_such_pkg_xyz.models:Base", ["cannot import models module"]),
    (DECLARATIVE, "models.py", ["models must be module:attr or path/file.py:attr"]),
    ("import sys\n\nsys.exit(3)\n", "models.py:Base", ["models.py:3", "SystemExit: 3"]),
]


@pytest.mark.parametrize(("text", "spec", "says"), ERRORS,
                         ids=["syntax", "name", "module", "attribute", "mapping", "missing-attr",
                              "not-metadata", "no-file", "no-module", "no-colon", "exit"])
def test_errors_in_models_are_one_line_config_errors(tmp_path: Path, text: str, spec: str,
                                                     says: list[str]) -> None:
    folder = tmp_path / unique_name()  # a new file path: nothing cached
    write(folder, "models.py", textwrap.dedent(text))
    with pytest.raises(ConfigError) as caught:
        load_models(spec, folder)
    message = str(caught.value)
    assert caught.value.exit_code == 2
    assert "\n" not in message and "Traceback" not in message
    for words in says:
        assert words in message
    if ":" in spec and spec.split(":")[0] == "models.py" and "models.py:" in says[0]:
        assert str(folder / "models.py") in message  # the user's own file, by its full path


def test_a_quiet_exit_in_the_models_ends_the_line_with_its_type(tmp_path: Path) -> None:
    write(tmp_path, "models.py", "import sys\n\nsys.exit()\n")
    with pytest.raises(ConfigError) as caught:
        load_models("models.py:Base", tmp_path)
    assert str(caught.value).endswith("models.py:3: SystemExit")


GC_PROBE = """
import gc
ENABLED_WHILE_IMPORTED = gc.isenabled()
""" + DECLARATIVE


@pytest.mark.parametrize("enabled", [True, False], ids=["collector-on", "collector-off"])
def test_models_are_imported_with_the_collector_paused_then_restored(
        tmp_path: Path, enabled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import sys as sys_module

    folder = tmp_path / unique_name()
    write(folder, "models.py", textwrap.dedent(GC_PROBE))
    write(folder, "broken.py", "raise RuntimeError('boom')\n")
    monkeypatch.setattr(sys_module, "path", list(sys_module.path))
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        metadata = load_models("models.py:Base", folder)
        assert gc.isenabled() is enabled
        with pytest.raises(ConfigError):
            load_models("broken.py:Base", folder)
        assert gc.isenabled() is enabled  # restored on errors too
    finally:
        (gc.enable if was else gc.disable)()
    probe = next(m for m in sys_module.modules.values()
                 if getattr(m, "metadata", None) is metadata or
                 getattr(getattr(m, "Base", None), "metadata", None) is metadata)
    assert probe.ENABLED_WHILE_IMPORTED is False


def test_only_the_command_line_keeps_the_collector_off(tmp_path: Path) -> None:
    """The API leaves the models collectable; the CLI (a short process) runs without the
    cyclic collector, and freezes its objects before the exit, so its models are never
    scanned."""
    write(tmp_path, "models.py", textwrap.dedent(DECLARATIVE))
    probe = textwrap.dedent(f"""
        import atexit, gc, sys
        from pathlib import Path
        from autodiff import cli, loader
        # Python 3.12 counts its immortal objects as frozen from the start (PEP 683).
        before = gc.get_freeze_count()
        loader.load_models("models.py:Base", Path({str(tmp_path)!r}))
        print(gc.isenabled(), gc.get_freeze_count() - before)
        atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count() > before + 1000))
        sys.argv = ["autodiff", "--version"]
        cli.main()
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")
    assert lines[0].split() == ["True", "0"]
    # Off, and what it built frozen so that the exit's last collection skips it.
    assert lines[-2].split() == ["False", "True"]


def test_the_cli_exits_2_naming_the_users_line(tmp_path: Path) -> None:
    write(tmp_path, "models.py", "import sqlalchemy\n\nBase = undefined_name\n")
    (tmp_path / "migrations").mkdir()
    done = run_cli("generate", "-m", "first", "--db", "app.db", "--models", "models.py:Base",
                   cwd=tmp_path)
    assert done.returncode == 2
    assert "models.py:3: NameError: name 'undefined_name' is not defined" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("target", "says"), [
    ("nope.id", "could not find table 'nope'"),
    ("users.nope", "table 'users' has no column named 'nope'"),
], ids=["no-table", "no-column"])
def test_a_foreign_key_to_nothing_is_one_line_naming_it(empty_db: Database, tmp_path: Path,
                                                         target: str, says: str) -> None:
    # SQLAlchemy resolves a ForeignKey's target lazily, deep inside a later step.
    write(tmp_path, "models.py", DECLARATIVE + textwrap.dedent(f"""
        from sqlalchemy import ForeignKey


        class Post(Base):
            __tablename__ = "posts"
            id: Mapped[int] = mapped_column(primary_key=True)
            user_id: Mapped[int] = mapped_column(ForeignKey({target!r}))
    """))
    (tmp_path / "migrations").mkdir()
    for command in (["generate", "-m", "first", "--db", empty_db.spec, "--models",
                     "models.py:Base"], ["diff", empty_db.spec, "models:models.py:Base"]):
        done = run_cli(*command, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        error = next(line for line in done.stderr.splitlines() if line.startswith("error"))
        assert "error in models: table posts:" in error and says in error
    assert not list((tmp_path / "migrations").glob("*.sql"))


def test_a_model_the_dialect_cannot_compile_is_a_config_error() -> None:
    metadata = MetaData()
    Table("t", metadata, Column("id", Integer, primary_key=True), Column("name", String))
    with pytest.raises(ConfigError, match="table t: VARCHAR requires a length"):
        schema_from_metadata(metadata, "mysql")


# -- rename hints ------------------------------------------------------------------------------

def test_rename_hints_on_columns_and_tables(tmp_path: Path) -> None:
    write(tmp_path, "models.py", """
        from sqlalchemy import Column, Integer, String
        from sqlalchemy.orm import DeclarativeBase


        class Base(DeclarativeBase):
            pass


        class Person(Base):
            __tablename__ = "people"
            __table_args__ = {"info": {"renamed_from": "person"}}
            id = Column(Integer, primary_key=True)
            full_name = Column(String(80), info={"renamed_from": "name"})
            email = Column(String(80), info={"renamed_from": "email"})  # itself: no rename
            age = Column(Integer, info={"note": "unrelated"})
    """)
    hints = rename_hints(load_models("models.py:Base", tmp_path))
    assert hints == Renames({"person": "people"}, {("people", "name"): "full_name"})


# -- the server flavor -------------------------------------------------------------------------

def _uuid_table() -> MetaData:
    metadata = MetaData()
    Table("t", metadata, Column("id", Uuid, primary_key=True),
          Column("n", Integer), Column("twice", Integer, Computed("n * 2")))
    return metadata


@pytest.mark.parametrize(("dialect", "version", "uuid_type", "stored"), [
    ("mysql", None, "char(32)", False),
    ("mysql", "8.0.36", "char(32)", False),
    ("mysql", "10.6.18-MariaDB", "char(32)", False),  # MariaDB's UUID type came in 10.7
    ("mysql", "5.5.5-10.11.6-MariaDB-0+deb12u1", "uuid", False),
    ("postgresql", None, "uuid", True),  # no virtual generated columns before 18
    ("postgresql", "15.8 (Debian 15.8-1.pgdg120+1)", "uuid", True),
    ("postgresql", "18.1", "uuid", False),
])
def test_flavor_compiles_for_that_server(dialect: str, version: str | None, uuid_type: str,
                                         stored: bool) -> None:
    flavor = Flavor(version) if version else None
    table = schema_from_metadata(_uuid_table(), dialect, flavor=flavor).tables[0]
    assert table.columns[0].type == uuid_type
    assert table.columns[2].computed is not None and table.columns[2].computed.stored is stored


def test_server_flavor_of_a_live_database(empty_db: Database) -> None:
    flavor = server_flavor(empty_db)
    if empty_db.dialect == "sqlite":
        assert flavor == Flavor()
    elif empty_db.dialect == "postgresql":
        assert flavor.version is not None and flavor.version[0].isdigit()
    else:
        assert flavor.version is not None and flavor.collation == "utf8mb4_unicode_ci"
        assert flavor.charsets["latin1"].startswith("latin1_")


# -- index sort order and foreign key timing -----------------------------------------------

def _ordered() -> MetaData:
    from sqlalchemy import ForeignKey, Index, desc, func

    metadata = MetaData()
    t = Table("t", metadata, Column("id", Integer, primary_key=True), Column("a", String(9)),
              Column("p", Integer, ForeignKey("t.id", deferrable=True, initially="deferred")),
              Index("ix_by_name", desc("a")))
    Index("ix_mixed", t.c.a, t.c.id.desc())
    Index("ux_desc", t.c.a.desc(), unique=True)
    Index("ix_expr", func.lower(t.c.a).desc())
    return metadata


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_desc_by_name_by_column_and_on_expressions(dialect: str) -> None:
    table = schema_from_metadata(_ordered(), dialect).tables[0]
    orders = {ix.name: (ix.columns, ix.orders) for ix in table.indexes}
    assert orders["ix_by_name"] == (("a",), ("DESC",))  # desc("a") names the column
    assert orders["ix_mixed"] == (("a", "id"), ("", "DESC"))
    assert orders["ux_desc"] == (("a",), ("DESC",))  # an index even on MySQL
    assert orders["ix_expr"] == ((), ("DESC",))
    assert table.uniques == ()
    fk = table.foreign_keys[0]
    # MySQL and MariaDB have no deferred constraints (and refuse the clause).
    assert (fk.deferrable, fk.initially) == ((False, None) if dialect == "mysql"
                                             else (True, "DEFERRED"))


def test_desc_is_dropped_for_servers_that_ignore_it() -> None:
    def orders(version: str) -> tuple[str, ...]:
        table = schema_from_metadata(_ordered(), "mysql", flavor=Flavor(version)).tables[0]
        return next(ix.orders for ix in table.indexes if ix.name == "ix_mixed")

    assert orders("10.6.12-MariaDB") == ()
    assert orders("5.7.44") == ()
    assert orders("10.11.6-MariaDB") == ("", "DESC")
    assert orders("8.0.36") == ("", "DESC")


def test_nulls_order_is_postgresql_only() -> None:
    from sqlalchemy import Index

    metadata = MetaData()
    t = Table("t", metadata, Column("id", Integer, primary_key=True), Column("a", Integer))
    Index("ix", t.c.a.desc().nulls_last(), t.c.id.nulls_first())
    assert schema_from_metadata(metadata, "postgresql").tables[0].indexes[0].orders == (
        "DESC NULLS LAST", "NULLS FIRST")
    with pytest.raises(ConfigError, match="NULLS FIRST/LAST is for PostgreSQL only"):
        schema_from_metadata(metadata, "mysql")


# -- MySQL's ON UPDATE CURRENT_TIMESTAMP -------------------------------------------------------

def _stamped(*columns: Column[Any]) -> MetaData:
    metadata = MetaData()
    Table("t", metadata, Column("id", Integer, primary_key=True), *columns)
    return metadata


def _on_update(metadata: MetaData, dialect: str = "mysql") -> dict[str, tuple[Any, Any]]:
    table = schema_from_metadata(metadata, dialect).tables[0]
    return {c.name: (c.default, c.on_update) for c in table.columns if c.name != "id"}


def test_on_update_in_a_server_default_and_in_server_onupdate() -> None:
    metadata = _stamped(
        Column("plain", DateTime, server_default=text("CURRENT_TIMESTAMP")),
        Column("in_default", mysql.DATETIME(fsp=3), server_default=text(
            "current_timestamp(3) on update now()")),  # MariaDB gives it the column's fsp
        Column("only_clause", DateTime, server_default=text("ON UPDATE LOCALTIMESTAMP")),
        Column("by_param", mysql.TIMESTAMP(fsp=6), server_default=func.now(),
               server_onupdate=func.now()),
        Column("by_text", DateTime, server_onupdate=text("CURRENT_TIMESTAMP")),
        Column("both", DateTime, server_default=text(
            "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"), server_onupdate=func.now()),
        Column("zero", DateTime, nullable=False, server_default=text(
            "'0000-00-00 00:00:00' ON UPDATE CURRENT_TIMESTAMP")),  # what MariaDB adds
        Column("fetched", DateTime, server_onupdate=FetchedValue()),
        Column("not_a_time", Integer, server_onupdate=text("CURRENT_TIMESTAMP")),
        Column("not_now", DateTime, server_onupdate=text("'2020-01-01'")))
    assert _on_update(metadata) == {
        "plain": ("CURRENT_TIMESTAMP", None),
        "in_default": ("CURRENT_TIMESTAMP(3)", "CURRENT_TIMESTAMP(3)"),
        "only_clause": (None, "CURRENT_TIMESTAMP"),
        "by_param": ("CURRENT_TIMESTAMP(6)", "CURRENT_TIMESTAMP(6)"),
        "by_text": (None, "CURRENT_TIMESTAMP"),
        "both": ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
        "zero": (None, "CURRENT_TIMESTAMP"),
        # An ORM hint (or a trigger), a type MySQL refuses the clause on, not a time:
        # no DDL, as with create_all.
        "fetched": (None, None), "not_a_time": (None, None), "not_now": (None, None)}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_on_update_is_mysql_only(dialect: str) -> None:
    onupdate = _stamped(Column("at", DateTime, server_default=func.now(),
                               server_onupdate=func.now()))
    assert _on_update(onupdate, dialect) == {"at": ("CURRENT_TIMESTAMP", None)}
    clause = _stamped(Column("at", DateTime, server_default=text(
        "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")))
    with pytest.raises(ConfigError, match=f"ON UPDATE in a server default is MySQL's alone, "
                                          f"not {dialect}'s"):
        schema_from_metadata(clause, dialect)


def test_two_on_updates_that_differ_are_a_config_error() -> None:
    metadata = _stamped(Column("at", mysql.DATETIME(fsp=6), server_default=text(
        "CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)"),
        server_onupdate=text("CURRENT_TIMESTAMP(3)")))
    with pytest.raises(ConfigError, match=r"server_onupdate \(CURRENT_TIMESTAMP\(3\)\) and"):
        schema_from_metadata(metadata, "mysql")


@pytest.mark.parametrize("dialect", ["mysql"])
def test_on_update_spellings_round_trip(empty_db: Database) -> None:
    """Each spelling, created by our DDL, reads back as the model (MariaDB pads a
    precision-less CURRENT_TIMESTAMP to the column's)."""
    metadata = _stamped(
        Column("padded", mysql.DATETIME(fsp=6), nullable=False,
               server_default=text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")),
        Column("lower", mysql.DATETIME(fsp=6),
               server_default=text("CURRENT_TIMESTAMP(2) ON UPDATE CURRENT_TIMESTAMP")),
        Column("by_param", mysql.TIMESTAMP(fsp=3), nullable=True,
               server_default=func.now(), server_onupdate=func.now()),
        Column("by_text", DateTime, server_onupdate=text("LOCALTIME")),
        Column("not_null", mysql.DATETIME(fsp=4), nullable=False, server_onupdate=func.now()))
    desired = schema_from_metadata(metadata, "mysql", flavor=server_flavor(empty_db))
    execute(empty_db, *create_schema_sql(desired))
    assert diff(introspect(empty_db), desired) == ()


def test_server_defaults_that_look_alike_stay_apart(dialect: str) -> None:
    """Defaults are compiled once per distinct value: alike ones must not share a result."""
    from sqlalchemy import Boolean, false, true

    md = MetaData()
    Table("t", md, Column("id", Integer, primary_key=True),
          Column("s", String(10), server_default="0"),
          Column("x", String(10), server_default=text("'1'")),
          Column("n", Integer, server_default=text("0")),
          Column("m", Integer, server_default=text("1")),
          Column("now", DateTime, server_default=func.now()),
          Column("ts", DateTime, server_default=func.current_timestamp()),
          Column("yes", Boolean, server_default=true()),
          Column("no", Boolean, server_default=false()))
    Table("u", md, Column("id", Integer, primary_key=True),
          Column("n", Integer, server_default=text("0")),
          Column("s", String(10), server_default="0"))
    schema = schema_from_metadata(md, dialect)
    t, u = schema.table("t"), schema.table("u")
    assert t is not None and u is not None
    defaults = {c.name: c.default for c in t.columns}
    assert defaults["s"] != defaults["n"]  # '0' (a string) is not 0
    assert defaults["n"] != defaults["m"] and defaults["yes"] != defaults["no"]
    assert [c.default for c in u.columns] == [None, defaults["n"], defaults["s"]]
    fresh = {c.name: c.default for c in schema_from_metadata(md, dialect).table("t").columns}
    assert fresh == defaults


@pytest.mark.parametrize(("dialect", "kept"),
                         [("sqlite", False), ("mysql", False), ("postgresql", True)])
def test_a_primary_key_name_is_kept_where_the_database_keeps_it(dialect: str,
                                                                 kept: bool) -> None:
    """SQLite's is not read back and MySQL's is always PRIMARY: naming it there would make
    every table differ from its replay (harmless, but a diff of every table each time)."""
    metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s"})
    Table("t", metadata, Column("id", Integer, primary_key=True))
    pk = schema_from_metadata(metadata, dialect).tables[0].primary_key
    assert pk is not None and pk.columns == ("id",)
    assert pk.name == ("pk_t" if kept else None)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_partial_index_and_rowid_options_are_read_when_given(dialect: str) -> None:
    from sqlalchemy import Index

    metadata = MetaData()
    t = Table("t", metadata, Column("id", Integer, primary_key=True), Column("x", Integer),
              sqlite_with_rowid=False)
    Index("ix_some", t.c.x, **{f"{dialect}_where": text("x > 0")})
    Index("ix_all", t.c.x)
    table = schema_from_metadata(metadata, dialect).tables[0]
    wheres = {ix.name: ix.where for ix in table.indexes}
    assert wheres["ix_all"] is None and wheres["ix_some"] is not None
    assert "x" in wheres["ix_some"] and "0" in wheres["ix_some"]
    if dialect == "sqlite":  # WITHOUT ROWID: the INTEGER key is not the rowid alias
        assert table.columns[0].autoincrement is False
        assert table.options == ("WITHOUT ROWID",)
    else:
        assert table.options == ()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_sqlite_table_options_are_read_as_create_all_renders_them(dialect: str) -> None:
    from sqlalchemy import BigInteger, ForeignKey

    metadata = MetaData()
    Table("counted", metadata, Column("id", Integer, primary_key=True), Column("x", Integer),
          sqlite_autoincrement=True)
    # SQLAlchemy renders no AUTOINCREMENT on a key that is also a foreign key.
    Table("child", metadata, Column("id", ForeignKey("counted.id"), primary_key=True),
          sqlite_autoincrement=True)
    Table("kinds", metadata, Column("a", Integer, primary_key=True), Column("b", Integer),
          sqlite_strict=True, sqlite_with_rowid=False)
    found = {t.name: t.options for t in schema_from_metadata(metadata, dialect).tables}
    if dialect == "sqlite":
        assert found == {"counted": ("AUTOINCREMENT",), "child": (),
                         "kinds": ("STRICT", "WITHOUT ROWID")}
    else:
        assert set(found.values()) == {()}
    wrong = MetaData()  # SQLite refuses AUTOINCREMENT on a BIGINT key: said before the proof
    Table("w", wrong, Column("id", BigInteger, primary_key=True), sqlite_autoincrement=True)
    if dialect == "sqlite":
        with pytest.raises(ConfigError, match="sqlite_autoincrement needs an INTEGER PRIMARY"):
            schema_from_metadata(wrong, dialect)
    else:
        assert schema_from_metadata(wrong, dialect).tables[0].options == ()


@pytest.mark.parametrize(("dialect", "kept"), [
    ("sqlite", {"docs", "main_spelled_out"}), ("mysql", {"docs"}),
    ("postgresql", {"docs", "spelled_out"})])
def test_tables_of_other_schemas_are_left_out(dialect: str, kept: set[str]) -> None:
    """The introspector reads the default schema alone: a table elsewhere would be
    created there, under its bare name, by a generated script."""
    from sqlalchemy import ForeignKey

    metadata = MetaData()
    Table("docs", metadata, Column("id", Integer, primary_key=True),
          Column("event_id", ForeignKey("audit.events.id")), Column("own", ForeignKey("docs.id")))
    Table("events", metadata, Column("id", Integer, primary_key=True), schema="audit")
    Table("spelled_out", metadata, Column("id", Integer, primary_key=True), schema="public")
    Table("main_spelled_out", metadata, Column("id", Integer, primary_key=True),
          schema="main")
    schema = schema_from_metadata(metadata, dialect)
    assert {t.name for t in schema.tables} == kept
    assert {t.fullname for t in other_schema_tables(metadata, dialect)} == (
        {"audit.events", "public.spelled_out", "main.main_spelled_out"}
        - {f"public.{n}" for n in kept} - {f"main.{n}" for n in kept})
    docs = schema.table("docs")
    assert docs is not None and [fk.ref_table for fk in docs.foreign_keys] == ["docs"]
    assert [c.column_keys for c in other_schema_references(metadata, dialect)] == [
        ["event_id"]]
    everywhere = MetaData(schema="audit")
    Table("t", everywhere, Column("id", Integer, primary_key=True))
    assert schema_from_metadata(everywhere, dialect).tables == ()


def test_unmodelled_options_are_named_in_words_by_the_schemas_names() -> None:
    from sqlalchemy import Identity, Index, UniqueConstraint

    metadata = MetaData(naming_convention={"ix": "ix_%(table_name)s_%(column_0_name)s",
                                           "uq": "uq_%(table_name)s_%(column_0_name)s"})
    t = Table("docs", metadata, Column("id", Integer, Identity(start=100), primary_key=True),
              Column("title", String(100)), Column("body", String(100)),
              UniqueConstraint("body", postgresql_include=["title"]),
              UniqueConstraint("title", "body", name=None, postgresql_nulls_not_distinct=True),
              sqlite_autoincrement=True, mysql_engine="MyISAM", postgresql_partition_by="HASH (id)")
    Index(None, t.c.title, postgresql_include=["body"], postgresql_using="gin",
          mysql_length={"title": 10})
    Index("ix_plain", t.c.body, postgresql_using="btree", mysql_using="BTREE")
    Index("ix_maria", t.c.body, t.c.title, mariadb_length={"body": 5})
    Table("plain", metadata, Column("id", Integer, Identity(), primary_key=True),
          mysql_engine="InnoDB", sqlite_with_rowid=True)
    Table("elsewhere", metadata, Column("x", Integer), Index("ix_x", "x", postgresql_ops={
        "x": "int4_ops"}), schema="audit")
    for dialect, expected in [
            ("postgresql", {("index", "docs", "ix_docs_title"): ("INCLUDE columns", "USING gin"),
                            ("index", "docs", "uq_docs_body"): ("INCLUDE columns",),
                            ("index", "docs", "uq_docs_title"): ("NULLS NOT DISTINCT",),
                            ("table", "docs", ""): ("PARTITION BY",),
                            ("column", "docs", "id"): ("identity options (START)",)}),
            ("mysql", {("index", "docs", "ix_docs_title"): ("prefix lengths",),
                       ("index", "docs", "ix_maria"): ("prefix lengths",),
                       ("table", "docs", ""): ("ENGINE=MyISAM",)}),
            ("sqlite", {})]:  # AUTOINCREMENT is modelled: Table.options
        found = unmodelled_options(metadata, dialect)
        assert found == expected, dialect
        schema = schema_from_metadata(metadata, dialect)
        names = {("index", t.name, i.name or "") for t in schema.tables
                 for i in (*t.indexes, *t.uniques)}
        assert {k for k in found if k[0] == "index"} <= names  # as the ops name them
    unnamed = MetaData()  # no naming convention: an unnamed constraint is told by its columns
    Table("u", unnamed, Column("a", Integer), Column("b", Integer),
          UniqueConstraint("a", postgresql_include=["b"]), UniqueConstraint("b"))
    assert unmodelled_options(unnamed, "postgresql") == {
        ("index", "u", "(a)"): ("INCLUDE columns",)}
