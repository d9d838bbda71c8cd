"""Settings: ``[tool.autodiff]`` in pyproject.toml, then AUTODIFF_DB and AUTODIFF_DEV_DB,
then flags.

Paths in pyproject.toml are relative to the file; paths given as flags or in the
environment are relative to the working directory, as users expect of any CLI.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autodiff.database import Database, parse_database, with_dev_db
from autodiff.errors import ConfigError

DEFAULT_MIGRATIONS = "migrations"


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one command."""

    db: str | None
    migrations: Path
    models: str | None
    ignore: tuple[str, ...]
    pyproject: Path | None
    db_base: Path
    models_base: Path
    dev_db: str | None = None

    def require_models(self) -> str:
        """The configured models spec; ConfigError if none is configured."""
        if not self.models:
            raise ConfigError("no models configured",
                              hint="pass --models package.module:Base or set models in "
                                   "[tool.autodiff]")
        return self.models

    def database(self) -> Database:
        """The configured database, parsed; ConfigError if none is configured."""
        if not self.db:
            raise ConfigError("no database configured",
                              hint="pass --db, set AUTODIFF_DB, or set db in [tool.autodiff]")
        return with_dev_db(parse_database(self.db, self.db_base), self.dev_db)


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.autodiff] table."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "autodiff" in _read_toml(candidate).get("tool", {}):
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


def load_settings(db: str | None = None, migrations: str | None = None,
                  models: str | None = None, cwd: Path | None = None,
                  dev_db: str | None = None) -> Settings:
    """Merge pyproject.toml, the environment and flags (later wins)."""
    cwd = cwd or Path.cwd()
    pyproject = find_pyproject(cwd)
    table: dict[str, Any] = {}
    root = cwd
    if pyproject is not None:
        table = _read_toml(pyproject)["tool"]["autodiff"]
        root = pyproject.parent
        _check_keys(table, pyproject)
    db_base = root
    chosen_db = _string(table, "db")
    if os.environ.get("AUTODIFF_DB"):
        chosen_db, db_base = os.environ["AUTODIFF_DB"], cwd
    if db:
        chosen_db, db_base = db, cwd
    folder = cwd / migrations if migrations else root / (_string(table, "migrations")
                                                           or DEFAULT_MIGRATIONS)
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(p, str) for p in ignore):
        raise ConfigError("[tool.autodiff] ignore must be a list of glob patterns")
    models_base = cwd if models else root
    chosen_dev_db = dev_db or os.environ.get("AUTODIFF_DEV_DB") or _string(table, "dev_db")
    return Settings(chosen_db, folder, models or _string(table, "models"), tuple(ignore),
                    pyproject, db_base, models_base, chosen_dev_db)


_KEYS = {"db", "migrations", "models", "ignore", "dev_db"}


def _check_keys(table: dict[str, Any], path: Path) -> None:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"unknown key(s) in [tool.autodiff] of {path}: {', '.join(unknown)}",
                          hint=f"known keys: {', '.join(sorted(_KEYS))}")


def _string(table: dict[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"[tool.autodiff] {key} must be a string")
    return value


def init_project(cwd: Path, db: str | None, migrations: str | None,
                 models: str | None) -> list[str]:
    """Create the migrations folder and the [tool.autodiff] table; returns what was done."""
    done: list[str] = []
    pyproject = cwd / "pyproject.toml"
    existing = _read_toml(pyproject) if pyproject.exists() else {}
    folder_name = migrations or DEFAULT_MIGRATIONS
    if "autodiff" in existing.get("tool", {}):
        done.append(f"{pyproject.name} already has [tool.autodiff]; left as it is")
        folder_name = existing["tool"]["autodiff"].get("migrations", folder_name)
    else:
        section = _section(db, folder_name, models)
        text = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
        sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        pyproject.write_text(text + sep + section, encoding="utf-8")
        done.append(f"added [tool.autodiff] to {pyproject.name}")
    folder = cwd / folder_name
    if folder.is_dir():
        done.append(f"{folder_name}/ exists")
    else:
        folder.mkdir(parents=True)
        done.append(f"created {folder_name}/")
    return done


def _section(db: str | None, migrations: str, models: str | None) -> str:
    def line(key: str, value: str | None, example: str) -> str:
        # json.dumps yields a valid TOML basic string for any text.
        return f"{key} = {json.dumps(value)}" if value else f"# {key} = {json.dumps(example)}"
    return "\n".join([
        "[tool.autodiff]",
        line("db", db, "app.db") + "  # a SQLite path or a URL; AUTODIFF_DB overrides",
        line("migrations", migrations, DEFAULT_MIGRATIONS),
        line("models", models, "myapp.models:Base"),
        line("dev_db", None, "postgresql://postgres@localhost:5433/postgres")
        + "  # PostgreSQL/MySQL: scratch databases elsewhere",
        "",
    ])
