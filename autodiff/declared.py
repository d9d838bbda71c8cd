"""What the models declare, for generate and check: their schema, their rename hints, and
what autodiff leaves out of them, which the user is told of.

Left out: tables in a schema other than the database's default (by their bare names on
both sides, so a table of that name at head is neither created again nor dropped) and
foreign keys into them, told on every run; and options the schema model does not hold
(``sqla_unmodelled.py``), told when the script creates what carries them.
"""

from __future__ import annotations

import fnmatch
import glob
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from autodiff import ops
from autodiff.diff import Renames
from autodiff.model import Schema, Unique

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from autodiff.flavor import Flavor
    from autodiff.sqla_unmodelled import Unmodelled


@dataclass(frozen=True)
class Declared:
    """The models' schema and rename hints, and what autodiff leaves out of them."""

    schema: Schema
    hints: Renames = field(default_factory=Renames)
    #: Qualified names of the model tables in other schemas.
    other_schemas: tuple[str, ...] = ()
    #: Foreign keys into those, as (``table (columns)``, qualified target table).
    references_out: tuple[tuple[str, str], ...] = ()
    #: (kind, table, name) -> options a generated script leaves out (sqla_unmodelled).
    unmodelled: Unmodelled = field(default_factory=dict)

    @property
    def ignored(self) -> tuple[str, ...]:
        """``ignore`` patterns for the tables of other schemas, by their bare names:
        a table of that name at head is left alone, not dropped (unless the models also
        declare one in the default schema)."""
        own = {t.name for t in self.schema.tables}
        bare = {name.rpartition(".")[2] for name in self.other_schemas}
        return tuple(glob.escape(name) for name in sorted(bare - own))

    def left_out(self, ignore: tuple[str, ...]
                 ) -> tuple[list[str], list[tuple[str, str]]]:
        """The tables of other schemas and the foreign keys into them, less those whose
        qualified table ``ignore`` matches (``audit.*``): known to be left out."""
        return ([name for name in self.other_schemas if not _matches(name, ignore)],
                [ref for ref in self.references_out if not _matches(ref[1], ignore)])

    def warnings(self, planned: tuple[ops.Op, ...], ignore: tuple[str, ...] = ()) -> list[str]:
        """What the user must know of ``planned``, and of the models, that the script
        cannot say (what :meth:`left_out` gives, and unmodelled options)."""
        tables, references = self.left_out(ignore)
        found = [f"table {name} is left out: autodiff manages the database's default "
                 "schema only; write its migrations by hand (generate --empty), or add "
                 "it to [tool.autodiff] ignore" for name in tables]
        found += [f"foreign key {source} -> {target} is left out: autodiff manages the "
                  "database's default schema only; write it by hand"
                  for source, target in references]
        for key, what in _created(planned):
            lost = self.unmodelled.get(key)
            if lost:
                found.append(f"{what} is created without its {' and '.join(lost)} (not "
                             "modelled by autodiff): edit the script before you apply it")
        return found


def declared_by(metadata: MetaData, dialect: str, flavor: Flavor) -> Declared:
    """The models' :class:`Declared`, compiled for ``dialect`` on that server."""
    from autodiff.sqla import check_foreign_keys, rename_hints, schema_from_metadata
    from autodiff.sqla_unmodelled import (
        other_schema_references,
        other_schema_tables,
        unmodelled_options,
    )

    check_foreign_keys(metadata)
    references = tuple((f"{c.table.name} ({', '.join(c.column_keys)})", c.referred_table.fullname)
                       for c in other_schema_references(metadata, dialect))
    return Declared(schema_from_metadata(metadata, dialect, flavor=flavor),
                    rename_hints(metadata),
                    tuple(t.fullname for t in other_schema_tables(metadata, dialect)),
                    references, unmodelled_options(metadata, dialect, flavor=flavor))


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _created(planned: tuple[ops.Op, ...]) -> Iterator[tuple[tuple[str, str, str], str]]:
    """The unmodelled-options key of each object ``planned`` creates, and its words."""
    for op in planned:
        if isinstance(op, ops.CreateTable):
            t = op.table
            yield ("table", t.name, ""), f"table {t.name}"
            for col in t.columns:
                yield ("column", t.name, col.name), f"column {t.name}.{col.name}"
            for ix in t.indexes:
                yield ("index", t.name, ix.name), f"index {ix.name} on {t.name}"
            for u in t.uniques:
                yield ("index", t.name, _unique_key(u)), _unique_words(t.name, u)
        elif isinstance(op, ops.RebuildTable):  # SQLite creates the table again
            yield ("table", op.desired.name, ""), f"table {op.desired.name} (rebuilt)"
        elif isinstance(op, ops.AddColumn):
            key = ("column", op.table, op.column.name)
            yield key, f"column {op.table}.{op.column.name}"
        elif isinstance(op, ops.CreateIndex):
            key = ("index", op.table, op.index.name)
            yield key, f"index {op.index.name} on {op.table}"
        elif isinstance(op, ops.AddUnique):
            yield ("index", op.table, _unique_key(op.unique)), _unique_words(op.table, op.unique)


def _unique_key(unique: Unique) -> str:
    """A unique constraint's name, or its columns where it has none (sqla_unmodelled)."""
    return unique.name or f"({', '.join(unique.columns)})"


def _unique_words(table: str, unique: Unique) -> str:
    name = f" {unique.name}" if unique.name else ""
    return f"unique constraint{name} on {table} ({', '.join(unique.columns)})"
