"""What every part of the plan works from: the two schemas, renames, untouched objects.

Split from ``plan.py`` so the SQLite rebuilds (``plan_sqlite.py``) share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from autodiff import ops
from autodiff.depends import reads_from, view_order
from autodiff.diff import Renames
from autodiff.model import Schema, Trigger, View

T = TypeVar("T", View, Trigger)


@dataclass(frozen=True)
class Context:
    """The two schemas, and the current one as it is once the plan's renames have run."""

    current: Schema
    renamed: Schema
    desired: Schema

    @property
    def dialect(self) -> str:
        """The dialect the plan is for."""
        return self.desired.dialect


def renames_of(steps: Sequence[ops.Op]) -> Renames:
    """The renames among ``steps``, as diff takes them."""
    return Renames(
        tables={op.old: op.new for op in steps if isinstance(op, ops.RenameTable)},
        columns={(op.table, op.old): op.new for op in steps if isinstance(op, ops.RenameColumn)})


# -- views and triggers the plan leaves alone ----------------------------------------

def untouched(current: Iterable[T], desired: Iterable[T], steps: Sequence[ops.Op]) -> list[T]:
    """Objects the plan leaves alone: the same in both schemas and in no op."""
    touched = {op.view.name for op in steps if isinstance(op, ops.DropView | ops.CreateView)}
    touched |= {op.trigger.name for op in steps
                if isinstance(op, ops.DropTrigger | ops.CreateTrigger)}
    wanted = set(desired)
    return [o for o in current if o in wanted and o.name not in touched]


def views_reading(names: set[str], steps: Sequence[ops.Op], ctx: Context) -> list[View]:
    """Untouched views that read any of ``names``, and the views that read those, in order.

    Views are taken as they are once the renames have run (the database rewrites them,
    or on MySQL the plan creates them again), so ``names`` are names after the renames.
    """
    kept = untouched(ctx.renamed.views, ctx.desired.views, steps)
    names = set(names)
    found: dict[str, View] = {}
    grew = True
    while grew:
        grew = False
        for view in kept:
            if view.name not in found and any(reads_from(view, n, ctx.dialect) for n in names):
                found[view.name] = view
                names.add(view.name)
                grew = True
    return view_order(found.values(), ctx.dialect)
