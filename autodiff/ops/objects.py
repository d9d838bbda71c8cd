"""Operations on schema objects beside tables: views, triggers, enums and sequences."""

from __future__ import annotations

from collections.abc import Callable

from autodiff.model import Column, Enum, Sequence, Trigger, View
from autodiff.ops.base import Op
from autodiff.record import Record


class CreateView(Op):
    view: View

    @property
    def table_name(self) -> str:
        return self.view.name

    def reverse(self) -> Op:
        return DropView(self.view)

    def describe(self) -> str:
        return f"create view {self.view.name}"


class DropView(Op):
    view: View

    @property
    def table_name(self) -> str:
        return self.view.name

    def reverse(self) -> Op:
        return CreateView(self.view)

    def describe(self) -> str:
        return f"drop view {self.view.name}"


class CreateTrigger(Op):
    trigger: Trigger

    @property
    def table_name(self) -> str:
        return self.trigger.table

    def reverse(self) -> Op:
        return DropTrigger(self.trigger)

    def describe(self) -> str:
        return f"create trigger {self.trigger.name} on {self.trigger.table}"


class DropTrigger(Op):
    trigger: Trigger

    @property
    def table_name(self) -> str:
        return self.trigger.table

    def reverse(self) -> Op:
        return CreateTrigger(self.trigger)

    def describe(self) -> str:
        return f"drop trigger {self.trigger.name} on {self.trigger.table}"


class CreateEnum(Op):
    enum: Enum

    @property
    def table_name(self) -> str:
        return self.enum.name

    def reverse(self) -> Op:
        return DropEnum(self.enum)

    def describe(self) -> str:
        return f"create enum {self.enum.name} ({', '.join(self.enum.values)})"


class DropEnum(Op):
    enum: Enum
    destructive = True

    @property
    def table_name(self) -> str:
        return self.enum.name

    def reverse(self) -> Op:
        return CreateEnum(self.enum)

    def describe(self) -> str:
        return f"drop enum {self.enum.name}"


class AddEnumValues(Op):
    """Append values to a PostgreSQL enum (``ALTER TYPE ... ADD VALUE``); no inverse."""

    enum: Enum
    values: tuple[str, ...]

    @property
    def table_name(self) -> str:
        return self.enum.name

    def describe(self) -> str:
        return f"add values {', '.join(self.values)} to enum {self.enum.name}"


class EnumUse(Record):
    """A column of ``table`` whose type is an enum being replaced, and its default after."""

    table: str
    column: Column
    default: str | None


class ReplaceEnum(Op):
    """A PostgreSQL enum whose values are removed or reordered, which no ALTER TYPE does.

    ``uses`` are the columns of that type: they are converted to the new type through
    text, so a row holding a removed value makes the script fail rather than lose it.
    """

    current: Enum
    desired: Enum
    uses: tuple[EnumUse, ...] = ()
    #: False when a column still of the old type is dropped later in the script: the
    #: plan then drops the old type (``old_name``) after it.
    drop_old: bool = True

    @staticmethod
    def old_name(name: str) -> str:
        """What the old type is renamed to while the columns are converted."""
        return f"{name}__autodiff_old"

    @property
    def table_name(self) -> str:
        return self.desired.name

    @property
    def destructive(self) -> bool:  # type: ignore[override]
        return not set(self.current.values) <= set(self.desired.values)

    def describe(self) -> str:
        return (f"replace enum {self.desired.name} ({', '.join(self.current.values)} -> "
                f"{', '.join(self.desired.values)})")


class CreateSequence(Op):
    sequence: Sequence

    @property
    def table_name(self) -> str:
        return self.sequence.name

    def reverse(self) -> Op:
        return DropSequence(self.sequence)

    def describe(self) -> str:
        return f"create sequence {self.sequence.name}"


class DropSequence(Op):
    """Drop a sequence: its position is lost, so one created again numbers from the start."""

    sequence: Sequence
    destructive = True

    @property
    def table_name(self) -> str:
        return self.sequence.name

    def reverse(self) -> Op:
        return CreateSequence(self.sequence)

    def describe(self) -> str:
        return f"drop sequence {self.sequence.name}"


#: The options of a sequence, each with how to read its effective value.
SEQUENCE_OPTIONS: tuple[tuple[str, Callable[[Sequence], object]], ...] = (
    ("type", lambda s: s.type), ("increment", lambda s: s.increment),
    ("minvalue", lambda s: s.bounds()[0]), ("maxvalue", lambda s: s.bounds()[1]),
    ("start", lambda s: s.first()), ("cache", lambda s: s.cache), ("cycle", lambda s: s.cycle))


class AlterSequence(Op):
    """A change of a sequence's options (ALTER SEQUENCE keeps its current value)."""

    current: Sequence
    desired: Sequence

    @property
    def table_name(self) -> str:
        return self.desired.name

    def reverse(self) -> Op:
        return AlterSequence(self.desired, self.current)

    def differences(self) -> list[tuple[str, str, str]]:
        """Each option whose effective value changes: (option, current, desired)."""
        return [(name, str(value(self.current)).lower(), str(value(self.desired)).lower())
                for name, value in SEQUENCE_OPTIONS if value(self.current) != value(self.desired)]

    def describe(self) -> str:
        words = [f"{name} {old} -> {new}" for name, old, new in self.differences()]
        return f"alter sequence {self.desired.name}: {', '.join(words)}"
