"""The migrations folder: discovery, bad names, checksums, naming, the sum line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff.errors import ScriptsError
from autodiff.scripts import checksum, discover, next_script_path, slugify, sum_line


def touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_text("SELECT 1;\n")


def test_discovers_in_version_order_and_ignores_other_files(tmp_path: Path) -> None:
    touch(tmp_path, "0010-ten.sql", "0002-two.py", "0001-one.sh", "README.md", ".gitkeep",
          "helpers.py", "autodiff.sum")
    found = discover(tmp_path)
    assert [(s.version, s.kind) for s in found] == [(1, "sh"), (2, "py"), (10, "sql")]


def test_more_than_four_digits_are_fine(tmp_path: Path) -> None:
    touch(tmp_path, "0009-a.sql", "00010-b.sql", "12345-c.sql")
    assert [s.version for s in discover(tmp_path)] == [9, 10, 12345]


@pytest.mark.parametrize(("names", "message"), [
    (["0001-a.sql", "0001-b.py"], "two scripts have number 1: 0001-a.sql and 0001-b.py"),
    (["001-short.sql"], "malformed script name: 001-short.sql"),
    (["0001.sql"], "malformed script name: 0001.sql"),
    (["0001_init.sql"], "malformed script name: 0001_init.sql"),
    (["0000-zero.sql"], "script number must be positive: 0000-zero.sql"),
    (["0001-a.txt"], "unknown script type .txt: 0001-a.txt"),
])
def test_bad_folders_are_refused_naming_the_files(tmp_path: Path, names: list[str],
                                                  message: str) -> None:
    touch(tmp_path, *names)
    with pytest.raises(ScriptsError) as info:
        discover(tmp_path)
    assert str(info.value) == message


def test_unreadable_script_is_named(tmp_path: Path) -> None:
    (tmp_path / "0001-gone.sql").symlink_to(tmp_path / "nowhere.sql")
    with pytest.raises(ScriptsError, match=r"cannot read 0001-gone\.sql"):
        discover(tmp_path)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptsError, match="migrations folder not found") as info:
        discover(tmp_path / "missing")
    assert info.value.hint and "autodiff init" in info.value.hint


def test_non_utf8_script_is_named(tmp_path: Path) -> None:
    (tmp_path / "0001-latin1.sql").write_bytes("SELECT 'é';".encode("latin-1"))
    (script,) = discover(tmp_path)
    with pytest.raises(ScriptsError, match=r"0001-latin1\.sql is not valid UTF-8"):
        script.text()


@given(st.binary())
def test_crlf_checkout_is_not_an_edit(data: bytes) -> None:
    assert checksum(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")) == checksum(
        data.replace(b"\r\n", b"\n"))


def test_checksum_sees_a_real_edit() -> None:
    assert checksum(b"SELECT 1;\n") != checksum(b"SELECT 2;\n")


@pytest.mark.parametrize(("message", "slug"), [
    ("add age", "add-age"), ("Add Age!", "add-age"), ("  création  d'élève ", "creation-d-eleve"),
    ("!!!", "migration"), ("x" * 100, "x" * 60),
])
def test_slugify(message: str, slug: str) -> None:
    assert slugify(message) == slug


def test_next_script_path(tmp_path: Path) -> None:
    assert next_script_path(tmp_path, [], "init", "sql").name == "0001-init.sql"
    touch(tmp_path, "0009-a.sql")
    assert next_script_path(tmp_path, discover(tmp_path), "add age", "py").name == "0010-add-age.py"


def test_sum_line_names_head_and_changes_with_any_script(tmp_path: Path) -> None:
    touch(tmp_path, "0001-a.sql", "0002-b.sql")
    before = sum_line(discover(tmp_path))
    assert before.startswith("0002-b.sql h1:") and before.endswith("\n")
    (tmp_path / "0001-a.sql").write_text("SELECT 2;\n")
    assert sum_line(discover(tmp_path)) != before
    assert sum_line([]).startswith("- h1:")
