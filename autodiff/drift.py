"""``autodiff check``: the CI gate (DESIGN section 5).

Four questions, each answered with object-level findings:

- integrity: do the scripts and the version table agree (no edited applied script,
  no duplicate numbers, no late merge)?
- drift: does the live database equal the replay of the scripts it recorded?
- models: do the models equal the head schema (no model change without a script)?
- pending: which scripts are not applied yet (exit 3 when that is all there is)?
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from autodiff import versiontable
from autodiff.database import Database
from autodiff.dialects import dialect_for
from autodiff.errors import AutodiffError, ConnectionFailed
from autodiff.findings import CATEGORIES, Finding, Sides, differences
from autodiff.flavor import dev_server_warnings
from autodiff.model import Schema
from autodiff.scripts import Script, discover, scan

if TYPE_CHECKING:
    from autodiff.declared import Declared

JSON_FORMAT_VERSION = 1


@dataclass
class CheckReport:
    """What ``check`` found; ``exit_code`` follows DESIGN section 5."""

    database: str
    version: int
    head: int
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: What the user should know and no finding says (a dev server of another release).
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if not self.findings:
            return 0
        if all(f.category == "pending" for f in self.findings):
            return 3
        return 1

    @property
    def status(self) -> str:
        return {0: "clean", 1: "problems", 3: "pending"}[self.exit_code]

    def by_category(self, category: str) -> list[Finding]:
        return [f for f in self.findings if f.category == category]


@dataclass(frozen=True)
class CheckRequest:
    """Everything one ``check`` needs."""

    db: Database
    migrations: Path
    models: str | None = None
    base_dir: Path = Path(".")
    ignore: tuple[str, ...] = ()
    use_cache: bool = True
    out: TextIO | None = None
    #: Replays already made in this check: at head, drift and models share one.
    heads: dict[tuple[str, ...], Schema] = field(default_factory=dict, compare=False)
    #: A replay under way, read when first asked for.
    pending: dict[tuple[str, ...], Callable[[], Schema]] = field(default_factory=dict,
                                                                 compare=False)

    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")
            self.out.flush()


def check(req: CheckRequest) -> CheckReport:
    """Run every check; raises only for trouble (exit 2), never for findings."""
    duplicates = _duplicate_numbers(req.migrations)
    applied = _applied(req.db)
    if duplicates:  # nothing else can be trusted until the numbering is fixed
        listed = scan(req.migrations)
        return CheckReport(req.db.display, applied[-1].version if applied else 0,
                           listed[-1].version if listed else 0, duplicates,
                           ["drift, models and pending: the numbering must be fixed first"])
    scripts = discover(req.migrations)
    report = CheckReport(req.db.display, applied[-1].version if applied else 0,
                         scripts[-1].version if scripts else 0)
    report.findings += [Finding("integrity", "script", "", p.message, p.hint)
                        for p in versiontable.problems(scripts, applied)]
    report.findings += _sum_findings(req.migrations, scripts, report)
    intact = not any(f.category == "integrity" for f in report.findings)
    done = {row.version for row in applied}
    recorded = [s for s in scripts if s.version in done]
    first = recorded if intact else scripts if req.models else None
    # The first replay runs meanwhile where the server does it (PostgreSQL): importing
    # the models, often seconds of CPU, does not wait for it.
    with _replaying(req, first):
        desired = _desired(req) if req.models else None
        if intact:
            report.findings += drift_of(req.db, lambda: _replayed(req, recorded), req.ignore,
                                        req.use_cache, recorded)
        else:
            report.skipped.append("drift: the applied scripts do not match the version table")
        if desired is not None:
            report.findings += _models(req, scripts, desired)
            report.skipped += _other_schemas(desired, req.ignore)
        else:
            report.skipped.append("models: no models configured")
    report.findings += [Finding("pending", "script", s.name, "not applied yet")
                        for s in versiontable.pending(scripts, applied)
                        if s.version > report.version]
    if first is not None:  # something was replayed, on the dev server if there is one
        report.warnings += dev_server_warnings(req.db)
    return report


def _duplicate_numbers(folder: Path) -> list[Finding]:
    if not folder.is_dir():
        return []  # discover() reports the missing folder as trouble
    by_number: dict[int, list[str]] = {}
    for script in scan(folder):
        by_number.setdefault(script.version, []).append(script.name)
    return [Finding("integrity", "scripts", " and ".join(names),
                    f"{len(names)} scripts have number {number}",
                    "renumber the later one (autodiff rebase does it on a branch)")
            for number, names in sorted(by_number.items()) if len(names) > 1]


def _applied(db: Database) -> list[versiontable.Applied]:
    applied = versiontable.recorded(db)
    if applied is not None:
        return applied
    if not dialect_for(db).database_exists(db):
        raise ConnectionFailed(f"database does not exist: {db.display}",
                               hint="run `autodiff upgrade` to create it")
    raise AutodiffError(f"{db.display} is not managed by autodiff",
                        hint="adopt it with `autodiff enroll`")


def _sum_findings(folder: Path, scripts: list[Script], report: CheckReport) -> list[Finding]:
    from autodiff.sumfile import sum_status

    status = sum_status(folder, scripts)
    if status.state == "missing":  # a project that never opted in is not broken
        report.skipped.append(f"autodiff.sum: {status.message} ({status.hint})")
        return []
    if status.current:
        return []
    return [Finding("sum", "file", "autodiff.sum", status.message, status.hint)]


@contextmanager
def _replaying(req: CheckRequest, scripts: list[Script] | None) -> Iterator[None]:
    """Start replaying ``scripts`` now; :func:`_replayed` takes the result when asked."""
    if scripts is None:
        yield
        return
    from autodiff.head import prepared_head

    _say_replaying(req, scripts)
    with prepared_head(req.db, scripts, req.use_cache) as head:
        req.pending[_key(scripts)] = head.schema
        try:
            yield
        finally:
            req.pending.clear()


def _replayed(req: CheckRequest, scripts: list[Script]) -> Schema:
    from autodiff.head import head_schema

    key = _key(scripts)
    if key not in req.heads:
        if key in req.pending:
            req.heads[key] = req.pending.pop(key)()
        else:
            _say_replaying(req, scripts)
            req.heads[key] = head_schema(req.db, scripts, req.use_cache)
    return req.heads[key]


def _key(scripts: list[Script]) -> tuple[str, ...]:
    return tuple(f"{s.name}\0{s.checksum}" for s in scripts)


def _say_replaying(req: CheckRequest, scripts: list[Script]) -> None:
    from autodiff.head import replaying_message

    req.say(replaying_message(req.db, scripts, req.use_cache))


def drift_of(db: Database, expected: Callable[[], Schema], ignore: tuple[str, ...] = (),
             use_cache: bool = True, recorded: list[Script] | None = None) -> list[Finding]:
    """How the live ``db`` differs from ``expected()``, the replay of its recorded scripts.

    The live schema is read again only if ``db``'s catalog changed since the last time
    (``autodiff.livecache``); ``use_cache=False`` always reads it. Given the ``recorded``
    scripts ``expected()`` replays, a database once found without drift is neither read
    nor compared again (nor the replay asked for) until its catalog changes.
    """
    from autodiff.livecache import live_findings

    key = None
    if recorded is not None:
        from autodiff.head import cache_key

        key = f"{cache_key(db, recorded)}\0{ignore!r}"

    def compare(live: Schema) -> list[Finding]:
        return differences(without_ignored(expected(), ignore), without_ignored(live, ignore),
                           Sides("migrations", "database"), "drift")

    return live_findings(db, key, compare, use_cache)


def live_drift(db: Database, scripts: list[Script], ignore: tuple[str, ...] = (),
               use_cache: bool = True,
               replayed: Callable[[list[Script]], Schema] | None = None) -> list[Finding]:
    """Drift of ``db`` if it exists, is managed and its scripts are intact; else nothing.

    ``replayed(recorded)`` gives the head of the scripts ``db`` recorded (by default
    :func:`autodiff.head.head_schema`); it is not asked when the answer is known.
    """
    applied = versiontable.recorded(db)
    if not applied or versiontable.problems(scripts, applied):
        return []
    from autodiff.head import head_schema

    done = {row.version for row in applied}
    recorded = [s for s in scripts if s.version in done]
    expected = replayed or (lambda rec: head_schema(db, rec, use_cache))
    return drift_of(db, lambda: expected(recorded), ignore, use_cache, recorded)


def _desired(req: CheckRequest) -> Declared:
    from autodiff.declared import declared_by
    from autodiff.generate import target_flavor
    from autodiff.sqla import load_models

    assert req.models is not None
    metadata = load_models(req.models, req.base_dir)
    return declared_by(metadata, req.db.dialect, target_flavor(req.db))


def _other_schemas(desired: Declared, ignore: tuple[str, ...]) -> list[str]:
    """What check leaves out of the models as generate does, unless ``ignore`` says so."""
    tables, references = desired.left_out(ignore)
    return [f"table {name} of the models: another schema, not compared" for name in tables] + [
        f"foreign key {source} -> {target} of the models: another schema, not compared"
        for source, target in references]


def _models(req: CheckRequest, scripts: list[Script], desired: Declared) -> list[Finding]:
    from autodiff.generate import managed_parts

    # As generate does: a table of another schema is left out, its bare name on both sides.
    head, wanted = managed_parts(_replayed(req, scripts), desired.schema,
                                 req.ignore + desired.ignored)
    found = differences(head, wanted, Sides("migrations", "models"), "models")
    hint = "run `autodiff generate -m MESSAGE` to write the missing script"
    return [replace(f, hint=hint) for f in found]


def ignored_tables(schema: Schema, ignore: tuple[str, ...]) -> list[str]:
    """Names of the tables matched by the ``[tool.autodiff] ignore`` glob patterns."""
    return sorted(t.name for t in schema.tables
                  if any(fnmatch.fnmatchcase(t.name, p) for p in ignore))


def without_ignored(schema: Schema, ignore: tuple[str, ...]) -> Schema:
    """``schema`` less the tables ``ignore`` matches (and their triggers)."""
    names = set(ignored_tables(schema, ignore))
    return schema.without_tables(names) if names else schema


# -- output ----------------------------------------------------------------------------

_HEADINGS = {
    "integrity": "integrity (scripts and version table disagree)",
    "drift": "drift (the database was changed outside migrations)",
    "models": "models (changed without a migration script)",
    "sum": "autodiff.sum",
    "pending": "pending (not applied yet)",
}


def render(report: CheckReport, fmt: str) -> str:
    """The report as ``text``, ``json`` or ``markdown``."""
    return {"text": _text, "json": _json, "markdown": _markdown}[fmt](report)


def _summary(report: CheckReport) -> str:
    if report.exit_code == 0:
        checked = "database and migrations" if any(s.startswith("models:")
                                                   for s in report.skipped) \
            else "database, migrations and models"
        return f"clean: {checked} agree"
    if report.exit_code == 3:
        return f"only pending scripts: {len(report.findings)} not applied yet"
    problems = [f for f in report.findings if f.category != "pending"]
    return f"{len(problems)} problem(s) found"


def _text(report: CheckReport) -> str:
    lines = [f"autodiff check: {report.database} at version {report.version}, "
             f"head {report.head}"]
    for category in CATEGORIES:
        found = report.by_category(category)
        if not found:
            continue
        lines.append(f"{_HEADINGS[category]}:")
        lines += [f"  {f.line()}" for f in found]
        hints = sorted({f.hint for f in found if f.hint})
        lines += [f"  hint: {h}" for h in hints]
    lines += [f"not checked: {s}" for s in report.skipped]
    lines += [f"warning: {w}" for w in report.warnings]
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def _json(report: CheckReport) -> str:
    payload: dict[str, Any] = {
        "format": JSON_FORMAT_VERSION,
        "database": report.database,
        "version": report.version,
        "head": report.head,
        "status": report.status,
        "exit_code": report.exit_code,
        "findings": [f.to_dict() for f in report.findings],
        "not_checked": report.skipped,
        "warnings": report.warnings,
    }
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def _markdown(report: CheckReport) -> str:
    mark = {0: "✅", 1: "❌", 3: "⏳"}[report.exit_code]
    lines = [f"### {mark} autodiff check: {_summary(report)}", "",
             f"`{report.database}` at version {report.version}, head {report.head}.", ""]
    for category in CATEGORIES:
        found = report.by_category(category)
        if not found:
            continue
        lines += [f"**{_HEADINGS[category]}**", ""]
        lines += [f"- `{f.object} {f.name}`: {f.message}" if f.name else
                  f"- {f.object}: {f.message}" for f in found]
        lines.append("")
    if report.skipped:
        lines += [f"_Not checked: {s}._" for s in report.skipped] + [""]
    if report.warnings:
        lines += [f"**Warning:** {w}." for w in report.warnings] + [""]
    return "\n".join(lines)

