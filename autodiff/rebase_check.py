"""Prove the branch's renumbered scripts on the new head; regenerate generated ones that fail.

REV's scripts and then the branch's, under their new names, are replayed into a scratch
database with the ordinary runner. The first of the branch's scripts that fails is
regenerated when it is the branch's last generated script (it was written from the same
models the branch has now, so generating again gives what it meant); an earlier
generated script cannot be, since later generated scripts were diffed against it.
When everything applies, the result is compared with the models through ``generate``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from autodiff.errors import ScriptFailed
from autodiff.head import scratch_database
from autodiff.runner import session
from autodiff.scripts import Script, discover

if TYPE_CHECKING:
    from autodiff.generate import Generated
    from autodiff.rebase import Move, Request


def settle(req: Request, main: list[Script], moves: list[Move], base: int,
           warnings: list[str]) -> None:
    """Regenerate what no longer applies (changing ``moves``); add warnings for the rest."""
    from autodiff.rebase import RebaseError, _number

    assert req.db is not None
    for _ in range(len(moves) + 1):
        _number(moves, base)
        live = [m for m in moves if not m.removed]
        failed = _first_failure(req, main, live)
        if failed is None:
            _compare_with_models(req, main, live, warnings)
            return
        move, error = failed
        later = [m for m in live[live.index(move) + 1:] if m.generated]
        if not move.generated or move.regenerated:
            warnings.append(f"{move.new} fails on the new head, fix it by hand: {error.message}")
            return
        if later:
            raise RebaseError(
                f"{move.old} no longer applies on {req.onto} and the generated "
                f"{later[0].old} was diffed against it: {error.message}",
                hint="delete this branch's generated scripts from that one on and run "
                     "`autodiff generate` once")
        _regenerate(req, main, live, move, warnings)


def _first_failure(req: Request, main: list[Script],
                   live: list[Move]) -> tuple[Move, ScriptFailed] | None:
    """The first of ``live`` that fails after REV's scripts, with its error."""
    from autodiff.rebase import RebaseError

    assert req.db is not None
    with _staged(main, live) as (_, scripts), scratch_database(req.db) as scratch, \
            session(scratch) as s:
        s.ensure_managed()
        version = 0
        for index, script in enumerate(scripts):
            try:
                s.apply(script, version)
            except ScriptFailed as exc:
                if index < len(main):
                    raise RebaseError(f"{req.onto}'s own {script.name} fails on "
                                      f"a fresh database: {exc.message}") from None
                return live[index - len(main)], exc
            version = script.version
    return None


def _compare_with_models(req: Request, main: list[Script], live: list[Move],
                         warnings: list[str]) -> None:
    """Regenerate the last script when it is generated and the models want more."""
    if req.models is None:
        warnings.append("no models configured: the scripts were only checked to apply on "
                        "the new head, not compared with the models")
        return
    wanted, _ = _generate(req, main, live, "rebase check", write=False)
    if not wanted.ops:
        return
    last = live[-1] if live else None
    if last is not None and last.generated and not last.regenerated:
        _regenerate(req, main, live, last, warnings)
        return
    warnings.append(f"the migrations do not give the models' schema on the new head "
                    f"({wanted.ops[0].describe()}): run `autodiff generate`")


def _regenerate(req: Request, main: list[Script], live: list[Move], move: Move,
                warnings: list[str]) -> None:
    from autodiff.rebase import RebaseError

    if req.models is None:
        raise RebaseError(f"{move.old} no longer applies on the new head and no models are "
                          "configured to regenerate it", hint="pass --models")
    result, text = _generate(req, main, live[:live.index(move)], move.message, write=True)
    move.regenerated = True
    if text is None:
        move.removed = True
        return
    move.text = text
    warnings += [f"{move.old}: {note}" for note in result.notes]


def _generate(req: Request, main: list[Script], live: list[Move], message: str,
              write: bool) -> tuple[Generated, bytes | None]:
    """``generate`` on a folder holding REV's scripts and ``live``: the result and new bytes."""
    from autodiff import api

    assert req.db is not None and req.models is not None
    with _staged(main, live) as (folder, _):
        result = api.generate(req.db, folder, req.models, message, base_dir=req.base_dir,
                              ignore=req.ignore, write=write, verify=write)
        text = result.path.read_bytes() if result.path is not None else None
    return result, text


@contextmanager
def _staged(main: list[Script], live: list[Move]) -> Iterator[tuple[Path, list[Script]]]:
    """A temporary migrations folder: REV's scripts, then ``live`` under their new names."""
    with tempfile.TemporaryDirectory(prefix="autodiff-rebase-") as tmp:
        folder = Path(tmp)
        for script in main:
            (folder / script.name).write_bytes(script.data)
        for move in live:
            (folder / move.new).write_bytes(move.data)
        yield folder, discover(folder)
