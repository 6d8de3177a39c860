"""App models and helpers that need no window: colours, filters, quantities."""

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ctaviewer.app import colors  # noqa: E402
from ctaviewer.app.models.event_filter import FilterError, compile_filter  # noqa: E402


def test_filter_expression_selects_rows():
    rows = [{"n_tel": 2, "energy": 0.5}, {"n_tel": 5, "energy": 3.0}, {"n_tel": 4, "energy": 0.9}]
    keep = compile_filter("n_tel >= 4 and energy > 1")
    assert [keep(r) for r in rows] == [False, True, False]
    assert all(compile_filter("")(r) for r in rows)


@pytest.mark.parametrize("text", ["__import__('os')", "n_tel.real", "foo > 1", "n_tel >"])
def test_filter_rejects_unsafe_or_unknown(text):
    with pytest.raises(FilterError):
        compile_filter(text)


def test_lut_index_scales_and_nan():
    v = np.array([0.0, 1.0, 10.0, 100.0, np.nan])
    lin = colors.to_index(v, 0.0, 100.0, "linear")
    assert lin[0] == 0 and lin[3] == colors.N_COLORS - 1 and lin[4] == colors.N_COLORS
    log = colors.to_index(v, 1.0, 100.0, "log")
    assert log[0] == colors.N_COLORS  # log of 0 is invalid
    assert log[2] == pytest.approx((colors.N_COLORS - 1) / 2, abs=1)
    sym = colors.to_index(np.array([-10.0, 0.0, 10.0]), -10.0, 10.0, "symlog")
    assert sym[1] == pytest.approx((colors.N_COLORS - 1) / 2, abs=1)


def test_limit_modes():
    v = np.arange(1000.0)
    assert colors.limits(v, "min-max") == (0.0, 999.0)
    lo, hi = colors.limits(v, "percentile", 90.0)
    assert lo == pytest.approx(99.9) and hi == pytest.approx(899.1)
    assert colors.limits(v, "fixed", fixed=(3.0, 7.0)) == (3.0, 7.0)


@pytest.mark.parametrize("n", [1, 2, 7, 1296, 11328])
def test_percentiles_match_numpy(n):
    v = np.random.default_rng(n).gamma(2.0, 5.0, n)
    for q in ([0.5, 99.8], [1.0, 99.0], [0.0, 100.0], [50.0, 50.0]):
        np.testing.assert_allclose(colors.percentiles(v, q), np.percentile(v, q), rtol=1e-12)
