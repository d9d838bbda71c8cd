"""--dev-db: scratch databases (replays, proofs) on another server than the database's.

The end-to-end tests give the application a role that may not create databases (the
usual case for a shared or managed server): without a dev database generate cannot
replay; with one, every scratch database is made there, and the role only runs the
scripts. The dev database here is the same server reached as its superuser, so which
server a scratch database lands on is seen from the user it was made by.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SERVER_URLS, require_server
from helpers import execute, rows, run_cli, scratch_names, student_models, write

from autodiff import api
from autodiff.config import load_settings
from autodiff.database import Database, parse_database, parse_server, with_dev_db
from autodiff.dialects import dialect_for
from autodiff.errors import ConfigError, ConnectionFailed
from autodiff.head import SCRATCH_PREFIX, replaying_message, scratch_database

SERVERS = ("postgresql", "mysql")
PG = "postgresql://app@db.example:5432/app"


# -- pure: parsing and settings ------------------------------------------------------------
def test_a_dev_db_names_the_server_scratch_databases_go_to() -> None:
    db = with_dev_db(parse_database(PG), "postgresql://dev@localhost:5433")
    assert db.scratch_server is not None
    assert (db.scratch_server.url.host, db.scratch_server.url.port) == ("localhost", 5433)
    assert db.name == "app" and db.spec == PG  # the database itself is unchanged
    assert with_dev_db(db, None).scratch_server is None
    assert with_dev_db(db, "  ").scratch_server is None


@pytest.mark.parametrize(("target", "dev", "words"), [
    ("app.db", "postgresql://dev@localhost/x", "SQLite replays into temporary files"),
    (PG, "mysql://root@localhost/x", "is mysql, the database postgresql"),
    (PG, "dev.db", "is not a server URL"),
    (PG, "oracle://u@h/x", "unsupported database URL scheme"),
    (PG, "postgresql+asyncpg://u@h/x", "unsupported database URL scheme"),
    ("mysql://root@h/app", "postgresql://u:secret@h/x", "is postgresql, the database mysql"),
])
def test_a_dev_db_that_cannot_serve_is_refused(target: str, dev: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        with_dev_db(parse_database(target), dev)
    assert words in err.value.message
    assert "secret" not in err.value.message


@pytest.mark.parametrize(("target", "example"), [
    (PG, "postgresql://postgres@localhost:5432/postgres"),
    ("mysql://root@h/app", "mysql://root@localhost:3306/"),
])
def test_a_dev_db_that_is_no_url_is_shown_one_that_is(target: str, example: str) -> None:
    with pytest.raises(ConfigError) as err:
        with_dev_db(parse_database(target), "notaurl")
    assert err.value.hint == f"e.g. {example}"
    assert parse_server(example).url is not None  # the example itself is taken


def test_dev_db_from_pyproject_then_environment_then_flag(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.autodiff]\ndb = "{PG}"\ndev_db = "postgresql://a@h1/x"\n')
    monkeypatch.delenv("AUTODIFF_DEV_DB", raising=False)
    monkeypatch.delenv("AUTODIFF_DB", raising=False)

    def server(**flags: str) -> str | None:
        found = load_settings(cwd=tmp_path, **flags).database().scratch_server
        return found.url.host if found and found.url else None

    assert server() == "h1"
    monkeypatch.setenv("AUTODIFF_DEV_DB", "postgresql://a@h2/x")
    assert server() == "h2"
    assert server(dev_db="postgresql://a@h3/x") == "h3"


def test_the_replay_message_says_where(tmp_path: Path) -> None:
    db = with_dev_db(parse_database(PG), "postgresql://dev:secret@localhost:5433/postgres")
    message = replaying_message(db, [], use_cache=True)
    assert "on postgresql://dev:***@localhost:5433 " in message
    assert "on " not in replaying_message(parse_database(PG), [], use_cache=True)


def test_a_proof_is_kept_for_the_server_it_ran_on() -> None:
    from autodiff.model import Schema
    from autodiff.verify import _cache_file

    db, start = parse_database(PG), Schema("postgresql")
    own = _cache_file(db, start, "ALTER TABLE t ADD c integer;")
    elsewhere = _cache_file(with_dev_db(db, "postgresql://u@dev:5433"), start,
                            "ALTER TABLE t ADD c integer;")
    assert elsewhere != own
    assert _cache_file(with_dev_db(db, "postgresql://u@db.example:5432"), start,
                       "ALTER TABLE t ADD c integer;") == own


def test_a_replayed_head_is_kept_for_the_server_it_ran_on(tmp_path: Path) -> None:
    """MariaDB and MySQL (or two releases) may read the same scripts back otherwise."""
    from autodiff.head import cache_key
    from autodiff.scripts import discover

    write(tmp_path / "m", "0001-a.sql", "CREATE TABLE a (x INTEGER);")
    scripts = discover(tmp_path / "m")
    db = parse_database(PG)
    own = cache_key(db, scripts)
    assert cache_key(with_dev_db(db, "postgresql://u@dev:5433"), scripts) != own
    assert cache_key(with_dev_db(db, "postgresql://u@db.example:5432"), scripts) == own
    assert cache_key(parse_database("mysql://root@127.0.0.1:3307/app"), scripts) != \
        cache_key(parse_database("mysql://root@127.0.0.1:3306/app"), scripts)


def test_bad_dev_db_is_one_line_and_exit_2(tmp_path: Path) -> None:
    out = run_cli("status", "--db", str(tmp_path / "app.db"), "--dev-db", "postgresql://u@h/x",
                  cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.startswith("error: a dev database is for PostgreSQL and MySQL")
    assert "Traceback" not in out.stderr


# -- against the servers ------------------------------------------------------------------
def _superuser(dialect: str) -> Database:
    return parse_database(SERVER_URLS[dialect])


@contextlib.contextmanager
def restricted_database(dialect: str) -> Iterator[Database]:
    """A new database owned by a new role that may not create databases; both dropped."""
    require_server(dialect)
    admin = _superuser(dialect)
    name = f"autodiff_t_{uuid.uuid4().hex[:12]}"
    d = dialect_for(admin)
    d.create_database(admin.with_database(name))
    if dialect == "postgresql":
        execute(admin, f'CREATE ROLE "{name}" LOGIN NOCREATEDB',
                f'ALTER DATABASE "{name}" OWNER TO "{name}"')
        role = parse_database(f"postgresql://{name}@{admin.url.host}:{admin.url.port or 5432}/"
                              f"{name}")
        execute(admin.with_database(name), f'ALTER SCHEMA public OWNER TO "{name}"')
    else:
        for host in ("%", "localhost"):
            execute(admin, f"CREATE USER '{name}'@'{host}'",
                    f"GRANT ALL ON `{name}`.* TO '{name}'@'{host}'")
        role = parse_database(f"mysql://{name}@{admin.url.host}:{admin.url.port or 3306}/{name}")
    try:
        yield role
    finally:
        d.drop_database(admin.with_database(name))
        if dialect == "postgresql":
            execute(admin, f'DROP ROLE IF EXISTS "{name}"')
        else:
            for host in ("%", "localhost"):
                execute(admin, f"DROP USER IF EXISTS '{name}'@'{host}'")


@pytest.fixture(params=SERVERS)
def app_db(request: pytest.FixtureRequest) -> Iterator[Database]:
    with restricted_database(request.param) as db:
        yield db


#: A migration that records, on every database it runs on, who ran it and where.
RECORDS_ITS_DATABASE = """import os, sys
with open(os.environ["AUTODIFF_TEST_RECORD"], "a") as f:
    f.write(sys.argv[1] + "\\n")
"""


def test_generate_check_and_diff_replay_on_the_dev_db(
        app_db: Database, tmp_path: Path) -> None:
    admin = _superuser(app_db.dialect)
    dev = admin.spec
    record = tmp_path / "ran-on"
    env = {"AUTODIFF_DB": app_db.spec, "AUTODIFF_TEST_RECORD": str(record),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    migrations = tmp_path / "migrations"
    write(migrations, "0001-record.py", RECORDS_ITS_DATABASE)
    student_models(tmp_path, "last_name: Mapped[str] = mapped_column(String(50))\n")
    before = scratch_names(admin)

    # The role may not create databases: the replay has nowhere to go.
    out = run_cli("generate", "-m", "students", "--models", "models.py:Base", cwd=tmp_path,
                  env=env)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr
    assert "--dev-db" in out.stderr  # the hint says what to do

    out = run_cli("generate", "-m", "students", "--models", "models.py:Base", "--dev-db", dev,
                  cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert "Verified" in out.stdout and "on " + admin.server_display \
        in out.stdout
    assert "dev database's server runs" not in out.stderr  # the same server, one release
    # The replay and the proof ran the script on scratch databases the superuser made.
    ran_on = [parse_database(line) for line in record.read_text().split()]
    assert ran_on and all(r.name.startswith(SCRATCH_PREFIX) for r in ran_on)
    assert {r.url.username for r in ran_on} == {admin.url.username}

    record.unlink()
    up = run_cli("upgrade", cwd=tmp_path, env=env)
    assert up.returncode == 0, up.stderr
    assert [parse_database(line).name for line in record.read_text().split()] == [app_db.name]
    assert rows(app_db, "SELECT COUNT(*) FROM students") == [(0,)]

    # check replays on the dev database too (a fresh cache: nothing is read from it).
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache-2")
    record.unlink()
    out = run_cli("check", "--models", "models.py:Base", "--dev-db", dev, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "warning" not in out.stdout  # the dev server is the database's own release
    assert all(parse_database(line).url.username == admin.url.username
               for line in record.read_text().split())
    # diff takes the dev database from the environment, with or without a database name.
    server_only = admin.url.set(database="").render_as_string(hide_password=False)
    out = run_cli("diff", "migrations", app_db.spec, "--no-cache", cwd=tmp_path,
                  env={**env, "AUTODIFF_DEV_DB": server_only})
    assert out.returncode == 0, out.stdout + out.stderr
    assert scratch_names(admin) == before  # every scratch database was dropped


def test_a_scratch_database_elsewhere_takes_the_databases_defaults() -> None:
    """MySQL reads column collations against the database's default: a scratch database
    on the dev server must have the default of the database it stands in for."""
    with restricted_database("mysql") as app_db:
        _takes_the_defaults_of(app_db)


def _takes_the_defaults_of(app_db: Database) -> None:
    admin = _superuser("mysql")
    execute(admin, f"ALTER DATABASE `{app_db.name}` CHARACTER SET latin1 "
                   "COLLATE latin1_general_ci")
    db = with_dev_db(app_db, admin.spec)
    assert not app_db.same_server(admin)  # another user: asked on a connection of its own
    with scratch_database(db) as scratch:
        assert scratch.url.username == admin.url.username
        assert rows(admin, "SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
                           f"WHERE SCHEMA_NAME = '{scratch.name}'") == [("latin1_general_ci",)]


def test_the_python_api_takes_a_dev_db(app_db: Database, tmp_path: Path) -> None:
    admin = _superuser(app_db.dialect)
    student_models(tmp_path)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    with pytest.raises(ConnectionFailed, match="cannot create database"):
        api.generate(app_db.spec, migrations, "models.py:Base", "students", base_dir=tmp_path,
                     use_cache=False)
    db = api.with_dev_db(app_db.spec, admin.spec)
    generated = api.generate(db, migrations, "models.py:Base", "students", base_dir=tmp_path,
                             use_cache=False)
    assert generated.verified and generated.path is not None
    api.upgrade(db, migrations)
    assert rows(app_db, "SELECT COUNT(*) FROM students") == [(0,)]


@pytest.mark.parametrize(("dialect", "version", "words"), [
    ("postgresql", "15.20 (Debian 15.20-0+deb12u1)", "PostgreSQL 15"),
    ("postgresql", "18.1", "PostgreSQL 18"),
    ("postgresql", "9.6.24", "PostgreSQL 9.6"),
    ("mysql", "10.11.19-MariaDB-0+deb12u1", "MariaDB 10.11"),
    ("mysql", "11.4.2-MariaDB-log", "MariaDB 11.4"),
    ("mysql", "5.5.5-10.11.6-MariaDB", "MariaDB 10.11"),  # the replication prefix
    ("mysql", "8.0.36", "MySQL 8.0"),
    ("mysql", "unknown", "unknown"),
])
def test_a_servers_release_in_words(dialect: str, version: str, words: str) -> None:
    from autodiff.flavor import release

    assert release(dialect, version) == words


def test_one_reading_of_a_version_serves_every_check() -> None:
    """The release check, SQLAlchemy's dialect and the DESC rule read versions alike."""
    from autodiff.flavor import Flavor, Release, parse_release
    from autodiff.sqla import _keeps_desc, sa_dialect

    assert parse_release("mysql", "5.5.5-10.11.6-MariaDB") == Release("MariaDB", (10, 11, 6))
    assert parse_release("postgresql", "15.20 (Debian)") == Release("PostgreSQL", (15, 20))
    assert parse_release("postgresql", "16devel") == Release("PostgreSQL", (16, 0))
    assert parse_release("mysql", "unknown") is None
    assert Release("MariaDB", (10, 7, 1)).at_least(10, 7)
    assert not Release("MariaDB", (10, 6, 9)).at_least(10, 7)
    maria = sa_dialect("mysql", Flavor("5.5.5-10.11.6-MariaDB"))
    assert maria.is_mariadb and maria.server_version_info == (10, 11, 6)
    assert sa_dialect("postgresql", Flavor("18.1")).server_version_info == (18, 1)
    assert sa_dialect("postgresql", Flavor()).server_version_info == (15, 0)
    assert [_keeps_desc("mysql", Flavor(v)) for v in ("10.6.2-MariaDB", "10.8.1-MariaDB",
                                                      "5.7.44", "8.0.36", "?", None)] == [
        False, True, False, True, True, True]


@pytest.mark.parametrize("dialect", SERVERS)
def test_a_dev_server_of_another_release_is_warned_of(dialect: str) -> None:
    """What the dev server said (its flavor) against what the database's own server says,
    asked for real; the same release, or a server that cannot be reached, says nothing."""
    from autodiff.flavor import Flavor, dev_server_warnings, release, server_flavor

    require_server(dialect)
    admin = _superuser(dialect)
    target = with_dev_db(admin.with_database("not_created_yet"), admin.spec)
    same = server_flavor(admin)
    assert dev_server_warnings(target, same) == []
    other = "99.1" if dialect == "postgresql" else "99.1.0-MariaDB"
    (told,) = dev_server_warnings(target, Flavor(other))
    own = release(dialect, str(same.version))
    assert f"the dev database's server runs {release(dialect, other)}, " in told
    assert f"'s runs {own}: heads are replayed" in told
    assert dev_server_warnings(target) == []  # the dev server asked here: the same one
    assert dev_server_warnings(admin, Flavor(other)) == []  # no dev database
    gone = with_dev_db(parse_database(f"{dialect}://nobody@127.0.0.1:1/x"), admin.spec)
    assert dev_server_warnings(gone, Flavor(other)) == []
