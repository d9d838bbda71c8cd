"""Settings precedence and `init`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from autodiff.config import init_project, load_settings
from autodiff.errors import ConfigError


@pytest.fixture(autouse=True)
def no_env_db(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTODIFF_DB", raising=False)


def project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.autodiff]\n{table}")
    sub = tmp_path / "src" / "pkg"
    sub.mkdir(parents=True)
    return sub


def test_pyproject_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    sub = project(tmp_path, 'db = "data/app.db"\nmigrations = "db/migrations"\nmodels = "m:B"\n')
    settings = load_settings(cwd=sub)
    assert settings.database().path == tmp_path / "data" / "app.db"
    assert settings.migrations == tmp_path / "db" / "migrations"
    assert settings.models == "m:B"


def test_environment_then_flags_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = project(tmp_path, 'db = "app.db"\n')
    monkeypatch.setenv("AUTODIFF_DB", "env.db")
    assert load_settings(cwd=sub).database().path == sub / "env.db"
    assert load_settings(db="flag.db", migrations="m", cwd=sub).database().path == sub / "flag.db"
    assert load_settings(migrations="m", cwd=sub).migrations == sub / "m"


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    settings = load_settings(cwd=tmp_path)
    assert settings.migrations == tmp_path / "migrations" and settings.pyproject is None
    with pytest.raises(ConfigError, match="no database configured"):
        settings.database()


@pytest.mark.parametrize(("table", "message"), [
    ('dbb = "x"\n', "unknown key(s) in [tool.autodiff]"),
    ("db = 3\n", "db must be a string"),
    ('ignore = "x*"\n', "ignore must be a list"),
])
def test_bad_config_is_named(tmp_path: Path, table: str, message: str) -> None:
    project(tmp_path, table)
    with pytest.raises(ConfigError) as info:
        load_settings(cwd=tmp_path).database()
    assert message in str(info.value)


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.autodiff\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(cwd=tmp_path)


def test_init_appends_to_an_existing_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    done = init_project(tmp_path, 'po"stgres://x', None, None)
    assert done == ["added [tool.autodiff] to pyproject.toml", "created migrations/"]
    parsed = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert parsed["project"] == {"name": "app"}
    assert parsed["tool"]["autodiff"] == {"db": 'po"stgres://x', "migrations": "migrations"}
    assert '# dev_db = "postgresql://' in (tmp_path / "pyproject.toml").read_text()
    again = init_project(tmp_path, "other.db", None, None)
    assert again[0] == "pyproject.toml already has [tool.autodiff]; left as it is"
    assert tomllib.loads((tmp_path / "pyproject.toml").read_text()) == parsed
