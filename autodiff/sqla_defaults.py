"""A model column's server default and MySQL ``ON UPDATE``, as ``sqla.py`` reads them.

SQLAlchemy has no DDL of its own for MySQL's ``ON UPDATE CURRENT_TIMESTAMP``: its MySQL
docs have users write the clause into the default, ``server_default=text(
"CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")``, which ``create_all`` sends as it is,
and say ``server_onupdate=`` is not related to it
(https://docs.sqlalchemy.org/en/20/dialects/mysql.html#mysql-timestamp-onupdate).
Both spellings are read here (see docs/decisions.md for why ``server_onupdate`` is).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Column as SAColumn
from sqlalchemy.schema import DefaultClause

from autodiff.normalize import (
    mysql_implicit_default,
    normalize_default,
    normalize_on_update,
    split_on_update,
    type_base,
)

# The only types MySQL takes ON UPDATE on: https://mariadb.com/kb/en/timestamp/
_ON_UPDATE_TYPES = ("datetime", "timestamp")
_NOW = re.compile(r"CURRENT_TIMESTAMP(\(\d\))?")


def server_defaults(dialect: str, ddl: Any, col: SAColumn[Any], type_: str,
                    raw: str | None) -> tuple[str | None, str | None]:
    """The column's normalized (default, on_update), from ``raw``, its server default as
    ``ddl.get_column_default_string`` renders it; ValueError for an ON UPDATE clause
    outside MySQL, or two that disagree."""
    raw, clause = split_on_update(raw) if raw is not None else (None, None)
    if clause is not None and dialect != "mysql":
        # create_all would send it, and the server refuse it.
        raise ValueError(f"column {col.name}: ON UPDATE in a server default is MySQL's "
                         f"alone, not {dialect}'s")
    default = normalize_default(dialect, raw, type_)
    if dialect != "mysql":
        return default, None  # server_onupdate is done by a trigger there: no DDL
    on_update = normalize_on_update(dialect, clause, type_)
    stated = _server_onupdate(ddl, col, type_)
    if on_update is not None and stated is not None and stated != on_update:
        raise ValueError(f"column {col.name}: server_onupdate ({stated}) and the ON UPDATE "
                         f"in its server default ({on_update}) differ")
    on_update = on_update or stated
    nullable = bool(col.nullable) and not col.primary_key
    return mysql_implicit_default(default, nullable, on_update), on_update


def _server_onupdate(ddl: Any, col: SAColumn[Any], type_: str) -> str | None:
    """``server_onupdate=func.now()`` (or ``text("CURRENT_TIMESTAMP")``) on a DATETIME or
    TIMESTAMP column; None for anything else, which stays without DDL as in create_all.

    A bare ``FetchedValue()`` only tells the ORM to fetch the value after an UPDATE, and
    may stand for a trigger: it is not a clause either.
    """
    onupdate = col.server_onupdate
    if not isinstance(onupdate, DefaultClause) or type_base(type_) not in _ON_UPDATE_TYPES:
        return None
    found = normalize_on_update("mysql", ddl.render_default_string(onupdate.arg), type_)
    return found if found is not None and _NOW.fullmatch(found) else None
