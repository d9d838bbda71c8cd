"""autodiff.innodb: the names InnoDB gives foreign keys and the indexes it makes for them."""

from __future__ import annotations

import pytest

from autodiff import ops
from autodiff.innodb import generated_name, implicit_index_name, made_for
from autodiff.model import Column, ForeignKey, Index, PrimaryKey, Schema, Table
from autodiff.plan import plan
from autodiff.render import render_ops

GENERATED = ForeignKey("players_ibfk_1", ("team_id",), "teams", ("id",))
NAMED = ForeignKey("fk_players_team", ("team_id",), "teams", ("id",))


@pytest.mark.parametrize(("name", "expected"), [
    ("players_ibfk_1", True), ("my_table_ibfk_12", True), ("fk_players_team", False),
    ("_ibfk_1", False), ("players_ibfk_x", False), (None, False)])
def test_generated_names(name: str | None, expected: bool) -> None:
    assert generated_name(name) is expected


def test_the_implicit_index_is_named_as_the_key_only_when_the_key_was_named() -> None:
    assert implicit_index_name(GENERATED) == "team_id"
    assert implicit_index_name(NAMED) == "fk_players_team"
    assert implicit_index_name(ForeignKey(None, ("a", "b"), "t", ("x", "y"))) == "a"


@pytest.mark.parametrize(("fk", "index", "keys", "expected"), [
    (GENERATED, "team_id", ("team_id",), True),
    (GENERATED, "team_id_2", ("team_id",), True),
    (GENERATED, "members_ibfk_1", ("team_id",), True),  # spelled out, then table renamed
    (NAMED, "fk_players_team", ("team_id",), True),
    (NAMED, "ix_players_team_id", ("team_id",), False),  # a user's index is reported
    (GENERATED, "team_id", ("team_id", "id"), False),  # other columns: a user's index
])
def test_which_index_innodb_made(fk: ForeignKey, index: str, keys: tuple[str, ...],
                                 expected: bool) -> None:
    assert made_for(fk, index, keys) is expected


def players(fk: ForeignKey, *indexes: Index) -> Schema:
    columns = (Column("id", "int", nullable=False), Column("team_id", "int"))
    teams = Table("teams", (Column("id", "int", nullable=False),), PrimaryKey(("id",)))
    return Schema("mysql", tables=(teams, Table("players", columns, PrimaryKey(("id",)),
                                                indexes=indexes, foreign_keys=(fk,))))


@pytest.mark.parametrize(("fk", "indexes", "renamed"), [
    (GENERATED, (), True),
    (NAMED, (), False),  # its index is named as the key: the rename leaves it
    (GENERATED, (Index("ix_team", ("team_id",)),), False),  # covered: InnoDB made none
], ids=["generated", "named", "covered"])
def test_a_column_rename_renames_the_index_innodb_named_after_it(
        fk: ForeignKey, indexes: tuple[Index, ...], renamed: bool) -> None:
    current = players(fk, *indexes)
    rename = ops.RenameColumn("players", "team_id", "squad_id")
    desired_fk = ForeignKey(fk.name, ("squad_id",), "teams", ("id",))
    desired_ix = tuple(Index(i.name, ("squad_id",)) for i in indexes)
    desired = Schema("mysql", tables=(current.tables[0], Table(
        "players", (current.tables[1].columns[0], Column("squad_id", "int")),
        PrimaryKey(("id",)), indexes=desired_ix, foreign_keys=(desired_fk,))))
    (op,) = [o for o in plan([rename], current, desired) if isinstance(o, ops.RenameColumn)]
    assert op.implicit_index is renamed
    ((_, statements),) = render_ops((op,), "mysql")
    sql = "\n".join(statements)
    assert ("RENAME INDEX `team_id` TO `squad_id`" in sql) is renamed
    assert "RENAME COLUMN `team_id` TO `squad_id`" in sql
