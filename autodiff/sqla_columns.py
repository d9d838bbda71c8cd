"""A model column as ``sqla.py`` reads it: type, nullability, default, numbering,
generation and collation, each as the database will report it after ``create_all``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Column as SAColumn
from sqlalchemy import Sequence
from sqlalchemy import Table as SATable

from autodiff.model import Column, Computed
from autodiff.normalize import normalize_collation, type_base
from autodiff.sequences import canonical_nextval
from autodiff.sqla_defaults import server_defaults

if TYPE_CHECKING:
    from autodiff.sqla import Target

# MySQL types that have a collation. https://dev.mysql.com/doc/refman/8.0/en/charset-column.html
_MYSQL_COLLATED = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum",
                   "set"}


def model_column(target: Target, table: SATable, col: SAColumn[Any], raw_type: str,
                 types: dict[str, str], pk_cols: tuple[str, ...],
                 numbered_col: SAColumn[Any] | None) -> Column:
    """One column of ``table`` through ``target``; ``raw_type`` is its type as DDL spells
    it, ``types`` the table's normalized types and ``numbered_col`` the table's
    ``autoincrement_column``."""
    dialect = target.dialect
    computed = None
    if col.computed is not None:
        persisted = col.computed.persisted
        if persisted is None and dialect == "postgresql":
            persisted = not getattr(target.sad, "supports_virtual_generated_columns", False)
        computed = Computed(target.expression(col.computed.sqltext, types), bool(persisted))
    autoincrement = _autoincrement(dialect, table, col, raw_type, pk_cols, numbered_col)
    default = on_update = None
    # SERIAL and AUTO_INCREMENT columns are created without their server default.
    numbered = autoincrement and col.identity is None and dialect != "sqlite"
    if computed is None and not numbered:
        default, on_update = server_defaults(dialect, target.ddl, col, types[col.name],
                                             target.default_sql(col))
    nullable = bool(col.nullable) and col.name not in pk_cols
    if computed is not None and getattr(target.sad, "is_mariadb", False):
        # MariaDB takes no NOT NULL on a generated column (a syntax error) and reports
        # each one nullable: https://mariadb.com/kb/en/generated-columns/
        nullable = True
    return Column(
        name=col.name, type=types[col.name], nullable=nullable,
        default=canonical_nextval(default), autoincrement=autoincrement, computed=computed,
        identity=_identity(dialect, col),
        collation=_collation(target, table, col, raw_type, types[col.name]),
        comment=col.comment if dialect != "sqlite" else None, on_update=on_update)


def dialect_option(obj: Any, dialect: str, name: str) -> Any:
    """``obj.dialect_options[dialect][name]``, or None where the model gives no option
    for ``dialect`` (asking builds that dialect's defaults for the object: 2,000 indexes
    of 1,000 models, a tenth of the first schema_from_metadata) or SQLAlchemy has no
    such option."""
    options = obj.dialect_options
    return options[dialect].get(name) if dialect in options else None


def _identity(dialect: str, col: SAColumn[Any]) -> str | None:
    """``"ALWAYS"`` for ``Identity(always=True)``, on PostgreSQL (which alone has it)."""
    return "ALWAYS" if dialect == "postgresql" and getattr(col.identity, "always", False) \
        else None


def _autoincrement(dialect: str, table: SATable, col: SAColumn[Any], raw_type: str,
                   pk_cols: tuple[str, ...], numbered_col: SAColumn[Any] | None) -> bool:
    """Whether the database numbers the column itself, as SQLAlchemy creates it."""
    if dialect == "sqlite":
        # The rowid alias: a sole primary key declared exactly INTEGER, in a rowid table.
        # https://www.sqlite.org/lang_createtable.html#rowid
        return (pk_cols == (col.name,) and raw_type.upper() == "INTEGER"
                and dialect_option(table, "sqlite", "with_rowid") is not False)
    # SQLAlchemy numbers its autoincrement column (SERIAL, AUTO_INCREMENT) unless a
    # Sequence of the model's own does it; PostgreSQL also has Identity() anywhere.
    default = col.default
    numbered = numbered_col is col and not (
        isinstance(default, Sequence) and not default.optional)
    if dialect == "postgresql":
        return col.identity is not None or numbered
    return numbered and (col.server_default is None or col.identity is not None)


def _collation(target: Target, table: SATable, col: SAColumn[Any], raw_type: str,
               type_: str) -> str | None:
    """The column's collation as the database reports it."""
    collation = getattr(col.type, "collation", None)
    flavor = target.flavor
    if target.dialect == "mysql" and type_base(type_) in _MYSQL_COLLATED:
        # MySQL reports the collation a column ends up with (its own, its character
        # set's, its table's) unless it is the database's default.
        charset = getattr(col.type, "charset", None)
        if raw_type.upper().startswith("NATIONAL "):
            # https://dev.mysql.com/doc/refman/8.0/en/charset-national.html
            charset = "utf8mb3" if "utf8mb3" in flavor.charsets else "utf8"
        if collation is None and charset:
            collation = flavor.charsets.get(charset)
        collation = collation or _table_collation(target, table)
        if collation == flavor.collation:
            return None
    return normalize_collation(target.dialect, collation)


def _table_collation(target: Target, table: SATable) -> str | None:
    options = {k.split("_", 1)[1].replace("_", " ").lower(): v
               for k, v in table.kwargs.items() if k.startswith(("mysql_", "mariadb_"))}
    collate = options.get("collate") or options.get("default collate")
    if collate:
        return str(collate)
    charset = next((options[k] for k in ("charset", "default charset", "character set",
                                         "default character set") if k in options), None)
    return target.flavor.charsets.get(str(charset)) if charset else None
