"""Conditions of a reconstruction spec (populations, subsets), evaluated on columns of simulated cohorts.

A condition is text such as ``evaluable == 1 and distant_metastasis == 1`` or ``sex == 'M'``: comparisons of a
column with a literal or another column (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in [...]``, ``not in
[...]``), joined by ``and`` / ``or`` / ``not``, with parentheses and ``+ - * /`` on columns. It is parsed into a
syntax tree and walked here; nothing is ever executed as Python code, and any other construct (a call, an
attribute, an ``@`` reference, a subscript) is refused with a message naming it. Columns are numpy arrays of any
shape (here: members × patients), so one condition selects patients in every simulated cohort at once.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping

import numpy as np

_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


class ConditionError(ValueError):
    """A condition that is not in the language or names an unknown column."""


def columns_of(text: str) -> set[str]:
    """The column names a condition reads."""
    return {node.id for node in ast.walk(_parse(text)) if isinstance(node, ast.Name)}


def evaluate(text: str | None, columns: Mapping[str, np.ndarray], shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Boolean array of the condition over ``columns``; an empty condition selects everything (``shape``)."""
    if text is None or not str(text).strip():
        if shape is None:
            shape = np.shape(next(iter(columns.values())))
        return np.ones(shape, dtype=bool)
    result = _eval(_parse(text).body, columns, text)
    return np.asarray(result, dtype=bool)


def _parse(text: str) -> ast.Expression:
    try:
        return ast.parse(str(text), mode="eval")
    except SyntaxError as err:
        raise ConditionError(f"condition '{text}': not a valid condition ({err.msg})") from None


def _literal(node: ast.AST, text: str):
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value
    raise ConditionError(f"condition '{text}': a list may hold only literal values")


def _eval(node: ast.AST, columns: Mapping[str, np.ndarray], text: str):
    if isinstance(node, ast.BoolOp):
        values = [np.asarray(_eval(v, columns, text), dtype=bool) for v in node.values]
        out = values[0]
        for v in values[1:]:
            out = (out & v) if isinstance(node.op, ast.And) else (out | v)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ~np.asarray(_eval(node.operand, columns, text), dtype=bool)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, columns, text)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, columns, text)
        out = None
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                if not isinstance(right_node, ast.List | ast.Tuple):
                    raise ConditionError(f"condition '{text}': 'in' needs a list of values")
                values = [_literal(v, text) for v in right_node.elts]
                if hasattr(left, "isin"):
                    res = left.isin(values)
                    res = ~res & left.known() if isinstance(op, ast.NotIn) else res
                    out = res if out is None else (out & res)
                    left = None
                    continue
                res = np.isin(left, np.asarray(values, dtype=object if any(isinstance(v, str) for v in values)
                                               else float))
                res = ~res if isinstance(op, ast.NotIn) else res
                right = None
            elif type(op) in _COMPARE:
                right = _eval(right_node, columns, text)
                res = _COMPARE[type(op)](left, right)
            else:
                raise ConditionError(f"condition '{text}': comparison {type(op).__name__} is not allowed")
            out = res if out is None else (out & res)
            left = right
        return out
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        return _ARITH[type(node.op)](_eval(node.left, columns, text), _eval(node.right, columns, text))
    if isinstance(node, ast.Name):
        if node.id not in columns:
            raise ConditionError(f"condition '{text}': unknown column '{node.id}'")
        return columns[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        return node.value
    raise ConditionError(f"condition '{text}': {type(node).__name__} is not allowed in a condition")
