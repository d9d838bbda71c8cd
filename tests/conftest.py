"""Shared fixtures: a fresh, uniquely named real database per test, on each dialect.

PostgreSQL and MariaDB are found through AUTODIFF_TEST_POSTGRES_URL and
AUTODIFF_TEST_MYSQL_URL (defaults: the local servers). When a server is unreachable
its tests are skipped, unless AUTODIFF_REQUIRE_SERVERS=1, which CI sets: then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from autodiff.database import Database, parse_database
from autodiff.dialects import dialect_for
from autodiff.errors import AutodiffError

SERVER_URLS = {
    "postgresql": os.environ.get("AUTODIFF_TEST_POSTGRES_URL",
                                 "postgresql://postgres@127.0.0.1:5432/postgres"),
    "mysql": os.environ.get("AUTODIFF_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql"),
}
ALL_DIALECTS = ("sqlite", "postgresql", "mysql")
_reachable: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Caches (replayed heads, proofs, live schemas) go to a folder of this run's, not the
    user's ~/.cache; CLI subprocesses inherit it."""
    import tempfile

    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="autodiff-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    from autodiff import memo

    memo.save()  # now, not at exit: it would make the folder again after it is removed
    shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)


def server_problem(dialect: str) -> str | None:
    """Why the server for ``dialect`` cannot be used, or None when it can."""
    if dialect == "sqlite":
        return None
    if dialect not in _reachable:
        server = parse_database(SERVER_URLS[dialect])
        try:
            d = dialect_for(server)
            d.connect(server).close()
            _reachable[dialect] = None
        except AutodiffError as exc:
            _reachable[dialect] = str(exc)
    return _reachable[dialect]


def require_server(dialect: str) -> None:
    """Skip (or, with AUTODIFF_REQUIRE_SERVERS=1, fail) when the server is unreachable."""
    problem = server_problem(dialect)
    if problem is None:
        return
    if os.environ.get("AUTODIFF_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{dialect} server required but unreachable: {problem}")
    pytest.skip(f"{dialect} server unreachable: {problem}")


def new_database(dialect: str, tmp_path: Path) -> Database:
    """A Database spec with a unique name; nothing is created yet."""
    name = f"autodiff_t_{uuid.uuid4().hex[:12]}"
    if dialect == "sqlite":
        return parse_database(str(tmp_path / f"{name}.db"))
    require_server(dialect)
    return parse_database(SERVER_URLS[dialect]).with_database(name)


@pytest.fixture(params=ALL_DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once per dialect."""
    name: str = request.param
    require_server(name)
    return name


@pytest.fixture
def empty_db(dialect: str, tmp_path: Path) -> Iterator[Database]:
    """A new, empty database on ``dialect``, dropped afterwards."""
    db = new_database(dialect, tmp_path)
    d = dialect_for(db)
    d.create_database(db)
    try:
        yield db
    finally:
        d.drop_database(db)


@pytest.fixture
def fresh_db(dialect: str, tmp_path: Path) -> Iterator[Database]:
    """A unique database spec on ``dialect`` that does not exist yet; dropped afterwards."""
    db = new_database(dialect, tmp_path)
    try:
        yield db
    finally:
        dialect_for(db).drop_database(db)
