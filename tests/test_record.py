"""autodiff.record: frozen, slotted records with shared methods (the ops' base)."""

from __future__ import annotations

import copy
import pickle
import re
from dataclasses import FrozenInstanceError, field
from pathlib import Path
from typing import ClassVar

import pytest

from autodiff import ops
from autodiff.model import Column
from autodiff.record import Record


class Base(Record):
    table: str
    kind: ClassVar[str] = "base"  # a class variable, not a field


class Change(Base):
    column: str
    note: str | None = field(default=None, compare=False)
    tags: frozenset[str] = field(default_factory=frozenset)


class Other(Base):
    column: str


def test_fields_come_from_annotations_bases_first() -> None:
    change = Change("students", "age", tags=frozenset({"x"}))
    assert (change.table, change.column, change.note, change.tags) == \
        ("students", "age", None, frozenset({"x"}))
    assert Change(column="age", table="students").tags == frozenset()
    assert Change.__match_args__ == ("table", "column", "note", "tags")
    assert Change.kind == "base"
    match change:
        case Change(table, column):
            assert (table, column) == ("students", "age")


def test_equality_and_hash_leave_out_uncompared_fields() -> None:
    a, b = Change("t", "c", note="one"), Change("t", "c", note="two")
    assert a == b and hash(a) == hash(b)
    assert a != Change("t", "d")
    assert a != Other("t", "c")  # another class is never equal
    assert len({a, b, Change("t", "d")}) == 2


def test_records_are_frozen_and_slotted() -> None:
    change = Change("t", "c")
    with pytest.raises(FrozenInstanceError):
        change.column = "d"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del change.column
    assert not hasattr(change, "__dict__")
    assert repr(change) == "Change(table='t', column='c', note=None, tags=frozenset())"


def test_copies_and_pickles_go_through_the_constructor() -> None:
    change = Change("t", "c", note="kept", tags=frozenset({"x"}))
    for again in (copy.copy(change), copy.deepcopy(change), pickle.loads(pickle.dumps(change))):
        assert again == change and again.note == "kept"


@pytest.mark.parametrize("make, message", [  # what mypy refuses too
    (lambda: Change("t"), "missing 'column'"),  # type: ignore[call-arg]
    (lambda: Change("t", "c", None, frozenset(), "x"),  # type: ignore[call-arg]
     "takes 4 arguments, 5 given"),
    (lambda: Change("t", "c", table="u"), "two values for 'table'"),  # type: ignore[misc]
    (lambda: Change("t", "c", colour="red"), "unknown 'colour'"),  # type: ignore[call-arg]
])
def test_wrong_arguments_are_refused_as_a_call_would_be(make: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make()  # type: ignore[operator]


def test_a_required_field_after_a_defaulted_one_is_refused() -> None:
    with pytest.raises(TypeError, match="'late' without a default follows one with"):
        class Wrong(Change):  # noqa: F841 - the class statement itself fails
            late: str  # type: ignore[misc]


def test_every_op_round_trips_through_pickle_and_reverse() -> None:
    age = Column("age", "INTEGER")
    examples: list[ops.Op] = [
        ops.AddColumn("students", age), ops.DropColumn("students", age),
        ops.RenameColumn("students", "last_name", "surname", age),
        ops.AlterColumn("students", age, Column("age", "BIGINT"), frozenset({"type"}),
                        "postgresql")]
    for op in examples:
        assert pickle.loads(pickle.dumps(op)) == op
        back = op.reverse()
        assert back is not None and back.reverse() == op
    subclasses = [cls for cls in vars(ops).values()
                  if isinstance(cls, type) and issubclass(cls, ops.Op)]
    assert len(subclasses) > 30 and all(issubclass(cls, Record) for cls in subclasses)


def test_lazy_annotations_are_refused_not_read_as_no_fields() -> None:
    # What Python 3.14 gives a class body without `from __future__ import annotations`:
    # an annotate function and no __annotations__ dict.
    with pytest.raises(TypeError, match="from __future__ import annotations"):
        type(Record)("Lazy", (Record,), {"__annotate__": lambda fmt: {"table": str}})


def test_every_module_declaring_a_record_postpones_its_annotations() -> None:
    root = Path(__file__).resolve().parent.parent
    declaring = [path for folder in ("autodiff", "tests") for path in (root / folder).rglob("*.py")
                 if re.search(r"^class \w+\((Record|Op|TableOp)\)", path.read_text(), re.M)]
    assert len(declaring) >= 4  # the op modules and this one
    missing = [str(p.relative_to(root)) for p in declaring
               if "from __future__ import annotations" not in p.read_text()]
    assert missing == []
