"""A safe quality query on image parameters, e.g. ``"hillas_intensity > 50 and hillas_width > 0"``.

The query is parsed with ``ast`` and only comparisons, ``and``/``or``/``not``, arithmetic,
numbers, parameter names and ``abs()`` are accepted; it is compiled once into a closure and
never handed to ``eval``. A comparison with NaN is False, so undefined parameters fail.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable

from ..errors import ConfigError

_CMP = {
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_BIN = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_FUNCS = {"abs": abs}


class QualityQuery:
    """A compiled query; call it with a parameter dict, get True/False."""

    def __init__(self, text: str, names: Iterable[str], field: str = "quality.query"):
        self.text = text.strip()
        self.names = frozenset(names)
        self._field = field
        if not self.text:
            self._fn: Callable[[dict], object] = lambda p: True
            return
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as err:
            raise ConfigError(field, f"cannot parse {text!r}: {err.msg}") from None
        self._fn = self._build(tree.body)

    def _fail(self, node, what: str):
        raise ConfigError(
            self._field,
            f"{what} is not allowed in {self.text!r}; allowed: parameter names, numbers, "
            "comparisons, and/or/not, + - * /, abs()",
        )

    def _build(self, node) -> Callable[[dict], object]:
        if isinstance(node, ast.BoolOp):
            parts = [self._build(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return lambda p: all(f(p) for f in parts)
            return lambda p: any(f(p) for f in parts)
        if isinstance(node, ast.UnaryOp):
            inner = self._build(node.operand)
            if isinstance(node.op, ast.Not):
                return lambda p: not inner(p)
            if isinstance(node.op, ast.USub):
                return lambda p: -inner(p)
            return self._fail(node, type(node.op).__name__)
        if isinstance(node, ast.Compare):
            left = self._build(node.left)
            ops = []
            for op, comp in zip(node.ops, node.comparators):
                if type(op) not in _CMP:
                    self._fail(node, type(op).__name__)
                ops.append((_CMP[type(op)], self._build(comp)))

            def compare(p, left=left, ops=ops):
                a = left(p)
                for fn, right in ops:
                    b = right(p)
                    if not fn(a, b):
                        return False
                    a = b
                return True

            return compare
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BIN:
                self._fail(node, type(node.op).__name__)
            fn, left, right = _BIN[type(node.op)], self._build(node.left), self._build(node.right)

            def binop(p):
                a, b = left(p), right(p)
                try:
                    return fn(a, b)
                except ZeroDivisionError:
                    return math.nan

            return binop
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            value = node.value
            return lambda p: value
        if isinstance(node, ast.Name):
            if node.id in ("True", "False"):
                value = node.id == "True"
                return lambda p: value
            if node.id not in self.names:
                raise ConfigError(self._field, f"unknown parameter {node.id!r} in {self.text!r}")
            name = node.id
            return lambda p: p[name]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id not in _FUNCS or len(node.args) != 1 or node.keywords:
                self._fail(node, f"call {ast.unparse(node)}")
            fn, arg = _FUNCS[node.func.id], self._build(node.args[0])
            return lambda p: fn(arg(p))
        return self._fail(node, type(node).__name__)

    def __call__(self, parameters: dict) -> bool:
        return bool(self._fn(parameters))

    def __repr__(self) -> str:
        return f"QualityQuery({self.text!r})"
