"""The command line: parse options, call one API function, print the result."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from autodiff import api
from autodiff.config import Settings, init_project, load_settings
from autodiff.errors import AutodiffError
from autodiff.runner import DEFAULT_LOCK_TIMEOUT

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
