"""Prove a generated script: apply it to a scratch copy of the head, compare with the models.

The scratch copy is built from the head snapshot (fast), restricted to the tables the
script touches and those linked to them by foreign keys, since a script cannot change
a table it does not name. When views or triggers mention those tables, the whole head
is built instead, and if the snapshot cannot be built as-is (a trigger calling a
function the snapshot does not hold, say) the migrations are replayed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from autodiff import versiontable
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.diff import diff
from autodiff.errors import AutodiffError
from autodiff.head import replay, scratch_database
from autodiff.model import Schema
from autodiff.runner import session
from autodiff.scripts import Script

#: Below this many tables the whole head is built: it is cheap and proves more.
SMALL_SCHEMA = 40


class VerificationFailed(AutodiffError):
    """The generated script does not produce the models' schema."""

    exit_code = 1


def verify_script(db: Database, head: Schema, desired: Schema, text: str, name: str,
                  touched: set[str], scripts: list[Script]) -> None:
    """Raise VerificationFailed unless ``text`` turns ``head`` into ``desired``."""
    scope = _scope(head, desired, touched)
    start = head if scope is None else _subset(head, scope)
    got = _result_from_snapshot(db, start, name, text)
    if got is None:  # the snapshot could not be built as-is: replay the real scripts
        scope, got = None, _result_from_replay(db, scripts, name, text)
    wanted = desired if scope is None else _subset(desired, scope)
    if scope is not None:
        got = _subset(got, scope)
    remaining = diff(got, wanted)
    if remaining:
        words = [op.describe() for op in remaining]
        raise VerificationFailed(
            f"the generated {name} does not produce the models' schema: {words[0]}",
            hint="nothing was written; this is a bug in autodiff, please report it "
                 "(--no-verify writes the script anyway)", details=tuple(words))


def _result_from_snapshot(db: Database, start: Schema, name: str, text: str) -> Schema | None:
    from autodiff.introspect import introspect

    failures: tuple[type[BaseException], ...] = (AutodiffError, *dialect_for(db).driver_errors)
    with scratch_database(db) as scratch:
        try:
            _build(scratch, start)
        except failures:
            return None
        _apply(scratch, name, text)
        return introspect(scratch)


def _result_from_replay(db: Database, scripts: list[Script], name: str, text: str) -> Schema:
    from autodiff.introspect import introspect

    with scratch_database(db) as scratch:
        replay(scratch, scripts)
        _apply(scratch, name, text, version=(scripts[-1].version if scripts else 0) + 1)
        return introspect(scratch)


def _scope(head: Schema, desired: Schema, touched: set[str]) -> set[str] | None:
    """Table names to build and compare, or None for the whole schema."""
    if len(head.tables) <= SMALL_SCHEMA:
        return None
    scope = set(touched)
    for schema in (head, desired):
        for table in schema.tables:  # children of touched tables see renames and drops
            if any(fk.ref_table in touched for fk in table.foreign_keys):
                scope.add(table.name)
    scope = _with_parents(scope, head) | _with_parents(scope, desired)
    mentioned = [v.definition for v in head.views] + [t.definition for t in head.triggers]
    if any(name in text for name in scope for text in mentioned):
        return None
    return scope


def _with_parents(names: set[str], schema: Schema) -> set[str]:
    found = set(names)
    frontier = list(names)
    while frontier:
        table = schema.table(frontier.pop())
        for fk in table.foreign_keys if table else ():
            if fk.ref_table not in found:
                found.add(fk.ref_table)
                frontier.append(fk.ref_table)
    return found


def _subset(schema: Schema, names: set[str]) -> Schema:
    return replace(schema, tables=tuple(t for t in schema.tables if t.name in names),
                   views=(), triggers=())


def _build(scratch: Database, schema: Schema) -> None:
    from autodiff.render import create_schema_sql

    dialect = dialect_for(scratch)
    conn = dialect.connect(scratch)
    # One transaction where DDL is transactional: SQLite pays one durable commit per
    # statement otherwise (0.8 s instead of 0.04 s for 500 tables).
    transactional = dialect.TRANSACTIONAL_DDL
    try:
        if transactional:
            dialect.execute(conn, "BEGIN")
        for statement in create_schema_sql(schema):
            dialect.execute(conn, statement)
        dialect.execute(conn, versiontable.create_sql(dialect))
        if transactional:
            dialect.execute(conn, "COMMIT")
    finally:
        conn.close()


def _apply(scratch: Database, name: str, text: str, version: int = 1) -> None:
    script = Script(version, Path(name), "sql", text.encode("utf-8"))
    with session(scratch) as s:
        s.apply(script, version - 1)
