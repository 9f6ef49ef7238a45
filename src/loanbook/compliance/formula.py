"""Covenant formulas: arithmetic over named financial-statement items, computed exactly.

A formula is text a loan officer can read (``current_assets - current_liabilities``,
``(ebitda - capital_expenditures) / (principal_paid + interest_paid)``). It is parsed once
into Python's expression tree and only numbers, names, ``+ - * /`` and parentheses are
allowed; values are exact fractions, so a ratio is compared with its threshold exactly.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


class FormulaError(ValueError):
    """A formula that is not plain arithmetic over names, or lacks an input."""


def _parse(text: str) -> ast.expr:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"{text!r} is not a formula: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.Name | ast.Load | ast.operator | ast.unaryop):
            if isinstance(node, ast.operator) and not isinstance(node, _OPS):
                raise FormulaError(f"{text!r}: only + - * / are allowed")
            if isinstance(node, ast.unaryop) and not isinstance(node, ast.UAdd | ast.USub):
                raise FormulaError(f"{text!r}: only + - * / are allowed")
            continue
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            continue
        raise FormulaError(f"{text!r}: only numbers, item names and + - * / are allowed")
    return tree.body


def check_formula(text: str) -> None:
    """Raise ``FormulaError`` unless ``text`` is a formula."""
    _parse(text)


def names(text: str) -> tuple[str, ...]:
    """The statement items a formula reads, in order of first use."""
    out: list[str] = []
    for node in ast.walk(_parse(text)):
        if isinstance(node, ast.Name) and node.id not in out:
            out.append(node.id)
    return tuple(out)


def evaluate(text: str, items: Mapping[str, Decimal]) -> Fraction:
    """The exact value of ``text`` with ``items`` (a missing item or a zero divisor raises)."""

    def walk(node: ast.expr) -> Fraction:
        if isinstance(node, ast.Name):
            if node.id not in items:
                raise FormulaError(f"the statement has no item {node.id!r}")
            return Fraction(items[node.id])
        if isinstance(node, ast.Constant):
            # the source text of the number, so 0.1 is one tenth, not a binary fraction
            return Fraction(Decimal(str(node.value)))
        if isinstance(node, ast.UnaryOp):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        assert isinstance(node, ast.BinOp)
        left, right = walk(node.left), walk(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if right == 0:
            raise FormulaError(f"{text!r}: division by zero")
        return left / right

    return walk(_parse(text))
