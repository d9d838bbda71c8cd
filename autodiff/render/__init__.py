"""SQL rendering: an explicit registry of one small renderer class per dialect."""

from __future__ import annotations

from collections.abc import Sequence

from autodiff.model import Schema
from autodiff.ops import Op
from autodiff.render.base import Renderer
from autodiff.render.mysql import MySQLRenderer
from autodiff.render.postgresql import PostgreSQLRenderer
from autodiff.render.sqlite import SQLiteRenderer

RENDERERS: dict[str, type[Renderer]] = {
    "sqlite": SQLiteRenderer,
    "postgresql": PostgreSQLRenderer,
    "mysql": MySQLRenderer,
}


def renderer_for(dialect: str) -> Renderer:
    """The renderer for a dialect name."""
    return RENDERERS[dialect]()


def create_schema_sql(schema: Schema) -> list[str]:
    """Statements that create ``schema`` in an empty database of its dialect."""
    return renderer_for(schema.dialect).create_schema_sql(schema)


def render_ops(planned: Sequence[Op], dialect: str) -> list[tuple[Op, list[str]]]:
    """Each (already planned) op with its statements, no trailing semicolons.

    Raises UnsupportedChange naming the first op ``dialect`` cannot express.
    """
    renderer = renderer_for(dialect)
    return [(op, renderer.render(op)) for op in planned]


__all__ = ["RENDERERS", "Renderer", "create_schema_sql", "render_ops", "renderer_for"]
