"""Is ``migrations/autodiff.sum`` current? The answer ``check`` reports, and how to refresh it.

The sum is one line (the head script and a hash chain over every script, DESIGN section 3)
so that two branches that each add a script both change it and git stops the merge.
A stale sum never stops ``upgrade``: it only means someone added or edited a script
without ``autodiff generate``, and the next branch merged would not be warned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from autodiff.scripts import SUM_FILE, Script, discover, sum_line, write_sum

State = Literal["current", "stale", "missing", "conflicted"]

REFRESH = "autodiff rebase --sum-only"
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>")


@dataclass(frozen=True)
class SumStatus:
    """What ``autodiff.sum`` says against the scripts: a state, one line and a hint."""

    state: State
    message: str
    hint: str | None = None
    recorded: str | None = None  # the sum's line as found, None when missing
    expected: str = ""  # the line the scripts give

    @property
    def current(self) -> bool:
        """True when nothing needs doing."""
        return self.state == "current"


def sum_status(folder: Path, scripts: list[Script]) -> SumStatus:
    """Read ``folder/autodiff.sum`` and compare it with ``scripts`` (as ``discover`` gives them)."""
    path = folder / SUM_FILE
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        text = None
    return sum_status_of(text, scripts)


def sum_status_of(text: str | None, scripts: list[Script]) -> SumStatus:
    """The pure part of :func:`sum_status`: ``text`` is the sum file's content or None."""
    expected = sum_line(scripts).strip()
    if text is None:
        if not scripts:
            return SumStatus("current", f"{SUM_FILE} not needed yet (no scripts)",
                             expected=expected)
        return SumStatus("missing", f"{SUM_FILE} is missing",
                         hint=f"run `{REFRESH}` and commit it, so that branches adding "
                              "scripts conflict in git", expected=expected)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if any(line.startswith(_CONFLICT_MARKERS) for line in lines):
        return SumStatus("conflicted", f"{SUM_FILE} has a merge conflict: both branches "
                                       "added migration scripts",
                         hint="run `autodiff rebase` to number this branch's scripts after "
                              "main's and rewrite the sum", recorded=text, expected=expected)
    recorded = lines[0] if len(lines) == 1 else text
    if recorded == expected:
        head = scripts[-1].name if scripts else "no scripts"
        return SumStatus("current", f"{SUM_FILE} is current (head {head})", recorded=recorded,
                         expected=expected)
    return SumStatus("stale", f"{SUM_FILE} is stale: {_why(recorded, scripts)}",
                     hint=f"run `{REFRESH}` and commit {SUM_FILE}", recorded=recorded,
                     expected=expected)


def _why(recorded: str, scripts: list[Script]) -> str:
    named = recorded.split(" ", 1)[0] if " h1:" in recorded else None
    head = scripts[-1].name if scripts else None
    if named is None:
        return "it is not a sum line"
    if named != (head or "-"):
        return (f"it names {named} as the head, the scripts end at {head or 'nothing'} "
                "(a script added, renamed or removed without `autodiff generate`)")
    return f"a script up to {head} was added, edited or removed since it was written"


def refresh_sum(folder: Path) -> Path:
    """Rewrite ``folder/autodiff.sum`` from the scripts; ScriptsError if they are inconsistent."""
    return write_sum(folder, discover(folder))
