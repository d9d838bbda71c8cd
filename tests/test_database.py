"""Database specs: paths, URLs, masking."""

from __future__ import annotations

from pathlib import Path

import pytest

from autodiff.database import mask, parse_database
from autodiff.errors import ConfigError


@pytest.mark.parametrize(("spec", "dialect", "display"), [
    ("app.db", "sqlite", "base/app.db"),
    ("sqlite:///rel/app.db", "sqlite", "base/rel/app.db"),
    ("sqlite:////abs/app.db", "sqlite", "/abs/app.db"),
    ("postgresql://u:pw@h:5433/d", "postgresql", "postgresql://u:***@h:5433/d"),
    ("postgres://h/d", "postgresql", "postgres://h/d"),
    ("postgresql+psycopg://u@h/d?sslmode=require", "postgresql",
     "postgresql+psycopg://u@h/d?sslmode=require"),
    ("mysql+pymysql://root:p%40ss@127.0.0.1/d", "mysql", "mysql+pymysql://root:***@127.0.0.1/d"),
    ("mariadb://root@[::1]:3306/d", "mysql", "mariadb://root@[::1]:3306/d"),
])
def test_parse(spec: str, dialect: str, display: str) -> None:
    db = parse_database(spec, Path("base"))
    assert (db.dialect, db.display) == (dialect, display)


def test_password_is_decoded_and_masked_everywhere() -> None:
    db = parse_database("mysql://root:p%40ss@127.0.0.1/d")
    assert db.url is not None and db.url.password == "p@ss"
    assert mask("login failed for p@ss", db) == "login failed for ***"


def test_with_database_keeps_the_server() -> None:
    db = parse_database("postgresql://u:pw@h:5433/d").with_database("scratch")
    assert db.spec == "postgresql://u:pw@h:5433/scratch" and db.name == "scratch"


@pytest.mark.parametrize(("spec", "message"), [
    ("", "no database given"),
    (":memory:", "in-memory SQLite database cannot be migrated"),
    ("oracle://h/d", "unsupported database URL scheme 'oracle'"),
    ("postgresql+asyncpg://h/d", "unsupported database URL scheme 'postgresql+asyncpg'"),
    ("postgresql://h:port/d", "malformed database URL"),
    ("mysql://u:secret@h", "no database name in mysql://u:***@h"),
    ("sqlite://", "a SQLite URL needs a file path"),
])
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_database(spec)
    assert message in str(info.value)
    assert "secret" not in str(info.value)
