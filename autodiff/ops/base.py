"""The base of every operation: what it works on, whether it can lose data, its inverse."""

from __future__ import annotations

from autodiff.record import Record


class Op(Record):
    """Base of all operations."""

    #: Can running this op lose data?
    destructive = False

    @property
    def table_name(self) -> str:
        """The table this op works on (its name when the op runs)."""
        raise NotImplementedError

    def reverse(self) -> Op | None:
        """The op that undoes this one, or None where no inverse exists."""
        return None

    def describe(self) -> str:
        """This op in words, for headers and reviews."""
        raise NotImplementedError


class TableOp(Op):
    """An op on one existing table, named by ``table``."""

    table: str

    @property
    def table_name(self) -> str:
        return self.table
