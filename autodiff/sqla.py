"""SQLAlchemy models -> Schema, through the same normalizers as introspection.

Each type, default and expression is compiled by SQLAlchemy for the target dialect
(what ``metadata.create_all`` would send) and then normalized, so an unchanged model
and the database it created compare equal.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from pathlib import Path
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    MetaData,
    UniqueConstraint,
)
from sqlalchemy import Column as SAColumn
from sqlalchemy import Enum as SAEnum
from sqlalchemy import Index as SAIndex
from sqlalchemy import Table as SATable
from sqlalchemy.engine import Dialect as SADialect
from sqlalchemy.exc import CompileError
from sqlalchemy.sql.elements import ClauseElement, TextClause

from autodiff.diff import Renames
from autodiff.errors import ConfigError
from autodiff.model import (
    Check,
    Column,
    Computed,
    Enum,
    ForeignKey,
    Index,
    PrimaryKey,
    Schema,
    Table,
    Unique,
)
from autodiff.normalize import (
    normalize_collation,
    normalize_default,
    normalize_expression,
    normalize_fk_action,
    normalize_type,
)

RENAMED_FROM = "renamed_from"


# -- finding the user's MetaData ----------------------------------------------------

def load_models(spec: str, base_dir: Path) -> MetaData:
    """Import ``package.module:attr`` or ``path/file.py:attr`` and return its MetaData."""
    module_part, sep, attr = spec.rpartition(":")
    if not sep or not module_part or not attr:
        raise ConfigError(f"models must be module:attr or path/file.py:attr, got {spec!r}",
                          hint="e.g. --models myapp.models:Base")
    module = _import(module_part, base_dir)
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"{module_part} has no attribute {attr!r}",
                              hint="point at a MetaData, a declarative Base, a Flask-SQLAlchemy "
                                   "db or SQLModel")
        obj = getattr(obj, part)
    return metadata_of(obj, spec)


def metadata_of(obj: Any, spec: str = "models") -> MetaData:
    """The MetaData behind a MetaData, declarative base, Flask-SQLAlchemy ``db`` or SQLModel."""
    if isinstance(obj, MetaData):
        return obj
    metadata = getattr(obj, "metadata", None)
    if isinstance(metadata, MetaData):
        return metadata
    raise ConfigError(f"{spec} is a {type(obj).__name__}, not something with a MetaData",
                      hint="point at a MetaData, a declarative Base, a Flask-SQLAlchemy db "
                           "or SQLModel")


def _import(module_part: str, base_dir: Path) -> Any:
    is_path = module_part.endswith(".py") or "/" in module_part or "\\" in module_part
    path = (base_dir / module_part) if is_path else None
    if path is not None and not path.is_file():
        raise ConfigError(f"models file not found: {path}")
    root = str(path.parent if path is not None else base_dir)
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        if path is None:
            return importlib.import_module(module_part)
        name = f"autodiff_models_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    except ModuleNotFoundError as exc:
        if path is None and exc.name and module_part.startswith(exc.name):
            raise ConfigError(f"cannot import models module {module_part!r}",
                              hint=f"run from the project folder, or check [tool.autodiff] "
                                   f"models ({base_dir})") from None
        raise ConfigError(_user_error(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any error in user code is reported, not raised
        raise ConfigError(_user_error(exc), hint="fix the models module; the error is "
                                                 "in your code, not in autodiff") from None


def _user_error(exc: BaseException) -> str:
    """``file:line: Type: message`` at the deepest frame that is the user's code."""
    frames = traceback.extract_tb(exc.__traceback__)
    user = [f for f in frames if "site-packages" not in f.filename
            and "<frozen" not in f.filename and "/autodiff/" not in f.filename]
    where = f"{user[-1].filename}:{user[-1].lineno}: " if user else ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{exc.filename}:{exc.lineno}: "
    return f"error in models: {where}{type(exc).__name__}: {exc}"


# -- MetaData -> Schema ----------------------------------------------------------------

def sa_dialect(dialect: str) -> SADialect:
    """The SQLAlchemy dialect object used to compile models for ``dialect``."""
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    modules = {"sqlite": sqlite, "postgresql": postgresql, "mysql": mysql}
    return modules[dialect].dialect()


def schema_from_metadata(metadata: MetaData, dialect: str) -> Schema:
    """The Schema the models declare, in ``dialect``'s normalized terms."""
    sad = sa_dialect(dialect)
    tables = tuple(_table(t, dialect, sad) for t in metadata.sorted_tables)
    enums = _enums(metadata) if dialect == "postgresql" else ()
    return Schema(dialect, tables=tables, enums=enums)


def rename_hints(metadata: MetaData) -> Renames:
    """``info={"renamed_from": ...}`` hints on tables and columns, as Renames."""
    tables: dict[str, str] = {}
    columns: dict[tuple[str, str], str] = {}
    for table in metadata.tables.values():
        old = table.info.get(RENAMED_FROM)
        if isinstance(old, str) and old != table.name:
            tables[old] = table.name
        for col in table.columns:
            old_col = col.info.get(RENAMED_FROM)
            if isinstance(old_col, str) and old_col != col.name:
                columns[(table.name, old_col)] = col.name
    return Renames(tables, columns)


def _name(constraint: Any) -> str | None:
    # Unnamed constraints carry a sentinel (not a str) until the database names them.
    name = getattr(constraint, "name", None)
    return str(name) if isinstance(name, str) else None


def _table(table: SATable, dialect: str, sad: SADialect) -> Table:
    types = {c.name: _type(c, dialect, sad) for c in table.columns}
    pk_cols = tuple(c.name for c in table.primary_key.columns)
    columns = tuple(_column(table, c, types[c.name], pk_cols, dialect, sad)
                    for c in table.columns)
    uniques = [Unique(_name(c), tuple(col.name for col in c.columns))
               for c in table.constraints if isinstance(c, UniqueConstraint)]
    indexes: list[Index] = []
    for ix in table.indexes:
        index = _index(ix, dialect, sad, types)
        if dialect == "mysql" and index.unique and index.columns and index.where is None:
            uniques.append(Unique(index.name, index.columns))  # MySQL cannot tell them apart
        else:
            indexes.append(index)
    checks = [Check(_name(c), normalize_expression(dialect, _compile(c.sqltext, sad), types))
              for c in table.constraints if isinstance(c, CheckConstraint)]
    fks = [_foreign_key(c, dialect) for c in table.constraints
           if isinstance(c, ForeignKeyConstraint)]
    pk = PrimaryKey(pk_cols, _name(table.primary_key)) if pk_cols else None
    return Table(table.name, columns, pk, tuple(uniques), tuple(indexes), tuple(fks),
                 tuple(checks), table.comment if dialect != "sqlite" else None)


def _type(column: SAColumn[Any], dialect: str, sad: SADialect) -> str:
    try:
        compiled = column.type.compile(dialect=sad)
    except CompileError as exc:
        raise ConfigError(f"column {column.table.name}.{column.name}: {exc}",
                          hint=f"give the type what {dialect} needs (e.g. String(100))") from None
    return normalize_type(dialect, compiled)


def _column(table: SATable, col: SAColumn[Any], type_: str, pk_cols: tuple[str, ...],
            dialect: str, sad: SADialect) -> Column:
    computed = None
    if col.computed is not None:
        computed = Computed(normalize_expression(dialect, _compile(col.computed.sqltext, sad)),
                            bool(col.computed.persisted))
    default = None
    if col.server_default is not None and computed is None:
        default = normalize_default(dialect, _default_text(col.server_default, sad), type_)
    collation = getattr(col.type, "collation", None)
    return Column(
        name=col.name, type=type_, nullable=bool(col.nullable) and col.name not in pk_cols,
        default=default, autoincrement=_autoincrement(table, col, type_, pk_cols, dialect),
        computed=computed, collation=normalize_collation(dialect, collation),
        comment=col.comment if dialect != "sqlite" else None)


def _autoincrement(table: SATable, col: SAColumn[Any], type_: str, pk_cols: tuple[str, ...],
                   dialect: str) -> bool:
    if dialect == "sqlite":
        # The rowid alias: a sole primary key declared exactly INTEGER assigns itself.
        # https://www.sqlite.org/lang_createtable.html#rowid
        return pk_cols == (col.name,) and type_ == "integer"
    return col.identity is not None or table.autoincrement_column is col


def _default_text(default: Any, sad: SADialect) -> str | None:
    arg = getattr(default, "arg", None)
    if arg is None:
        return None
    if isinstance(arg, str):  # server_default="x" is the string literal 'x'
        return "'" + arg.replace("'", "''") + "'"
    if isinstance(arg, TextClause):
        return arg.text
    return _compile(arg, sad)


def _compile(clause: Any, sad: SADialect) -> str:
    if isinstance(clause, TextClause):
        return clause.text
    if isinstance(clause, ClauseElement):
        return str(clause.compile(dialect=sad, compile_kwargs={"literal_binds": True}))
    return str(clause)


def _index(ix: SAIndex, dialect: str, sad: SADialect, types: dict[str, str]) -> Index:
    columns: list[str] = []
    expressions: list[str] = []
    for element in ix.expressions:
        if isinstance(element, SAColumn):
            columns.append(element.name)
        else:
            expressions.append(normalize_expression(dialect, _compile(element, sad), types))
    options: Any = ix.dialect_options[dialect] if dialect in ("postgresql", "sqlite") else {}
    where_clause = options.get("where")
    where = normalize_expression(dialect, _compile(where_clause, sad), types) \
        if where_clause is not None else None
    if expressions:  # an index mixing columns and expressions is held as expressions
        expressions = [normalize_expression(dialect, _compile(e, sad), types)
                       for e in ix.expressions]
        columns = []
    return Index(str(ix.name), tuple(columns), bool(ix.unique), tuple(expressions), where)


def _foreign_key(fk: ForeignKeyConstraint, dialect: str) -> ForeignKey:
    elements = list(fk.elements)
    ref_table = elements[0].column.table.name
    return ForeignKey(_name(fk), tuple(e.parent.name for e in elements), ref_table,
                      tuple(e.column.name for e in elements),
                      normalize_fk_action(dialect, fk.ondelete),
                      normalize_fk_action(dialect, fk.onupdate))


def _enums(metadata: MetaData) -> tuple[Enum, ...]:
    found: dict[str, Enum] = {}
    for table in metadata.tables.values():
        for col in table.columns:
            t = col.type
            if isinstance(t, SAEnum) and t.native_enum and t.name:
                found[t.name] = Enum(t.name, tuple(t.enums))
    return tuple(found.values())
