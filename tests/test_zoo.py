"""Zero false positives: an unchanged model never yields a diff, on every dialect.

The model zoo (``fixtures/zoo``) is created on real databases twice, by SQLAlchemy's
own ``metadata.create_all`` and by our ``create_schema_sql``; either way the database
must introspect back equal to the loaded models. The ``changes`` pairs check that each
kind of model change gives exactly the ops expected, and nothing more.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import fields
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine
from sqlalchemy.pool import NullPool

from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.diff import diff
from autodiff.introspect import introspect
from autodiff.model import Schema
from autodiff.ops import AddCheck, AlterColumn, DropCheck, Op
from autodiff.render import create_schema_sql
from autodiff.sqla import (
    Flavor,
    load_models,
    rename_hints,
    schema_from_metadata,
    server_flavor,
)
from tests.conftest import ALL_DIALECTS, new_database

ZOO = Path(__file__).resolve().parent.parent / "fixtures" / "zoo"
CHANGES = ZOO / "changes"

#: Each zoo module (``file:attr``) and the dialects it is written for.
MODELS = {
    "declarative.py:Base": ALL_DIALECTS,
    "tables.py:metadata": ALL_DIALECTS,
    "uppercase.py:metadata": ALL_DIALECTS,
    "flask_models.py:db": ALL_DIALECTS,
    "sqlmodel_models.py:SQLModel": ALL_DIALECTS,
    "ordering.py:metadata": ALL_DIALECTS,
    "pg_types.py:metadata": ("postgresql",),
    "pg_sequences.py:metadata": ("postgresql",),
    "mysql_types.py:metadata": ("mysql",),
    "sqlite_types.py:metadata": ("sqlite",),
}
CASES = [pytest.param(spec, d, id=f"{spec.split('.')[0]}-{d}")
         for spec, dialects in MODELS.items() for d in dialects]


@cache
def zoo(spec: str) -> MetaData:
    """A zoo module's MetaData, imported once (SQLModel's registry is process-wide)."""
    return load_models(spec, ZOO)


def explain(op: Op) -> str:
    """An op in words, with the values that differ (for a readable failure)."""
    if isinstance(op, AlterColumn):
        changed = [f"{f.name}: {getattr(op.current, f.name)!r} -> {getattr(op.desired, f.name)!r}"
                   for f in fields(op.current) if f.name in op.changes]
        return f"alter column {op.table}.{op.current.name}: {'; '.join(changed)}"
    if isinstance(op, (AddCheck, DropCheck)):
        return f"{op.describe()}: {op.check.expression}"
    return op.describe()


# -- scratch databases, one per dialect, emptied between tests ---------------------------

class Scratch:
    """A database per server dialect, reused and emptied; a new file for SQLite."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[str, Database] = {}

    def empty(self, dialect: str) -> Database:
        """An empty database on ``dialect``."""
        d = dialect_for(dialect)
        if dialect == "sqlite":
            db = new_database("sqlite", self.folder)
            d.create_database(db)
            return db
        db = self.made.get(dialect)
        if db is not None and dialect == "postgresql":
            conn = d.connect(db)
            try:  # much faster than a new database; enum types go with the schema
                d.execute(conn, "DROP SCHEMA public CASCADE")
                d.execute(conn, "CREATE SCHEMA public")
            finally:
                conn.close()
            return db
        if db is None:
            db = self.made[dialect] = new_database(dialect, self.folder)
        d.drop_database(db)
        d.create_database(db)
        return db

    def drop(self) -> None:
        """Drop every server database made."""
        for db in self.made.values():
            dialect_for(db).drop_database(db)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    s = Scratch(tmp_path_factory.mktemp("zoo"))
    try:
        yield s
    finally:
        s.drop()


def engine_url(db: Database) -> str:
    """The SQLAlchemy URL (with its driver) for ``db``."""
    if db.dialect == "sqlite":
        return f"sqlite:///{db.path}"
    driver = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}[db.dialect]
    rest = db.spec[db.spec.index("://"):]
    return driver + rest + ("?charset=utf8mb4" if db.dialect == "mysql" else "")


def desired_for(db: Database, metadata: MetaData) -> Schema:
    """The models as the loader reads them for ``db``'s server."""
    return schema_from_metadata(metadata, db.dialect, flavor=server_flavor(db))


def assert_no_diff(db: Database, desired: Schema) -> None:
    current = introspect(db)
    assert [explain(op) for op in diff(current, desired)] == []


# -- (a), (b), (c): unchanged models never differ -------------------------------------------

@pytest.mark.filterwarnings("ignore:Computed column .* as 'STORED'")  # PostgreSQL < 18
@pytest.mark.parametrize(("spec", "dialect"), CASES)
def test_create_all_introspects_equal(spec: str, dialect: str, scratch: Scratch) -> None:
    metadata = zoo(spec)
    db = scratch.empty(dialect)
    engine = create_engine(engine_url(db), poolclass=NullPool)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()
    assert_no_diff(db, desired_for(db, metadata))


@pytest.mark.parametrize(("spec", "dialect"), CASES)
def test_own_create_sql_introspects_equal(spec: str, dialect: str, scratch: Scratch) -> None:
    db = scratch.empty(dialect)
    desired = desired_for(db, zoo(spec))
    d = dialect_for(db)
    conn = d.connect(db)
    try:
        for statement in create_schema_sql(desired):
            d.execute(conn, statement)
    finally:
        conn.close()
    assert_no_diff(db, desired)


#: Servers as the loader is told about them when no database is at hand.
OFFLINE = {
    "postgresql": Flavor("15.8"),
    "mysql": Flavor("10.11.6-MariaDB", "utf8mb4_unicode_ci",
                    {"utf8mb4": "utf8mb4_general_ci", "latin1": "latin1_swedish_ci"}),
}
_SNAPSHOTS = """
import json, sys
from pathlib import Path
from autodiff.sqla import Flavor, load_models, schema_from_metadata
cases, zoo, flavors = json.loads(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
print(json.dumps({f"{spec} {dialect}": schema_from_metadata(
    load_models(spec, zoo), dialect, flavor=Flavor(*flavors[dialect]) if dialect in flavors
    else None).to_json() for spec, dialect in cases}))
"""


@pytest.fixture(scope="module")
def loaded_elsewhere() -> list[dict[str, str]]:
    """Every zoo snapshot, computed in two fresh interpreters with other hash seeds."""
    cases = [[spec, d] for spec, dialects in MODELS.items() for d in dialects]
    flavors = {d: [f.version, f.collation, f.charsets] for d, f in OFFLINE.items()}
    out = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", _SNAPSHOTS, json.dumps(cases), str(ZOO), json.dumps(flavors)],
            capture_output=True, text=True, timeout=120, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed})
        out.append(json.loads(done.stdout))
    return out


@pytest.mark.parametrize(("spec", "dialect"), CASES)
def test_loading_twice_gives_the_same_snapshot(spec: str, dialect: str,
                                               loaded_elsewhere: list[dict[str, str]]) -> None:
    here = schema_from_metadata(zoo(spec), dialect, flavor=OFFLINE.get(dialect)).to_json()
    assert json.loads(here)["tables"]
    assert [other[f"{spec} {dialect}"] for other in loaded_elsewhere] == [here, here]
    assert load_models(spec, ZOO) is zoo(spec)  # an unchanged file is not run again


# -- (d): each kind of change gives exactly its ops ------------------------------------------

CHANGE_KINDS = sorted(p.name for p in CHANGES.iterdir() if (p / "expected.json").is_file())


def expected_ops(kind: str, direction: str, dialect: str) -> list[str]:
    """The op descriptions ``expected.json`` lists ("*": on every other dialect)."""
    expected: dict[str, Any] = json.loads((CHANGES / kind / "expected.json").read_text())
    per_dialect = expected[direction]
    return list(per_dialect.get(dialect, per_dialect["*"]))


@pytest.mark.parametrize("dialect", ALL_DIALECTS)
@pytest.mark.parametrize("kind", CHANGE_KINDS)
def test_each_change_gives_exactly_its_ops(kind: str, dialect: str) -> None:
    v1 = load_models(f"changes/{kind}/v1.py:metadata", ZOO)
    v2 = load_models(f"changes/{kind}/v2.py:metadata", ZOO)
    before, after = schema_from_metadata(v1, dialect), schema_from_metadata(v2, dialect)
    forward = diff(before, after, rename_hints(v2))
    backward = diff(after, before, rename_hints(v1))
    assert [op.describe() for op in forward] == expected_ops(kind, "forward", dialect)
    assert [op.describe() for op in backward] == expected_ops(kind, "backward", dialect)
    assert diff(after, after) == ()
