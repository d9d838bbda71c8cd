"""MySQL and MariaDB: information_schema over the connected database, seven queries.

MySQL cannot tell a unique constraint from a unique index, so every unique index
but the primary key is a ``Unique``; the index InnoDB adds for a foreign key
(named as the key, or as its first column, on its columns) is not reported; a
column's collation is reported when it is not the database's default; MariaDB's
JSON (a LONGTEXT with a ``json_valid`` check) reads back as ``json``.
"""

from __future__ import annotations

import re
from typing import Any

from autodiff.database import VERSION_TABLE
from autodiff.dialects import Dialect
from autodiff.innodb import made_for
from autodiff.introspect.common import group, text
from autodiff.model import (
    Check,
    Column,
    Computed,
    ForeignKey,
    Index,
    PrimaryKey,
    Schema,
    Table,
    Trigger,
    Unique,
    View,
)
from autodiff.normalize import (
    is_numeric_type,
    mysql_implicit_default,
    normalize_collation,
    normalize_default,
    normalize_expression,
    normalize_fk_action,
    normalize_index_order,
    normalize_on_update,
    normalize_type,
    normalize_view,
)

# A column's collation is reported when it differs from the database's default, so a
# table's own default (DEFAULT CHARSET/COLLATE, not modelled) shows on its columns and a
# table created without one compares equal: https://mariadb.com/kb/en/setting-character-sets-and-collations/
_TABLES = """SELECT TABLE_NAME, TABLE_COMMENT, @@collation_database FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> %s"""
_COLUMNS = """SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
  COLLATION_NAME, COLUMN_COMMENT, GENERATION_EXPRESSION FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> %s ORDER BY TABLE_NAME, ORDINAL_POSITION"""
# {expression}: MySQL 8's functional key parts; MariaDB has no such column.
# COLLATION: 'D' for a descending key part (MySQL 8, MariaDB 10.8+).
_INDEXES = """SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, INDEX_TYPE, {expression},
  COLLATION FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> %s
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"""
_FOREIGN_KEYS = """SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
  k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
  AND r.TABLE_NAME = k.TABLE_NAME
WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"""
# MariaDB names checks per table (CHECK_CONSTRAINTS has TABLE_NAME); MySQL per schema.
_CHECKS = {
    True: """SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()""",
    False: """SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE
FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'""",
}
_VIEWS = """SELECT TABLE_NAME, VIEW_DEFINITION, DATABASE() FROM information_schema.VIEWS
WHERE TABLE_SCHEMA = DATABASE()"""
_TRIGGERS = """SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION,
  ACTION_ORIENTATION, ACTION_STATEMENT FROM information_schema.TRIGGERS
WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE <> %s"""


def read_schema(d: Dialect, conn: Any) -> Schema:
    """The schema of the connected database on an open MySQL/MariaDB connection."""
    mariadb = "mariadb" in conn.get_server_info().lower()
    tables = d.query(conn, _TABLES, (VERSION_TABLE,))
    columns = group(d.query(conn, _COLUMNS, (VERSION_TABLE,)))
    expression = "NULL" if mariadb else "EXPRESSION"
    indexes = group(d.query(conn, _INDEXES.format(expression=expression), (VERSION_TABLE,)))
    fks = group(d.query(conn, _FOREIGN_KEYS))
    checks = group(d.query(conn, _CHECKS[mariadb]))
    views = d.query(conn, _VIEWS)
    triggers = d.query(conn, _TRIGGERS, (VERSION_TABLE,))
    return Schema(
        "mysql",
        tables=tuple(
            _table(name, text(comment), default_collation, columns.get(name, []),
                   indexes.get(name, []), fks.get(name, []), checks.get(name, []), mariadb)
            for name, comment, default_collation in tables),
        views=tuple(View(name, _view(text(sql) or "", db)) for name, sql, db in views),
        triggers=tuple(_trigger(d, *row) for row in triggers),
    )


def _table(name: str, comment: str | None, default_collation: str, columns: list[tuple[Any, ...]],
           indexes: list[tuple[Any, ...]], fk_rows: list[tuple[Any, ...]],
           check_rows: list[tuple[Any, ...]], mariadb: bool) -> Table:
    checks = {n: text(clause) or "" for n, clause in check_rows}
    cols = tuple(_column(row, default_collation, checks, mariadb) for row in columns)
    foreign_keys = tuple(_foreign_key(n, parts) for n, parts in group(fk_rows).items())
    pk, uniques, plain = None, [], []
    for index_name, parts in group(indexes).items():
        non_unique, index_type = int(parts[0][0]), parts[0][2]
        keys = tuple(p[1] for p in parts)
        if index_name == "PRIMARY":
            pk = PrimaryKey(keys)
        elif index_type in ("FULLTEXT", "SPATIAL"):
            continue  # not modelled
        elif not non_unique and not _descending(parts):
            uniques.append(Unique(index_name, keys))  # a DESC one stays an index, as in sqla
        elif not any(made_for(fk, index_name, keys) for fk in foreign_keys):
            plain.append(_index(index_name, parts))
    types = {c.name: c.type for c in cols}
    return Table(
        name, columns=cols, primary_key=pk, uniques=tuple(uniques), indexes=tuple(plain),
        foreign_keys=foreign_keys,
        checks=tuple(Check(n, normalize_expression("mysql", clause, types))
                     for n, clause in checks.items()),
        comment=comment or None,
    )


def _column(row: tuple[Any, ...], default_collation: str, checks: dict[str, str],
            mariadb: bool) -> Column:
    name, raw_type, nullable, default, extra, collation, comment, generated = row
    type_ = normalize_type("mysql", text(raw_type) or "")
    extra = (extra or "").upper()
    default = text(default)
    if mariadb and type_ == "longtext" and _is_json_check(checks.get(name), name):
        # MariaDB's JSON is LONGTEXT COLLATE utf8mb4_bin plus CHECK (json_valid(col)).
        # https://mariadb.com/kb/en/json-data-type/
        del checks[name]
        type_, collation = "json", None
    elif not mariadb and default is not None and "DEFAULT_GENERATED" not in extra:
        default = _mysql8_literal(default, type_)
    computed = None
    if "GENERATED" in extra and generated:
        stored = "STORED" in extra or "PERSISTENT" in extra
        computed, default = Computed(normalize_expression("mysql", text(generated) or ""),
                                     stored), None
    on_update = normalize_on_update("mysql", _on_update(extra), type_)
    return Column(
        name, type_,
        nullable=nullable == "YES",
        default=mysql_implicit_default(normalize_default("mysql", default, type_),
                                       nullable == "YES", on_update),
        autoincrement="AUTO_INCREMENT" in extra,
        computed=computed,
        collation=normalize_collation("mysql", collation)
        if collation and collation != default_collation else None,
        comment=text(comment) or None,
        on_update=on_update,
    )


def _on_update(extra: str) -> str | None:
    # EXTRA holds "on update current_timestamp(3)" on MariaDB, "DEFAULT_GENERATED on
    # update CURRENT_TIMESTAMP(3)" on MySQL 8, perhaps beside other words (INVISIBLE).
    # https://dev.mysql.com/doc/refman/8.0/en/information-schema-columns-table.html
    m = re.search(r"\bON UPDATE (\S+)", extra)
    return m.group(1) if m else None


def _is_json_check(clause: str | None, column: str) -> bool:
    quoted = "`" + column.replace("`", "``") + "`"
    return clause is not None and normalize_expression("mysql", clause) == normalize_expression(
        "mysql", f"json_valid({quoted})")


def _mysql8_literal(default: str, type_: str) -> str:
    # MySQL 8 shows a literal default unquoted (MariaDB quotes it), and marks
    # expression defaults DEFAULT_GENERATED. https://dev.mysql.com/doc/refman/8.0/en/information-schema-columns-table.html
    if is_numeric_type(type_) or re.fullmatch(r"(?i)current_timestamp(\(\d?\))?", default):
        return default
    return "'" + default.replace("\\", "\\\\").replace("'", "''") + "'"


def _descending(parts: list[tuple[Any, ...]]) -> bool:
    return any(text(p[4]) == "D" for p in parts)


def _index(name: str, parts: list[tuple[Any, ...]]) -> Index:
    unique = not int(parts[0][0])
    orders = tuple(normalize_index_order("mysql", text(p[4]) == "D") for p in parts)
    if all(p[1] is not None for p in parts):
        return Index(name, columns=tuple(p[1] for p in parts), unique=unique, orders=orders)
    return Index(name, unique=unique, orders=orders, expressions=tuple(
        normalize_expression("mysql", text(p[3]) or "") if p[1] is None
        else normalize_expression("mysql", "`" + p[1].replace("`", "``") + "`")
        for p in parts))


def _foreign_key(name: str, parts: list[tuple[Any, ...]]) -> ForeignKey:
    _, ref_table, _, on_update, on_delete = parts[0]
    return ForeignKey(name, tuple(p[0] for p in parts), ref_table, tuple(p[2] for p in parts),
                      on_delete=normalize_fk_action("mysql", on_delete),
                      on_update=normalize_fk_action("mysql", on_update))


def _view(sql: str, database: str) -> str:
    # MySQL qualifies every name in a stored view with the database; drop it so a
    # view reads the same in any database (string literals are left alone).
    qualifier = "`" + database.replace("`", "``") + "`."
    pattern = re.compile(r"('(?:[^'\\]|''|\\.)*')|" + re.escape(qualifier))
    return normalize_view("mysql", pattern.sub(lambda m: m.group(1) or "", sql))


def _trigger(d: Dialect, name: str, table: str, timing: str, event: str, orientation: str,
             statement: Any) -> Trigger:
    sql = (f"CREATE TRIGGER {d.quote(name)} {timing} {event} ON {d.quote(table)} "
           f"FOR EACH {orientation} {text(statement)}")
    return Trigger(name, table, sql)
