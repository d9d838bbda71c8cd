"""The dialect registry: one small class per database family."""

from __future__ import annotations

from autodiff.database import Database
from autodiff.dialects.base import Dialect
from autodiff.dialects.mysql import MySQLDialect
from autodiff.dialects.postgresql import PostgreSQLDialect
from autodiff.dialects.sqlite import SQLiteDialect

DIALECTS: dict[str, type[Dialect]] = {
    "sqlite": SQLiteDialect,
    "postgresql": PostgreSQLDialect,
    "mysql": MySQLDialect,
}


def dialect_for(db: Database | str) -> Dialect:
    """The dialect object for a database (or a dialect name)."""
    name = db if isinstance(db, str) else db.dialect
    return DIALECTS[name]()


__all__ = ["DIALECTS", "Dialect", "dialect_for"]
