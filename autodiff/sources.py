"""Where a schema can come from, for ``autodiff diff FROM TO`` and friends.

A side is one of:

- a database: a SQLite path or a URL (``postgresql://...``), introspected;
- ``models:pkg.module:Base`` or ``models:path/file.py:Base``, loaded;
- a snapshot file (``*.json``, as printed by ``autodiff snapshot``);
- a migrations folder, replayed at its head, or at version N as ``folder@N``.

Models and migrations have no dialect of their own: they take the other side's, or
``--dialect``. Replaying on PostgreSQL/MySQL needs a server: the other side's, or
``--dev-db`` (as Atlas's dev database).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from autodiff.database import Database, parse_database, parse_server
from autodiff.declared import Declared
from autodiff.errors import ConfigError, ConnectionFailed
from autodiff.findings import Finding, Sides, differences
from autodiff.model import DIALECTS, Schema

_AT_VERSION = re.compile(r"^(?P<folder>.+)@(?P<version>\d+)$")


@dataclass(frozen=True)
class Source:
    """One parsed side: ``kind`` is database, models, snapshot or migrations."""

    spec: str
    kind: str
    database: Database | None = None
    models: str | None = None
    path: Path | None = None
    version: int | None = None

    @property
    def label(self) -> str:
        """How messages name this side (passwords masked)."""
        return self.database.display if self.database is not None else self.spec

    @property
    def dialect(self) -> str | None:
        """The side's own dialect, if it has one without loading anything heavy."""
        if self.database is not None:
            return self.database.dialect
        if self.kind == "snapshot" and self.path is not None:
            return _snapshot(self.path).dialect
        return None


def parse_source(spec: str, base_dir: Path) -> Source:
    """Tell what kind of side ``spec`` is; ConfigError when it is none."""
    if spec.startswith("models:"):
        models = spec.removeprefix("models:")
        if not models:
            raise ConfigError("models: needs a spec, e.g. models:myapp.models:Base")
        return Source(spec, "models", models=models)
    if "://" in spec:
        return Source(spec, "database", database=parse_database(spec, base_dir))
    at = _AT_VERSION.match(spec)
    if at and (base_dir / at["folder"]).is_dir():
        return Source(spec, "migrations", path=base_dir / at["folder"],
                      version=int(at["version"]))
    path = base_dir / spec
    if path.is_dir():
        return Source(spec, "migrations", path=path)
    if path.suffix == ".json":
        if not path.is_file():
            raise ConfigError(f"snapshot file not found: {spec}")
        return Source(spec, "snapshot", path=path)
    if not path.is_file():
        raise ConfigError(f"{spec}: no such database file, folder or snapshot",
                          hint="a side is a SQLite path, a URL, models:pkg.mod:Base, "
                               "a snapshot .json or a migrations folder[@N]")
    return Source(spec, "database", database=parse_database(spec, base_dir))


def _snapshot(path: Path) -> Schema:
    try:
        return Schema.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not an autodiff snapshot: {exc}") from None


@dataclass(frozen=True)
class Context:
    """What sides without a dialect of their own need: a dialect, maybe a server."""

    dialect: str
    server: Database | None
    base_dir: Path
    use_cache: bool = True


def context_for(sides: list[Source], dialect: str | None, dev_db: str | None,
                base_dir: Path, use_cache: bool = True) -> Context:
    """The dialect and scratch server shared by both sides; ConfigError if they clash."""
    own = sorted({d for d in (s.dialect for s in sides) if d is not None})
    if len(own) > 1:
        raise ConfigError(f"the sides are of different dialects ({', '.join(sorted(own))})",
                          hint="compare schemas of one dialect; snapshot each side "
                               "to compare them by eye")
    chosen = dialect or (own[0] if own else None)
    server = parse_server(dev_db, base_dir) if dev_db else None
    if server is None:
        server = next((s.database for s in sides if s.database is not None
                       and s.database.dialect == chosen), None)
    if chosen is None:
        chosen = server.dialect if server is not None else "sqlite"
    if chosen not in DIALECTS:
        raise ConfigError(f"unknown dialect {chosen!r}", hint=f"one of {', '.join(DIALECTS)}")
    if own and chosen != own[0]:
        raise ConfigError(f"--dialect {chosen} does not match the sides ({own[0]})")
    return Context(chosen, server, base_dir, use_cache)


def load_side(source: Source, ctx: Context) -> Schema | Declared:
    """One side in ``ctx.dialect``: models as what they declare (their schema and what it
    leaves out), anything else as its schema."""
    if source.kind == "models":
        return _models(source, ctx)
    if source.kind == "database":
        assert source.database is not None
        return _introspected(source.database)
    if source.kind == "snapshot":
        assert source.path is not None
        return _snapshot(source.path)
    assert source.path is not None
    return _replayed(source.path, source.version, ctx)


def _introspected(db: Database) -> Schema:
    from autodiff.dialects import dialect_for
    from autodiff.introspect import introspect

    if not dialect_for(db).database_exists(db):
        raise ConnectionFailed(f"database does not exist: {db.display}")
    return introspect(db)


def _models(source: Source, ctx: Context) -> Declared:
    from autodiff.declared import declared_by
    from autodiff.sqla import Flavor, load_models

    assert source.models is not None
    flavor = Flavor()
    if ctx.server is not None and ctx.server.dialect == ctx.dialect != "sqlite":
        from autodiff.generate import target_flavor

        flavor = target_flavor(ctx.server)
    return declared_by(load_models(source.models, ctx.base_dir), ctx.dialect, flavor)


def _replayed(folder: Path, version: int | None, ctx: Context) -> Schema:
    from autodiff.head import head_schema
    from autodiff.scripts import discover

    scripts = discover(folder)
    if version is not None:
        if version != 0 and version not in {s.version for s in scripts}:
            raise ConfigError(f"{folder.name}@{version}: no script has number {version}")
        scripts = [s for s in scripts if s.version <= version]
    return head_schema(_scratch_server(ctx), scripts, ctx.use_cache)


def _scratch_server(ctx: Context) -> Database:
    if ctx.dialect == "sqlite":
        return parse_database("scratch.db", ctx.base_dir)  # only its dialect is used
    if ctx.server is None or ctx.server.dialect != ctx.dialect:
        raise ConfigError(f"replaying migrations on {ctx.dialect} needs a server",
                          hint="pass --dev-db URL (any database on that server; a scratch "
                               "database is created beside it and dropped)")
    return ctx.server


@dataclass(frozen=True)
class SchemaDiff:
    """What ``autodiff diff FROM TO`` found: the findings and the SQL from FROM to TO."""

    source: Source
    target: Source
    dialect: str
    findings: tuple[Finding, ...]
    statements: tuple[str, ...]
    #: What a models side declares and the comparison leaves out (docs/generate.md).
    warnings: tuple[str, ...] = ()

    @property
    def same(self) -> bool:
        return not self.findings

    def sql(self) -> str:
        """The statements as a script (empty when the sides are the same)."""
        return "".join(f"{s};\n" for s in self.statements)


def diff_sources(source: Source, target: Source, ctx: Context,
                 ignore: tuple[str, ...] = ()) -> SchemaDiff:
    """Compare two sides; the SQL takes ``source``'s schema to ``target``'s."""
    from autodiff.diff import diff
    from autodiff.drift import without_ignored
    from autodiff.plan import plan
    from autodiff.render import render_ops

    sides = [load_side(source, ctx), load_side(target, ctx)]
    # A models side's tables of other schemas are left out of both sides by their bare
    # names, as generate and check leave them out.
    skip = ignore + tuple(p for d in sides if isinstance(d, Declared) for p in d.ignored)
    current, desired = (without_ignored(d.schema if isinstance(d, Declared) else d, skip)
                        for d in sides)
    findings = differences(current, desired, Sides(source.label, target.label), "diff")
    changes = diff(current, desired)
    planned = plan(changes, current, desired) if changes else ()
    statements = [s for _op, sql in render_ops(planned, ctx.dialect) for s in sql]
    # The script creates the target's objects only: what it leaves out of them is told.
    warnings = [w for d, creates in ((sides[0], ()), (sides[1], planned))
                if isinstance(d, Declared) for w in d.warnings(creates, ignore)]
    return SchemaDiff(source, target, ctx.dialect, tuple(findings), tuple(statements),
                      tuple(dict.fromkeys(warnings)))


def render_diff(result: SchemaDiff, fmt: str) -> str:
    """``sql``, ``text`` (one finding per line) or ``json`` (stable, documented)."""
    if fmt == "json":
        return json.dumps({"format": 1, "from": result.source.label, "to": result.target.label,
                           "dialect": result.dialect, "same": result.same,
                           "findings": [f.to_dict() for f in result.findings],
                           "sql": list(result.statements), "warnings": list(result.warnings)},
                          indent=2, sort_keys=True) + "\n"
    if fmt == "text":
        if result.same:
            return "no differences\n"
        return "".join(f"{f.line()}\n" for f in result.findings)
    if result.same:
        return f"-- {result.source.label} and {result.target.label} are the same\n"
    return (f"-- autodiff diff: from {result.source.label} to {result.target.label} "
            f"({result.dialect})\n" + result.sql())
