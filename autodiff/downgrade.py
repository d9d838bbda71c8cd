"""``autodiff downgrade --to N``: take the live schema back to what scripts 1..N produce.

The plan is a diff, not a list of stored inverses: the live schema (introspected) is
compared with the replay of the scripts numbered up to N, and the ops go through the
same plan -> render -> writer pipeline as ``generate``. That works for hand-written
scripts, which have no inverse, and undoes drift as well (it is shown as a warning).

The downgrade is applied like a script, through the runner's session, in one
transaction that also deletes the version rows above N: afterwards ``status`` says N
and ``upgrade`` applies the undone scripts again. Data changes made by ``.py``/``.sh``
scripts are not undone; only the schema goes back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from autodiff import versiontable
from autodiff.database import VERSION_TABLE, Database
from autodiff.dialects import Dialect, dialect_for
from autodiff.diff import diff
from autodiff.drift import without_ignored
from autodiff.errors import AutodiffError, ConfigError, ConnectionFailed, IntegrityError
from autodiff.findings import Finding, Sides, differences
from autodiff.model import Schema
from autodiff.ops import Op
from autodiff.plan import plan
from autodiff.runner import DEFAULT_LOCK_TIMEOUT, session
from autodiff.scripts import Script, discover
from autodiff.writer import script_text


class NeedsConfirmation(ConfigError):
    """The plan can lose data and ``--yes`` was not given (a usage error: exit 2)."""


class DowngradeMismatch(AutodiffError):
    """After the downgrade the schema differs from the replay at N."""

    exit_code = 1


@dataclass(frozen=True)
class DowngradeRequest:
    """Everything one ``downgrade`` needs."""

    db: Database
    migrations: Path
    to: int
    yes: bool = False
    sql: bool = False
    ignore: tuple[str, ...] = ()
    use_cache: bool = True
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    out: TextIO | None = None

    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")
            self.out.flush()


@dataclass(frozen=True)
class DowngradePlan:
    """What a downgrade from ``version`` to ``target`` does, before anything runs."""

    database: str
    dialect: str
    version: int
    target: int
    scripts: tuple[Script, ...]  # every script in the folder
    undone: tuple[Script, ...]  # the applied scripts numbered above target
    current: Schema  # live, ignored tables left out
    desired: Schema  # replay up to target, ignored tables left out
    ops: tuple[Op, ...]
    name: str
    text: str
    drift: tuple[Finding, ...] = ()

    @property
    def destructive(self) -> tuple[Op, ...]:
        """The planned ops that can lose data."""
        return tuple(op for op in self.ops if op.destructive)

    @property
    def data_scripts(self) -> tuple[Script, ...]:
        """Undone ``.py``/``.sh`` scripts, whose data changes stay."""
        return tuple(s for s in self.undone if s.kind != "sql")

    def sql(self) -> str:
        """The ``--sql`` transcript (see :func:`sql_transcript`)."""
        return sql_transcript(self)

    def label(self, version: int) -> str:
        """``4 (0004-backfill.py)``, or ``0 (empty)``."""
        name = next((s.name for s in self.scripts if s.version == version), "empty")
        return f"{version} ({name})"


@dataclass
class Downgraded:
    """The plan, and whether (and how fast) it was applied."""

    plan: DowngradePlan
    applied: bool = False
    seconds: float = 0.0


# -- the pure part -------------------------------------------------------------------
def plan_ops(current: Schema, desired: Schema) -> tuple[Op, ...]:
    """The runnable ops that take ``current`` to ``desired`` (diff, then plan)."""
    return plan(diff(current, desired), current, desired)


def script_name(version: int, target: int) -> str:
    """The name the downgrade goes by in messages: ``downgrade-0004-to-0001.sql``."""
    return f"downgrade-{version:04d}-to-{target:04d}.sql"


def downgrade_text(name: str, version: int, target: int, planned: tuple[Op, ...],
                   dialect: str, data_scripts: tuple[Script, ...] = ()) -> str:
    """The downgrade as script text: the writer's header and statements, plus notes."""
    from autodiff.render import render_ops

    text = script_text(name, f"downgrade from version {version} to {target}",
                       render_ops(planned, dialect), dialect, "the live database")
    # It is applied, not committed: the writer's advice to review before committing
    # would mislead anyone reading a --sql transcript.
    text = text.replace("-- Review it before committing.\n",
                        f"-- Applied by `autodiff downgrade --to {target}`; not a migration "
                        "script.\n", 1)
    extra = [] if planned else [f"--   none: the schema already is that of version {target}"]
    extra += [f"-- ! not undone: {s.name} changed data; only the schema goes back"
              for s in data_scripts]
    header, _, body = text.partition("\n\n")
    return "\n".join([header.rstrip("\n"), *extra]) + "\n\n" + body


def delete_sql(dialect: Dialect, target: int) -> str:
    """The statement that forgets the scripts above ``target``."""
    q = dialect.quote
    return f"DELETE FROM {q(VERSION_TABLE)} WHERE {q('version')} > {int(target)}"


def sql_transcript(plan_: DowngradePlan) -> str:
    """What ``--sql`` prints: the script in one transaction with the version-table change."""
    dialect = dialect_for(plan_.dialect)
    header, _, body = plan_.text.partition("\n\n")
    before, after = [], []
    if plan_.dialect == "sqlite":
        # What the runner does around the transaction: with foreign keys on, the DROP
        # TABLE of a rebuild would cascade into child rows.
        before = ["PRAGMA foreign_keys = OFF;"]
        after = ["PRAGMA foreign_key_check;  -- must return no rows"]
    statements = [body.rstrip(), ""] if body.strip() else []
    lines = [header, "", *before, "BEGIN;", "", *statements,
             "-- forget the undone scripts, so `autodiff upgrade` applies them again",
             f"{delete_sql(dialect, plan_.target)};", *after, "COMMIT;"]
    return "\n".join(lines) + "\n"


# -- reading the database ----------------------------------------------------------
def _applied(db: Database) -> list[versiontable.Applied]:
    applied = versiontable.recorded(db)
    if applied is not None:
        return applied
    if not dialect_for(db).database_exists(db):
        raise ConnectionFailed(f"database does not exist: {db.display}",
                               hint="check --db; there is nothing to downgrade")
    raise IntegrityError(f"{db.display} is not managed by autodiff",
                         hint="adopt it with `autodiff enroll` first")


def _check_target(to: int, version: int, scripts: list[Script]) -> None:
    if to < 0:
        raise ConfigError(f"--to {to}: versions are 0 or script numbers",
                          hint="--to 0 empties the schema")
    if to >= version:
        raise ConfigError(f"--to {to}: the database is at version {version}; a downgrade "
                          "goes below it", hint="`autodiff upgrade --to N` moves forward")
    if to != 0 and to not in {s.version for s in scripts}:
        raise ConfigError(f"--to {to}: no script has number {to}",
                          hint="pass the number of an existing script, or 0")


def make_plan(req: DowngradeRequest) -> DowngradePlan:
    """Read the database and the folder, replay up to N, and plan; changes nothing."""
    from autodiff.head import head_schema
    from autodiff.introspect import introspect

    scripts = discover(req.migrations)
    applied = _applied(req.db)
    versiontable.verify(scripts, applied)
    version = applied[-1].version if applied else 0
    _check_target(req.to, version, scripts)
    done = {row.version for row in applied}
    recorded = [s for s in scripts if s.version in done]
    desired = without_ignored(
        head_schema(req.db, [s for s in recorded if s.version <= req.to], req.use_cache),
        req.ignore)
    current = without_ignored(introspect(req.db), req.ignore)
    at_version = without_ignored(head_schema(req.db, recorded, req.use_cache), req.ignore)
    drift = differences(at_version, current, Sides("migrations", "database"), "drift")
    undone = tuple(s for s in recorded if s.version > req.to)
    planned = plan_ops(current, desired)
    name = script_name(version, req.to)
    data = tuple(s for s in undone if s.kind != "sql")
    text = downgrade_text(name, version, req.to, planned, req.db.dialect, data)
    return DowngradePlan(req.db.display, req.db.dialect, version, req.to, tuple(scripts),
                         undone, current, desired, planned, name, text, tuple(drift))


def describe(plan_: DowngradePlan) -> list[str]:
    """The plan in words for the terminal: what is undone, warnings, each op with labels."""
    from autodiff.generate import describe_ops

    lines = [f"Downgrade {plan_.database} from version {plan_.label(plan_.version)} to "
             f"{plan_.label(plan_.target)}",
             f"Undoes: {', '.join(s.name for s in plan_.undone)}"]
    if plan_.drift:
        lines.append(f"warning: the database has drifted from the replay of its applied "
                     f"scripts; the plan also undoes this ({len(plan_.drift)} difference(s)):")
        lines += [f"  {f.line()}" for f in plan_.drift]
    lines += [f"note: {s.name} is a .{s.kind} script: the data it changed is not undone, "
              "only the schema goes back" for s in plan_.data_scripts]
    if not plan_.ops:
        lines.append("No schema changes: only the version goes back.")
        return lines
    lines.append(f"{len(plan_.ops)} change(s):")
    for words, labels in describe_ops(plan_.ops, plan_.dialect):
        lines.append(f"  {'!' if labels else '-'} {words}")
        lines += [f"      {label}" for label in labels]
    return lines


# -- applying ------------------------------------------------------------------------
def apply_plan(req: DowngradeRequest, plan_: DowngradePlan) -> float:
    """Run the plan under the run lock; returns seconds taken."""
    from autodiff.introspect import introspect

    with session(req.db, req.lock_timeout, req.out) as s:
        applied = s.applied()
        now = applied[-1].version if applied else 0
        live = without_ignored(introspect(req.db, s.conn), req.ignore)
        if now != plan_.version or live != plan_.current:
            what = f"version {plan_.version} -> {now}" if now != plan_.version else "schema"
            raise IntegrityError(f"{req.db.display} changed while the downgrade was planned "
                                 f"({what})", hint="nothing was changed; run it again")
        if not s.dialect.TRANSACTIONAL_DDL:
            req.say(f"warning: {s.dialect.name} cannot roll back DDL: if a step fails, the "
                    "steps before it stay applied and the version stays "
                    f"{plan_.version}")
        req.say(f"applying {plan_.name}")
        started = time.perf_counter()
        script = Script(plan_.target, Path(plan_.name), "sql", plan_.text.encode("utf-8"))
        # Applied exactly as a script is (one transaction, SQLite's foreign keys off and
        # checked before commit); only the version-table write differs: forget, not add.
        s.apply(script, plan_.version,
                record=lambda *_: s.dialect.execute(s.conn, delete_sql(s.dialect, plan_.target)))
        return time.perf_counter() - started


def verify_after(req: DowngradeRequest, plan_: DowngradePlan) -> None:
    """DowngradeMismatch unless the live schema now equals the replay at N."""
    from autodiff.introspect import introspect

    live = without_ignored(introspect(req.db), req.ignore)
    found = differences(plan_.desired, live, Sides(f"migrations@{plan_.target}", "database"))
    if found:
        raise DowngradeMismatch(
            f"downgraded to version {plan_.target}, but the schema differs from the replay "
            f"at {plan_.target}: {found[0].line()}",
            hint="`autodiff check` shows the drift; please report this as a bug in autodiff",
            details=tuple(f.line() for f in found))


def downgrade(req: DowngradeRequest) -> Downgraded:
    """Plan, show, and (unless ``sql``, and with ``yes`` when it loses data) apply."""
    plan_ = make_plan(req)
    for line in describe(plan_):
        req.say(line)
    result = Downgraded(plan_)
    if req.sql:
        return result
    if plan_.destructive and not req.yes:
        n = len(plan_.destructive)
        raise NeedsConfirmation(
            f"the downgrade can lose data ({n} destructive change{'s' if n != 1 else ''}); "
            "nothing was changed",
            hint=f"review the plan above, then run `autodiff downgrade --to {req.to} --yes` "
                 "(--sql prints the SQL)")
    result.seconds = apply_plan(req, plan_)
    result.applied = True
    req.say(f"Downgraded {plan_.database} from version {plan_.version} to {plan_.target} "
            f"in {result.seconds:.2f}s; forgot {', '.join(s.name for s in plan_.undone)} "
            "(`autodiff upgrade` applies them again).")
    verify_after(req, plan_)
    req.say(f"Verified: the schema equals the replay of the migrations up to version "
            f"{plan_.label(plan_.target)}.")
    return result


__all__ = ["DowngradeMismatch", "DowngradePlan", "DowngradeRequest", "Downgraded",
           "NeedsConfirmation", "apply_plan", "delete_sql", "describe", "downgrade",
           "downgrade_text", "make_plan", "plan_ops", "script_name", "sql_transcript"]
