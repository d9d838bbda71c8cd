"""Prove a generated script: apply it to a scratch copy of the head, compare with the models.

The scratch copy is built from the head snapshot (fast), restricted to the tables the
script touches and those linked to them by foreign keys, since a script cannot change
a table it does not name. When views or triggers mention those tables, the whole head
is built instead, and if the snapshot cannot be built as-is (a trigger calling a
function the snapshot does not hold, say) the migrations are replayed.

What a script does to a given start is the same every time, so the result is cached
beside the head schemas, keyed by the start, the script's text and the server: a
second generate of the same change (after deleting the script, say) proves it again
without building anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from autodiff import __version__, versiontable
from autodiff.cachefiles import cache_dir, write_atomically
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.diff import diff
from autodiff.drift import without_ignored
from autodiff.errors import AutodiffError
from autodiff.head import (
    LAYOUT,
    decode_schema,
    encode_schema,
    plain,
    replay,
    replay_failures,
    replay_server,
    scratch_database,
    scratch_failures,
)
from autodiff.model import Schema, Table
from autodiff.runner import session
from autodiff.scripts import Script

#: Below this many tables the whole head is built: it is cheap and proves more.
SMALL_SCHEMA = 40


class VerificationFailed(AutodiffError):
    """The generated script does not produce the models' schema."""

    exit_code = 1


def verify_script(db: Database, head: Schema, desired: Schema, text: str, name: str,
                  touched: set[str], scripts: list[Script], use_cache: bool = True,
                  scratch: Database | None = None, ignore: tuple[str, ...] = ()) -> None:
    """Raise VerificationFailed unless ``text`` turns ``head`` into ``desired``.

    ``scratch``, when given, holds the replay of ``scripts`` (generate's own, still
    open): the script is applied there, with nothing to build; the tables ``ignore``
    matches, left out of ``head`` and ``desired``, are left out of its result too.
    """
    scope = _scope(head, desired, touched)
    start = head if scope is None else _start(head, desired, scope)
    path = _cache_file(db, start, text)
    got = _read(path) if use_cache else None
    if got is None:
        if scratch is not None:
            got = without_ignored(_applied_to_replay(scratch, scripts, name, text, scope),
                                  ignore)
        else:
            got = _built_and_applied(db, start, name, text)
        if got is not None and use_cache:  # as a build of ``start`` would give it
            write_atomically(path, encode_schema(got if scope is None
                                                 else _subset(got, scope)))
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


def _built_and_applied(db: Database, start: Schema, name: str, text: str) -> Schema | None:
    from autodiff.introspect import introspect

    failures: tuple[type[BaseException], ...] = (AutodiffError, *dialect_for(db).driver_errors)
    with scratch_database(db) as scratch:
        try:
            _build(scratch, start)
        except failures:
            return None
        _apply(scratch, name, text)
        return introspect(scratch)


def _cache_file(db: Database, start: Schema, text: str) -> Path:
    server = replay_server(db)  # the dev database's, if any
    h = hashlib.sha256(f"{__version__}\0{LAYOUT}\0{db.dialect}\0{server}\0".encode())
    h.update(repr(plain(start)).encode())  # repr: the same bytes in every process
    h.update(b"\0" + text.encode())
    return cache_dir() / f"proof-{h.hexdigest()[:32]}.bin"


def _read(path: Path) -> Schema | None:
    try:
        return decode_schema(path.read_bytes())
    except OSError:
        return None
    except Exception:  # noqa: BLE001 - a corrupt entry only means proving again
        path.unlink(missing_ok=True)
        return None


def _result_from_replay(db: Database, scripts: list[Script], name: str, text: str) -> Schema:
    with scratch_database(db) as scratch:
        with replay_failures():
            replay(scratch, scripts)
        return _applied_to_replay(scratch, scripts, name, text)


def _applied_to_replay(scratch: Database, scripts: list[Script], name: str, text: str,
                       scope: set[str] | None = None) -> Schema:
    """The replay after the script; of its tables, at least those in ``scope`` (all if
    None) are read."""
    from autodiff.introspect import introspect

    _apply(scratch, name, text, version=(scripts[-1].version if scripts else 0) + 1)
    return introspect(scratch, tables=scope)


def _scope(head: Schema, desired: Schema, touched: set[str]) -> set[str] | None:
    """Table names to build and compare, or None for the whole schema."""
    if len(head.tables) <= SMALL_SCHEMA:
        return None
    scope = set(touched)
    for schema in (head, desired):
        for table in schema.tables:  # children of touched tables see renames and drops
            if any(fk.ref_table in touched for fk in table.foreign_keys):
                scope.add(table.name)
    mentioned = [v.definition for v in head.views] + [t.definition for t in head.triggers]
    if any(name in text for name in scope for text in mentioned):
        return None
    return scope


def _start(head: Schema, desired: Schema, scope: set[str]) -> Schema:
    """The head's tables in ``scope``, and a stand-in for each other table they reference.

    The script does not name a stand-in, so it is not compared: it is only there to be
    referenced (and on PostgreSQL each index built costs a sync to disk, so it has none
    but the keys referenced).
    """
    references: dict[str, set[tuple[str, ...]]] = {}
    for schema in (head, desired):
        for name in scope:
            for fk in getattr(schema.table(name), "foreign_keys", ()):
                if fk.ref_table not in scope:
                    references.setdefault(fk.ref_table, set()).add(fk.ref_columns)
    tables = [t for t in head.tables if t.name in scope]
    tables += [_stand_in(t, references[t.name]) for t in head.tables if t.name in references]
    return replace(head, tables=tuple(tables), views=(), triggers=())


def _stand_in(table: Table, keys: set[tuple[str, ...]]) -> Table:
    """``table`` cut down to what foreign keys to ``keys`` need of it."""
    def serves(columns: tuple[str, ...]) -> bool:
        # A unique key of the same columns in any order (PostgreSQL, SQLite), or an index
        # that starts with them (MySQL).
        return any(set(columns[:len(key)]) == set(key) for key in keys)

    pk = table.primary_key if table.primary_key and serves(table.primary_key.columns) else None
    uniques = tuple(u for u in table.uniques if serves(u.columns))
    indexes = tuple(i for i in table.indexes
                    if serves(i.columns) and i.where is None and not i.expressions)
    needed = {c for key in keys for c in key} | {c for i in indexes for c in i.columns} \
        | {c for u in uniques for c in u.columns} | set(pk.columns if pk else ())
    columns = tuple(replace(c, default=None, autoincrement=False, computed=None, comment=None)
                    for c in table.columns if c.name in needed)
    return Table(table.name, columns, pk, uniques, indexes)


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
        dialect.execute_batch(conn, create_schema_sql(schema))
        dialect.execute(conn, versiontable.create_sql(dialect))
        if transactional:
            dialect.execute(conn, "COMMIT")
    finally:
        conn.close()


def _apply(scratch: Database, name: str, text: str, version: int = 1) -> None:
    script = Script(version, Path(name), "sql", text.encode("utf-8"))
    with scratch_failures("the proof failed", hint="it ran in a scratch database built at "
                          "head; nothing was written and your database was not touched "
                          "(--no-verify writes the script anyway)"), session(scratch) as s:
        s.apply(script, version - 1)
