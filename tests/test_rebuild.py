"""SQLite's 12-step table rebuild, for real: rows, keys, indexes, views and triggers kept.

The rebuilt table (book) has rows, a unique constraint, an index, a check, a foreign
key out (to author) and one in (from review, ON DELETE CASCADE: with foreign keys on,
the rebuild's DROP TABLE would delete every review), a trigger of its own, a trigger
on another table that writes to it, and a view over it with a view over that view.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from autodiff import ops
from autodiff.api import upgrade
from autodiff.database import Database, parse_database
from autodiff.diff import Renames, diff
from autodiff.errors import ScriptFailed
from autodiff.introspect import introspect
from autodiff.model import Schema, Table
from autodiff.plan import plan
from autodiff.render import render_ops
from tests.helpers import rows, write

SCHEMA = """
CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE book (
  id INTEGER PRIMARY KEY,
  author_id integer REFERENCES author (id),
  title varchar(50) NOT NULL,
  pages integer CHECK (pages > 0),
  isbn text,
  old_col text DEFAULT 'gone',
  CONSTRAINT book_isbn UNIQUE (isbn)
);
CREATE INDEX book_title ON book (title);
CREATE TABLE review (
  id INTEGER PRIMARY KEY,
  book_id integer NOT NULL REFERENCES book (id) ON DELETE CASCADE,
  stars integer
);
CREATE TABLE log (what text);
CREATE VIEW book_titles AS
  SELECT book.title, author.name FROM book JOIN author ON author.id = book.author_id;
CREATE VIEW short_titles AS SELECT title FROM book_titles WHERE length(title) < 6;
CREATE TRIGGER book_added AFTER INSERT ON book
  BEGIN INSERT INTO log VALUES ('added ' || NEW.title); END;
CREATE TRIGGER review_gone AFTER DELETE ON review
  BEGIN UPDATE book SET pages = pages WHERE id = OLD.book_id; END;
INSERT INTO author VALUES (1, 'Ada'), (2, 'Grace');
INSERT INTO book (id, author_id, title, pages, isbn) VALUES
  (1, 1, 'Notes', 10, 'i-1'), (2, 2, 'Compilers', 300, 'i-2'), (3, NULL, 'Anon', 5, NULL);
INSERT INTO review VALUES (1, 1, 5), (2, 1, 4), (3, 2, 3);
"""
RENAMES = Renames(columns={("book", "isbn"): "code"})


def _book(schema: Schema) -> Table:
    table = schema.table("book")
    assert table is not None
    return table


def desired_from(current: Schema) -> Schema:
    """book: title becomes text, pages NOT NULL, old_col dropped, isbn renamed code."""
    book = _book(current)
    columns = []
    for col in book.columns:
        if col.name == "title":
            col = replace(col, type="text")
        elif col.name == "pages":
            col = replace(col, nullable=False)
        elif col.name == "isbn":
            col = replace(col, name="code")
        if col.name != "old_col":
            columns.append(col)
    uniques = tuple(replace(u, columns=("code",)) for u in book.uniques)
    book = replace(book, columns=tuple(columns), uniques=uniques)
    return replace(current, tables=tuple(book if t.name == "book" else t
                                         for t in current.tables))


@pytest.fixture
def library(tmp_path: Path) -> tuple[Database, Path, Schema]:
    """The schema and rows above at version 1, and the schema read back."""
    db = parse_database(str(tmp_path / "library.db"))
    folder = tmp_path / "migrations"
    write(folder, "0001-library.sql", SCHEMA)
    upgrade(db, folder)
    return db, folder, introspect(db)


def migrate(db: Database, folder: Path, current: Schema, desired: Schema,
            renames: Renames | None = None) -> tuple[ops.Op, ...]:
    """Plan and render current -> desired as script 0002 and run it through the runner."""
    planned = plan(diff(current, desired, renames), current, desired)
    text = "".join(f"{s};\n" for _, sql in render_ops(planned, "sqlite") for s in sql)
    write(folder, "0002-change.sql", text)
    upgrade(db, folder)
    return planned


def test_plan_is_a_rename_then_one_rebuild_carrying_views_and_triggers(
        library: tuple[Database, Path, Schema]) -> None:
    _, _, current = library
    desired = desired_from(current)
    planned = plan(diff(current, desired, RENAMES), current, desired)
    assert [type(op) for op in planned] == [ops.RenameColumn, ops.RebuildTable]
    rebuild = planned[1]
    assert isinstance(rebuild, ops.RebuildTable)
    assert [v.name for v in rebuild.views] == ["book_titles", "short_titles"]
    assert sorted(t.name for t in rebuild.triggers) == ["book_added", "review_gone"]
    assert rebuild.column_map == (("id", "id"), ("author_id", "author_id"),
                                  ("title", "title"), ("pages", "pages"), ("code", "code"))
    assert rebuild.destructive  # old_col's values go


def test_rebuild_keeps_everything(library: tuple[Database, Path, Schema]) -> None:
    db, folder, current = library
    desired = desired_from(current)
    migrate(db, folder, current, desired, RENAMES)

    assert introspect(db) == desired
    assert rows(db, "SELECT id, author_id, title, pages, code FROM book ORDER BY id") == [
        (1, 1, "Notes", 10, "i-1"), (2, 2, "Compilers", 300, "i-2"), (3, None, "Anon", 5, None)]
    # Child rows of the cascading foreign key are all there, and all valid.
    assert rows(db, "SELECT id, book_id, stars FROM review ORDER BY id") == [
        (1, 1, 5), (2, 1, 4), (3, 2, 3)]
    assert rows(db, "PRAGMA foreign_key_check") == []
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    # Views read the new table; both triggers fire on it.
    assert rows(db, "SELECT * FROM short_titles ORDER BY title") == [("Notes",)]
    conn = sqlite3.connect(db.path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("INSERT INTO book (id, title, pages) VALUES (4, 'New', 1)")
        conn.execute("DELETE FROM review WHERE id = 3")
        conn.commit()
        # The foreign key into book still works: deleting a book cascades to its reviews.
        conn.execute("DELETE FROM book WHERE id = 1")
        conn.commit()
    finally:
        conn.close()
    assert rows(db, "SELECT what FROM log WHERE what LIKE '%New'") == [("added New",)]
    assert rows(db, "SELECT id FROM review") == []


def test_rebuild_enforces_the_new_shape_and_fails_whole(
        library: tuple[Database, Path, Schema]) -> None:
    """NOT NULL on a column holding NULL fails the script; nothing of it remains."""
    db, folder, current = library
    book = _book(current)
    desired = replace(current, tables=tuple(
        replace(t, columns=tuple(replace(c, nullable=False) if c.name == "isbn" else c
                                 for c in t.columns)) if t is book else t
        for t in current.tables))
    with pytest.raises(ScriptFailed, match="NOT NULL"):
        migrate(db, folder, current, desired)
    assert introspect(db) == current
    assert rows(db, "SELECT count(*) FROM review") == [(3,)]


def test_foreign_key_check_fails_a_rebuild_that_orphans_rows(
        library: tuple[Database, Path, Schema]) -> None:
    """A new foreign key the rows break is caught before commit."""
    db, folder, current = library
    author = current.table("author")
    assert author is not None
    fk = replace(_book(current).foreign_keys[0], columns=("pages",))
    desired = replace(current, tables=tuple(
        replace(t, foreign_keys=(*t.foreign_keys, fk)) if t.name == "book" else t
        for t in current.tables))
    with pytest.raises(ScriptFailed, match="foreign key"):
        migrate(db, folder, current, desired)
    assert introspect(db) == current
