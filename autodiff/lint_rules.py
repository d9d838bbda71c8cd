"""The rules of :mod:`autodiff.lint`: one handler per kind of statement, table rebuilds.

Each handler returns the changes a statement makes, in words, with their findings. Lock
rules are PostgreSQL's (https://www.postgresql.org/docs/current/sql-altertable.html) and
skip tables created earlier in the same script: they have no rows to scan or rewrite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from autodiff.lint import Described, Finding, Linter
from autodiff.model import Column
from autodiff.typenames import narrows, widens_in_place

Handler = Callable[[Linter, exp.Expr], Described]


def _create(lt: Linter, tree: exp.Expr) -> Described:
    kind = str(tree.args.get("kind") or "").lower()
    target = tree.this
    if kind == "index" and isinstance(target, exp.Index):
        return [_create_index(lt, tree, target)]
    if isinstance(target, exp.Schema):
        target = target.this
    name = lt.name(target) if isinstance(target, exp.Table) else lt.short(target)
    if kind == "table":
        lt.created.add(name)
    return [(f"create {kind} {name}", [])]


def _create_index(lt: Linter, tree: exp.Expr, index: exp.Index) -> tuple[str, list[Finding]]:
    table = lt.name(index.args.get("table"))
    params = index.args.get("params")
    parts = params.args.get("columns") or [] if params is not None else []
    columns = ", ".join(lt.name(p.this) if isinstance(p.this, exp.Column) else lt.sql(p.this)
                        for p in parts)
    unique = "unique " if tree.args.get("unique") else ""
    found = _concurrently(lt, bool(tree.args.get("concurrently")))
    if lt.pg_lock(table) and not tree.args.get("concurrently"):
        found.append(Finding("index-not-concurrently", "CREATE INDEX without CONCURRENTLY "
                                                       f"blocks writes to {table} while it builds"))
    return f"create {unique}index {lt.name(index.this)} on {table} ({columns})", found


def _concurrently(lt: Linter, concurrently: bool) -> list[Finding]:
    if not (concurrently and lt.dialect == "postgresql" and lt.in_transaction):
        return []
    return [Finding("concurrently-in-transaction",
                    "CONCURRENTLY cannot run inside the transaction the runner opens for this "
                    "script: commit first (give the script its own BEGIN/COMMIT and put this "
                    "statement after the COMMIT) or run it from a .py script")]


def _drop(lt: Linter, tree: exp.Expr) -> Described:
    kind = str(tree.args.get("kind") or "").lower()
    out: Described = []
    for node in tree.args.get("tables") or []:
        name = lt.name(node)
        found = _concurrently(lt, bool(tree.args.get("concurrently")))
        if kind == "table" and name not in lt.created:
            found.append(Finding("drop-table", f"every row of {name} is lost"))
        lt.created.discard(name)
        out.append((f"drop {kind} {name}", found))
    return out


def _alter(lt: Linter, tree: exp.Expr) -> Described:
    if str(tree.args.get("kind") or "").upper() != "TABLE":
        return [(lt.short(tree), [])]
    table = lt.name(tree.this)
    out: Described = []
    for action in tree.args.get("actions") or []:
        handler = _ACTIONS.get(type(action))
        if handler is None:
            out.append((f"alter table {table}: {lt.short(action)}", []))
        else:
            out += handler(lt, table, action, bool(tree.args.get("not_valid")))
    return out


def _add_column(lt: Linter, table: str, col: exp.Expr, not_valid: bool) -> Described:
    name = lt.name(col)
    found: list[Finding] = []
    constraints = [c.args.get("kind") for c in col.args.get("constraints") or []]
    volatile = lt.volatile_default(col) if isinstance(col, exp.ColumnDef) else None
    if lt.pg_lock(table) and volatile is not None:
        found.append(Finding("volatile-default", f"the volatile default {volatile} rewrites "
                                                 f"{table} under an ACCESS EXCLUSIVE lock"))
    elif lt.dialect != "mysql" and table not in lt.created and _has(
            constraints, exp.NotNullColumnConstraint) and not _has(
            constraints, exp.DefaultColumnConstraint):
        # MySQL fills the rows with the type's implicit value instead.
        when = "always: SQLite refuses it" if lt.dialect == "sqlite" else f"when {table} has rows"
        found.append(Finding("not-null-without-default", f"adding NOT NULL column {table}."
                                                         f"{name} without a default fails "
                                                         f"{when}"))
    if lt.pg_lock(table) and _has(constraints, exp.Reference):
        found.append(_fk_not_valid(table))
    return [(f"add column {table}.{name} ({lt.type_of(col.args.get('kind'))})", found)]


def _has(constraints: list[exp.Expr | None], kind: type[exp.Expr]) -> bool:
    return any(isinstance(c, kind) for c in constraints)


def _fk_not_valid(table: str) -> Finding:
    return Finding("fk-not-valid", f"validating the foreign key scans {table} while writes "
                                   "wait: add it NOT VALID, then VALIDATE CONSTRAINT later")


def _alter_column(lt: Linter, table: str, action: exp.Expr, not_valid: bool) -> Described:
    column = lt.name(action.this)
    what = f"alter column {table}.{column}"
    if action.args.get("dtype") is not None:
        new = lt.type_of(action.args["dtype"])
        old = lt.old_column(table, column)[0]
        return [(f"{what}: type {old + ' -> ' if old else ''}{new}",
                 type_change(lt, table, column, new))]
    if action.args.get("allow_null") is False:
        found = [Finding("set-not-null", f"SET NOT NULL scans {table} under an ACCESS "
                                         "EXCLUSIVE lock")] if lt.pg_lock(table) else []
        return [(f"{what}: set NOT NULL", found)]
    if action.args.get("drop"):
        return [(f"{what}: drop {'NOT NULL' if action.args.get('allow_null') else 'default'}",
                 [])]
    if action.args.get("default") is not None:
        return [(f"{what}: set default {lt.sql(action.args['default'])}", [])]
    return [(f"{what}: {lt.short(action)}", [])]


def _modify_column(lt: Linter, table: str, action: exp.Expr, not_valid: bool) -> Described:
    # MySQL MODIFY / CHANGE restate the whole column: type and NULL may both change.
    coldef = action.this
    new_name = lt.name(coldef)
    old_name = lt.name(action.args["rename_from"]) if action.args.get("rename_from") else new_name
    new = lt.type_of(coldef.args.get("kind"))
    nullable = not any(isinstance(c.args.get("kind"), exp.NotNullColumnConstraint)
                       for c in coldef.args.get("constraints") or [])
    old = lt.old_column(table, old_name)[0]
    renamed = f"rename column {table}.{old_name} to {new_name}; " if old_name != new_name else ""
    return [(f"{renamed}alter column {table}.{new_name}: type {old + ' -> ' if old else ''}"
             f"{new}{'' if nullable else ' NOT NULL'}",
             type_change(lt, table, old_name, new, nullable))]


def type_change(lt: Linter, table: str, column: str, new: str,
                nullable: bool | None = None) -> list[Finding]:
    """The findings for ``table.column`` changing to type ``new`` (and, MySQL, NULL)."""
    if table in lt.created:
        return []
    old, was_nullable = lt.old_column(table, column)
    found = []
    if old is None:
        found.append(Finding("narrowing-type", f"{table}.{column} changes type to {new}; its "
                                               "old type is unknown, so it may narrow"))
    elif narrows(old, new, lt.dialect):
        found.append(Finding("narrowing-type", f"{table}.{column} {old} -> {new} may truncate "
                                               "or fail to convert values"))
    if lt.dialect == "postgresql" and not (old is not None and widens_in_place(old, new)):
        found.append(Finding("table-rewrite", f"PostgreSQL rewrites {table} to change the "
                                              "type, under an ACCESS EXCLUSIVE lock"))
    elif lt.dialect == "mysql" and (old != new or nullable != was_nullable):
        found.append(Finding("table-rewrite", f"MySQL copies {table} to change a column's "
                                              "type or NULL"))
    return found


def _drop_in_alter(lt: Linter, table: str, action: exp.Expr, not_valid: bool) -> Described:
    kind = str(action.args.get("kind") or "").lower()
    out: Described = []
    for node in action.args.get("tables") or [None]:
        if kind == "column":
            name = lt.name(node)
            found = [] if table in lt.created else [
                Finding("drop-column", f"the values of {table}.{name} are lost")]
            out.append((f"drop column {table}.{name}", found))
        else:
            out.append((f"drop {kind} {lt.name(node) + ' ' if node else ''}on {table}", []))
    return out


def _rename_column(lt: Linter, table: str, action: exp.Expr, not_valid: bool) -> Described:
    return [(f"rename column {table}.{lt.name(action.this)} to {lt.name(action.args['to'])}",
             [])]


def _rename_table(lt: Linter, table: str, action: exp.Expr, not_valid: bool) -> Described:
    new = lt.name(action.this)
    if table in lt.created:
        lt.created.add(new)
    return [(f"rename table {table} to {new}", [])]


def _add_constraint(lt: Linter, table: str, action: exp.Expr, not_valid: bool) -> Described:
    out: Described = []
    for node in action.expressions:
        name = lt.name(node.this) + " " if isinstance(node, exp.Constraint) else ""
        inner = node.expressions[0] if isinstance(node, exp.Constraint) else node
        out.append(_constraint(lt, table, name, inner, not_valid))
    return out


def _constraint(lt: Linter, table: str, name: str, inner: exp.Expr,
                not_valid: bool) -> tuple[str, list[Finding]]:
    lock = lt.pg_lock(table) and not not_valid
    if isinstance(inner, exp.ForeignKey):
        ref = inner.args["reference"].this
        return (f"add foreign key {table} ({lt.names(inner.expressions)}) -> "
                f"{lt.name(ref.this)} ({lt.names(ref.expressions)})",
                [_fk_not_valid(table)] if lock else [])
    if isinstance(inner, exp.CheckColumnConstraint):
        return (f"add check {name}on {table}: {lt.sql(inner.this)}",
                [Finding("check-not-valid", f"validating the check scans {table} under an "
                                            "ACCESS EXCLUSIVE lock: add it NOT VALID, then "
                                            "VALIDATE CONSTRAINT later")] if lock else [])
    if isinstance(inner, (exp.UniqueColumnConstraint, exp.PrimaryKey)):
        columns = inner.this.expressions if isinstance(inner.this, exp.Schema) else \
            inner.expressions
        what = "unique " + name if isinstance(inner, exp.UniqueColumnConstraint) else \
            "primary key "
        found = [Finding("unique-not-concurrently", f"building the index blocks {table}: "
                                                    "CREATE UNIQUE INDEX CONCURRENTLY, then "
                                                    "ADD CONSTRAINT ... USING INDEX")]
        return f"add {what}on {table} ({lt.names(columns)})", found if lt.pg_lock(table) else []
    if isinstance(inner, exp.IndexColumnConstraint):  # MySQL ADD INDEX name (columns)
        name = name or (lt.name(inner.this) + " " if inner.this else "")
        return f"create index {name}on {table} ({lt.names(inner.expressions)})", []
    return f"add constraint {name}on {table}: {lt.short(inner)}", []


def _data(verb: str, destructive: bool = False) -> Handler:
    def describe(lt: Linter, tree: exp.Expr) -> Described:
        target = tree.this if not isinstance(tree, exp.TruncateTable) else tree.expressions[0]
        if isinstance(target, exp.Schema):
            target = target.this
        table = lt.name(target)
        found = [Finding("delete-rows", f"{verb} removes rows of {table}")] \
            if destructive and table not in lt.created else []
        return [(f"data migration: {verb} {table}", found)]
    return describe


HANDLERS: dict[type[exp.Expr], Handler] = {
    exp.Create: _create, exp.Drop: _drop, exp.Alter: _alter,
    exp.Insert: _data("INSERT INTO"), exp.Update: _data("UPDATE"),
    exp.Delete: _data("DELETE FROM", True), exp.TruncateTable: _data("TRUNCATE", True),
    exp.Transaction: lambda lt, tree: [("transaction control: BEGIN", [])],
    exp.Commit: lambda lt, tree: [("transaction control: COMMIT", [])],
}
_ACTIONS: dict[type[exp.Expr], Callable[[Linter, str, exp.Expr, bool], Described]] = {
    exp.ColumnDef: _add_column, exp.AlterColumn: _alter_column,
    exp.ModifyColumn: _modify_column, exp.Drop: _drop_in_alter,
    exp.RenameColumn: _rename_column, exp.AlterRename: _rename_table,
    exp.AddConstraint: _add_constraint,
}


@dataclass(frozen=True)
class Rebuild:
    """A table rebuild: CREATE new, [INSERT INTO new SELECT FROM old], DROP old, RENAME."""

    table: str
    statements: tuple[int, ...]  # indexes of its statements, the CREATE first
    insert: int | None


def find_rebuilds(lt: Linter, trees: list[exp.Expr | None]) -> list[Rebuild]:
    """The rebuilds in a script (https://www.sqlite.org/lang_altertable.html#otheralter)."""
    found = []
    for i, tree in enumerate(trees):
        if not (isinstance(tree, exp.Create) and str(tree.args.get("kind")).upper() == "TABLE"):
            continue
        temp = lt.name(tree.find(exp.Table))
        rename = next((j for j in range(i + 1, len(trees)) if _renames(lt, trees[j], temp)), None)
        if rename is None:
            continue
        table = lt.name(trees[rename].args["actions"][0].this)  # type: ignore[union-attr]
        drop = next((k for k in range(i + 1, rename) if _drops(lt, trees[k], table)), None)
        if drop is None:
            continue
        insert = next((k for k in range(i + 1, rename) if isinstance(trees[k], exp.Insert)
                       and lt.name(trees[k].find(exp.Table)) == temp), None)  # type: ignore
        kept: tuple[int, ...] = (i, drop, rename) if insert is None else (i, insert, drop, rename)
        kept += tuple(k for k in range(i + 1, rename) if _counts(lt, trees[k]))
        found.append(Rebuild(table, tuple(sorted(kept)), insert))
    return found


def _counts(lt: Linter, tree: exp.Expr | None) -> bool:
    """A statement keeping AUTOINCREMENT's counter in sqlite_sequence, SQLite's own table
    (https://www.sqlite.org/autoinc.html): the rebuild's bookkeeping, not a data change."""
    return lt.dialect == "sqlite" and isinstance(tree, exp.Delete | exp.Insert) and \
        lt.name(tree.find(exp.Table)).lower() == "sqlite_sequence"


def _renames(lt: Linter, tree: exp.Expr | None, temp: str) -> bool:
    actions = tree.args.get("actions") or [] if isinstance(tree, exp.Alter) else []
    return len(actions) == 1 and isinstance(actions[0], exp.AlterRename) and \
        lt.name(tree.this) == temp  # type: ignore[union-attr]


def _drops(lt: Linter, tree: exp.Expr | None, table: str) -> bool:
    return isinstance(tree, exp.Drop) and str(tree.args.get("kind")).upper() == "TABLE" and \
        [lt.name(t) for t in tree.args.get("tables") or []] == [table]


def rebuild(lt: Linter, r: Rebuild, trees: list[exp.Expr | None]) -> Described:
    """A rebuild in words: columns added, renamed, dropped and retyped, with findings."""
    create = trees[r.statements[0]]
    assert create is not None
    new = {lt.name(c): lt.type_of(c.args.get("kind")) for c in create.find_all(exp.ColumnDef)}
    where = "SQLite copies" if lt.dialect == "sqlite" else "the script copies"
    found = [Finding("table-rewrite", f"{where} every row of {r.table} into a new table")]
    if r.insert is None:
        found.append(Finding("drop-table", f"no row of {r.table} is copied: every row is lost"))
    mapping = _copied(lt, trees[r.insert], list(new)) if r.insert is not None else {}
    parts = [f"adds {', '.join(n for n in new if n not in mapping)}"] if set(new) - set(
        mapping) else []
    parts += [f"renames {old} to {n}" for n, old in mapping.items() if old != n]
    old_table = lt.old_table(r.table)
    if old_table is None:
        # As with a type change of unknown origin: assume the worst, say why.
        parts.append("the table before is unknown: dropped or retyped columns not shown")
        found.append(Finding("drop-column", f"the table before is unknown: columns of "
                                            f"{r.table} the copy leaves out are lost"))
    else:
        for column in old_table.columns:
            if column.name not in mapping.values():
                parts.append(f"drops {column.name}")
                found.append(Finding("drop-column", f"the values of {r.table}.{column.name} "
                                                    "are not copied: they are lost"))
        parts += _retyped(lt, r.table, old_table.columns, mapping, new, found)
        again = _indexes_after(lt, trees[r.statements[-1] + 1:], r.table)
        parts += [f"index {ix.name} is not created again" for ix in old_table.indexes
                  if ix.name not in again]
    label = "SQLite table rebuild" if lt.dialect == "sqlite" else "table rebuild"
    return [(f"{label} of {r.table}{': ' if parts else ''}{'; '.join(parts)}", found)]


def _copied(lt: Linter, insert: exp.Expr | None, new: list[str]) -> dict[str, str]:
    """new column -> the old column it is copied from (plain column copies only)."""
    if insert is None or not isinstance(insert.expression, exp.Select):
        return {}
    into = [lt.name(c) for c in insert.this.expressions] \
        if isinstance(insert.this, exp.Schema) else new
    sources = insert.expression.expressions
    if len(sources) == 1 and isinstance(sources[0], exp.Star):
        return {n: n for n in into}
    return {n: lt.name(s) for n, s in zip(into, sources, strict=False)
            if isinstance(s, exp.Column)}


def _retyped(lt: Linter, table: str, old_columns: tuple[Column, ...], mapping: dict[str, str],
             new: dict[str, str], found: list[Finding]) -> list[str]:
    old_types = {c.name: c.type for c in old_columns}
    parts = []
    for target, source in mapping.items():
        old, now = old_types.get(source), new.get(target)
        if old is None or now is None or old == now:
            continue
        parts.append(f"{target} {old} -> {now}")
        if narrows(old, now, lt.dialect):
            found.append(Finding("narrowing-type", f"{table}.{target} {old} -> {now} may "
                                                   "truncate or fail to convert values"))
    return parts


def _indexes_after(lt: Linter, trees: list[exp.Expr | None], table: str) -> set[str]:
    """Names of the indexes the rest of a script creates on ``table``."""
    return {lt.name(t.this.this) for t in trees
            if isinstance(t, exp.Create) and isinstance(t.this, exp.Index)
            and lt.name(t.this.args.get("table")) == table}
