"""``autodiff rebase``: number a branch's new scripts after main's and rewrite the sum.

Run after ``git merge main`` (also mid-conflict) or during ``git rebase main``. The
branch's scripts are those in the working tree but not in REV's tree. They keep
their order and words and take the numbers after REV's highest. Each is then proven
on a scratch replay of REV's scripts: a generated one that no longer applies, or no
longer gives the models' schema, is regenerated against the new head; a hand-written
one is only renumbered, with a warning. Everything is worked out in temporary folders
first, so a refusal or ``--dry-run`` leaves the checkout untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from autodiff import versiontable
from autodiff.database import Database
from autodiff.errors import AutodiffError
from autodiff.gitrepo import Git
from autodiff.scripts import Script, checksum, discover, scan, write_sum
from autodiff.writer import generated_message

_NAME = re.compile(r"^(?P<number>\d{4,})-(?P<rest>.+\.(?:sql|py|sh))$")
_HEADER_NAME = re.compile(rb'^(-- |# |""")(\d{4,}-[^\s:]+\.(?:sql|py|sh)):')


class RebaseError(AutodiffError):
    """rebase cannot proceed safely; nothing was changed."""


@dataclass
class Move:
    """One of the branch's scripts and what rebase does with it."""

    old: str  # its file name now
    original: bytes  # the branch's bytes
    new: str = ""
    generated: bool = False
    message: str = ""
    conflicted: bool = False  # an add/add conflict with REV's file of the same name
    regenerated: bool = False
    removed: bool = False  # regenerated to nothing: REV already makes its changes
    text: bytes | None = None  # the regenerated script

    @property
    def data(self) -> bytes:
        """The bytes to write under the new name (its header names it)."""
        return renamed_header(self.original if self.text is None else self.text, self.new)

    @property
    def version(self) -> int:
        """The number it has now."""
        return int(self.old.split("-", 1)[0])


@dataclass
class Request:
    """Everything one rebase needs."""

    migrations: Path
    db: Database | None = None
    models: str | None = None
    base_dir: Path = field(default_factory=Path.cwd)
    ignore: tuple[str, ...] = ()
    onto: str | None = None
    dry_run: bool = False
    out: TextIO | None = None


@dataclass
class Rebased:
    """What rebase found and did (or, with ``dry_run``, would do)."""

    onto: str
    base: int  # REV's highest script number
    moves: list[Move]
    warnings: list[str] = field(default_factory=list)
    sum_path: Path | None = None
    dry_run: bool = False

    def lines(self) -> list[str]:
        """One line per script that moves, is regenerated or removed."""
        out = []
        for m in self.moves:
            if m.removed:
                out.append(f"{m.old}: removed ({self.onto} already makes its changes)")
            elif m.regenerated:
                out.append(f"{m.old} -> {m.new} (regenerated against the new head)")
            elif m.old != m.new or m.conflicted:
                out.append(f"{m.old} -> {m.new}")
        if not out:
            out.append(f"nothing to move: this branch's scripts already follow {self.onto}'s")
        return out


def rebase(req: Request) -> Rebased:
    """Renumber the branch's new scripts after REV's, regenerate stale generated ones."""
    git = Git.find(req.migrations)
    onto = git.resolve(req.onto)
    req = replace(req, onto=onto)
    rel = git.relative(req.migrations)
    theirs = git.tree_scripts(onto, rel)
    main = _main_scripts(git, onto, rel, theirs)
    moves = _branch_moves(git, onto, rel, theirs, req.migrations)
    base = max((s.version for s in main), default=0)
    _number(moves, base)
    applied = _applied(req.db)
    _refuse_applied([m for m in moves if m.old != m.new or m.conflicted], applied, req.db)
    result = Rebased(onto, base, moves, dry_run=req.dry_run)
    if req.db is None and moves:
        result.warnings.append("no database configured: the moved scripts were not checked "
                               "against the new head (pass --db)")
    elif req.db is not None and moves:
        from autodiff.rebase_check import settle

        if req.out is not None:
            req.out.write(f"Checking {len(moves)} script(s) on a scratch {req.db.dialect} "
                          f"replay of {onto}'s {len(main)}...\n")
        settle(req, main, moves, base, result.warnings)
        _refuse_applied([m for m in moves if m.regenerated or m.removed], applied, req.db)
    if not req.dry_run:
        _carry_out(git, req.migrations, onto, moves)
        result.sum_path = write_sum(req.migrations, discover(req.migrations))
        git.stage_if_tracked(result.sum_path)
    return result


def _main_scripts(git: Git, onto: str, rel: Path, theirs: dict[str, str]) -> list[Script]:
    """REV's scripts with REV's bytes (the checkout may hold conflict markers)."""
    blobs = git.blobs(list(theirs.values()))
    found = []
    for name, oid in theirs.items():
        match = _NAME.match(name)
        if match is not None:
            found.append(Script(int(match["number"]), Path(name), name.rsplit(".", 1)[1],
                                blobs[oid]))
    return sorted(found, key=lambda s: (s.version, s.name))


def _branch_moves(git: Git, onto: str, rel: Path, theirs: dict[str, str],
                  folder: Path) -> list[Move]:
    unmerged = {n: oids for n, oids in git.unmerged(rel).items() if _NAME.match(n)}
    for name, status in git.changed(onto, rel).items():
        if name in unmerged or not _NAME.match(name):
            continue
        if status == "D":
            raise RebaseError(f"{onto}'s {name} is not in this checkout",
                              hint=f"merge or rebase {onto} first (git merge {onto}), then "
                                   "run `autodiff rebase`")
        if status != "A" and name in theirs:
            raise RebaseError(f"{name} differs from {onto}'s: this branch edited a script "
                              f"{onto} already has",
                              hint=f"restore it (git checkout {onto} -- {rel / name}) and put "
                                   "the change in a new script")
    moves = [_move(s.name, s.data) for s in scan(folder) if s.name not in theirs]
    for name, oids in unmerged.items():
        mine = [oid for oid in oids if oid != theirs.get(name)]
        if name not in theirs or len(mine) != 1:
            raise RebaseError(f"{name} has a merge conflict rebase cannot read",
                              hint="resolve it by hand, then run `autodiff rebase`")
        moves.append(_move(name, git.blobs(mine)[mine[0]], conflicted=True))
    return sorted(moves, key=lambda m: (m.version, m.old))


def _move(name: str, data: bytes, conflicted: bool = False) -> Move:
    message = generated_message(data.decode("utf-8", "replace"))
    return Move(name, data, generated=message is not None, message=message or "",
                conflicted=conflicted)


def _number(moves: list[Move], base: int) -> None:
    """New names: REV's highest number plus one, in order; the words after it are kept."""
    number = base
    for m in moves:
        if m.removed:
            m.new = ""
            continue
        number += 1
        m.new = f"{number:04d}-{m.old.split('-', 1)[1]}"


def renamed_header(data: bytes, name: str) -> bytes:
    """The script with the file name in its first line (the writer's header) set to ``name``."""
    first, sep, rest = data.partition(b"\n")
    match = _HEADER_NAME.match(first)
    if match is None or not name:
        return data
    return first[:match.start(2)] + name.encode() + first[match.end(2):] + sep + rest


def _applied(db: Database | None) -> list[versiontable.Applied]:
    return (versiontable.recorded(db) or []) if db is not None else []


def _refuse_applied(moves: list[Move], applied: list[versiontable.Applied],
                    db: Database | None) -> None:
    for m in moves:
        for row in applied:
            if (row.name == m.old and not m.conflicted) or (
                    row.version == m.version and row.checksum == checksum(m.original)):
                assert db is not None
                raise RebaseError(
                    f"{m.old} is already applied to {db.display} (version {row.version}): "
                    "renumbering or regenerating it would break that database",
                    hint=f"roll that database back below {row.version} (or recreate it), or "
                         "pass --db for another one, then run `autodiff rebase` again")


def _carry_out(git: Git, folder: Path, onto: str, moves: list[Move]) -> None:
    """Rename, rewrite and stage; two steps when a new name is another script's old one."""
    olds = {m.old for m in moves if not m.conflicted}
    clash = any(m.new in olds and m.new != m.old for m in moves)
    parked: list[tuple[Move, Path]] = []
    for index, m in enumerate(moves):
        path = folder / m.old
        if m.conflicted:
            git.restore(onto, path)  # the name is REV's: its bytes go back, ours move on
            if not m.removed:
                parked.append((m, Path()))
            continue
        if m.removed:
            git.remove(path)
            continue
        target = folder / (f".autodiff-rebase-{index}.tmp" if clash else m.new)
        if target != path:
            git.move(path, target)
        parked.append((m, target))
    for m, at in parked:
        final = folder / m.new
        if at != final and at != Path():
            git.move(at, final)
        if m.conflicted or final.read_bytes() != m.data:
            final.write_bytes(m.data)
            git.stage_if_tracked(final, force=m.conflicted)
