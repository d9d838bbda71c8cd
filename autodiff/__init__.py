"""autodiff: numbered, append-only database migrations, written for you."""

from __future__ import annotations

from autodiff.api import (
    backup,
    connect,
    create_db,
    get_db_version,
    run_migrations,
    snapshot,
    status,
    upgrade,
    upgrade_sql,
)
from autodiff.errors import AutodiffError
from autodiff.model import Schema

__version__ = "0.1.0"

__all__ = [
    "AutodiffError",
    "Schema",
    "backup",
    "connect",
    "create_db",
    "get_db_version",
    "run_migrations",
    "snapshot",
    "status",
    "upgrade",
    "upgrade_sql",
]
