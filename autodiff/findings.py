"""Object-level differences between two schemas, in words a reviewer can act on.

``differences(expected, actual)`` turns the differ's ops into findings such as
``column students.last_name: in migrations, missing in database``. It reuses ``diff``
so its notion of "the same" (types by meaning, unnamed constraints matched by
definition) is exactly generate's: whatever generate would not change, check does not
report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autodiff import ops
from autodiff.diff import diff
from autodiff.model import Check, Column, ForeignKey, Index, PrimaryKey, Schema, Unique

#: Finding categories, in the order reports list them.
CATEGORIES = ("integrity", "drift", "models", "sum", "pending")


@dataclass(frozen=True)
class Finding:
    """One thing ``check`` (or ``diff``) found: ``<object> <name>: <message>``."""

    category: str
    object: str
    name: str
    message: str
    hint: str | None = None

    def line(self) -> str:
        """The one-line form shown to users."""
        return f"{self.object} {self.name}: {self.message}" if self.name else \
            f"{self.object}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (see docs/check.md)."""
        out = {"category": self.category, "object": self.object, "name": self.name,
               "message": self.message, "line": self.line()}
        if self.hint:
            out["hint"] = self.hint
        return out


@dataclass(frozen=True)
class Sides:
    """What the two schemas are called in messages, e.g. migrations / database."""

    expected: str = "migrations"
    actual: str = "database"

    def missing(self) -> str:
        return f"in {self.expected}, missing in {self.actual}"

    def extra(self) -> str:
        return f"in {self.actual}, not in {self.expected}"

    def differs(self, what: str, expected: str, actual: str) -> str:
        return f"{what} {expected} in {self.expected}, {actual} in {self.actual}"


def differences(expected: Schema, actual: Schema, sides: Sides | None = None,
                category: str = "drift") -> list[Finding]:
    """How ``actual`` differs from ``expected``, one finding per object, sorted by name."""
    sides = sides or Sides()
    found: list[Finding] = []
    for op in diff(expected, actual):
        found += _op_findings(op, sides, category)
    return sorted(_merge_pairs(found, sides),
                  key=lambda f: (f.name.split(".")[0].split("(")[0], f.object, f.name))


def _merge_pairs(found: list[Finding], sides: Sides) -> list[Finding]:
    # A drop and a create of the same name is one object that differs.
    pair = {sides.missing(), sides.extra()}
    keyed: dict[tuple[str, str], list[Finding]] = {}
    for finding in found:
        keyed.setdefault((finding.object, finding.name), []).append(finding)
    out: list[Finding] = []
    for group in keyed.values():
        if len(group) == 2 and {f.message for f in group} == pair:
            first = group[0]
            out.append(Finding(first.category, first.object, first.name,
                               f"differs between {sides.expected} and {sides.actual}"))
        else:
            out += group
    return out


def _op_findings(op: ops.Op, sides: Sides, category: str) -> list[Finding]:
    describe = _DESCRIBERS.get(type(op))
    if describe is None:  # a kind of op with no object-level wording: its own words
        return [Finding(category, "schema", "", op.describe())]
    return [Finding(category, obj, name, message) for obj, name, message in describe(op, sides)]


Found = list[tuple[str, str, str]]


def _table(op: Any, sides: Sides) -> Found:
    present = isinstance(op, ops.CreateTable)
    return [("table", op.table.name, sides.extra() if present else sides.missing())]


def _column(op: Any, sides: Sides) -> Found:
    present = isinstance(op, ops.AddColumn)
    return [("column", f"{op.table}.{op.column.name}",
             sides.extra() if present else sides.missing())]


def _alter_column(op: ops.AlterColumn, sides: Sides) -> Found:
    name = f"{op.table}.{op.current.name}"
    changes = sorted(op.changes) or ["definition"]
    return [("column", name, sides.differs(_ATTRIBUTE_WORDS.get(change, change),
                                            _attribute(op.current, change),
                                            _attribute(op.desired, change)))
            for change in changes]


_ATTRIBUTE_WORDS = {"nullable": "nullability", "autoincrement": "autoincrement",
                    "computed": "generated expression", "on_update": "on update"}


def _attribute(column: Column, change: str) -> str:
    value = getattr(column, change, None)
    if change == "nullable":
        return "NULL" if value else "NOT NULL"
    if change == "computed":
        return value.expression if value is not None else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "none" if value is None else str(value)


def _columns(names: tuple[str, ...]) -> str:
    return f"({', '.join(names)})"


def _primary_key(op: ops.SetPrimaryKey, sides: Sides) -> Found:
    def shape(pk: PrimaryKey | None) -> str:
        return _columns(pk.columns) if pk else "none"

    return [("primary key", op.table, sides.differs("", shape(op.current),
                                                    shape(op.desired)).lstrip())]


def _constraint(kind: str, attr: str, shape: Callable[[Any], str]) -> Callable[..., Found]:
    def describe(op: Any, sides: Sides) -> Found:
        obj = getattr(op, attr)
        present = type(op).__name__.startswith(("Add", "Create"))
        name = f"{op.table}.{obj.name}" if obj.name else f"{op.table}{shape(obj)}"
        message = sides.extra() if present else sides.missing()
        return [(kind, name, message)]

    return describe


def _index_shape(ix: Index) -> str:
    return _columns(ix.columns or ix.expressions)


def _unique_shape(u: Unique) -> str:
    return _columns(u.columns)


def _fk_shape(fk: ForeignKey) -> str:
    return f"{_columns(fk.columns)} -> {fk.ref_table}{_columns(fk.ref_columns)}"


def _check_shape(c: Check) -> str:
    return f" ({c.expression})"


def _named(kind: str, attr: str) -> Callable[..., Found]:
    def describe(op: Any, sides: Sides) -> Found:
        present = type(op).__name__.startswith("Create")
        return [(kind, getattr(op, attr).name, sides.extra() if present else sides.missing())]

    return describe


def _enum_values(op: ops.AddEnumValues, sides: Sides) -> Found:
    return [("enum", op.enum.name, f"values {', '.join(op.values)} in {sides.actual}, "
                                   f"not in {sides.expected}")]


def _table_comment(op: Any, sides: Sides) -> Found:
    return [("table", op.table, sides.differs("comment", repr(op.current), repr(op.desired)))]


def _table_options(op: Any, sides: Sides) -> Found:
    return [("table", op.table, sides.differs(
        "options", ", ".join(op.current) or "none", ", ".join(op.desired) or "none"))]


_DESCRIBERS: dict[type, Callable[..., Found]] = {
    ops.CreateTable: _table,
    ops.DropTable: _table,
    ops.AddColumn: _column,
    ops.DropColumn: _column,
    ops.AlterColumn: _alter_column,
    ops.SetPrimaryKey: _primary_key,
    ops.AddUnique: _constraint("unique", "unique", _unique_shape),
    ops.DropUnique: _constraint("unique", "unique", _unique_shape),
    ops.CreateIndex: _constraint("index", "index", _index_shape),
    ops.DropIndex: _constraint("index", "index", _index_shape),
    ops.AddForeignKey: _constraint("foreign key", "foreign_key", _fk_shape),
    ops.DropForeignKey: _constraint("foreign key", "foreign_key", _fk_shape),
    ops.AddCheck: _constraint("check", "check", _check_shape),
    ops.DropCheck: _constraint("check", "check", _check_shape),
    ops.CreateView: _named("view", "view"),
    ops.DropView: _named("view", "view"),
    ops.CreateTrigger: _named("trigger", "trigger"),
    ops.DropTrigger: _named("trigger", "trigger"),
    ops.CreateEnum: _named("enum", "enum"),
    ops.DropEnum: _named("enum", "enum"),
    ops.AddEnumValues: _enum_values,
    ops.SetTableComment: _table_comment,
    ops.SetTableOptions: _table_options,
    ops.CreateSequence: _named("sequence", "sequence"),
    ops.DropSequence: _named("sequence", "sequence"),
    ops.AlterSequence: lambda op, sides: [("sequence", op.current.name, sides.differs(*change))
                                          for change in op.differences()],
}
