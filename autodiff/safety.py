"""What a reviewer must be warned about, decided from the op type (never a regex over SQL).

DESIGN section 8: ops that can lose data, rewrite a table, or take heavy locks.
"""

from __future__ import annotations

from autodiff import ops
from autodiff.model import Column
from autodiff.normalize import type_base
from autodiff.typenames import appends_members, widens_in_place

DESTRUCTIVE = "DESTRUCTIVE"
REWRITE = "REWRITES TABLE"
LOCK = "HEAVY LOCK"
FAILS = "FAILS"
#: MySQL fills existing rows with the type's implicit default ('', 0, a zero date).
IMPLICIT = "IMPLICIT DEFAULT"


def warnings(op: ops.Op, dialect: str) -> list[str]:
    """The warning labels for one planned op on ``dialect``, with the reason."""
    found: list[str] = []
    if op.destructive:
        found.append(f"{DESTRUCTIVE}: {_loss(op)}")
    if isinstance(op, ops.RebuildTable):
        found.append(f"{REWRITE}: SQLite copies every row into a new table")
    elif isinstance(op, ops.AlterColumn) and "type" in op.changes and dialect == "postgresql":
        if not widens_in_place(op.current.type, op.desired.type):
            found.append(f"{REWRITE}: PostgreSQL rewrites the table (ACCESS EXCLUSIVE lock)")
        else:
            found.append(f"{LOCK}: ALTER COLUMN TYPE takes an ACCESS EXCLUSIVE lock on "
                         f"{op.table} (no rewrite)")
    elif isinstance(op, ops.ReplaceEnum) and op.uses:
        tables = ", ".join(sorted({use.table for use in op.uses}))
        found.append(f"{REWRITE}: PostgreSQL rewrites {tables} to convert their columns to "
                     "the new type (ACCESS EXCLUSIVE lock)")
    elif isinstance(op, ops.AlterColumn) and dialect == "mysql" and op.changes & {
            "type", "nullable"} and not (op.changes <= {"type"} and appends_members(
            op.current.type, op.desired.type)):
        found.append(f"{REWRITE}: MySQL copies the table to change a column's type or NULL")
    found += [_without_default(op.table_name, c, dialect) for c in _not_null_added(op)]
    if dialect == "mysql" and isinstance(op, ops.AlterColumn) and "nullable" in op.changes \
            and not op.desired.nullable and type_base(op.desired.type) == "timestamp":
        # MySQL refuses NOT NULL over a NULL, except in a TIMESTAMP: it stores the time.
        found.append(f"{IMPLICIT}: rows holding NULL in {op.table}.{op.desired.name} get "
                     "the current time (MySQL's TIMESTAMP NOT NULL)")
    if dialect == "postgresql":
        found += _postgres_locks(op)
    return found


def _not_null_added(op: ops.Op) -> list[Column]:
    """Columns ``op`` adds NOT NULL with nothing to give the rows already there."""
    added = [o.column for o in (op.ops if isinstance(op, ops.RebuildTable) else [op])
             if isinstance(o, ops.AddColumn)]
    return [c for c in added if not c.nullable and c.default is None and c.computed is None
            and not c.autoincrement and c.identity is None]


def _without_default(table: str, column: Column, dialect: str) -> str:
    where = f"{table}.{column.name}"
    if dialect == "mysql":
        # https://dev.mysql.com/doc/refman/8.0/en/data-type-defaults.html
        return (f"{IMPLICIT}: NOT NULL column {where} without a default: MySQL gives the rows "
                f"already in {table} the type's implicit value ('', 0, a zero date)")
    return f"{FAILS}: NOT NULL column {where} without a default fails if {table} has rows"


def _loss(op: ops.Op) -> str:
    if isinstance(op, ops.DropTable):
        return f"every row of {op.table.name} is lost"
    if isinstance(op, ops.DropColumn):
        return f"the values of {op.table}.{op.column.name} are lost"
    if isinstance(op, ops.AlterColumn) and "type" not in op.changes:
        return (f"the generated column {op.table}.{op.current.name} is computed again from "
                "its new expression")
    if isinstance(op, ops.AlterColumn):
        return (f"{op.table}.{op.current.name} {op.current.type} -> {op.desired.type} may "
                "truncate or fail to convert values")
    if isinstance(op, ops.DropEnum):
        return f"enum {op.enum.name} is dropped"
    if isinstance(op, ops.DropSequence):
        return (f"sequence {op.sequence.name} is dropped: its position is lost, numbering "
                "starts over if it is created again")
    if isinstance(op, ops.ReplaceEnum):
        gone = [v for v in op.current.values if v not in op.desired.values]
        return (f"enum {op.desired.name} loses {', '.join(gone)}: a row holding one makes "
                "the script fail")
    if isinstance(op, ops.RebuildTable):
        return "; ".join(_loss(inner) for inner in op.ops if inner.destructive)
    return "data can be lost"


def _postgres_locks(op: ops.Op) -> list[str]:
    # The lock levels of ALTER TABLE: https://www.postgresql.org/docs/current/sql-altertable.html
    if isinstance(op, ops.CreateIndex):
        return [f"{LOCK}: CREATE INDEX without CONCURRENTLY blocks writes to {op.table}"]
    if isinstance(op, ops.AlterColumn) and "nullable" in op.changes and not op.desired.nullable:
        return [f"{LOCK}: SET NOT NULL scans {op.table} under an ACCESS EXCLUSIVE lock"]
    if isinstance(op, ops.AddForeignKey):
        return [f"{LOCK}: validating the foreign key scans {op.table} (NOT VALID avoids it)"]
    return []
