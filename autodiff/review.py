"""``autodiff review``: the scripts a branch adds, in words, with warnings, as Markdown.

Which scripts: those in the migrations folder added or changed since a git revision
(default: the merge base of HEAD with the main branch), uncommitted ones included. A
changed or removed old script is a red flag of its own. Every ``.sql`` script is read
statement by statement (:mod:`autodiff.lint`); ``.py`` and ``.sh`` are listed as opaque.
The old column types some rules need come from replaying the scripts before each one
(:func:`autodiff.head.head_schema`), when a database to replay into is at hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from functools import cached_property, partial
from pathlib import Path

from autodiff.database import Database
from autodiff.errors import AutodiffError
from autodiff.gitrepo import Git
from autodiff.lint import EDITED, FAILS, Change, Finding, lint_sql
from autodiff.model import Schema
from autodiff.safety import DESTRUCTIVE, LOCK, REWRITE
from autodiff.scripts import Script, discover
from autodiff.writer import generated_message

#: --fail-on choice -> the families it fails on.
FAIL_ON = {"destructive": {DESTRUCTIVE}, "rewrite": {REWRITE}, "lock": {LOCK},
           "any": {DESTRUCTIVE, REWRITE, LOCK, FAILS, EDITED}}
_STATUS = {"A": "added", "M": "modified", "T": "modified", "D": "removed"}
_KIND_NAMES = {"py": "Python script", "sh": "shell script"}
_SCRIPT_NAME = re.compile(r"^\d+-[^/]+\.(sql|py|sh)$")
SchemaBefore = Callable[[int], "Schema | None"]


@dataclass(frozen=True)
class ScriptReview:
    """One added, modified or removed script and what it does."""

    name: str
    kind: str
    status: str
    text: str | None = None  # the SQL of a .sql script still in the folder
    changes: tuple[Change, ...] = ()
    flags: tuple[Finding, ...] = ()  # about the script itself: edited or removed

    @property
    def generated(self) -> bool:
        """Whether ``generate`` wrote it (its header says so)."""
        return self.text is not None and generated_message(self.text) is not None

    @property
    def findings(self) -> list[Finding]:
        """Every warning, the script's own first."""
        return [*self.flags, *(f for c in self.changes for f in c.findings)]


@dataclass(frozen=True)
class Review:
    """The review of a branch's scripts; ``markdown`` is ready to paste into a PR."""

    base: str  # how the base was chosen, e.g. "`1a2b3c4` (merge base with origin/main)"
    dialect: str
    folder: str
    scripts: tuple[ScriptReview, ...]
    notes: tuple[str, ...] = ()

    @property
    def findings(self) -> list[tuple[str, Finding]]:
        """(script name, finding) for every warning, in script order."""
        return [(s.name, f) for s in self.scripts for f in s.findings]

    def failing(self, fail_on: Collection[str]) -> list[tuple[str, Finding]]:
        """The findings that ``--fail-on`` choices (destructive, rewrite, lock, any) fail on."""
        families = set().union(*(FAIL_ON[choice] for choice in fail_on)) if fail_on else set()
        return [(name, f) for name, f in self.findings if f.family in families]

    @cached_property
    def markdown(self) -> str:
        """The review as GitHub-flavoured Markdown."""
        return _render(self)


def review(db: Database, migrations: Path, base: str | None = None, replay: bool = True,
           use_cache: bool = True) -> Review:
    """Review the scripts in ``migrations`` added or changed since git revision ``base``."""
    sha, how = resolve_base(migrations, base)
    status = changed_scripts(migrations, sha)
    scripts = discover(migrations)
    notes: list[str] = []
    before = _replayer(db, scripts, use_cache, notes) if replay else None
    if not replay:
        notes.append("earlier scripts not replayed (--no-replay): old column types unknown")
    result = review_scripts(scripts, status, db.dialect, before, f"`{sha[:7]}` ({how})",
                            migrations.name)
    return replace(result, notes=tuple(notes))  # the replayer's notes arrive while linting


def review_scripts(scripts: list[Script], status: dict[str, str], dialect: str,
                   before: SchemaBefore | None, base: str, folder: str) -> Review:
    """Review the scripts named in ``status`` (name -> added/modified/removed). Pure but for
    ``before(i)``: the schema ``scripts[:i]`` produce, or None when unknown."""
    index = {s.name: i for i, s in enumerate(scripts)}
    reviewed = []
    for name in sorted(status, key=_version_key):
        if name not in index:
            reviewed.append(ScriptReview(name, name.rsplit(".", 1)[-1], "removed",
                                         flags=(_flag("removed-script", name),)))
            continue
        i = index[name]
        schema: SchemaBefore = before or (lambda _: None)
        reviewed.append(_review_one(scripts[i], status[name], dialect, partial(schema, i)))
    return Review(base, dialect, folder, tuple(reviewed))


def _review_one(script: Script, status: str, dialect: str,
                before: Callable[[], Schema | None]) -> ScriptReview:
    flags = (_flag("modified-script", script.name),) if status == "modified" else ()
    if script.kind != "sql":
        return ScriptReview(script.name, script.kind, status, flags=flags)
    text = script.text()
    return ScriptReview(script.name, "sql", status, text,
                        tuple(lint_sql(text, dialect, before)), flags)


def _flag(rule: str, name: str) -> Finding:
    if rule == "removed-script":
        return Finding(rule, f"{name} existed at the base and is gone: databases that applied "
                             "it no longer match the folder")
    return Finding(rule, f"{name} existed at the base and was changed: databases that applied "
                         "it refuse the new bytes (checksum), the others get another schema")


def _version_key(name: str) -> tuple[int, str]:
    digits = re.match(r"\d+", name)
    return (int(digits.group()) if digits else 0, name)


def _replayer(db: Database, scripts: list[Script], use_cache: bool,
              notes: list[str]) -> SchemaBefore:
    """``before(i)``: the head schema of ``scripts[:i]``, replayed once, None on trouble."""
    from autodiff.head import head_schema

    cache: dict[int, Schema | None] = {}

    def before(i: int) -> Schema | None:
        if i not in cache:
            if notes:  # one failed replay says enough; the others would fail alike
                return None
            try:
                cache[i] = head_schema(db, scripts[:i], use_cache)
            except AutodiffError as exc:
                notes.append(f"earlier scripts could not be replayed ({exc.message}): "
                             "old column types unknown")
                cache[i] = None
        return cache[i]

    return before


# -- git -----------------------------------------------------------------------------------
def resolve_base(folder: Path, base: str | None) -> tuple[str, str]:
    """(commit, how it was chosen) of the revision to compare with; GitError if none.

    Always the merge base with HEAD, as a pull request's diff is: comparing with the tip
    of a branch that moved on would list its newer scripts as removed here.
    """
    git = Git.find(folder)
    rev = git.resolve(base)
    return git.merge_base(rev), f"--base {base}" if base else f"merge base with {rev}"


def changed_scripts(folder: Path, sha: str) -> dict[str, str]:
    """Files directly in ``folder`` added, modified or removed since ``sha``, untracked
    ones included: name -> added / modified / removed."""
    git = Git.find(folder)
    rel = git.relative(folder)
    found = {name: _STATUS.get(code, "modified") for name, code in git.changed(sha, rel).items()}
    found.update((name, "added") for name in git.untracked(rel))
    return {p: s for p, s in found.items() if _SCRIPT_NAME.match(p)}


# -- Markdown ----------------------------------------------------------------------------
_FAMILY_WORDS = {DESTRUCTIVE: "destructive", REWRITE: "table rewrite", LOCK: "heavy lock",
                 FAILS: "will fail", EDITED: "edited script"}
_INLINE_LINES = 25  # longer SQL goes into a collapsed <details> block
_ESCAPE = re.compile(r"([\\`*\[\]<|]|(?<!\w)_|_(?!\w))")


def _render(review: Review) -> str:
    out = [_title(review), "", f"Scripts in `{review.folder}/` added or changed since "
                              f"{review.base}, reviewed for {review.dialect}.", ""]
    out += [f"> note: {_md(note)}" for note in review.notes]
    if review.notes:
        out.append("")
    if review.scripts:
        out += ["| script | status | changes | warnings |", "| --- | --- | --- | --- |"]
        out += [_row(s) for s in review.scripts]
        out.append("")
    for script in review.scripts:
        out += _section(script)
    return "\n".join(out).rstrip("\n") + "\n"


def _title(review: Review) -> str:
    if not review.scripts:
        return "## autodiff review: no new scripts"
    n = len(review.scripts)
    counts: dict[str, int] = {}
    for _, finding in review.findings:
        counts[finding.family] = counts.get(finding.family, 0) + 1
    words = [_plural(counts[f], _FAMILY_WORDS[f]) for f in _FAMILY_WORDS if f in counts]
    summary = ", ".join(words) if words else "no warnings"
    return f"## autodiff review: {_plural(n, 'script')}, {summary}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 or word.endswith(("fail", "destructive")) else f"{n} {word}s"


def _row(script: ScriptReview) -> str:
    changes = str(len(script.changes)) if script.kind == "sql" and script.text is not None \
        else "-" if script.status == "removed" else "opaque"
    n = len(script.findings)
    return f"| `{script.name}` | {script.status} | {changes} | {f'⚠️ {n}' if n else 'none'} |"


def _section(script: ScriptReview) -> list[str]:
    origin = ("generated" if script.generated else "hand-written") if script.kind == "sql" \
        else _KIND_NAMES.get(script.kind, script.kind)
    what = script.status if script.status == "removed" else f"{script.status}, {origin}"
    out = [f"### `{script.name}` ({what})", ""]
    out += [_warning(f, "- ") for f in script.flags]
    if script.status != "removed" and script.kind != "sql":
        out.append("- opaque: autodiff runs it but cannot see what it does; read it")
    for change in script.changes:
        out.append(f"- {_md(change.description)} (line {change.line})")
        out += [_warning(f, "  - ") for f in change.findings]
        if change.note:
            out.append(f"  - note: {_md(change.note)}")
    if script.status != "removed" and script.kind == "sql" and not script.changes:
        out.append("- no statements")
    out.append("")
    return out + (_sql_block(script.text) if script.text is not None else [])


def _warning(finding: Finding, indent: str) -> str:
    return f"{indent}⚠️ **{finding.family}** `{finding.rule}`: {_md(finding.message)}"


def _sql_block(text: str) -> list[str]:
    body = text.strip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    block = [f"{fence}sql", body, fence, ""]
    lines = body.count("\n") + 1
    if lines <= _INLINE_LINES:
        return block
    return [f"<details><summary>SQL ({lines} lines)</summary>", "", *block, "</details>", ""]


def _md(text: str) -> str:
    """``text`` with the characters Markdown would act on escaped (``_`` inside words kept)."""
    return _ESCAPE.sub(r"\\\1", text)
