"""What depends on what: tables on the tables their foreign keys reference, views on the
tables and views they read, triggers on what their bodies mention. Pure.

The planner orders ops by these, and the renderer orders a whole schema's CREATEs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from autodiff.model import Table, View
from autodiff.normalize import RULES


def table_order(tables: Iterable[Table]) -> list[Table]:
    """Tables with each after the tables it references; a cycle is broken by name."""
    pending = {t.name: t for t in tables}
    done: list[Table] = []
    while pending:
        ready = [t for t in pending.values()
                 if all(fk.ref_table not in pending or fk.ref_table == t.name
                        for fk in t.foreign_keys)]
        for table in sorted(ready or [min(pending.values(), key=lambda t: t.name)],
                            key=lambda t: t.name):
            done.append(pending.pop(table.name))
    return done


@lru_cache(maxsize=4096)
def _reads(sql: str, dialect: str) -> frozenset[str] | None:
    """The names a view's query reads from (FROM, JOIN ...); None if it cannot be parsed."""
    import sqlglot  # here: most plans have no view, and importing it costs 60-90 ms
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(sql, read=RULES[dialect].sqlglot)
    except (SqlglotError, ValueError, TypeError):
        return None
    return frozenset(t.name for t in tree.find_all(exp.Table))


def mentions(sql: str, name: str) -> bool:
    """Whether ``name`` appears in ``sql`` as a word (quoted or not; any case)."""
    return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", sql, re.IGNORECASE) is not None


def reads_from(view: View, name: str, dialect: str) -> bool:
    """Whether ``view`` reads the table or view called ``name``."""
    names = _reads(view.definition, dialect)
    if names is None:
        return mentions(view.definition, name)
    return name.lower() in {n.lower() for n in names}


def view_order(views: Iterable[View], dialect: str) -> list[View]:
    """Views after the views they read from (by name mention when a query cannot be parsed)."""
    pending = {v.name: v for v in views}
    done: list[View] = []
    while pending:
        ready = [v for v in pending.values()
                 if not any(other != v.name and reads_from(v, other, dialect)
                            for other in pending)]
        for view in sorted(ready or [min(pending.values(), key=lambda v: v.name)],
                           key=lambda v: v.name):
            done.append(pending.pop(view.name))
    return done
