"""The one expression language (quality cuts, event filter): checked before it runs, bounded
whatever is typed, the same results on one row and on whole columns. No Qt."""

from __future__ import annotations

import math
import pickle
import random
import subprocess
import sys

import numpy as np
import pytest

from ctaviewer.config import ProcessingConfig
from ctaviewer.errors import ConfigError, ExpressionError
from ctaviewer.expressions import MAX_DEPTH, MAX_LENGTH, MAX_NODES, MAX_POWER, Expression
from ctaviewer.reco.quality import QualityQuery
from ctaviewer.results import IMAGE_PARAMETER_NAMES

COLUMNS = ("n_tel", "energy", "event_id")


def expr(text):
    return Expression(text, COLUMNS, what="column", field="filter")


def table():
    return {"n_tel": np.array([1, 2, 3, 4, 5]),
            "energy": np.array([0.1, np.nan, 2.0, -1.0, 10.0]),
            "event_id": np.array([100, 200, 300, 400, 500])}


def test_conditions_on_columns_and_rows():
    e = expr("n_tel >= 2 and energy > 1 or event_id % 200 == 100")
    np.testing.assert_array_equal(e.evaluate(table()), [True, False, True, False, True])
    assert e({"n_tel": 3, "energy": 2.0, "event_id": 2})
    assert not e({"n_tel": 3, "energy": None, "event_id": 2})  # missing: NaN, false
    assert expr("0 < energy < 3").evaluate(table()).tolist() == [True, False, True, False,
                                                                  False]
    assert expr("not (abs(energy) >= 1)").evaluate(table()).tolist() == [True, True, False,
                                                                         False, False]
    assert expr("").evaluate(table()).all() and expr("  ")({})
    assert expr("True").evaluate(table(), n=5).all()


# ------------------------------------------------------------------ hostile expressions
def test_power_takes_a_small_whole_exponent_written_in_the_text():
    """``9**9**9`` froze the GUI for more than a minute (Python integers). Now the exponent
    of ``**`` must be a whole number literal within MAX_POWER: refused when checked, before
    anything runs; every number is a float64, so products overflow to inf, never grow."""
    for text in ("9**9**9 > 0", "n_tel ** energy > 1", "2 ** 1024 > 0", "n_tel ** 0.5 > 1",
                 f"n_tel ** {MAX_POWER + 1} > 1", "n_tel ** True > 1"):
        with pytest.raises(ExpressionError, match="exponent of \\*\\*") as err:
            expr(text)
        assert err.value.position is not None
    assert expr("(n_tel ** 2) ** 2 == 625").evaluate(table()).tolist() == [False] * 4 + [True]
    assert expr("n_tel ** -1 == 0.5").evaluate(table()).tolist() == [False, True] + [False] * 3
    assert expr("energy ** 0 == 1").evaluate(table()).all()  # NaN ** 0 is 1 (IEEE)
    assert expr(f"event_id ** {MAX_POWER} > 1e30").evaluate(table()).all()
    with pytest.raises(ExpressionError):  # right to left: the exponent is "16 ** 1"
        expr(f"event_id ** {MAX_POWER} ** 1 > 1")
    big = "*".join(["1e300"] * 20)  # float64: inf, not a 6000-digit integer
    assert expr(f"{big} == 1e300 * 1e300").evaluate(table()).all()
    assert expr("sqrt(n_tel) == 2")({"n_tel": 4}) and not expr("sqrt(n_tel) >= 0")({"n_tel": -1})


@pytest.mark.parametrize("text", [
    "'a'*10**9 == 'b'", "'a' == 'b'", "b'x' > 1", "n_tel * 'ab' > 0",
])
def test_text_is_rejected_before_anything_runs(text):
    with pytest.raises(ExpressionError) as err:
        expr(text)
    assert "text" in err.value.reason and err.value.position is not None


def test_deep_nesting_is_an_error_not_a_recursion_error():
    """≈1000 nested ``not`` raised RecursionError in the filter, the processing panel and
    ``process --config``."""
    for text in ("not " * 1000 + "n_tel > 1",  # too long
                 "not " * 450 + "n_tel > 1",  # within the length: too deep
                 "-" * (MAX_LENGTH - 10) + "n_tel > 1",  # the parser itself goes too deep
                 "(" * 300 + "n_tel > 1" + ")" * 300):
        with pytest.raises(ExpressionError) as err:
            expr(text)
        assert any(w in err.value.reason for w in ("too long", "nested", "syntax"))
    ok = "not " * (MAX_DEPTH - 2) + "n_tel > 1"
    assert expr(ok).evaluate(table()).tolist() == [False] + [True] * 4


def test_size_is_bounded():
    text = " and ".join(["n_tel > 1"] * (MAX_NODES // 3 + 1))
    assert len(text) < MAX_LENGTH
    with pytest.raises(ExpressionError, match="too many terms"):
        expr(text)
    with pytest.raises(ExpressionError, match="too long"):
        expr("n_tel > 1" + " " * MAX_LENGTH)


@pytest.mark.parametrize("text,words", [
    ("__import__('os')", "calling '__import__' is not allowed"),
    ("open('x') > 1", "calling 'open'"),
    ("n_tel.__class__ > 1", "attribute"),
    ("[1, 2] == 1", "a list"),
    ("(lambda: 1)() > 0", "calling"),
    ("1 if n_tel else 2", "if/else"),
    ("n_tel // 2 > 1", "'//' is not allowed"),
    ("n_tel in (1, 2)", "'in' is not allowed"),
    ("n_tel", "a number, not a condition"),
    ("n_tel + (energy > 1) > 0", "arithmetic needs a number"),
    ("n_tel and energy", "needs a condition"),
    ("abs(n_tel, 2) > 1", "abs() takes one number"),
    ("None > 1", "None is not allowed"),
    ("n_tel >", "syntax error"),
])
def test_errors_say_what_is_wrong(text, words):
    with pytest.raises(ExpressionError) as err:
        expr(text)
    assert words in str(err.value)
    assert isinstance(err.value, ConfigError) and err.value.field == "filter"


def test_errors_name_the_position():
    with pytest.raises(ExpressionError) as err:
        expr("n_tel > 1 and foo > 2")
    assert err.value.position == 15 and "unknown column 'foo'" in err.value.message
    assert "(at character 15)" in err.value.message
    with pytest.raises(ExpressionError) as err:
        expr("  énergie > 1 or foo > 1")  # characters, not UTF-8 bytes; leading blanks count
    assert err.value.position == 3
    with pytest.raises(ExpressionError) as err:
        expr("(n_tel > 1 and\n'x' == 1)")  # a second line (TOML multi-line strings)
    assert err.value.position == 16


# ------------------------------------------------------------------ one row = whole columns
VALUES = [0.0, -0.0, 1.0, -2.5, 3.0, 1e308, -1e308, math.inf, -math.inf, math.nan, 7.0, 0.5]


def _random_number(rng, depth):
    r = rng.random()
    if depth > 3 or r < 0.35:
        return rng.choice(["n_tel", "energy", "event_id"])
    if r < 0.5:
        return repr(rng.choice([0, 1, 2, 0.5, -3, 1e300, 2.0]))
    if r < 0.6:
        return f"{rng.choice(['abs', 'sqrt'])}({_random_number(rng, depth + 1)})"
    if r < 0.7:
        return f"-({_random_number(rng, depth + 1)})"
    op = rng.choice(["+", "-", "*", "/", "%", "**"])
    if op == "**":
        return f"({_random_number(rng, depth + 1)}) ** {rng.randint(-MAX_POWER, MAX_POWER)}"
    return f"({_random_number(rng, depth + 1)} {op} {_random_number(rng, depth + 1)})"


def _random_condition(rng, depth=0):
    r = rng.random()
    if depth > 2 or r < 0.5:
        ops = rng.choice(["<", "<=", ">", ">=", "==", "!="])
        text = f"{_random_number(rng, depth)} {ops} {_random_number(rng, depth)}"
        if rng.random() < 0.2:
            text += f" < {_random_number(rng, depth)}"
        return text
    if r < 0.65:
        return f"not ({_random_condition(rng, depth + 1)})"
    word = rng.choice(["and", "or"])
    return f"({_random_condition(rng, depth + 1)} {word} {_random_condition(rng, depth + 1)})"


def test_one_row_and_whole_columns_agree():
    """The filter runs on whole columns (numpy), the quality query on one telescope's
    parameters (Python floats): the same expression gives the same answer, with zeros,
    infinities, NaN and overflows."""
    rng = random.Random(11)
    n = 400
    cols = {c: np.array([rng.choice(VALUES) for _ in range(n)]) for c in COLUMNS}
    for _ in range(300):
        e = expr(_random_condition(rng))
        column_result = e.evaluate(cols)
        rows = [e({c: float(cols[c][i]) for c in COLUMNS}) for i in range(n)]
        assert column_result.tolist() == rows, e.text


def test_pickles_as_its_text():
    e = expr("n_tel > 2")
    back = pickle.loads(pickle.dumps(e))
    assert back.text == e.text and back.field == "filter" and back({"n_tel": 3})
    q = QualityQuery("hillas_intensity > 50", IMAGE_PARAMETER_NAMES)
    back = pickle.loads(pickle.dumps(q))
    assert isinstance(back, QualityQuery) and back({"hillas_intensity": 60.0})


# ------------------------------------------------------------------ the quality cuts use it
def test_quality_query_is_the_same_language():
    q = QualityQuery("hillas_intensity > 50 and hillas_width ** 2 > 0", IMAGE_PARAMETER_NAMES)
    assert q.evaluate({"hillas_intensity": [60.0], "hillas_width": [0.0]}).tolist() == [False]
    assert isinstance(q, Expression)
    assert q({"hillas_intensity": 80.0, "hillas_width": 0.1})
    mask = q.evaluate({"hillas_intensity": [10.0, 80.0, np.nan],
                       "hillas_width": [0.1, 0.1, 0.1]})
    assert mask.tolist() == [False, True, False]
    with pytest.raises(ConfigError) as err:
        QualityQuery("hillas_nonsense > 3", IMAGE_PARAMETER_NAMES)
    assert err.value.field == "quality.query" and "unknown parameter" in str(err.value)


def test_config_rejects_a_hostile_query_with_a_config_error():
    for text in ("not " * 450 + "hillas_r > 1", "'a' * 10**9 == 'b'"):
        with pytest.raises(ConfigError) as err:
            ProcessingConfig.default().replace(**{"quality.query": text})
        assert err.value.field == "quality.query"


def test_process_config_with_deep_query_says_so(tmp_path):
    """``process --config`` with ≈1000 nested ``not``: one line naming the field, exit 2."""
    toml = tmp_path / "deep.toml"
    toml.write_text('[quality]\nquery = "' + "not " * 1000 + 'hillas_r > 1"\n')
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "ctaviewer", "process", "--config", str(toml), "-o", str(out),
         str(tmp_path / "missing.simtel.zst")],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "quality.query" in proc.stderr and "Traceback" not in proc.stderr
    assert "RecursionError" not in proc.stderr
