"""Rewrites of sqlglot trees, so equal expressions print the same.

Databases print parentheses as they like (PostgreSQL adds them, MariaDB drops them):
the canonical form drops every parenthesis that only groups, then parenthesizes each
operator that is an operand of another, which makes the text independent of both.
The dialect-neutral rewrites come first; then what PostgreSQL and MariaDB change in
an expression when they store it, undone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from autodiff.typenames import PG_STRING_BASES, is_numeric_type, normalize_type, type_base


def _parens_optional(paren: exp.Expr) -> bool:
    """Whether ``paren`` only groups (``ANY (array)`` needs its parentheses, say)."""
    parent = paren.parent
    return parent is None or (
        isinstance(parent, (exp.Binary, exp.Unary, exp.Between, exp.In, exp.Cast, exp.Func))
        and not isinstance(parent, (exp.SubqueryPredicate, exp.Dot)))


def unparen(node: exp.Expr) -> exp.Expr:
    """``node`` without the parentheses around it."""
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def drop_parens(tree: exp.Expr) -> exp.Expr:
    """``tree`` without the parentheses that only group."""
    tree = unparen(tree)
    for paren in list(tree.find_all(exp.Paren)):
        if _parens_optional(paren):
            paren.replace(unparen(paren))
    return tree


_NEGATED: dict[type[exp.Expr], type[exp.Binary]] = {
    exp.EQ: exp.NEQ, exp.NEQ: exp.EQ, exp.GT: exp.LTE, exp.LTE: exp.GT, exp.LT: exp.GTE,
    exp.GTE: exp.LT}


def negate(node: exp.Not) -> exp.Expr:
    """NOT over a comparison as the opposite comparison (the same under NULLs too), and
    over AND/OR of such by De Morgan's laws (which hold in SQL's three-valued logic):
    PostgreSQL stores ``a NOT BETWEEN 1 AND 2`` as ``a < 1 OR a > 2``."""
    negated = _negated(unparen(node.this))
    return node if negated is None else negated


def _negated(inner: exp.Expr) -> exp.Expr | None:
    if type(inner) in _NEGATED:
        return _NEGATED[type(inner)](this=inner.this, expression=inner.expression)
    if isinstance(inner, (exp.Like, exp.ILike)):  # NOT (a LIKE b) is a NOT LIKE b
        flipped = inner.copy()
        flipped.set("negate", not inner.args.get("negate"))
        return flipped
    if isinstance(inner, (exp.And, exp.Or)):
        left, right = _negated(unparen(inner.this)), _negated(unparen(inner.expression))
        if left is None or right is None:
            return None
        return (exp.Or if isinstance(inner, exp.And) else exp.And)(this=left, expression=right)
    return None


def between_to_and(node: exp.Between) -> exp.Expr:
    """``a BETWEEN x AND y`` as ``a >= x AND a <= y``, the form PostgreSQL stores."""
    # PostgreSQL's parser expands BETWEEN; the other dialects keep it. SYMMETRIC is kept.
    # https://www.postgresql.org/docs/15/functions-comparison.html
    if node.args.get("symmetric"):
        return node
    return exp.And(this=exp.GTE(this=node.this.copy(), expression=node.args["low"]),
                   expression=exp.LTE(this=node.this.copy(), expression=node.args["high"]))


def in_to_comparison(node: exp.In) -> exp.Expr:
    """``a IN (x)`` with one value as ``a = x``, which PostgreSQL makes of it."""
    values = node.expressions
    if len(values) == 1 and not node.args.get("query") and not node.args.get("unnest"):
        return exp.EQ(this=node.this, expression=values[0])
    return node


def any_to_in(node: exp.Binary) -> exp.Expr:
    """``a = ANY (ARRAY[x, y])`` as ``a IN (x, y)``; ``a <> ALL (...)`` as NOT IN.

    PostgreSQL stores an IN list that way: https://www.postgresql.org/docs/15/functions-comparisons.html
    """
    right = unparen(node.expression)
    if isinstance(node, exp.EQ) and isinstance(right, exp.Any):
        array, negated = _array(right.this), False
    elif isinstance(node, exp.NEQ) and isinstance(right, exp.Anonymous) \
            and str(right.this).upper() == "ALL" and len(right.expressions) == 1:
        array, negated = _array(right.expressions[0]), True
    else:
        return node
    if array is None:
        return node
    found = exp.In(this=node.this, expressions=list(array.expressions))
    return exp.Not(this=found) if negated else found


def _array(node: exp.Expr) -> exp.Array | None:
    """The ARRAY[...] constructor in ``node``, through parentheses and a cast to an array."""
    node = unparen(node)
    if isinstance(node, exp.Cast):
        node = unparen(node.this)
    return node if isinstance(node, exp.Array) else None


# Operators whose operands are parenthesized when they are operators themselves, so
# the canonical text does not depend on how a database chose to print parentheses.
_OPERATOR = (exp.Binary, exp.Unary, exp.Between, exp.In)
_COMPOUND = (exp.Binary, exp.Not, exp.Between, exp.In)


def add_parens(node: exp.Expr) -> exp.Expr:
    """Parenthesize every operator that is an operand of another operator."""
    for child in list(node.iter_expressions()):
        add_parens(child)
    parent = node.parent
    if (parent is None or not isinstance(parent, _OPERATOR) or isinstance(parent, exp.Dot)
            or isinstance(node, exp.Dot) or not isinstance(node, _COMPOUND)):
        return node
    if isinstance(parent, exp.Connector) and type(node) is type(parent):
        return node  # a AND b AND c reads the same however it nests
    wrapped = exp.Paren(this=node.copy())
    node.replace(wrapped)
    return wrapped


# -- what PostgreSQL adds when it stores an expression -----------------------------------

def pg_cast(node: exp.Cast, types: Mapping[str, str]) -> exp.Expr:
    """``node`` without the cast if PostgreSQL added it (``types``: column -> type)."""
    inner = unparen(node.this)
    target = normalize_type("postgresql", node.to.sql(dialect="postgres"))
    if isinstance(inner, exp.Literal) and inner.is_string:
        if type_base(target) in PG_STRING_BASES:
            return inner
        if is_numeric_type(target) and decimal(inner.this) is not None:
            return exp.Literal.number(inner.this)
        if target == _operand_type(node, types):
            return inner  # 'a'::mood compared with a mood column
    if is_number(inner) and is_numeric_type(target) and _coerced(node):
        return inner
    if isinstance(inner, exp.Column) and is_numeric_type(types.get(inner.name)) \
            and type_base(target) == type_base(_operand_type(node, types) or ""):
        return inner  # qty::numeric in price * qty: PostgreSQL's own, to match price
    if isinstance(inner, exp.Column) and target == "text" \
            and type_base(types.get(inner.name, "")) in PG_STRING_BASES:
        return inner  # a varchar or char column cast to text: PostgreSQL's own addition
    return node


def pg_in_values(node: exp.Expr, types: Mapping[str, str]) -> exp.Expr:
    """An IN list made of ANY (ARRAY[...]) without the casts PostgreSQL put on each value."""
    found = node.this if isinstance(node, exp.Not) else node
    assert isinstance(found, exp.In)
    operand = unparen(found.this)
    column_type = types.get(operand.name) if isinstance(operand, exp.Column) else None
    for value in list(found.expressions):
        inner = unparen(value.this) if isinstance(value, exp.Cast) else None
        if inner is None or not isinstance(inner, exp.Literal):
            continue
        target = normalize_type("postgresql", value.to.sql(dialect="postgres"))
        if target == column_type or (is_numeric_type(target) and not inner.is_string):
            value.replace(inner)
    return node


def _operand_type(node: exp.Expr, types: Mapping[str, str]) -> str | None:
    """The type of what ``node`` is compared or combined with: a column or a number."""
    parent = node.parent
    if not isinstance(parent, exp.Binary):
        return None
    other = unparen(parent.expression if parent.this is node else parent.this)
    if isinstance(other, exp.Column):
        return types.get(other.name)
    if is_number(other):
        return "numeric" if "." in other.sql() else "integer"
    return None


def is_number(node: exp.Expr) -> bool:
    """Whether ``node`` is a number literal, negative ones included."""
    if isinstance(node, exp.Neg):
        node = unparen(node.this)
    return isinstance(node, exp.Literal) and not node.is_string


def _coerced(cast: exp.Cast) -> bool:
    """Whether PostgreSQL added ``cast`` to match the other operand (price * 2::numeric)."""
    parent = cast.parent
    if not isinstance(parent, exp.Binary):
        return False
    other = unparen(parent.expression if parent.this is cast else parent.this)
    if isinstance(other, exp.Cast):  # qty::numeric / 3::numeric: the 3 is coerced
        return not isinstance(unparen(other.this), (exp.Literal, exp.Neg))
    return not isinstance(other, (exp.Literal, exp.Neg))


def decimal(text: str) -> Decimal | None:
    """``text`` as a finite Decimal, or None."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# -- what MariaDB changes when it stores an expression -----------------------------------

def mysql_node(node: exp.Expr) -> exp.Expr:
    """One node as MariaDB stores it: TRUE is 1, LENGTH is OCTET_LENGTH, NOT b is b = 0."""
    # MySQL's TRUE and FALSE are the numbers 1 and 0 (not under IS, where they are words).
    # https://dev.mysql.com/doc/refman/8.0/en/boolean-literals.html
    if isinstance(node, exp.Boolean) and not isinstance(node.parent, exp.Is):
        return exp.Literal.number(1 if node.this else 0)
    if isinstance(node, exp.Anonymous) and str(node.this).upper() == "OCTET_LENGTH" \
            and len(node.expressions) == 1:
        return exp.Length(this=node.expressions[0], binary=True)  # its synonym
    if isinstance(node, exp.Not) and isinstance(unparen(node.this), exp.Column):
        return exp.EQ(this=unparen(node.this), expression=exp.Literal.number(0))
    return node


# -- renames carried into SQL text -----------------------------------------------------
#
# A rename edits the identifiers that name the renamed table or column where they stand
# in the text (their positions come from sqlglot), so the rest of the text keeps the
# spelling the database gave it and compares equal to what the database prints.

_LITERAL_TOKENS = frozenset({TokenType.STRING, TokenType.NUMBER, TokenType.NATIONAL_STRING,
                             TokenType.BIT_STRING, TokenType.HEX_STRING,
                             TokenType.BYTE_STRING, TokenType.RAW_STRING,
                             TokenType.HEREDOC_STRING})


@dataclass(frozen=True)
class Renaming:
    """Renames to carry into SQL: ``tables`` old -> new, ``columns`` by the table's old name.

    ``quote`` writes a new name as the database would; ``fold`` says names compare
    without case (MySQL and SQLite column names).
    """

    tables: Mapping[str, str]
    columns: Mapping[str, Mapping[str, str]]
    quote: Callable[[str], str]
    fold: bool = False

    def key(self, name: str) -> str:
        """``name`` as names compare."""
        return name.lower() if self.fold else name

    def table(self, name: str) -> str | None:
        """The new name of table ``name``, or None if it is not renamed."""
        return next((new for old, new in self.tables.items()
                     if self.key(old) == self.key(name)), None)

    def column(self, table: str, name: str) -> str | None:
        """The new name of column ``name`` of table ``table`` (its old name), or None."""
        found = next((cols for t, cols in self.columns.items()
                      if self.key(t) == self.key(table)), {})
        return next((new for old, new in found.items()
                     if self.key(old) == self.key(name)), None)


Edit = tuple[int, int, str]  # start, end (exclusive), replacement


def splice(text: str, edits: list[Edit]) -> str:
    """``text`` with each edit's span replaced, edits given in any order."""
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _span(node: exp.Expr | None) -> tuple[int, int] | None:
    meta = node.meta if isinstance(node, exp.Identifier) else {}
    if "start" not in meta or "end" not in meta:
        return None
    return int(meta["start"]), int(meta["end"]) + 1


def _parse_one(sql: str, read: str) -> exp.Expr | None:
    try:
        tree = sqlglot.parse_one(sql, read=read)
    except (SqlglotError, ValueError, TypeError):
        return None
    return None if isinstance(tree, exp.Command) else tree


def rename_in_expression(sql: str, read: str, table: str, r: Renaming) -> str | None:
    """An expression over the columns of ``table`` (its old name), renamed; None if unparsed."""
    tree = _parse_one(sql, read)
    if tree is None:
        return None
    edits: list[Edit] = []
    for col in tree.find_all(exp.Column):
        new = r.column(table, col.name)
        span = _span(col.this)
        if new is not None and span is not None and not col.table:
            edits.append((*span, r.quote(new)))
    return splice(sql, edits)


def rename_in_query(sql: str, read: str, r: Renaming, keep_output_names: bool) -> str | None:
    """A view's query with renamed tables and columns; None if sqlglot cannot place them.

    ``keep_output_names``: a renamed column selected as it is keeps its old name as the
    view's column name (``t.new AS old``), as PostgreSQL prints a view after a rename.
    """
    tree = _parse_one(sql, read)
    if tree is None:
        return None
    edits: list[Edit] = []
    for table in tree.find_all(exp.Table):
        new, span = r.table(table.name), _span(table.this)
        if new is not None and span is not None:
            edits.append((*span, r.quote(new)))
    for col in tree.find_all(exp.Column):
        edits += _column_edits(col, r, keep_output_names)
    return splice(sql, edits)


def _column_edits(col: exp.Column, r: Renaming, keep_output_names: bool) -> list[Edit]:
    sources = _sources(col, r)
    out: list[Edit] = []
    if col.table:
        table = sources.get(r.key(col.table), col.table)
        qualifier, new_table = _span(col.args.get("table")), r.table(col.table)
        if qualifier is not None and new_table is not None and r.key(table) == r.key(
                col.table):
            out.append((*qualifier, r.quote(new_table)))
    else:
        owners = [t for t in sources.values() if r.column(t, col.name) is not None]
        table = owners[0] if len(owners) == 1 else ""
    new, span = r.column(table, col.name), _span(col.this)
    if new is None or span is None:
        return out
    out.append((*span, r.quote(new)))
    if keep_output_names and isinstance(col.parent, exp.Select) and col.arg_key == "expressions":
        out.append((span[1], span[1], f" AS {r.quote(col.name)}"))
    return out


def _sources(node: exp.Expr, r: Renaming) -> dict[str, str]:
    """The tables of the SELECT around ``node``: alias (or name) -> table name."""
    select = node.find_ancestor(exp.Select)
    if select is None:
        return {}
    return {r.key(t.alias_or_name): t.name for t in select.find_all(exp.Table)
            if t.find_ancestor(exp.Select) is select}


def rename_in_statement(sql: str, read: str, table: str, r: Renaming) -> str:
    """A statement (a trigger) on ``table`` (old name), names renamed token by token.

    A best effort where sqlglot cannot parse (trigger bodies): a renamed table's name is
    replaced wherever it stands; a renamed column after ``NEW.``, ``OLD.`` or its
    table's name, or standing alone where its table is ``table`` or named in ``sql``.
    """
    try:
        tokens = [t for t in Dialect.get_or_raise(read).tokenize(sql)
                  if t.token_type not in _LITERAL_TOKENS]
    except (SqlglotError, ValueError, TypeError):
        return sql
    named = [table, *(t.text for t in tokens if r.table(t.text) or _has_renamed_columns(
        t.text, r))]
    edits: list[Edit] = []
    for i, token in enumerate(tokens):
        if i + 1 < len(tokens) and tokens[i + 1].token_type == TokenType.DOT:
            new = r.table(token.text)  # a qualifier
        elif i > 1 and tokens[i - 1].token_type == TokenType.DOT:
            qualifier = tokens[i - 2].text
            owner = table if qualifier.lower() in ("new", "old") else qualifier
            new = r.column(owner, token.text)
        else:
            new = r.table(token.text) or next(
                (n for t in named if (n := r.column(t, token.text)) is not None), None)
        if new is not None:
            edits.append((token.start, token.end + 1, r.quote(new)))
    return splice(sql, edits)


def _has_renamed_columns(name: str, r: Renaming) -> bool:
    return any(r.key(t) == r.key(name) for t in r.columns)
