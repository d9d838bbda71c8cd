"""The command line: parse options, call one API function, print the result."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from autodiff import api
from autodiff.config import Settings, init_project, load_settings
from autodiff.errors import AutodiffError
from autodiff.runner import DEFAULT_LOCK_TIMEOUT

if TYPE_CHECKING:
    from autodiff.generate import Generated

F = TypeVar("F", bound=Callable[..., Any])


def common_options(func: F) -> F:
    """--db, --migrations, --models and --dev-db on every command, resolved into
    ``settings``."""

    @click.option("--db", help="SQLite path or database URL (overrides config and AUTODIFF_DB).")
    @click.option("--migrations", help="The migrations folder (default: migrations).")
    @click.option("--models", help="Models as package.module:attr or path/file.py:attr.")
    @click.option("--dev-db", metavar="URL",
                  help="A database on the server to create scratch databases on (replays, "
                       "proofs) instead of the database's own (overrides config and "
                       "AUTODIFF_DEV_DB).")
    @functools.wraps(func)
    def wrapper(db: str | None, migrations: str | None, models: str | None,
                dev_db: str | None, **kwargs: Any) -> Any:
        settings = load_settings(db=db, migrations=migrations, models=models, dev_db=dev_db)
        return func(settings, **kwargs)

    return wrapper  # type: ignore[return-value]


class Group(click.Group):
    """Turns AutodiffError into one line plus a hint on stderr and its exit code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:  # an option before the command
            _usage_error(ctx, exc)
            raise  # not reached: ctx.exit raises

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AutodiffError as exc:
            click.echo(f"error: {exc.message}", err=True)
            for line in exc.details:
                click.echo(f"  {line}", err=True)
            if exc.hint:
                click.echo(f"hint: {exc.hint}", err=True)
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:  # a command's own options
            _usage_error(ctx, exc)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


def _usage_error(ctx: click.Context, exc: click.UsageError) -> None:
    """One line and a hint, like autodiff's own errors, not click's usage block."""
    where = exc.ctx.command_path if exc.ctx else ctx.command_path
    click.echo(f"error: {exc.format_message()}", err=True)
    click.echo(f"hint: see `{where} --help`", err=True)
    ctx.exit(2)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="autodiff")
def cli() -> None:
    """Numbered, append-only database migrations, written for you."""


@cli.command()
@click.option("--db", help="Database to record in the config (SQLite path or URL).")
@click.option("--migrations", help="Migrations folder to create (default: migrations).")
@click.option("--models", help="Models to record in the config (package.module:attr).")
def init(db: str | None, migrations: str | None, models: str | None) -> None:
    """Create the migrations folder and the [tool.autodiff] config section."""
    for line in init_project(Path.cwd(), db, migrations, models):
        click.echo(line)


@cli.command()
@common_options
@click.option("--to", "to", type=int, help="Stop after the script with this number.")
@click.option("--sql", is_flag=True, help="Print what would run; change nothing.")
@click.option("--backup", "make_backup", is_flag=True, help="Back up the SQLite file first.")
@click.option("--lock-timeout", type=float, default=DEFAULT_LOCK_TIMEOUT, show_default=True,
              help="Seconds to wait for another run's lock.")
def upgrade(settings: Settings, to: int | None, sql: bool, make_backup: bool,
            lock_timeout: float) -> None:
    """Apply pending migration scripts, in order, each once."""
    db = settings.database()
    if sql:
        click.echo(api.upgrade_sql(db, settings.migrations, to), nl=False)
        return
    if make_backup and db.path is not None and db.path.exists():
        click.echo(f"backup: {api.backup(db)}")
    api.upgrade(db, settings.migrations, to=to, out=sys.stdout, lock_timeout=lock_timeout)


@cli.command()
@common_options
@click.option("-m", "--message", required=True, help="What the migration does (names the file).")
@click.option("--rename", "renames", multiple=True, metavar="OLD=NEW",
              help="A rename: table.old=new for a column, old=new for a table. Repeatable.")
@click.option("--empty", is_flag=True, help="Write a template for a hand-written script.")
@click.option("--ext", type=click.Choice(["sql", "py", "sh"]), default="sql", show_default=True,
              help="With --empty: the script kind.")
@click.option("--sql", is_flag=True, help="Print the script instead of writing it.")
@click.option("--from-db", is_flag=True, help="Diff against the database (at head), no replay.")
@click.option("--no-verify", is_flag=True, help="Skip proving the script in a scratch database.")
@click.option("--no-cache", is_flag=True,
              help="Replay the migrations and read the database again, even if cached.")
@click.option("--no-input", is_flag=True, help="Never ask whether a drop+add is a rename.")
def generate(settings: Settings, message: str, renames: tuple[str, ...], empty: bool, ext: str,
             sql: bool, from_db: bool, no_verify: bool, no_cache: bool, no_input: bool) -> None:
    """Write the next migration script from the models (diffed against the head schema)."""
    from autodiff.generate import parse_renames  # not at the top: upgrade starts faster

    if empty:
        click.echo(f"Wrote {api.generate_empty(settings.migrations, message, ext)}")
        return
    if ext != "sql":
        raise click.UsageError(f"--ext {ext} is for --empty: generated scripts are .sql")
    ask = None if no_input or not sys.stdin.isatty() else _confirm
    result = api.generate(
        settings.database(), settings.migrations, settings.require_models(), message,
        parse_renames(renames), base_dir=settings.models_base, ask=ask, ignore=settings.ignore,
        from_db=from_db, use_cache=not no_cache, verify=not no_verify, write=not sql,
        out=sys.stderr if sql else sys.stdout)
    _echo_generated(result, sql)


def _confirm(question: str) -> bool:
    try:
        return click.confirm(question, default=False, err=True)
    except click.Abort as exc:
        # click turns both Ctrl-D and Ctrl-C into Abort: end of input answers no.
        if isinstance(exc.__context__, EOFError):
            click.echo("", err=True)
            return False
        raise KeyboardInterrupt from None


def _echo_generated(result: Generated, sql: bool) -> None:
    from autodiff.generate import describe_ops

    out_err = sql  # with --sql the script alone goes to stdout
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for note in result.notes:
        click.echo(f"note: {note}", err=out_err)
    if not result.ops:
        return
    click.echo(f"{len(result.ops)} change(s):", err=out_err)
    for op, labels in describe_ops(result.ops, result.dialect):
        click.echo(f"  {'!' if labels else '+'} {op}", err=out_err)
        for label in labels:
            click.echo(f"      {label}", err=out_err)
    if result.verified:
        click.echo("Verified: applied to the head schema in a scratch database, it gives "
                   "exactly the models' schema.", err=out_err)
    if sql and result.text is not None:
        click.echo(result.text, nl=False)
    elif result.path is not None:
        click.echo(f"Wrote {result.path}")


@cli.command()
@common_options
def status(settings: Settings) -> None:
    """Show the database's version, the head and the pending scripts."""
    st = api.status(settings.database(), settings.migrations)
    click.echo(f"database: {st.database}")
    click.echo(f"version:  {st.version} ({st.script_name(st.version)})")
    click.echo(f"head:     {st.head} ({st.script_name(st.head)})")
    click.echo(f"pending:  {len(st.pending)}")
    for script in st.pending:
        click.echo(f"  {script.name}")


@cli.command()
@common_options
def history(settings: Settings) -> None:
    """List applied scripts with when they ran and how long they took."""
    st = api.status(settings.database(), settings.migrations)
    if not st.applied:
        click.echo("no scripts applied yet")
    for row in st.applied:
        click.echo(f"{row.version:>6}  {row.applied_at}  {row.duration_ms:>7} ms  {row.name}")


@cli.command()
@common_options
@click.option("--to", "destination", type=click.Path(path_type=Path),
              help="Backup file (default: DB.YYYYmmdd-HHMMSS.backup beside it).")
def backup(settings: Settings, destination: Path | None) -> None:
    """Copy a SQLite database consistently, even while it is in use."""
    click.echo(str(api.backup(settings.database(), destination)))


@cli.command()
@common_options
def snapshot(settings: Settings) -> None:
    """Print the live schema as the stable JSON snapshot."""
    click.echo(api.snapshot(settings.database()).to_json(), nl=False)


@cli.command()
@common_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True, help="Report format.")
@click.option("--no-cache", is_flag=True,
              help="Replay the migrations and read the database again, even if cached.")
def check(settings: Settings, fmt: str, no_cache: bool) -> None:
    """CI gate: exit 1 on drift, models without a script or broken scripts; 3 if only pending.

    Exit codes: 0 clean, 1 problems found, 2 trouble (config, connection), 3 the only
    finding is scripts not applied yet.
    """
    report = api.check(settings.database(), settings.migrations, settings.models,
                       base_dir=settings.models_base, ignore=settings.ignore,
                       use_cache=not no_cache, out=sys.stderr)
    from autodiff.drift import render

    click.echo(render(report, fmt), nl=False)
    sys.exit(report.exit_code)


@cli.command(name="diff")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option("--format", "fmt", type=click.Choice(["sql", "text", "json"]), default="sql",
              show_default=True, help="Print the SQL from FROM to TO, the differences, or JSON.")
@click.option("--dialect", type=click.Choice(["sqlite", "postgresql", "mysql"]),
              help="Dialect for sides that have none (models, migrations).")
@click.option("--dev-db", help="A server to replay migrations on (a scratch database is "
                               "created there and dropped); default: AUTODIFF_DEV_DB or "
                               "dev_db in [tool.autodiff].")
@click.option("--no-cache", is_flag=True, help="Replay migrations even if cached.")
def diff_command(source: str, target: str, fmt: str, dialect: str | None, dev_db: str | None,
                 no_cache: bool) -> None:
    """Compare two schemas; exit 0 same, 1 different.

    \b
    FROM and TO are each one of:
      app.db, postgresql://...   a database (introspected)
      models:pkg.module:Base     SQLAlchemy models
      schema.json                a snapshot (autodiff snapshot > schema.json)
      migrations, migrations@3   a migrations folder at its head, or at version 3
    """
    settings = load_settings()
    result = api.schema_diff(source, target, dialect=dialect, dev_db=dev_db or settings.dev_db,
                             ignore=settings.ignore, use_cache=not no_cache)
    from autodiff.sources import render_diff

    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(render_diff(result, fmt), nl=False)
    sys.exit(0 if result.same else 1)


@cli.command()
@common_options
@click.option("--onto", metavar="REV", help="The branch to follow (default: origin/HEAD, "
                                             "origin/main, origin/master, main or master).")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--sum-only", is_flag=True, help="Only rewrite autodiff.sum from the scripts.")
def rebase(settings: Settings, onto: str | None, dry_run: bool, sum_only: bool) -> None:
    """Number this branch's new scripts after main's; regenerate those that no longer apply."""
    result = api.rebase(settings.migrations, settings.database() if settings.db else None,
                        settings.models, onto=onto, base_dir=settings.models_base,
                        ignore=settings.ignore, dry_run=dry_run, sum_only=sum_only,
                        out=sys.stderr)
    if dry_run:
        click.echo("Plan (--dry-run, nothing changed):")
    if not sum_only:
        for line in result.lines():
            click.echo(("  " if dry_run else "") + line)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.sum_path is not None:
        click.echo(f"Wrote {result.sum_path}")


@cli.command()
@common_options
@click.option("--to", "to", type=int, required=True,
              help="The version to return to: a script's number, or 0 for empty.")
@click.option("--yes", is_flag=True, help="Allow steps that can lose data.")
@click.option("--sql", is_flag=True, help="Print the downgrade's SQL; change nothing.")
@click.option("--no-cache", is_flag=True, help="Replay the migrations even if cached.")
@click.option("--lock-timeout", type=float, default=DEFAULT_LOCK_TIMEOUT, show_default=True,
              help="Seconds to wait for another run's lock.")
def downgrade(settings: Settings, to: int, yes: bool, sql: bool, no_cache: bool,
              lock_timeout: float) -> None:
    """Return the schema to version N: the live schema diffed with the replay up to N.

    Steps that can lose data need --yes (without it: the plan is shown, nothing runs,
    exit 2). The scripts above N are forgotten, so `upgrade` applies them again.
    """
    result = api.downgrade(settings.database(), settings.migrations, to, yes=yes, sql=sql,
                           ignore=settings.ignore, use_cache=not no_cache,
                           lock_timeout=lock_timeout, out=sys.stderr if sql else sys.stdout)
    if sql:
        click.echo(result.plan.sql(), nl=False)


@cli.command()
@common_options
@click.option("--base", help="Git revision to compare with (default: the merge base of HEAD "
                             "with origin/HEAD, origin/main, origin/master, main or master).")
@click.option("--fail-on", "fail_on", multiple=True,
              type=click.Choice(["destructive", "rewrite", "lock", "any"]),
              help="Exit 1 when a warning of this kind is found. Repeatable.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the Markdown to FILE instead of stdout.")
@click.option("--no-replay", is_flag=True,
              help="Do not replay earlier scripts to learn old column types.")
@click.option("--no-cache", is_flag=True, help="Replay the migrations even if cached.")
def review(settings: Settings, base: str | None, fail_on: tuple[str, ...],
           output: Path | None, no_replay: bool, no_cache: bool) -> None:
    """Markdown summary of the scripts added since a git revision, for a pull request."""
    result = api.review(settings.database(), settings.migrations, base,
                        replay=not no_replay, use_cache=not no_cache)
    if output is None:
        click.echo(result.markdown, nl=False)
    else:
        try:
            output.write_text(result.markdown, encoding="utf-8")
        except OSError as exc:
            raise AutodiffError(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(f"Wrote {output}", err=True)
    failing = result.failing(fail_on)
    if failing:
        click.echo(f"review: {len(failing)} warning(s) matching --fail-on "
                   f"{','.join(fail_on)}", err=True)
        sys.exit(1)


@cli.command()
@common_options
@click.option("--version", "version", type=click.IntRange(min=1),
              help="Claim this script's version (verified before it is marked).")
@click.option("--dry-run", is_flag=True, help="Verify and report; write and mark nothing.")
def enroll(settings: Settings, version: int | None, dry_run: bool) -> None:
    """Adopt an existing database: verify which version it is, then mark it.

    \b
    No scripts yet: writes 0001-initialize.sql from the database, proves a fresh
    database built from it is the same, and marks the database as version 1.
    Scripts: marks the version whose replayed schema equals the database's.
    fastmigrate (_meta) and Alembic (alembic_version, with --version N) are adopted.
    Exit codes: 0 enrolled, 1 no version matches (the differences are shown), 2 trouble.
    """
    from autodiff.enroll import summary

    result = api.enroll(settings.database(), settings.migrations, version=version,
                        ignore=settings.ignore, dry_run=dry_run, out=sys.stdout)
    for line in summary(result):
        click.echo(line)


def main() -> None:
    """Console-script entry point."""
    import gc

    from autodiff import aside

    # This process ends when the command does, and is nobody else's. Its objects (the
    # models, two schemas of every table) live until the end, so the cyclic collector
    # would mostly scan them again and again (105 collections, 41 ms of a warm
    # 1,000-table generate on a slow machine, for 436 objects in cycles); reference
    # counting still frees everything else. (The API leaves the collector alone.)
    gc.disable()
    aside.FORK = True
    try:
        cli(prog_name="autodiff")
    finally:
        # The interpreter's exit runs one full collection whatever the setting: over
        # every object never collected, here all of them (0.45 s of a warm 1,000-table
        # generate's exit). Frozen objects are left out of it; the process frees its
        # memory as it ends all the same.
        gc.freeze()
