"""PostgreSQL: native ALTERs, enums, identity columns, COMMENT ON statements.

Several ALTER TABLE actions go into one statement: PostgreSQL runs them in passes
(drops, then type changes, then the rest), not in the order written, which is what
lets a default be dropped before a type change and set again after it.
https://www.postgresql.org/docs/15/sql-altertable.html
"""

from __future__ import annotations

from autodiff import ops
from autodiff.model import Column, Computed, Enum, Sequence, Table
from autodiff.render.base import Renderer


class PostgreSQLRenderer(Renderer):
    dialect = "postgresql"

    def enum_sql(self, enum: Enum) -> str:
        """CREATE TYPE ... AS ENUM."""
        values = ", ".join(self.literal(v) for v in enum.values)
        return f"CREATE TYPE {self.quote(enum.name)} AS ENUM ({values})"

    def identity_sql(self, table: Table, column: Column) -> str:
        """GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY for an autoincrement column."""
        return _identity(column) if column.autoincrement else ""

    def computed_sql(self, computed: Computed) -> str:
        """GENERATED ALWAYS AS (...) STORED; virtual ones are unsupported."""
        # PostgreSQL 15 has stored generated columns only.
        # https://www.postgresql.org/docs/15/ddl-generated-columns.html
        if not computed.stored:
            self.unsupported(f"virtual generated column AS ({computed.expression})")
        return super().computed_sql(computed)

    def comments_sql(self, table: Table) -> list[str]:
        """COMMENT ON TABLE / COLUMN statements."""
        out = []
        if table.comment is not None:
            out.append(f"COMMENT ON TABLE {self.quote(table.name)} IS "
                       f"{self.literal(table.comment)}")
        for column in table.columns:
            out += self.column_comment_sql(table.name, column)
        return out

    def column_comment_sql(self, table: str, column: Column) -> list[str]:
        """COMMENT ON COLUMN, for a column that has a comment."""
        if column.comment is None:
            return []
        return [self._comment_on_column(table, column)]

    def _comment_on_column(self, table: str, column: Column) -> str:
        text = "NULL" if column.comment is None else self.literal(column.comment)
        return f"COMMENT ON COLUMN {self.quote(table)}.{self.quote(column.name)} IS {text}"

    # -- ops ----------------------------------------------------------------------
    def alter_column_sql(self, op: ops.AlterColumn) -> list[str]:
        """One ALTER TABLE with an action per change; identity's sequence caught up after."""
        actions = self._alter_actions(op)
        out = [self.alter_table(op.table, *actions)] if actions else []
        if "autoincrement" in op.changes and op.desired.autoincrement:
            out.append(self._catch_up_identity(op.table, op.desired.name))
        if "comment" in op.changes:
            out.append(self._comment_on_column(op.table, op.desired))
        return out

    def _alter_actions(self, op: ops.AlterColumn) -> list[str]:
        current, desired = op.current, op.desired
        col = f"ALTER COLUMN {self.quote(desired.name)}"
        actions: list[str] = []
        cleared = False  # the default is dropped by an earlier action
        if "autoincrement" in op.changes and not desired.autoincrement:
            # IF EXISTS and DROP DEFAULT: a serial column numbers itself by a nextval()
            # default, not an identity, and reads back the same.
            actions += [f"{col} DROP IDENTITY IF EXISTS", f"{col} DROP DEFAULT"]
            cleared = True
        if op.changes & {"type", "collation"}:
            if current.default is not None and not cleared:
                # The old default may not convert to the new type; it is set again below.
                actions.append(f"{col} DROP DEFAULT")
                cleared = True
            actions.append(f"{col} TYPE {self._retype(op)}")
        if "nullable" in op.changes:
            actions.append(f"{col} {'DROP' if desired.nullable else 'SET'} NOT NULL")
        if desired.default is not None and ("default" in op.changes or cleared):
            actions.append(f"{col} SET DEFAULT {self.default_expression(desired.default)}")
        elif "default" in op.changes and not cleared:
            actions.append(f"{col} DROP DEFAULT")
        if "autoincrement" in op.changes and desired.autoincrement:
            actions.append(f"{col} ADD {_identity(desired)}")
        elif "identity" in op.changes and desired.autoincrement:
            # Keeps the sequence and its position. A serial column (which reads the same
            # as BY DEFAULT) is refused: "is not an identity column".
            kind = "ALWAYS" if desired.identity == "ALWAYS" else "BY DEFAULT"
            actions.append(f"{col} SET GENERATED {kind}")
        if "computed" in op.changes:
            if desired.computed is not None:
                # https://www.postgresql.org/docs/15/ddl-generated-columns.html
                self.cannot(op, "PostgreSQL can only drop a generation expression in place")
            actions.append(f"{col} DROP EXPRESSION")
        return actions

    def _retype(self, op: ops.AlterColumn) -> str:
        """``newtype [COLLATE c] [USING "col"::newtype]``: a collation changes only here."""
        desired = op.desired
        sql = desired.type
        if desired.collation is not None or "collation" in op.changes:
            sql += f" COLLATE {self.quote(desired.collation or 'default')}"
        if "type" in op.changes:
            sql += f" USING {self.quote(desired.name)}::{desired.type}"
        return sql

    def _catch_up_identity(self, table: str, column: str) -> str:
        # A new identity starts at 1 whatever the column holds; move it past the rows.
        # pg_get_serial_sequence parses its first argument as a (quoted) table name.
        # https://www.postgresql.org/docs/15/functions-info.html
        seq = f"pg_get_serial_sequence({self.literal(self.quote(table))}, {self.literal(column)})"
        return (f"SELECT setval({seq}, greatest(max({self.quote(column)}), 0) + 1, false) "
                f"FROM {self.quote(table)}")

    def drop_trigger_sql(self, op: ops.DropTrigger) -> list[str]:
        """DROP TRIGGER ... ON table: PostgreSQL names triggers per table."""
        return [f"DROP TRIGGER {self.quote(op.trigger.name)} ON {self.quote(op.trigger.table)}"]

    def create_enum_sql(self, op: ops.CreateEnum) -> list[str]:
        """CREATE TYPE ... AS ENUM."""
        return [self.enum_sql(op.enum)]

    def drop_enum_sql(self, op: ops.DropEnum) -> list[str]:
        """DROP TYPE."""
        return [f"DROP TYPE {self.quote(op.enum.name)}"]

    def replace_enum_sql(self, op: ops.ReplaceEnum) -> list[str]:
        """The old type renamed away, the new one created, columns converted through text.

        No ALTER TYPE removes or reorders values:
        https://www.postgresql.org/docs/15/sql-altertype.html
        """
        name = op.desired.name
        old = self.quote(op.old_name(name))
        out = [f"ALTER TYPE {self.quote(name)} RENAME TO {old}", self.enum_sql(op.desired)]
        for use in op.uses:
            col = f"ALTER COLUMN {self.quote(use.column.name)}"
            array = "[]" if use.column.type.endswith("[]") else ""
            # The old default is of the old type and would not convert on its own.
            actions = [f"{col} DROP DEFAULT"] if use.column.default is not None else []
            actions.append(f"{col} TYPE {use.column.type} USING "
                           f"{self.quote(use.column.name)}::text{array}::{use.column.type}")
            if use.default is not None:
                actions.append(f"{col} SET DEFAULT {self.default_expression(use.default)}")
            out.append(self.alter_table(use.table, *actions))
        return [*out, f"DROP TYPE {old}"] if op.drop_old else out

    def add_enum_values_sql(self, op: ops.AddEnumValues) -> list[str]:
        """ALTER TYPE ... ADD VALUE, one statement per value, appended in order."""
        # Allowed inside the script's transaction since PostgreSQL 12, but a new value
        # cannot be used before that transaction commits.
        # https://www.postgresql.org/docs/15/sql-altertype.html
        return [f"ALTER TYPE {self.quote(op.enum.name)} ADD VALUE {self.literal(v)}"
                for v in op.values]

    # -- sequences -------------------------------------------------------------------
    def sequence_sql(self, sequence: Sequence) -> str:
        """CREATE SEQUENCE with the options that are not PostgreSQL's defaults."""
        options = [f"AS {sequence.type}" if sequence.type != "bigint" else "",
                   f"INCREMENT BY {sequence.increment}" if sequence.increment != 1 else "",
                   f"MINVALUE {sequence.minvalue}" if sequence.minvalue is not None else "",
                   f"MAXVALUE {sequence.maxvalue}" if sequence.maxvalue is not None else "",
                   f"START WITH {sequence.start}" if sequence.start is not None else "",
                   f"CACHE {sequence.cache}" if sequence.cache != 1 else "",
                   "CYCLE" if sequence.cycle else ""]
        return " ".join([f"CREATE SEQUENCE {self.quote(sequence.name)}",
                         *(o for o in options if o)])

    def create_sequence_sql(self, op: ops.CreateSequence) -> list[str]:
        """CREATE SEQUENCE."""
        return [self.sequence_sql(op.sequence)]

    def drop_sequence_sql(self, op: ops.DropSequence) -> list[str]:
        """DROP SEQUENCE (refused by PostgreSQL while a default still calls it)."""
        return [f"DROP SEQUENCE {self.quote(op.sequence.name)}"]

    def alter_sequence_sql(self, op: ops.AlterSequence) -> list[str]:
        """ALTER SEQUENCE stating each option whose effective value changes.

        A new type moves bounds that were the old type's own along with it, so both
        bounds are stated whenever the type changes.
        https://www.postgresql.org/docs/15/sql-altersequence.html
        """
        changed = {name for name, _, _ in op.differences()}
        if "type" in changed:
            changed |= {"minvalue", "maxvalue"}
        d = op.desired
        low, high = d.bounds()
        clauses = {"type": f"AS {d.type}", "increment": f"INCREMENT BY {d.increment}",
                   "minvalue": f"MINVALUE {low}", "maxvalue": f"MAXVALUE {high}",
                   "start": f"START WITH {d.first()}", "cache": f"CACHE {d.cache}",
                   "cycle": "CYCLE" if d.cycle else "NO CYCLE"}
        return [" ".join([f"ALTER SEQUENCE {self.quote(d.name)}",
                          *(sql for name, sql in clauses.items() if name in changed)])]


def _identity(column: Column) -> str:
    # Identity, not serial: the SQL-standard form, and PostgreSQL's recommendation.
    # https://www.postgresql.org/docs/15/ddl-identity-columns.html
    kind = "ALWAYS" if column.identity == "ALWAYS" else "BY DEFAULT"
    return f"GENERATED {kind} AS IDENTITY"
