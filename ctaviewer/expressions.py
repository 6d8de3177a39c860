"""The one expression language of ctaviewer: quality cuts and the event-list filter.

An expression is a condition on named numbers, e.g. ``n_tel >= 4 and energy > 1`` or
``hillas_intensity > 50 and abs(hillas_psi) < 80``. It is parsed with ``ast`` and checked
before anything is evaluated; it is never handed to ``eval``. Allowed:

- names (the columns or parameters the caller lists) and numbers; ``True``/``False``;
- arithmetic ``+ - * / %`` and unary ``-``/``+`` on numbers; ``x ** n`` for a whole number
  ``n`` written in the text, |n| <= 16; ``abs(x)``, ``sqrt(x)``;
- comparisons ``< <= > >= == !=`` (chains such as ``0 < x < 1`` too) on numbers;
- ``and``, ``or``, ``not`` on conditions; parentheses.

Every number is a float64 (an overflow is ``inf``, never a huge integer), the exponent of
``**`` is a small whole number written in the text (``9**9**9`` is refused, not computed),
and no expression can build text (strings are not allowed). The text is at most
``MAX_LENGTH`` characters, the tree at most ``MAX_NODES`` nodes and ``MAX_DEPTH`` levels
deep, so checking and evaluating an expression cost at most a few hundred numpy operations,
whatever was typed. Anything else is an ``ExpressionError`` naming the cause and the
character where it is.

A comparison with NaN (a missing value) is false, ``x / 0`` is ``±inf`` (``0 / 0`` NaN), an
overflow ``inf``. ``Expression.evaluate(columns)`` takes whole columns (arrays) and returns
a boolean array; ``Expression(values)`` takes one row (a mapping of numbers) and returns a
bool. Both give the same answer: the same IEEE operations, numpy's on columns and Python's
on one row (with numpy's results where Python would raise, e.g. division by zero).
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from .errors import ExpressionError

MAX_LENGTH = 2000  # characters
MAX_NODES = 400  # names, numbers and operations
MAX_DEPTH = 40  # nesting of operations (e.g. 40 ``not`` in a row)


def _number(value) -> float:
    """One row's value as the float its column would hold (None: missing, NaN)."""
    return math.nan if value is None else float(value)


def _divide(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:  # numpy: 0/0 and nan/0 are nan, x/±0 is ±inf
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _remainder(a: float, b: float) -> float:
    try:
        return a % b
    except ZeroDivisionError:
        return math.nan


def _integer_power(x, n: int, multiply, divide):
    """``x ** n`` for a whole ``n`` by squaring and multiplying: the same IEEE operations in
    the same order for a column and for one row, so both give the same bits (numpy's own
    ``power`` does not: its vector loop and its scalar path disagree, e.g. at -inf ** 0.5)."""
    result, base, k = None, x, abs(n)
    while k:
        if k & 1:
            result = base if result is None else multiply(result, base)
        k >>= 1
        if k:
            base = multiply(base, base)
    if result is None:  # x ** 0 is 1, for NaN too (IEEE)
        return 1.0
    return divide(1.0, result) if n < 0 else result


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else math.nan  # NaN too: comparisons with NaN are False


#: (numpy function on columns, function on one row's floats), the same results
_COMPARE = {
    ast.Lt: (np.less, operator.lt), ast.LtE: (np.less_equal, operator.le),
    ast.Gt: (np.greater, operator.gt), ast.GtE: (np.greater_equal, operator.ge),
    ast.Eq: (np.equal, operator.eq), ast.NotEq: (np.not_equal, operator.ne),
}
_ARITHMETIC = {
    ast.Add: (np.add, operator.add), ast.Sub: (np.subtract, operator.sub),
    ast.Mult: (np.multiply, operator.mul), ast.Div: (np.true_divide, _divide),
    ast.Mod: (np.remainder, _remainder),
}
MAX_POWER = 16  # the largest whole exponent of ``**``
_FUNCTIONS = {"abs": (np.abs, abs), "sqrt": (np.sqrt, _sqrt)}
_SYMBOL = {
    ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~", ast.Is: "is",
    ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}
_NODE_WORDS = {
    ast.Attribute: "an attribute (.)", ast.Subscript: "indexing ([ ])",
    ast.List: "a list", ast.Tuple: "a tuple", ast.Set: "a set", ast.Dict: "a dict",
    ast.Lambda: "lambda", ast.IfExp: "if/else", ast.NamedExpr: "an assignment (:=)",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension",
    ast.JoinedStr: "text", ast.Starred: "*", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Slice: "a slice",
}

NUMBER, CONDITION = "number", "condition"
ALLOWED = ("names, numbers, + - * / %, ** with a whole exponent, abs(), sqrt(), "
           "comparisons < <= > >= == !=, and/or/not, parentheses")

_Fn = Callable[[Mapping], object]


class Expression:
    """A checked expression over ``names``; see the module documentation.

    ``what`` names the kind of name in messages ("column", "parameter"), ``field`` the
    setting the text comes from (``ExpressionError.field``). An empty text is always true.
    """

    def __init__(self, text: str, names: Iterable[str], *, what: str = "name",
                 field: str = "expression"):
        if not isinstance(text, str):
            raise ExpressionError(field, f"must be text, got {type(text).__name__}")
        self.text = text
        self.names = frozenset(names)
        self.what = what
        self.field = field
        stripped = text.strip()
        self._skip = len(text) - len(text.lstrip())  # leading blanks, for positions
        if not stripped:
            self.used: frozenset[str] = frozenset()
            self._fn: _Fn = lambda env: np.True_
            self._fn_row: _Fn = lambda env: True
            return
        if len(text) > MAX_LENGTH:
            raise ExpressionError(field, f"too long: {len(text)} characters (at most "
                                         f"{MAX_LENGTH})", text)
        try:
            tree = ast.parse(stripped, mode="eval")
        except SyntaxError as err:
            position = len(text)  # the end, where Python names no place
            if err.lineno is not None and err.offset:  # offset: 1-based, in characters
                lines = stripped.splitlines(keepends=True)
                before = sum(len(line) for line in lines[: err.lineno - 1])
                position = min(self._skip + before + err.offset, len(text))
            raise ExpressionError(field, f"syntax error: {err.msg}", text, position) from None
        except (RecursionError, MemoryError):
            raise ExpressionError(field, f"nested too deeply (at most {MAX_DEPTH} levels)",
                                  text) from None
        except ValueError as err:  # e.g. a NUL character (Python 3.11)
            raise ExpressionError(field, f"cannot be read: {err}", text) from None
        self._stripped = stripped
        self._check_size(tree.body)
        used: set[str] = set()
        self._fn, self._fn_row, kind = self._build(tree.body, used)
        if kind != CONDITION:
            self._fail(tree.body, "the expression is a number, not a condition: compare it "
                                  "(e.g. ... > 0)")
        self.used = frozenset(used)

    # ------------------------------------------------------------------ checking
    def _position(self, stripped: str, lineno: int, col: int) -> int:
        """1-based character position in ``self.text`` of (line, UTF-8 byte column)."""
        lines = stripped.splitlines(keepends=True)
        before = sum(len(line) for line in lines[: lineno - 1])
        line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
        col = len(line.encode()[: max(col, 0)].decode(errors="ignore"))
        return self._skip + before + col + 1

    def _where(self, node) -> int | None:
        lineno, col = getattr(node, "lineno", None), getattr(node, "col_offset", None)
        if lineno is None or col is None:
            return None
        return self._position(self._stripped, lineno, col)

    def _fail(self, node, reason: str):
        raise ExpressionError(self.field, reason, self.text, self._where(node))

    def _check_size(self, root) -> None:
        """Node count and depth, without recursion (a deep tree must not overflow the
        interpreter's stack here either)."""
        count, todo = 0, [(root, 1)]
        while todo:
            node, depth = todo.pop()
            if isinstance(node, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop,
                                 ast.boolop)):
                continue
            count += 1
            if depth > MAX_DEPTH:
                self._fail(node, f"nested too deeply (at most {MAX_DEPTH} levels)")
            if count > MAX_NODES:
                self._fail(node, f"too many terms (at most {MAX_NODES} names, numbers and "
                                 "operations)")
            todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))

    def _expect(self, node, built: tuple[_Fn, _Fn, str], kind: str,
                context: str) -> tuple[_Fn, _Fn]:
        vec, row, got = built
        if got != kind:
            if kind == CONDITION:
                self._fail(node, f"{context} needs a condition (a comparison), not a number")
            self._fail(node, f"{context} needs a number, not a condition")
        return vec, row

    def _build(self, node, used: set) -> tuple[_Fn, _Fn, str]:
        """(function of whole columns, function of one row, kind) of a checked node.

        The two functions do the same operations, with numpy on arrays and with Python
        floats (numpy's results for division by zero, overflow and the like) on one row.
        """
        if isinstance(node, ast.BoolOp):
            word = "and" if isinstance(node.op, ast.And) else "or"
            parts = [self._expect(v, self._build(v, used), CONDITION, f"'{word}'")
                     for v in node.values]
            vecs, rows = [p[0] for p in parts], [p[1] for p in parts]
            combine = np.logical_and if word == "and" else np.logical_or

            def boolop(env, vecs=vecs, combine=combine):
                value = vecs[0](env)
                for part in vecs[1:]:
                    value = combine(value, part(env))
                return value

            if len(rows) == 2:  # the common case, without a loop
                a, b = rows
                if word == "and":
                    return boolop, (lambda env: a(env) and b(env)), CONDITION
                return boolop, (lambda env: a(env) or b(env)), CONDITION
            if word == "and":
                return boolop, (lambda env: all(f(env) for f in rows)), CONDITION
            return boolop, (lambda env: any(f(env) for f in rows)), CONDITION
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                vec, row = self._expect(node.operand, self._build(node.operand, used),
                                        CONDITION, "'not'")
                return (lambda env: np.logical_not(vec(env))), (lambda env: not row(env)), \
                    CONDITION
            if isinstance(node.op, (ast.USub, ast.UAdd)):
                sign = "-" if isinstance(node.op, ast.USub) else "+"
                vec, row = self._expect(node.operand, self._build(node.operand, used),
                                        NUMBER, f"'{sign}'")
                if sign == "+":
                    return vec, row, NUMBER
                return (lambda env: np.negative(vec(env))), (lambda env: -row(env)), NUMBER
            return self._fail(node, f"'{_SYMBOL.get(type(node.op), '?')}' is not allowed; "
                                    f"allowed: {ALLOWED}")
        if isinstance(node, ast.Compare):
            ops = []
            for op in node.ops:
                if type(op) not in _COMPARE:
                    self._fail(node, f"'{_SYMBOL.get(type(op), '?')}' is not allowed; "
                                     f"allowed: {ALLOWED}")
                ops.append(_COMPARE[type(op)])
            operands = [node.left, *node.comparators]
            parts = [self._expect(o, self._build(o, used), NUMBER, "a comparison")
                     for o in operands]
            vecs, rows = [p[0] for p in parts], [p[1] for p in parts]

            def compare(env, vecs=vecs, ops=ops):
                left = vecs[0](env)
                value = None
                for (op, _), fn in zip(ops, vecs[1:]):
                    right = fn(env)
                    step = op(left, right)
                    value = step if value is None else np.logical_and(value, step)
                    left = right
                return value

            if len(ops) == 1:  # the common case, without a loop
                op_row, (a, b) = ops[0][1], rows
                return compare, (lambda env: op_row(a(env), b(env))), CONDITION

            def compare_row(env, rows=rows, ops=ops):
                left = rows[0](env)
                for (_, op), fn in zip(ops, rows[1:]):
                    right = fn(env)
                    if not op(left, right):
                        return False
                    left = right
                return True

            return compare, compare_row, CONDITION
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            n = _whole_exponent(node.right)
            if n is None:
                self._fail(node.right, f"the exponent of ** must be a whole number from "
                                       f"{-MAX_POWER} to {MAX_POWER}, e.g. x ** 2 (sqrt(x) "
                                       "for a square root)")
            vec, row = self._expect(node.left, self._build(node.left, used), NUMBER,
                                    "arithmetic")
            return ((lambda env: _integer_power(vec(env), n, np.multiply, np.true_divide)),
                    (lambda env: _integer_power(row(env), n, operator.mul, _divide)), NUMBER)
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _ARITHMETIC:
                self._fail(node, f"'{_SYMBOL.get(type(node.op), '?')}' is not allowed; "
                                 f"allowed: {ALLOWED}")
            op, op_row = _ARITHMETIC[type(node.op)]
            lvec, lrow = self._expect(node.left, self._build(node.left, used), NUMBER,
                                      "arithmetic")
            rvec, rrow = self._expect(node.right, self._build(node.right, used), NUMBER,
                                      "arithmetic")
            return ((lambda env: op(lvec(env), rvec(env))),
                    (lambda env: op_row(lrow(env), rrow(env))), NUMBER)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                flag = np.bool_(value)
                return (lambda env: flag), (lambda env: value), CONDITION
            if isinstance(value, (int, float)):
                try:
                    number = float(value)
                except OverflowError:
                    number = math.inf
                return (lambda env: number), (lambda env: number), NUMBER
            if isinstance(value, (str, bytes)):
                self._fail(node, f"text ({value!r:.20}) is not allowed: an expression works "
                                 "on numbers only")
            self._fail(node, f"{value!r} is not allowed; allowed: {ALLOWED}")
        if isinstance(node, ast.Name):
            if node.id not in self.names:
                self._fail(node, f"unknown {self.what} {node.id!r} ({self.what}s: "
                                 f"{', '.join(sorted(self.names))})")
            used.add(node.id)
            name = node.id
            return (lambda env: env[name]), (lambda row: _number(row.get(name))), NUMBER
        if isinstance(node, ast.Call):
            fname = node.func.id if isinstance(node.func, ast.Name) else None
            if fname not in _FUNCTIONS:
                self._fail(node, f"calling {ast.unparse(node.func)!r} is not allowed; the "
                                 f"functions are {', '.join(f + '()' for f in _FUNCTIONS)}")
            if len(node.args) != 1 or node.keywords:
                self._fail(node, f"{fname}() takes one number")
            fn, fn_row = _FUNCTIONS[fname]
            vec, row = self._expect(node.args[0], self._build(node.args[0], used), NUMBER,
                                    f"{fname}()")
            return (lambda env: fn(vec(env))), (lambda env: fn_row(row(env))), NUMBER
        return self._fail(node, f"{_NODE_WORDS.get(type(node), type(node).__name__)} is not "
                                f"allowed; allowed: {ALLOWED}")

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, columns: Mapping[str, object], n: int | None = None) -> np.ndarray:
        """The boolean array of the rows for which the expression is true.

        ``columns`` maps each name the expression uses to an array of ``n`` numbers (any
        numeric dtype; missing values NaN). ``n``, the number of rows, is taken from the
        columns when not given.
        """
        if n is None and columns:
            n = len(next(iter(columns.values())))
        env = {}
        for name in self.used:
            env[name] = np.asarray(columns[name], dtype=np.float64)
            n = len(env[name]) if n is None else n
        if n is None:
            raise ValueError("evaluate() needs n (the number of rows) without columns")
        with np.errstate(all="ignore"):
            value = self._fn(env)
        return np.broadcast_to(np.asarray(value, dtype=bool), (n,)).copy()

    def __call__(self, values: Mapping[str, object]) -> bool:
        """True when the expression holds for one row ``values`` (name -> number; a name
        missing or None counts as NaN)."""
        return bool(self._fn_row(values))

    def __reduce__(self):  # pickled as its text: checked again when unpickled
        return (_restore, (type(self), self.text, sorted(self.names), self.what, self.field))

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def _whole_exponent(node) -> int | None:
    """The exponent of ``**`` when it is a whole number literal (optionally signed) within
    ``MAX_POWER``, else None."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return None
    value = node.value
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_POWER:
        value = int(value)
    if isinstance(value, int) and abs(value) <= MAX_POWER:
        return sign * value
    return None


def _restore(cls, text, names, what, field) -> Expression:
    obj = cls.__new__(cls)
    Expression.__init__(obj, text, names, what=what, field=field)
    return obj


def compile_expression(text: str, names: Iterable[str], *, what: str = "name",
                       field: str = "expression") -> Expression:
    """``Expression(text, names, what=..., field=...)``: checked, ready to evaluate."""
    return Expression(text, names, what=what, field=field)


__all__ = ["ALLOWED", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "Expression",
           "ExpressionError", "compile_expression"]
