"""The memo of canonical spellings: kept across runs, never wrong, never in the way."""

from __future__ import annotations

import json
import marshal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import memo
from autodiff.canonical import canonical_default, canonical_expression
from autodiff.normalize import normalize_default, normalize_expression

# Normalizes a default and a check in a new process, and says whether sqlglot was needed.
PROBE = """
import json, sys
from autodiff.normalize import normalize_default, normalize_expression
out = [normalize_default("postgresql", "now()", "timestamp with time zone"),
       normalize_default("mysql", "'0'", "varchar(10)"),
       normalize_expression("sqlite", "amount >= 0 AND (code <> '')"),
       normalize_expression("postgresql", "lower(name)", {"name": "text"})]
print(json.dumps([out, "sqlglot" in sys.modules]))
"""


def _probe(cache: Path) -> tuple[list[str | None], bool]:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          check=True, env={"XDG_CACHE_HOME": str(cache), "PATH": "/usr/bin"})
    out, imported = json.loads(done.stdout)
    return out, imported


def test_a_second_run_finds_its_spellings_without_sqlglot(tmp_path: Path) -> None:
    first, imported_first = _probe(tmp_path)
    second, imported_second = _probe(tmp_path)
    assert first == second == ["CURRENT_TIMESTAMP", "'0'",
                               '("amount" >= 0) AND ("code" <> \'\')', 'LOWER("name")']
    assert imported_first and not imported_second
    assert len(list((tmp_path / "autodiff").glob("memo-*.bin"))) == 1


def test_a_corrupt_memo_is_computed_again(tmp_path: Path) -> None:
    good, _ = _probe(tmp_path)
    (entry,) = (tmp_path / "autodiff").glob("memo-*.bin")
    for junk in (b"", b"\x00junk", marshal.dumps(("autodiff-memo-1", ["not", "a", "dict"]))):
        entry.write_bytes(junk)
        again, imported = _probe(tmp_path)
        assert again == good and imported


def test_a_remembered_spelling_is_not_computed_again(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(memo, "_MEMO", memo._Memo())
    calls: list[str] = []

    def work() -> str:
        calls.append("x")
        return "value"

    assert memo.computed(("test", "a"), work) == "value"
    assert memo.computed(("test", "a"), work) == "value"
    assert calls == ["x"]
    memo.save()
    monkeypatch.setattr(memo, "_MEMO", memo._Memo())  # a new process, as far as it knows
    assert memo.computed(("test", "a"), work) == "value"
    assert calls == ["x"]


def test_what_marshal_cannot_hold_is_used_but_not_kept(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    class Name(str):
        pass

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(memo, "_MEMO", memo._Memo())
    assert memo.computed(("test", Name("odd")), lambda: "v") == "v"
    memo.save()  # nothing to add, and no error
    assert not list((tmp_path / "autodiff").glob("memo-*.bin"))


def test_the_entry_is_named_after_the_code(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    before = memo.memo_file()
    monkeypatch.setattr(memo, "_SOURCES", (*memo._SOURCES, "memo.py"))
    assert memo.memo_file() != before


SPELLINGS = st.sampled_from([
    "0", "'0'", "now()", "CURRENT_TIMESTAMP", "true", "'abc'::character varying", "1.50",
    "(-5)", "lower(name)", "a >= 0 AND b <> ''", "x IN (1, 2)", "NOT (a = 1)",
    "CAST(5 AS INTEGER)", "a BETWEEN 1 AND 3", "'2020-01-01'", "nextval('s'::regclass)"])
TYPES = st.sampled_from([None, "integer", "numeric(12,2)", "boolean", "varchar(20)",
                         "timestamp", "date", "text"])


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["sqlite", "postgresql", "mysql"]), SPELLINGS, TYPES)
def test_the_memo_gives_what_computing_gives(dialect: str, text: str, type_: str | None) -> None:
    assert normalize_expression(dialect, text) == canonical_expression(dialect, text, ())
    direct = canonical_default(dialect, text, type_)
    via_memo = normalize_default(dialect, text, type_)
    if dialect != "mysql":  # MySQL's CURRENT_TIMESTAMP precision is applied after
        assert via_memo == direct
