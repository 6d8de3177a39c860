"""Event-list filter expressions such as ``n_tel >= 4 and energy > 1`` (safe subset)."""

from __future__ import annotations

import ast
import math

COLUMNS = ("index", "event_id", "energy", "n_tel", "n_tel_reco", "reco_alt", "reco_az",
           "reco_energy")
_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
            ast.UAdd, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
            ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.Pow, ast.Name,
            ast.Load, ast.Constant)


class FilterError(ValueError):
    pass


def compile_filter(text: str):
    """A predicate row -> bool; raises FilterError with the reason for a bad expression."""
    text = text.strip()
    if not text:
        return lambda row: True
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FilterError(f"syntax error: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise FilterError(f"not allowed in a filter: {type(node).__name__}")
        if isinstance(node, ast.Name) and node.id not in COLUMNS:
            raise FilterError(f"unknown column {node.id!r} (columns: {', '.join(COLUMNS)})")
    code = compile(tree, "<filter>", "eval")

    def predicate(row: dict) -> bool:
        names = {c: row.get(c, math.nan) for c in COLUMNS}
        try:
            return bool(eval(code, {"__builtins__": {}}, names))
        except (ArithmeticError, TypeError):
            return False

    return predicate
