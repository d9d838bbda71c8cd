"""Branches that both add scripts: the sum conflicts in git, `autodiff rebase` repairs it.

Every test builds a real git repository in a temporary folder and runs autodiff as a
subprocess, as a developer would after `git merge main` or during `git rebase main`.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

from helpers import run_cli, write

from autodiff import api
from autodiff.database import Database
from autodiff.introspect import introspect
from autodiff.rebase import renamed_header
from autodiff.scripts import discover, write_sum
from autodiff.sumfile import sum_status, sum_status_of

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_EDITOR": "true"}

MODELS = """
    from sqlalchemy import Integer, String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Student(Base):
        __tablename__ = "{table}"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
"""


def git(repo: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV},
                          capture_output=True, text=True, check=False)
    assert not ok or proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc


def autodiff(repo: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    proc = run_cli(*args, cwd=repo, env=GIT_ENV)
    assert proc.returncode == code, (args, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc


def models(repo: Path, *columns: str, table: str = "students") -> None:
    body = "".join(f"    {c}: Mapped[int | None] = mapped_column(Integer)\n" for c in columns)
    (repo / "models.py").write_text(textwrap.dedent(MODELS).format(table=table) + body)


def start(tmp_path: Path, db: Database | None = None) -> Path:
    """A repository on main with one script and its sum committed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    config = f'db = "{db.spec}"\n' if db is not None else ""
    (repo / "pyproject.toml").write_text(f'[tool.autodiff]\n{config}models = "models.py:Base"\n')
    models(repo)
    if db is not None:
        (repo / "migrations").mkdir()
        autodiff(repo, "generate", "-m", "create students", "--no-input")
    else:
        write(repo / "migrations", "0001-init.sql", "CREATE TABLE t (id INTEGER);\n")
        write_sum(repo / "migrations", discover(repo / "migrations"))
    commit(repo, "init")
    return repo


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def names(repo: Path) -> list[str]:
    return sorted(p.name for p in (repo / "migrations").iterdir() if p.name[0].isdigit())


def conflicted(repo: Path) -> list[str]:
    return git(repo, "diff", "--name-only", "--diff-filter=U").stdout.split()


def hand_written(repo: Path, branch: str, message: str, sql: str) -> None:
    git(repo, "checkout", "-q", branch)
    path = Path(autodiff(repo, "generate", "--empty", "-m", message).stdout.split()[-1])
    path.write_text(path.read_text() + sql)
    write_sum(repo / "migrations", discover(repo / "migrations"))
    commit(repo, message)


def diverge(repo: Path) -> None:
    """main and feature each add a hand-written 0002 script."""
    git(repo, "branch", "feature")
    hand_written(repo, "main", "add a", "CREATE TABLE a (id INTEGER);\n")
    hand_written(repo, "feature", "add b", "CREATE TABLE b (id INTEGER);\n")


# -- the sum --------------------------------------------------------------------------
def test_two_branches_adding_scripts_conflict_on_the_sum(tmp_path: Path) -> None:
    repo = start(tmp_path)
    diverge(repo)
    merge = git(repo, "merge", "main", ok=False)
    assert merge.returncode != 0 and "CONFLICT" in merge.stdout
    assert conflicted(repo) == ["migrations/autodiff.sum"]
    assert names(repo) == ["0001-init.sql", "0002-add-a.sql", "0002-add-b.sql"]
    status = sum_status(repo / "migrations", [])
    assert status.state == "conflicted" and "autodiff rebase" in (status.hint or "")


def test_sum_states(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "0001-a.sql", "SELECT 1;\n")
    scripts = discover(folder)
    assert sum_status(folder, scripts).state == "missing"
    assert sum_status_of(None, []).current
    write_sum(folder, scripts)
    assert sum_status(folder, scripts).current
    write(folder, "0002-b.sql", "SELECT 2;\n")
    stale = sum_status(folder, discover(folder))
    assert stale.state == "stale" and "0001-a.sql" in stale.message
    assert "0002-b.sql" in stale.message and "--sum-only" in (stale.hint or "")
    write(folder, "0001-a.sql", "SELECT 10;\n")
    write_sum(folder, discover(folder))
    write(folder, "0001-a.sql", "SELECT 1;\n")
    edited = sum_status(folder, discover(folder))
    assert edited.state == "stale" and "edited" in edited.message
    assert sum_status_of("garbage\n", discover(folder)).state == "stale"
    api.rebase(folder, sum_only=True)
    assert sum_status(folder, discover(folder)).current


def test_sum_only_needs_no_git(tmp_path: Path) -> None:
    write(tmp_path / "migrations", "0001-a.sql", "SELECT 1;\n")
    out = autodiff(tmp_path, "rebase", "--sum-only").stdout
    assert "autodiff.sum" in out
    folder = tmp_path / "migrations"
    assert sum_status(folder, discover(folder)).current


# -- renumbering -------------------------------------------------------------------------
def test_rebase_after_a_conflicted_merge_renumbers_and_resolves(tmp_path: Path) -> None:
    repo = start(tmp_path)
    diverge(repo)
    git(repo, "merge", "main", ok=False)
    dry = autodiff(repo, "rebase", "--dry-run").stdout
    assert "0002-add-b.sql -> 0003-add-b.sql" in dry
    assert names(repo) == ["0001-init.sql", "0002-add-a.sql", "0002-add-b.sql"]
    proc = autodiff(repo, "rebase")
    assert "0002-add-b.sql -> 0003-add-b.sql" in proc.stdout
    assert "no database configured" in proc.stderr
    assert names(repo) == ["0001-init.sql", "0002-add-a.sql", "0003-add-b.sql"]
    assert (repo / "migrations/0003-add-b.sql").read_text().startswith("-- 0003-add-b.sql: add b")
    assert conflicted(repo) == []
    staged = git(repo, "status", "--porcelain").stdout
    assert "R  migrations/0002-add-b.sql -> migrations/0003-add-b.sql" in staged
    git(repo, "commit", "-q", "--no-edit")
    assert sum_status(repo / "migrations", discover(repo / "migrations")).current
    again = autodiff(repo, "rebase").stdout
    assert "nothing to move" in again


def test_rebase_in_the_middle_of_git_rebase(tmp_path: Path) -> None:
    repo = start(tmp_path)
    diverge(repo)
    hand_written(repo, "feature", "add c", "CREATE TABLE c (id INTEGER);\n")
    assert git(repo, "rebase", "main", ok=False).returncode != 0
    autodiff(repo, "rebase")
    again = git(repo, "rebase", "--continue", ok=False)  # the next commit: the sum again
    assert again.returncode != 0 and "add c" in again.stderr
    assert conflicted(repo) == ["migrations/autodiff.sum"]
    assert "0003-add-c.sql -> 0004-add-c.sql" in autodiff(repo, "rebase").stdout
    git(repo, "rebase", "--continue")
    assert names(repo) == ["0001-init.sql", "0002-add-a.sql", "0003-add-b.sql",
                           "0004-add-c.sql"]
    assert git(repo, "status", "--porcelain").stdout == ""


def test_same_file_name_on_both_branches(tmp_path: Path) -> None:
    repo = start(tmp_path)
    git(repo, "branch", "feature")
    hand_written(repo, "main", "add x", "CREATE TABLE a (id INTEGER);\n")
    hand_written(repo, "feature", "add x", "CREATE TABLE b (id INTEGER);\n")
    git(repo, "merge", "main", ok=False)
    assert "migrations/0002-add-x.sql" in conflicted(repo)
    assert "0002-add-x.sql -> 0003-add-x.sql" in autodiff(repo, "rebase").stdout
    assert conflicted(repo) == []
    assert "TABLE a" in (repo / "migrations/0002-add-x.sql").read_text()
    assert "TABLE b" in (repo / "migrations/0003-add-x.sql").read_text()


def test_new_names_that_are_old_names_of_others(tmp_path: Path) -> None:
    repo = start(tmp_path)
    git(repo, "branch", "feature")
    hand_written(repo, "main", "add x", "CREATE TABLE x (id INTEGER);\n")
    hand_written(repo, "feature", "c", "CREATE TABLE c1 (id INTEGER);\n")
    hand_written(repo, "feature", "c", "CREATE TABLE c2 (id INTEGER);\n")
    git(repo, "merge", "main", ok=False)
    out = autodiff(repo, "rebase").stdout
    assert "0002-c.sql -> 0003-c.sql" in out and "0003-c.sql -> 0004-c.sql" in out
    assert "c1" in (repo / "migrations/0003-c.sql").read_text()
    assert "c2" in (repo / "migrations/0004-c.sql").read_text()
    assert names(repo) == ["0001-init.sql", "0002-add-x.sql", "0003-c.sql", "0004-c.sql"]
    assert not list((repo / "migrations").glob(".autodiff-*"))
    git(repo, "commit", "-q", "--no-edit")
    assert git(repo, "status", "--porcelain").stdout == ""


def test_renamed_header_only_touches_the_name() -> None:
    assert renamed_header(b"-- 0002-a.sql: a\nx\n", "0005-a.sql") == b"-- 0005-a.sql: a\nx\n"
    assert renamed_header(b'"""0002-a.py: a\n', "0003-a.py") == b'"""0003-a.py: a\n'
    assert renamed_header(b"SELECT 1;\n", "0003-a.sql") == b"SELECT 1;\n"


# -- refusals ---------------------------------------------------------------------------
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    write(plain / "migrations", "0001-a.sql", "SELECT 1;\n")
    assert "not a git repository" in autodiff(plain, "rebase", code=2).stderr
    repo = start(tmp_path)
    assert "unknown git revision: nope" in autodiff(repo, "rebase", "--onto", "nope", code=2).stderr
    git(repo, "branch", "-m", "main", "trunk")
    assert "no main branch found" in autodiff(repo, "rebase", code=2).stderr
    git(repo, "branch", "-m", "trunk", "main")
    git(repo, "branch", "feature")
    hand_written(repo, "main", "add a", "CREATE TABLE a (id INTEGER);\n")
    git(repo, "checkout", "-q", "feature")
    unmerged = autodiff(repo, "rebase", code=2).stderr
    assert "main's 0002-add-a.sql is not in this checkout" in unmerged
    assert "git merge main" in unmerged
    git(repo, "merge", "-q", "main")
    (repo / "migrations/0001-init.sql").write_text("SELECT 2;\n")
    edited = autodiff(repo, "rebase", code=2).stderr
    assert "0001-init.sql differs from main's" in edited


# -- with a database: regenerate, refuse, upgrade -------------------------------------------
def branch_with_age(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    models(repo, "age")
    autodiff(repo, "generate", "-m", "add age", "--no-input")
    commit(repo, "add age")


def merge_main(repo: Path, *columns: str, table: str = "students") -> None:
    """Merge main into feature, resolving models.py as the developer would."""
    git(repo, "merge", "main", ok=False)
    models(repo, *columns, table=table)
    git(repo, "add", "models.py")


def columns_of(db: Database, table: str) -> list[str]:
    found = introspect(db).table(table)
    assert found is not None
    return [c.name for c in found.columns]


def test_generated_script_that_still_applies_is_only_moved(fresh_db: Database,
                                                           tmp_path: Path) -> None:
    repo = start(tmp_path, fresh_db)
    branch_with_age(repo)
    git(repo, "checkout", "-q", "main")
    models(repo, "nick")
    autodiff(repo, "generate", "-m", "add nick", "--no-input")
    commit(repo, "add nick")
    git(repo, "checkout", "-q", "feature")
    merge_main(repo, "nick", "age")
    out = autodiff(repo, "rebase").stdout
    assert "0002-add-age.sql -> 0003-add-age.sql" in out and "regenerated" not in out
    git(repo, "commit", "-q", "--no-edit")
    autodiff(repo, "upgrade")
    assert columns_of(fresh_db, "students") == ["id", "name", "nick", "age"]
    assert "No changes" in autodiff(repo, "generate", "-m", "x", "--no-input").stdout


def test_script_on_a_renamed_table_is_regenerated(fresh_db: Database, tmp_path: Path) -> None:
    repo = start(tmp_path, fresh_db)
    branch_with_age(repo)
    git(repo, "checkout", "-q", "main")
    models(repo, table="pupils")
    autodiff(repo, "generate", "-m", "rename students", "--rename", "students=pupils",
             "--no-input")
    commit(repo, "rename")
    git(repo, "checkout", "-q", "feature")
    merge_main(repo, "age", table="pupils")
    proc = autodiff(repo, "rebase")
    assert "0002-add-age.sql -> 0003-add-age.sql (regenerated against the new head)" \
        in proc.stdout
    text = (repo / "migrations/0003-add-age.sql").read_text()
    assert text.startswith("-- 0003-add-age.sql: add age") and "pupils" in text
    git(repo, "commit", "-q", "--no-edit")
    autodiff(repo, "upgrade")
    assert columns_of(fresh_db, "pupils") == ["id", "name", "age"]
    assert "No changes" in autodiff(repo, "generate", "-m", "x", "--no-input").stdout


def test_script_main_already_made_is_removed(fresh_db: Database, tmp_path: Path) -> None:
    repo = start(tmp_path, fresh_db)
    branch_with_age(repo)
    git(repo, "checkout", "-q", "main")
    models(repo, "age")
    autodiff(repo, "generate", "-m", "age too", "--no-input")
    commit(repo, "age too")
    git(repo, "checkout", "-q", "feature")
    merge_main(repo, "age")
    assert "0002-add-age.sql: removed" in autodiff(repo, "rebase").stdout
    assert names(repo) == ["0001-create-students.sql", "0002-age-too.sql"]
    git(repo, "commit", "-q", "--no-edit")
    autodiff(repo, "upgrade")
    assert columns_of(fresh_db, "students") == ["id", "name", "age"]


def test_a_script_applied_to_the_database_is_not_moved(fresh_db: Database,
                                                       tmp_path: Path) -> None:
    repo = start(tmp_path, fresh_db)
    branch_with_age(repo)
    autodiff(repo, "upgrade")
    git(repo, "checkout", "-q", "main")
    models(repo, "nick")
    autodiff(repo, "generate", "-m", "add nick", "--no-input")
    commit(repo, "add nick")
    git(repo, "checkout", "-q", "feature")
    merge_main(repo, "nick", "age")
    err = autodiff(repo, "rebase", code=2).stderr
    assert "0002-add-age.sql is already applied" in err and "would break" in err
    assert names(repo) == ["0001-create-students.sql", "0002-add-age.sql", "0002-add-nick.sql"]


def test_hand_written_script_that_fails_is_moved_with_a_warning(fresh_db: Database,
                                                                tmp_path: Path) -> None:
    repo = start(tmp_path, fresh_db)
    git(repo, "branch", "feature")
    models(repo, table="pupils")
    autodiff(repo, "generate", "-m", "rename students", "--rename", "students=pupils",
             "--no-input")
    commit(repo, "rename")
    hand_written(repo, "feature", "fill names", "UPDATE students SET name = 'x';\n")
    merge_main(repo, table="pupils")
    proc = autodiff(repo, "rebase")
    assert "0002-fill-names.sql -> 0003-fill-names.sql" in proc.stdout
    assert "warning: 0003-fill-names.sql fails on the new head" in proc.stderr
