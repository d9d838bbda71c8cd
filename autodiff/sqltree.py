"""Dialect-neutral rewrites of sqlglot trees, so equal expressions print the same.

Databases print parentheses as they like (PostgreSQL adds them, MariaDB drops them):
the canonical form drops every parenthesis that only groups, then parenthesizes each
operator that is an operand of another, which makes the text independent of both.
"""

from __future__ import annotations

from sqlglot import exp


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
    """NOT over a comparison as the opposite comparison (the same under NULLs too)."""
    inner = unparen(node.this)
    if type(inner) not in _NEGATED:
        return node
    return _NEGATED[type(inner)](this=inner.this, expression=inner.expression)


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
