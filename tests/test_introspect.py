"""Introspection on real databases: random schemas round-trip, and each feature by hand."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings

from autodiff.database import VERSION_TABLE, Database
from autodiff.dialects import dialect_for
from autodiff.introspect import INTROSPECTORS, introspect
from autodiff.introspect.sqlite_ddl import (
    needs_parse,
    parse_create_index,
    parse_create_table,
    view_query,
)
from autodiff.model import (
    Check,
    Column,
    Computed,
    Enum,
    ForeignKey,
    Index,
    PrimaryKey,
    Schema,
    Sequence,
    Table,
    Trigger,
    Unique,
    View,
)
from autodiff.render import create_schema_sql
from tests.conftest import new_database
from tests.strategies import schemas

# Examples per dialect; raise it (AUTODIFF_EXAMPLES=500) for a deeper search.
EXAMPLES = int(os.environ.get("AUTODIFF_EXAMPLES", "30"))


class Scratch:
    """One database reused by every example of a property, emptied in between."""

    def __init__(self, dialect: str, folder: Path) -> None:
        self.db = new_database(dialect, folder)
        self.d = dialect_for(self.db)
        self.d.create_database(self.db)

    def reset(self) -> Any:
        """An open connection to the database, emptied of every object."""
        if self.db.dialect == "postgresql":
            conn = self.d.connect(self.db)
            self.d.execute(conn, "DROP SCHEMA public CASCADE")
            self.d.execute(conn, "CREATE SCHEMA public")
            return conn
        self.d.drop_database(self.db)
        self.d.create_database(self.db)
        return self.d.connect(self.db)

    def drop(self) -> None:
        """Drop the database."""
        self.d.drop_database(self.db)


@pytest.fixture
def scratch(dialect: str, tmp_path: Path) -> Iterator[Scratch]:
    """A scratch database on ``dialect`` for a property test."""
    s = Scratch(dialect, tmp_path)
    try:
        yield s
    finally:
        s.drop()


def create(db: Database, conn: Any, schema: Schema) -> None:
    """Run the statements that create ``schema``."""
    d = dialect_for(db)
    for statement in create_schema_sql(schema):
        d.execute(conn, statement)


def test_random_schemas_round_trip(scratch: Scratch) -> None:
    """Any schema created from create_schema_sql() introspects back equal."""
    dialect = scratch.db.dialect

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(schemas(dialect))
    def check(schema: Schema) -> None:
        note(";\n".join(create_schema_sql(schema)))
        conn = scratch.reset()
        try:
            create(scratch.db, conn, schema)
            got = introspect(scratch.db, conn)
        finally:
            conn.close()
        assert got.to_json() == schema.to_json()
        assert got == schema

    check()


# -- hand-written cases, one per dialect -----------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "introspect"
# Functions are not part of the schema model: a trigger's function is set up by hand.
PRELUDE = {
    "postgresql": """
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER tr BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION touch();
""",
}
PRELUDE_FOR_COPY = {
    "postgresql": "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
                  "$$BEGIN RETURN NEW; END$$",
}


def run_script(db: Database, conn: Any, script: str) -> None:
    """Run a script of ;-separated statements (no ; inside bodies except where noted)."""
    d = dialect_for(db)
    if db.dialect == "sqlite":
        conn.executescript(script)
        return
    for statement in _statements(script):
        d.execute(conn, statement)


def _statements(script: str) -> list[str]:
    # $$-quoted bodies hold semicolons; nothing else in these fixtures does.
    out, buf, quoted = [], "", False
    for part in script.split("$$"):
        if quoted:
            buf += "$$" + part + "$$"
        else:
            pieces = part.split(";")
            buf += pieces[0]
            for piece in pieces[1:]:
                out.append(buf)
                buf = piece
        quoted = not quoted
    out.append(buf)
    return [s.strip() for s in out if s.strip()]


@pytest.fixture
def features(empty_db: Database) -> Schema:
    """fixtures/introspect/<dialect>.sql, run and introspected."""
    d = dialect_for(empty_db)
    conn = d.connect(empty_db)
    try:
        run_script(empty_db, conn, (FIXTURES / f"{empty_db.dialect}.sql").read_text("utf-8"))
        run_script(empty_db, conn, PRELUDE.get(empty_db.dialect, ""))
        return introspect(empty_db, conn)
    finally:
        conn.close()


def _table(schema: Schema, name: str) -> Any:
    table = schema.table(name)
    assert table is not None, f"no table {name!r} in {[t.name for t in schema.tables]}"
    return table


def _col(schema: Schema, table: str, column: str) -> Any:
    col = _table(schema, table).column(column)
    assert col is not None
    return col


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_sqlite_features(features: Schema) -> None:
    assert [t.name for t in features.tables] == [
        "child, (odd)", "counted", "keyed", "parent", "plain"]  # no sqlite_sequence
    # INTEGER PRIMARY KEY is the rowid alias: it numbers itself and cannot be NULL.
    assert _col(features, "parent", "id") == Column("id", "integer", False, autoincrement=True)
    assert _col(features, "counted", "id").autoincrement
    assert not _col(features, "plain", "id").autoincrement  # INT is no rowid alias
    assert not _col(features, "keyed", "id").autoincrement  # WITHOUT ROWID has none
    assert _table(features, "parent").uniques == (Unique("parent_code", ("code",)),)
    child = _table(features, "child, (odd)")
    assert child.checks == (Check(None, 'LENGTH("name") < 10'), Check("ck, a", '"a ""b" > 0'))
    assert child.column("total") == Column("total", "integer",
                                           computed=Computed('"a ""b" * 2', stored=True))
    assert child.column("half") == Column("half", "integer", computed=Computed('"a ""b" / 2'))
    assert child.column("name") == Column("name", "text", default="'x'", collation="nocase")
    assert child.foreign_keys == (
        ForeignKey("child_code", ("code",), "parent", ("code",), on_update="RESTRICT"),
        ForeignKey("fk_parent", ("parent_id",), "parent", ("id",), on_delete="CASCADE"))
    assert child.indexes == (
        Index("child_lower", expressions=('LOWER("name")',)),
        Index("child_partial", columns=('a "b',), unique=True, where='"a ""b" > 10'))
    assert features.views == (View("v", "SELECT id, code FROM parent"),)
    assert [(t.name, t.table) for t in features.triggers] == [("tr", "parent")]
    assert features.triggers[0].definition.startswith("CREATE TRIGGER tr AFTER INSERT ON parent")


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_postgresql_features(features: Schema) -> None:
    assert features.enums == (Enum("Big Mood", ("a'b", "c")), Enum("mood", ("happy", "sad")))
    parent = _table(features, "parent")
    # serial and bigserial: an integer type plus autoincrement, no nextval() default.
    assert parent.column("id") == Column("id", "integer", False, autoincrement=True)
    assert parent.column("big") == Column("big", "bigint", False, autoincrement=True)
    assert parent.column("feeling") == Column("feeling", "mood", default="'happy'")
    assert parent.column("other") == Column("other", '"Big Mood"')
    assert parent.primary_key == PrimaryKey(("id",), "parent_pkey")
    assert parent.uniques == (Unique("parent_code_key", ("code",)),)
    assert parent.indexes == ()  # the indexes behind the constraints are not indexes
    child = _table(features, "child")
    assert child.column("id") == Column("id", "integer", False, autoincrement=True,
                                        identity="ALWAYS")
    assert child.column("n") == Column("n", "bigint", False, autoincrement=True)
    assert child.column("price") == Column("price", "numeric(10,2)", default="1.5")
    assert child.column("doubled") == Column("doubled", "numeric",
                                             computed=Computed('"price" * 2', stored=True))
    assert child.column("name") == Column("name", "varchar(20)", False, "'x'",
                                          collation="C", comment="the name's")
    assert child.column("tags") == Column("tags", "text[]", default="'{}'")
    assert child.comment == "children"
    assert child.checks == (Check("child_name_nonempty", 'LENGTH("name") > 0'),
                            Check("child_price_check", '"price" >= 0'))
    assert child.foreign_keys == (ForeignKey(
        "child_parent_id_fkey", ("parent_id",), "parent", ("id",), on_delete="SET NULL",
        on_update="RESTRICT"),)
    assert child.indexes == (
        Index("child_lower", expressions=('LOWER("name")',)),
        Index("child_mixed", expressions=('"parent_id"', 'LOWER("name")')),
        Index("child_partial", columns=("parent_id", "n"), unique=True, where='"price" > 0'))
    assert features.views == (View(
        "v", "SELECT child.id, child.name FROM child WHERE child.price > 0::numeric"),)
    assert features.triggers == (Trigger(
        "tr", "child",
        "CREATE TRIGGER tr BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION touch()"),)


@pytest.mark.parametrize("dialect", ["mysql"])
def test_mysql_features(features: Schema) -> None:
    parent = _table(features, "parent")
    assert parent.column("id") == Column("id", "int", False, autoincrement=True)
    assert parent.column("flag") == Column("flag", "tinyint(1)", default="1")
    assert parent.primary_key == PrimaryKey(("id",))
    assert parent.uniques == (Unique("parent_code", ("code",)),)
    assert parent.comment == "parents"
    child = _table(features, "child")
    assert child.column("id") == Column("id", "bigint unsigned", False, autoincrement=True)
    assert child.column("price") == Column("price", "decimal(10,2)", default="1.5",
                                           comment="the price's")
    assert child.column("doubled") == Column("doubled", "decimal(12,2)",
                                             computed=Computed("`price` * 2", stored=True))
    assert child.column("tripled") == Column("tripled", "decimal(12,2)",
                                             computed=Computed("`price` * 3"))
    assert child.column("name") == Column("name", "varchar(20)", False, "'x'",
                                          collation="utf8mb4_bin")
    assert child.column("doc") == Column("doc", "json")  # MariaDB: LONGTEXT + json_valid()
    assert child.column("created") == Column("created", "datetime(6)",
                                             default="CURRENT_TIMESTAMP(6)")
    assert child.column("kind") == Column("kind", "enum('a','b')", default="'a'")
    assert child.uniques == (Unique("child_name", ("name",)),)  # a unique index
    assert child.indexes == (Index("child_kind", ("kind", "created")),)  # no FK index
    assert child.foreign_keys == (ForeignKey(
        "child_parent", ("parent_id",), "parent", ("id",), on_delete="CASCADE"),)
    assert child.checks == (Check("child_price", "`price` >= 0"),)
    assert features.views == (View(
        "v", "select `child`.`id` AS `id`,`child`.`name` AS `name` from `child` "
             "where `child`.`price` > 0"),)
    assert features.triggers == (Trigger(
        "tr", "child", "CREATE TRIGGER `tr` BEFORE INSERT ON `child` FOR EACH ROW "
                       "SET NEW.name = lower(NEW.name)"),)
    now, now3, now6 = "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP(3)", "CURRENT_TIMESTAMP(6)"
    assert _table(features, "stamp").columns[1:] == (  # ON UPDATE, each spelling
        Column("a", "timestamp", False, now, on_update=now),
        Column("b", "timestamp(3)", on_update=now3),
        Column("c", "datetime(6)", default=now6, on_update=now6, comment="c"),
        Column("d", "datetime", on_update=now),
        Column("e", "datetime(2)", default="CURRENT_TIMESTAMP(2)"),
        # MariaDB gives it DEFAULT '0000-00-00 00:00:00.000000', as if none were given.
        Column("f", "datetime(6)", False, on_update=now6))


def assert_recreates(schema: Schema, tmp_path: Path, prelude: str | None = None) -> None:
    """create_schema_sql(schema) in a new database (after ``prelude``) reads back equal."""
    copy = new_database(schema.dialect, tmp_path)
    d = dialect_for(copy)
    d.create_database(copy)
    try:
        conn = d.connect(copy)
        try:
            if prelude:
                d.execute(conn, prelude)
            create(copy, conn, schema)
            assert introspect(copy, conn) == schema
        finally:
            conn.close()
    finally:
        d.drop_database(copy)


def test_features_recreate_equal(features: Schema, dialect: str, tmp_path: Path) -> None:
    """create_schema_sql() of an introspected schema creates the same schema again."""
    assert_recreates(features, tmp_path, PRELUDE_FOR_COPY.get(dialect))


# Sort order and deferral as each database's own DDL spells them (lower case, defaults
# written out), and what introspection must read back.
ORDERED = {
    "sqlite": """CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT, b INT);
CREATE TABLE c (id INT PRIMARY KEY, p_id INT REFERENCES p (id) deferrable initially deferred,
  q_id INT, FOREIGN KEY (q_id) REFERENCES p (id) DEFERRABLE INITIALLY IMMEDIATE);
CREATE INDEX ix_a ON p (a desc, b ASC);
CREATE UNIQUE INDEX ux_b ON p (b DESC);
CREATE INDEX ix_expr ON p (lower(a) DESC, b) WHERE b > 0""",
    "postgresql": """CREATE TABLE p (id int PRIMARY KEY, a text, b int);
CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED,
  q_id int, CONSTRAINT c_q FOREIGN KEY (q_id) REFERENCES p (id) DEFERRABLE);
CREATE INDEX ix_a ON p (a desc nulls first, b asc nulls first);
CREATE UNIQUE INDEX ux_b ON p (b DESC NULLS LAST);
CREATE INDEX ix_expr ON p (lower(a) DESC, b) WHERE b > 0""",
    "mysql": """CREATE TABLE p (id int PRIMARY KEY, a varchar(10), b int);
CREATE INDEX ix_a ON p (a desc, b ASC);
CREATE UNIQUE INDEX ux_b ON p (b DESC)""",
}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_sort_order_and_deferral_are_read(empty_db: Database, tmp_path: Path) -> None:
    d = dialect_for(empty_db)
    conn = d.connect(empty_db)
    try:
        run_script(empty_db, conn, ORDERED[empty_db.dialect])
        schema = introspect(empty_db, conn)
    finally:
        conn.close()
    p = _table(schema, "p")
    pg = empty_db.dialect == "postgresql"
    # PostgreSQL keeps a NULLS clause only where it is not the default for the direction.
    want = [Index("ix_a", ("a", "b"), orders=("DESC", "NULLS FIRST" if pg else "")),
            Index("ux_b", ("b",), unique=True, orders=("DESC NULLS LAST" if pg else "DESC",))]
    if empty_db.dialect != "mysql":  # MariaDB has no expression indexes
        want.append(Index("ix_expr", expressions=('LOWER("a")', '"b"'), where='"b" > 0',
                          orders=("DESC", "")))
    assert p.indexes == Table("p", indexes=tuple(want)).indexes  # sorted by name
    assert p.uniques == ()  # a unique DESC index is an index on MySQL too
    if empty_db.dialect != "mysql":
        timing = [(fk.columns, fk.deferrable, fk.initially)
                  for fk in _table(schema, "c").foreign_keys]
        # SQLite: DEFERRABLE INITIALLY IMMEDIATE behaves as no clause at all.
        assert sorted(timing) == [(("p_id",), True, "DEFERRED"), (("q_id",), pg, None)]
    assert_recreates(schema, tmp_path)


SEQUENCES = """
CREATE SEQUENCE plain_seq;
CREATE SEQUENCE "Odd Seq" AS integer INCREMENT BY -3 MINVALUE -1000 START WITH -10 CACHE 5 CYCLE;
CREATE SEQUENCE stated AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807
  START WITH 1 CACHE 1 NO CYCLE;
CREATE SEQUENCE owned_seq;
CREATE TABLE t (
  id serial PRIMARY KEY,
  ident bigint GENERATED ALWAYS AS IDENTITY,
  by_default integer GENERATED BY DEFAULT AS IDENTITY,
  n bigint DEFAULT nextval('plain_seq'),
  o integer DEFAULT nextval('"Odd Seq"'::regclass),
  owned bigint
);
ALTER SEQUENCE owned_seq OWNED BY t.owned;
"""


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_standalone_sequences_and_identity_kinds_are_read(empty_db: Database,
                                                          tmp_path: Path) -> None:
    d = dialect_for(empty_db)
    conn = d.connect(empty_db)
    try:
        run_script(empty_db, conn, SEQUENCES)
        schema = introspect(empty_db, conn)
    finally:
        conn.close()
    # Those of serial and identity columns, and one OWNED BY a column, are the columns'.
    assert schema.sequences == (
        Sequence("Odd Seq", "integer", -3, start=-10, minvalue=-1000, cache=5, cycle=True),
        Sequence("plain_seq"), Sequence("stated"))
    t = _table(schema, "t")
    assert [(c.name, c.autoincrement, c.identity, c.default) for c in t.columns] == [
        ("id", True, None, None), ("ident", True, "ALWAYS", None),
        ("by_default", True, None, None), ("n", False, None, "NEXTVAL('plain_seq')"),
        ("o", False, None, "NEXTVAL('\"Odd Seq\"')"), ("owned", False, None, None)]
    assert_recreates(schema, tmp_path)


def test_version_table_is_not_part_of_the_schema(empty_db: Database) -> None:
    d = dialect_for(empty_db)
    conn = d.connect(empty_db)
    try:
        d.execute(conn, f"CREATE TABLE {d.quote(VERSION_TABLE)} (version integer PRIMARY KEY, "
                        "script varchar(200) UNIQUE)")
        d.execute(conn, f"CREATE INDEX ix_version ON {d.quote(VERSION_TABLE)} (script)")
        d.execute(conn, "CREATE TABLE kept (id integer PRIMARY KEY)")
        schema = introspect(empty_db, conn)
    finally:
        conn.close()
    assert [t.name for t in schema.tables] == ["kept"]


def test_introspect_opens_its_own_connection(empty_db: Database) -> None:
    assert introspect(empty_db) == Schema(empty_db.dialect)


def test_tables_referencing_each_other(empty_db: Database) -> None:
    """A foreign key cycle is created (ALTER TABLE afterwards, or inline on SQLite)."""
    def table(name: str, other: str) -> Table:
        return Table(name, columns=(Column("id", "integer", False), Column("other", "integer")),
                     primary_key=PrimaryKey(("id",)),
                     foreign_keys=(ForeignKey(f"{name}_fk", ("other",), other, ("id",)),))
    schema = Schema(empty_db.dialect, tables=(table("a", "b"), table("b", "a")))
    if empty_db.dialect == "postgresql":  # PostgreSQL names its primary keys
        schema = Schema("postgresql", tables=tuple(
            replace(t, primary_key=PrimaryKey(("id",), f"{t.name}_pkey")) for t in schema.tables))
    if empty_db.dialect == "mysql":
        schema = Schema("mysql", tables=tuple(
            replace(t, columns=tuple(replace(c, type="int") for c in t.columns))
            for t in schema.tables))
    d = dialect_for(empty_db)
    conn = d.connect(empty_db)
    try:
        create(empty_db, conn, schema)
        assert introspect(empty_db, conn) == schema
    finally:
        conn.close()


# -- a constant number of queries ------------------------------------------------

def _chain(dialect: str, n: int) -> Schema:
    """``n`` tables, each with a key, a unique, an index, a check and a foreign key."""
    int_type = "int" if dialect == "mysql" else "integer"
    tables = []
    for i in range(n):
        tables.append(Table(
            f"t{i}",
            columns=(Column("id", int_type, False), Column("n", int_type),
                     Column("code", "varchar(20)"), Column("prev", int_type)),
            primary_key=PrimaryKey(("id",)),
            uniques=(Unique(f"t{i}_code", ("code",)),),
            indexes=(Index(f"t{i}_n", ("n",)),),
            checks=(Check(f"t{i}_ck", '"n" > 0' if dialect != "mysql" else "`n` > 0"),),
            foreign_keys=(ForeignKey(f"t{i}_fk", ("prev",), f"t{max(i - 1, 0)}", ("id",)),)))
    views = (View("v", "SELECT 1 AS one"),)
    return Schema(dialect, tables=tuple(tables), views=views)


def count_queries(db: Database, conn: Any) -> int:
    """How many queries introspecting ``db`` takes (the dialect's query() is counted)."""
    base = type(dialect_for(db))
    calls: list[str] = []

    class Counting(base):  # type: ignore[valid-type,misc]
        def query(self, conn: Any, sql: str, params: Any = ()) -> Any:
            calls.append(sql)
            return super().query(conn, sql, params)

    INTROSPECTORS[db.dialect](Counting(), conn)
    return len(calls)


def test_query_count_does_not_grow_with_tables(dialect: str, tmp_path: Path) -> None:
    counts = []
    for n in (3, 30):
        db = new_database(dialect, tmp_path)
        d = dialect_for(db)
        d.create_database(db)
        try:
            conn = d.connect(db)
            try:
                create(db, conn, _chain(dialect, n))
                counts.append(count_queries(db, conn))
                assert len(introspect(db, conn).tables) == n
            finally:
                conn.close()
        finally:
            d.drop_database(db)
    assert counts[0] == counts[1] <= 8


# -- SQLite's stored CREATE statements (pure) ---------------------------------------

def test_parse_create_table_with_tricky_names_and_comments() -> None:
    sql = '''CREATE TABLE "a, (b)" ( -- a comment, with (parens)
      "x ""y" INTEGER CONSTRAINT "c,1" CHECK ("x ""y" > 0) /* more, ( */ COLLATE NOCASE,
      [z] TEXT DEFAULT (',') CONSTRAINT fk REFERENCES "p q" (id),
      g AS ("x ""y" * 2) STORED,
      CONSTRAINT "u (1)" UNIQUE ("x ""y", [z]),
      CHECK (z <> ')')
    ) WITHOUT ROWID'''
    parsed = parse_create_table(sql)
    assert parsed.checks == [("c,1", '"x ""y" > 0'), (None, "z <> ')'")]
    assert parsed.uniques == [("u (1)", ('x "y', "z"))]
    assert parsed.foreign_keys == [("fk", ("z",), "p q", False)]
    assert parsed.collations == {'x "y': "NOCASE"}
    assert parsed.generated == {"g": ('"x ""y" * 2', True)}
    assert "WITHOUT ROWID" in parsed.options


def test_parse_create_index_and_view() -> None:
    assert parse_create_index(
        'CREATE UNIQUE INDEX "i" ON "t" (lower(a) COLLATE NOCASE DESC, "b") WHERE a > 0;'
    ) == (["lower(a)", '"b"'], "a > 0")
    assert parse_create_table(
        'CREATE TABLE t (a INT REFERENCES p DEFERRABLE INITIALLY DEFERRED NOT NULL, '
        'b INT CONSTRAINT f REFERENCES p NOT DEFERRABLE INITIALLY DEFERRED, '
        'c INT REFERENCES p ON DELETE SET NULL DEFERRABLE CHECK (c > 0) , '
        'FOREIGN KEY (c) REFERENCES p (id) MATCH SIMPLE DEFERRABLE INITIALLY DEFERRED)'
    ).foreign_keys == [(None, ("a",), "p", True), ("f", ("b",), "p", False),
                       (None, ("c",), "p", False), (None, ("c",), "p", True)]
    assert view_query('CREATE VIEW IF NOT EXISTS "v AS x" (a, b) AS SELECT 1, 2') == \
        "SELECT 1, 2"


def test_reading_some_tables_reads_them_whole(features: Schema, empty_db: Database) -> None:
    """``introspect(tables=...)``: those tables as a full read has them, and everything
    that is not a table; PostgreSQL reads no other table (the proof on a replay)."""
    names = {t.name for t in features.tables}
    some = set(sorted(names)[:2])
    part = introspect(empty_db, tables=some)
    assert {t.name for t in part.tables} >= some
    if empty_db.dialect == "postgresql":
        assert {t.name for t in part.tables} == some
    for name in some:
        assert part.table(name) == features.table(name)
    assert (part.views, part.triggers, part.enums, part.sequences) == (
        features.views, features.triggers, features.enums, features.sequences)
    assert introspect(empty_db, tables=set()).tables == (
        () if empty_db.dialect == "postgresql" else features.tables)


@pytest.mark.parametrize(("sql", "parse"), [
    ("CREATE TABLE t (a INT REFERENCES p ON DELETE RESTRICT)", False),  # no STRICT table
    ("CREATE TABLE t (a INT) strict", True),
    ("create table t (id integer primary key autoincrement)", True),
    ("CREATE TABLE t (a INT CHECK (a > 0))", True),
    ("CREATE TABLE t (a INT, b TEXT)", False),
])
def test_only_a_create_table_that_can_say_more_is_parsed(sql: str, parse: bool) -> None:
    assert needs_parse(sql) is parse


@pytest.mark.parametrize(("sql", "keywords"), [
    ("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT DEFAULT 'strict') "
     "STRICT, WITHOUT ROWID", ("AUTOINCREMENT", "STRICT", "WITHOUT ROWID")),
    ('CREATE TABLE "strict" (x TEXT DEFAULT \'AUTOINCREMENT\', "autoincrement" INT)', ()),
    ("create table t (id integer primary key autoincrement)", ("AUTOINCREMENT",)),
    ("CREATE TABLE t (a INT, b INT, PRIMARY KEY (a, b)) WITHOUT ROWID", ("WITHOUT ROWID",)),
    ("CREATE TABLE t (x ANY) -- STRICT\n", ()),
])
def test_sqlite_table_options_are_read_from_the_create_table(
        sql: str, keywords: tuple[str, ...]) -> None:
    assert parse_create_table(sql).options == keywords
