"""InnoDB's own names for what it creates unasked: foreign keys and their indexes.

A foreign key declared without a name is named ``<table>_ibfk_<n>``; MySQL renames it
with its table. When no index covers a key's columns, InnoDB creates one, named as the
constraint when it was given a name, else as the key's first column (``a``, then
``a_2``...); it keeps that name through later renames of the table and the column.
https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html
"""

from __future__ import annotations

import re

from autodiff.model import ForeignKey

_GENERATED = re.compile(r".+_ibfk_\d+")


def generated_name(name: str | None) -> bool:
    """Whether ``name`` is one InnoDB gave a foreign key declared without one."""
    return name is not None and _GENERATED.fullmatch(name) is not None


def implicit_index_name(fk: ForeignKey) -> str:
    """The name of the index InnoDB creates for ``fk`` when none covers its columns."""
    return fk.columns[0] if fk.name is None or generated_name(fk.name) else fk.name


def made_for(fk: ForeignKey, index_name: str, keys: tuple[str, ...]) -> bool:
    """Whether the index ``index_name`` over ``keys`` is the one InnoDB made for ``fk``.

    Named as the constraint, as a first column (``a_2`` too), or as a generated
    constraint name (a key created with its generated name spelled out, then renamed
    with its table, leaves the index with the old table's).
    """
    return fk.columns == keys and (
        index_name == fk.name or generated_name(index_name)
        or re.fullmatch(re.escape(keys[0]) + r"(_\d+)?", index_name) is not None)
