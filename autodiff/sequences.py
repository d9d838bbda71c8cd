"""PostgreSQL sequences at the boundaries: the models' Sequence objects as model values,
and ``nextval()`` defaults in one spelling.

A sequence is standalone, and modelled, when no column owns it: PostgreSQL reports the
sequences of serial and identity columns as the column's (pg_depend ``a``/``i``), and
those stay the column's ``autoincrement``. SQLAlchemy creates every ``Sequence`` it
knows with a plain ``CREATE SEQUENCE`` (never ``OWNED BY``), whether it is given to the
MetaData or to a column as its default, so all of them are standalone; except an
``optional=True`` one, which ``create_all`` skips on PostgreSQL (a SERIAL numbers the
column instead).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from autodiff.model import Sequence
from autodiff.normalize import normalize_type

if TYPE_CHECKING:  # not imported: the introspector uses this module, without SQLAlchemy
    from sqlalchemy import MetaData
    from sqlalchemy import Sequence as SASequence

# nextval('s'::regclass), as PostgreSQL shows a default, is nextval('s') as a model
# compiles it: the literal is read as a regclass either way.
_NEXTVAL_CAST = re.compile(r"\b(NEXTVAL|CURRVAL)\(CAST\(('(?:[^']|'')*') AS REGCLASS\)\)")


def canonical_nextval(default: str | None) -> str | None:
    """A normalized default with the regclass casts of its sequence calls dropped."""
    if default is None or "REGCLASS" not in default:
        return default
    return _NEXTVAL_CAST.sub(r"\1(\2)", default)


def model_sequences(metadata: MetaData, type_sql: Any) -> tuple[Sequence, ...]:
    """The sequences ``create_all`` creates on PostgreSQL, as model values.

    ``type_sql`` compiles a sequence's ``data_type`` as the target dialect spells it.
    Sequences in an explicit other schema are left out, like the introspector does.
    """
    found: dict[str, SASequence] = {}
    # A column's Sequence is registered in its table's MetaData too (Sequence._set_table).
    for seq in metadata._sequences.values():
        found.setdefault(seq.name, seq)
    return tuple(_sequence(seq, type_sql) for seq in found.values()
                 if not seq.optional and seq.schema is None)


def _sequence(seq: SASequence, type_sql: Any) -> Sequence:
    raw = type_sql(seq.data_type) if seq.data_type is not None else "bigint"
    return Sequence(
        seq.name, normalize_type("postgresql", raw),
        increment=1 if seq.increment is None else int(seq.increment),
        start=None if seq.start is None else int(seq.start),
        minvalue=None if seq.minvalue is None or seq.nominvalue else int(seq.minvalue),
        maxvalue=None if seq.maxvalue is None or seq.nomaxvalue else int(seq.maxvalue),
        cache=1 if seq.cache is None else int(seq.cache),
        cycle=bool(seq.cycle))
