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
    """--db, --migrations and --models on every command, resolved into ``settings``."""

    @click.option("--db", help="SQLite path or database URL (overrides config and AUTODIFF_DB).")
    @click.option("--migrations", help="The migrations folder (default: migrations).")
    @click.option("--models", help="Models as package.module:attr or path/file.py:attr.")
    @functools.wraps(func)
    def wrapper(db: str | None, migrations: str | None, models: str | None,
                **kwargs: Any) -> Any:
        settings = load_settings(db=db, migrations=migrations, models=models)
        return func(settings, **kwargs)

    return wrapper  # type: ignore[return-value]


class Group(click.Group):
    """Turns AutodiffError into one line plus a hint on stderr and its exit code."""

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
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


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
@click.option("--no-cache", is_flag=True, help="Replay the migrations even if cached.")
@click.option("--no-input", is_flag=True, help="Never ask whether a drop+add is a rename.")
def generate(settings: Settings, message: str, renames: tuple[str, ...], empty: bool, ext: str,
             sql: bool, from_db: bool, no_verify: bool, no_cache: bool, no_input: bool) -> None:
    """Write the next migration script from the models (diffed against the head schema)."""
    from autodiff.generate import parse_renames  # not at the top: upgrade starts faster

    if empty:
        click.echo(f"Wrote {api.generate_empty(settings.migrations, message, ext)}")
        return
    ask = None if no_input or not sys.stdin.isatty() else _confirm
    result = api.generate(
        settings.database(), settings.migrations, settings.require_models(), message,
        parse_renames(renames), base_dir=settings.models_base, ask=ask, ignore=settings.ignore,
        from_db=from_db, use_cache=not no_cache, verify=not no_verify, write=not sql,
        out=sys.stderr if sql else sys.stdout)
    _echo_generated(result, sql)


def _confirm(question: str) -> bool:
    return click.confirm(question, default=False, err=True)


def _echo_generated(result: Generated, sql: bool) -> None:
    from autodiff.generate import describe_ops

    out_err = sql  # with --sql the script alone goes to stdout
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="autodiff")
