"""generate: models + head schema -> the next migration script, proven before it is written.

The head schema comes from replaying the migrations (``head.py``); the models from
``sqla.py``; the script from diff -> plan -> render -> writer. Before anything is
written the script is applied to a scratch copy of the head schema and the result is
compared with the models: a script that does not produce them is never handed over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from autodiff import ops
from autodiff.database import Database
from autodiff.declared import Declared, declared_by
from autodiff.diff import Renames, apply_renames, diff
from autodiff.drift import live_drift, without_ignored
from autodiff.errors import ConfigError, IntegrityError
from autodiff.flavor import Flavor, dev_server_warnings, server_flavor, server_wide_flavor
from autodiff.model import Schema
from autodiff.plan import plan
from autodiff.scripts import Script, discover, next_script_path, write_sum
from autodiff.writer import script_text, template

if TYPE_CHECKING:
    from autodiff.head import PreparedHead

Ask = Callable[[str], bool]


@dataclass
class Request:
    """Everything one ``generate`` needs."""

    db: Database
    migrations: Path
    models: str
    message: str
    base_dir: Path
    renames: Renames = field(default_factory=Renames)
    ask: Ask | None = None
    ignore: tuple[str, ...] = ()
    from_db: bool = False
    use_cache: bool = True
    verify: bool = True
    write: bool = True
    out: TextIO | None = None

    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")
            self.out.flush()


@dataclass
class Generated:
    """What generate found and did."""

    ops: tuple[ops.Op, ...]
    dialect: str
    text: str | None = None
    path: Path | None = None
    verified: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def generate_empty(migrations: Path, message: str, ext: str) -> Path:
    """Write a template for a hand-written script; returns its path."""
    if ext not in ("sql", "py", "sh"):
        raise ConfigError(f"--ext must be sql, py or sh, not {ext!r}")
    scripts = discover(migrations)
    path = next_script_path(migrations, scripts, message, ext)
    path.write_text(template(path.name, message, ext), encoding="utf-8")
    write_sum(migrations, discover(migrations))
    return path


def generate(req: Request) -> Generated:
    """Diff the models against the head schema and write (or return) the next script."""
    from autodiff.aside import Aside

    scripts = discover(req.migrations)
    with _head(req, scripts) as head, Aside(  # replayed meanwhile where the server does it
            lambda: _what_the_database_says(req, scripts, head),
            fallback=lambda: (target_flavor(req.db), None),
            fork=head.scratch is None) as aside:  # a child of its own would replay too
        # What the database says is found aside (a child process) while the models load;
        # SQLAlchemy is imported only now, while the replay runs.
        from autodiff.sqla import load_models

        metadata = load_models(req.models, req.base_dir)
        flavor, drifted = aside.result()
        declared = declared_by(metadata, req.db.dialect, flavor)
        req.say(f"Models: {len(declared.schema.tables)} tables from {req.models}")
        if drifted is None:  # before the head: on PostgreSQL read while the replay runs
            drifted = dev_server_warnings(req.db, flavor) + _drift_warnings(req, scripts, head)
        result = _generate(replace(req, ignore=req.ignore + declared.ignored), scripts,
                           declared, head, drifted)
        result.warnings += declared.warnings(result.ops, req.ignore)
        return result


def _generate(req: Request, scripts: list[Script], declared: Declared,
              head: PreparedHead, drifted: list[str]) -> Generated:
    hints, desired = declared.hints, declared.schema
    current = head.schema()
    current, desired = managed_parts(current, desired, req.ignore)
    given = _by_new_table_names(req.renames)
    renames = _merge(_pending_hints(hints, current, given), given)
    _check_renames(renames, current, desired)
    renames, notes = _settle_renames(current, desired, renames, req.ask)
    current, desired = managed_parts(current, desired, req.ignore, renames)
    changes = diff(current, desired, renames)
    if not changes:
        return Generated((), req.db.dialect, notes=notes + ["No changes detected."],
                         warnings=drifted)
    from autodiff.render import render_ops

    planned = plan(changes, current, desired)
    rendered = render_ops(planned, req.db.dialect)
    path = next_script_path(req.migrations, scripts, req.message, "sql")
    text = script_text(path.name, req.message, rendered, req.db.dialect, req.models)
    result = Generated(planned, req.db.dialect, text, notes=notes, warnings=drifted)
    if req.verify:
        from autodiff.verify import verify_script

        # On PostgreSQL building the touched tables again is seconds of server DDL, so the
        # script is proven on the replay; SQLite builds them in milliseconds, and its
        # rebuilds would check every foreign key of the whole replay.
        on_replay = head.scratch if req.db.dialect == "postgresql" else None
        verify_script(req.db, current, desired, text, path.name, _touched(planned), scripts,
                      use_cache=req.use_cache, scratch=on_replay, ignore=req.ignore)
        result.verified = True
    if req.write:
        path.write_text(text, encoding="utf-8")
        write_sum(req.migrations, discover(req.migrations))
        result.path = path
    return result


def target_flavor(db: Database) -> Flavor:
    """What compiling the models needs to know of the server the head is replayed on."""
    from autodiff.dialects import dialect_for
    from autodiff.head import scratch_database

    if db.dialect == "sqlite":
        return Flavor()
    replayed_on = db.scratch_server or db  # the models are compared with what that server says
    if db.dialect == "postgresql":
        # Only the server's version counts here, the same from any database: one
        # connection to the server, whether or not db exists yet.
        return server_wide_flavor(replayed_on)
    if db.scratch_server is None and dialect_for(db).database_exists(db):
        return server_flavor(db)
    # Not created yet (upgrade will create it as scratch databases are created), or the
    # head is replayed elsewhere: a scratch database like it, where the head will be.
    with scratch_database(db) as scratch:
        return server_flavor(scratch)


@contextmanager
def _head(req: Request, scripts: list[Script]) -> Iterator[PreparedHead]:
    from autodiff.head import PreparedHead, prepared_head, replaying_message

    if req.from_db:
        yield PreparedHead(None, lambda: _live_at_head(req, scripts))
        return
    req.say(replaying_message(req.db, scripts, req.use_cache))
    with prepared_head(req.db, scripts, req.use_cache) as head:
        yield head


def _what_the_database_says(req: Request, scripts: list[Script],
                            head: PreparedHead) -> tuple[Flavor, list[str]]:
    """The flavor the models are compiled for, and the warnings of the database's side."""
    flavor = target_flavor(req.db)
    return flavor, dev_server_warnings(req.db, flavor) + _drift_warnings(req, scripts, head)


def _drift_warnings(req: Request, scripts: list[Script], head: PreparedHead) -> list[str]:
    """Say when the database was changed outside migrations: generate ignores that."""
    if req.from_db:
        return []  # the live schema is the base here: drift would be diffed into the script
    from autodiff.head import head_schema

    def replayed(recorded: list[Script]) -> Schema:  # at head, the head being found
        return head.schema() if recorded == scripts else \
            head_schema(req.db, recorded, req.use_cache)

    found = live_drift(req.db, scripts, req.ignore, req.use_cache, replayed)
    if not found:
        return []
    lines = "; ".join(f.line() for f in found[:5]) + ("; ..." if len(found) > 5 else "")
    return [f"{req.db.display} has drifted from its migrations ({lines}). The script "
            "is written against the migrations, not the database: run `autodiff check`"]


def _live_at_head(req: Request, scripts: list[Script]) -> Schema:
    from autodiff.api import status
    from autodiff.introspect import introspect

    st = status(req.db, req.migrations)
    if st.version != st.head:
        raise IntegrityError(f"--from-db: {req.db.display} is at version {st.version}, "
                             f"not at head ({st.head})",
                             hint="run `autodiff upgrade` first, or drop --from-db")
    return introspect(req.db)


def managed_parts(current: Schema, desired: Schema, ignore: tuple[str, ...],
                   renames: Renames | None = None) -> tuple[Schema, Schema]:
    """Leave out ignored tables; keep what models cannot express (views, triggers), and
    enums and sequences the models do not declare.

    Kept views and triggers are wanted as the database will show them after ``renames``
    (PostgreSQL and SQLite rewrite them on RENAME; on MySQL the plan creates them again).
    """
    current, desired = without_ignored(current, ignore), without_ignored(desired, ignore)
    declared = {e.name for e in desired.enums}
    kept_enums = tuple(e for e in current.enums if e.name not in declared)
    # Sequences too: one a hand-written script made is not declared, and a removed
    # Sequence may still be called by a default or by application code.
    named = {s.name for s in desired.sequences}
    kept_sequences = tuple(s for s in current.sequences if s.name not in named)
    after = apply_renames(current, renames or Renames())
    desired = replace(desired, views=after.views, enums=desired.enums + kept_enums,
                      triggers=after.triggers, sequences=desired.sequences + kept_sequences)
    return current, desired


def _pending_hints(hints: Renames, current: Schema, given: Renames) -> Renames:
    """The models' ``renamed_from`` hints still to carry out at head.

    A hint stays in the model after its rename was applied (it documents it in review),
    so one whose new name is already at head is done and left out. One whose old name
    is not at head either points at nothing: ConfigError naming the hint.
    """
    tables = {}
    for old, new in hints.tables.items():
        if current.table(new) is not None:
            continue
        if current.table(old) is None:
            raise _stale_hint(f"table {new}", f"table {old}")
        tables[old] = new
    renamed = apply_renames(current, Renames({**tables, **given.tables}))
    columns = {}
    for (table, old), new in hints.columns.items():
        at_head = renamed.table(table)
        if at_head is not None and at_head.column(new) is not None:
            continue
        if at_head is None or at_head.column(old) is None:
            raise _stale_hint(f"column {table}.{new}", f"column {table}.{old}")
        columns[(table, old)] = new
    return Renames(tables, columns)


def _stale_hint(where: str, old: str) -> ConfigError:
    return ConfigError(f'the models\' info={{"renamed_from": ...}} on {where} names {old}, '
                       "which is not at head", hint="fix the old name, or remove the hint")


def _by_new_table_names(given: Renames) -> Renames:
    """``given`` with each column of a renamed table keyed by its new name, however the
    user named it (``--rename players=members --rename players.team_id=squad_id``)."""
    return Renames(given.tables, {(given.tables.get(table, table), old): new
                                  for (table, old), new in given.columns.items()})


def _merge(hints: Renames, given: Renames) -> Renames:
    return Renames({**hints.tables, **given.tables}, {**hints.columns, **given.columns})


def _check_renames(renames: Renames, current: Schema, desired: Schema) -> None:
    for old, new in renames.tables.items():
        if current.table(old) is None:
            raise ConfigError(f"rename {old}={new}: there is no table {old} at head")
        if desired.table(new) is None:
            raise ConfigError(f"rename {old}={new}: the models have no table {new}")
    renamed = apply_renames(current, Renames(renames.tables))
    for (table, old), new in renames.columns.items():
        at_head, wanted = renamed.table(table), desired.table(table)
        if at_head is None or at_head.column(old) is None:
            raise ConfigError(f"rename {table}.{old}={new}: there is no column {table}.{old} "
                              "at head")
        if wanted is None or wanted.column(new) is None:
            raise ConfigError(f"rename {table}.{old}={new}: the models have no column "
                              f"{table}.{new}")


def _settle_renames(current: Schema, desired: Schema, renames: Renames,
                    ask: Ask | None) -> tuple[Renames, list[str]]:
    """Ask about drop+add pairs that look like renames; without a terminal, say how."""
    notes: list[str] = []
    tables = dict(renames.tables)
    for old, new in _table_candidates(current, desired, renames):
        if ask is not None and ask(f"Did you rename table {old} to {new}?"):
            tables[old] = new
        else:
            notes.append(f"table {old} is dropped and {new} created: if that is a rename, "
                         f"pass --rename {old}={new}")
    renames = Renames(tables, renames.columns)
    columns = dict(renames.columns)
    for table, old, new in _column_candidates(current, desired, renames):
        if ask is not None and ask(f"Did you rename {table}.{old} to {table}.{new}?"):
            columns[(table, old)] = new
        else:
            notes.append(f"column {table}.{old} is dropped and {table}.{new} added: if that is "
                         f"a rename, pass --rename {table}.{old}={new}")
    return Renames(tables, columns), notes


def _table_candidates(current: Schema, desired: Schema,
                      renames: Renames) -> list[tuple[str, str]]:
    gone = [t for t in current.tables if desired.table(t.name) is None
            and t.name not in renames.tables]
    new = [t for t in desired.tables if current.table(t.name) is None
           and t.name not in renames.tables.values()]
    pairs = []
    for old in gone:
        shape = [(c.name, c.type) for c in old.columns]
        match = next((t for t in new if [(c.name, c.type) for c in t.columns] == shape), None)
        if match is not None:
            pairs.append((old.name, match.name))
            new.remove(match)
    return pairs


def _column_candidates(current: Schema, desired: Schema,
                       renames: Renames) -> list[tuple[str, str, str]]:
    renamed = apply_renames(current, renames)
    taken = {(t, old) for (t, old) in renames.columns}
    found = []
    for table in desired.tables:
        was = renamed.table(table.name)
        if was is None:
            continue
        now, before = {c.name for c in table.columns}, {c.name for c in was.columns}
        gone = [c for c in was.columns if c.name not in now and (table.name, c.name) not in taken]
        added = [c for c in table.columns if c.name not in before]
        for old in gone:
            match = next((c for c in added if c.type == old.type), None)
            if match is not None:
                found.append((table.name, old.name, match.name))
                added.remove(match)
    return found


def parse_renames(specs: tuple[str, ...] | list[str]) -> Renames:
    """``("users.name=full_name", "old=new")`` -> column and table renames."""
    tables: dict[str, str] = {}
    columns: dict[tuple[str, str], str] = {}
    for spec in specs:
        left, sep, right = spec.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise ConfigError(f"--rename {spec!r}: expected table.old=new or old_table=new_table")
        left, right = left.strip(), right.strip()
        if "." in left:
            table, old = left.split(".", 1)
            columns[(table, old)] = right.removeprefix(f"{table}.")
        else:
            tables[left] = right
    return Renames(tables, columns)


def describe_ops(planned: tuple[ops.Op, ...], dialect: str) -> list[tuple[str, list[str]]]:
    """Each op in words with its warnings (data loss, rewrites, locks)."""
    from autodiff.safety import warnings

    return [(op.describe(), warnings(op, dialect)) for op in planned]


def _touched(planned: tuple[ops.Op, ...]) -> set[str]:
    names = {op.table_name for op in planned}
    names |= {op.old for op in planned if isinstance(op, ops.RenameTable)}
    return names
