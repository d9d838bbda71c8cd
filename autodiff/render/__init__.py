"""SQL rendering: an explicit registry of one small renderer class per dialect."""

from __future__ import annotations

from autodiff.model import Schema
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


__all__ = ["RENDERERS", "Renderer", "create_schema_sql", "renderer_for"]
