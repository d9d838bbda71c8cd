"""autodiff: numbered, append-only database migrations, written for you."""

from __future__ import annotations

__version__ = "0.1.0"  # first: modules imported below read it

from autodiff.api import (  # noqa: E402
    backup,
    check,
    connect,
    create_db,
    get_db_version,
    run_migrations,
    schema_diff,
    snapshot,
    status,
    upgrade,
    upgrade_sql,
    with_dev_db,
)
from autodiff.errors import AutodiffError  # noqa: E402
from autodiff.model import Schema  # noqa: E402

__all__ = [
    "AutodiffError",
    "Schema",
    "backup",
    "check",
    "connect",
    "create_db",
    "get_db_version",
    "run_migrations",
    "schema_diff",
    "snapshot",
    "status",
    "upgrade",
    "upgrade_sql",
    "with_dev_db",
]
