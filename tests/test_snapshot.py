"""The snapshot: JSON round-trips exactly, equal schemas give the same bytes."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff.errors import AutodiffError
from autodiff.model import Check, Column, ForeignKey, Index, Schema, Table, Unique
from tests.strategies import schemas

any_schema = st.sampled_from(["sqlite", "postgresql", "mysql"]).flatmap(schemas)
quick = settings(max_examples=100, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@quick
@given(any_schema)
def test_json_round_trips(schema: Schema) -> None:
    text = schema.to_json()
    assert Schema.from_json(text) == schema
    assert Schema.from_json(text).to_json() == text


@quick
@given(any_schema, st.randoms(use_true_random=False))
def test_equal_schemas_give_identical_bytes(schema: Schema, rnd: random.Random) -> None:
    """Order of unordered collections never shows in the snapshot."""
    def shuffled(items: tuple[object, ...]) -> tuple[object, ...]:
        out = list(items)
        rnd.shuffle(out)
        return tuple(out)

    tables = tuple(
        Table(t.name, t.columns, t.primary_key, shuffled(t.uniques), shuffled(t.indexes),
              shuffled(t.foreign_keys), shuffled(t.checks), t.comment,  # type: ignore[arg-type]
              shuffled(t.options))  # type: ignore[arg-type]
        for t in shuffled(schema.tables))  # type: ignore[attr-defined]
    same = Schema(schema.dialect, tables, schema.views, schema.triggers, schema.enums,
                  shuffled(schema.sequences))  # type: ignore[arg-type]
    assert same == schema
    assert same.to_json().encode() == schema.to_json().encode()


def test_snapshot_is_sorted_and_omits_defaults() -> None:
    schema = Schema("sqlite", tables=(Table("t", columns=(Column("a", "integer"),)),))
    body = json.loads(schema.to_json())
    assert body == {"dialect": "sqlite", "version": 1,
                    "tables": [{"name": "t", "columns": [{"name": "a", "type": "integer"}]}]}
    assert list(body) == sorted(body)


def test_column_order_is_kept() -> None:
    a = Table("t", columns=(Column("a", "integer"), Column("b", "integer")))
    b = Table("t", columns=(Column("b", "integer"), Column("a", "integer")))
    assert a != b
    assert Schema("sqlite", (a,)).to_json() != Schema("sqlite", (b,)).to_json()


def test_full_table_round_trips() -> None:
    table = Table(
        "t", columns=(Column("a", "integer", False, "5"), Column("b", "text", collation="C")),
        uniques=(Unique("u", ("a", "b")),), indexes=(Index("i", expressions=("LOWER(b)",)),),
        foreign_keys=(ForeignKey("f", ("a",), "t", ("a",), on_delete="CASCADE"),),
        checks=(Check("c", '"a" > 0'),), comment="x")
    schema = Schema("postgresql", tables=(table,))
    assert Schema.from_json(schema.to_json()) == schema


MALFORMED = [
    ("not json", "not valid JSON"),
    ("[]", "not an autodiff snapshot"),
    ('{"dialect": "sqlite"}', "not an autodiff snapshot"),
    ('{"version": 2, "dialect": "sqlite"}', "not an autodiff snapshot"),
    ('{"version": 1}', "malformed snapshot"),
    ('{"version": 1, "dialect": "oracle"}', "malformed snapshot"),
    ('{"version": 1, "dialect": "sqlite", "colour": 1}', "malformed snapshot"),
    ('{"version": 1, "dialect": "sqlite", "tables": {}}', "malformed snapshot"),
    ('{"version": 1, "dialect": "sqlite", "tables": [{"name": 3}]}', "malformed snapshot"),
    ('{"version": 1, "dialect": "sqlite", "tables": [{"columns": []}]}', "malformed snapshot"),
    ('{"version": 1, "dialect": "sqlite", "tables": ["t"]}', "malformed snapshot"),
    ('{"version": 1, "dialect": "sqlite", "tables": [{"name": "t", "columns": '
     '[{"name": "a", "type": "int", "nullable": "yes"}]}]}', "malformed snapshot"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED, ids=[t for t, _ in MALFORMED])
def test_malformed_snapshot_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(AutodiffError, match=message):
        Schema.from_json(text)
