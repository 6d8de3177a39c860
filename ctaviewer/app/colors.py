"""Colour maps as lookup tables, and value -> LUT index mapping (scales and limits)."""

from __future__ import annotations

import numpy as np

# the names the display settings accept, listed once (with ``DisplayState``)
from ..service.display import COLORMAPS, LIMIT_MODES, SCALES  # noqa: F401
from .qt import QtGui, pg

N_COLORS = 256

_LUT_CACHE: dict[str, np.ndarray] = {}
_BRUSH_CACHE: dict[str, list] = {}
_ARGB_CACHE: dict[str, np.ndarray] = {}


def lut(name: str) -> np.ndarray:
    """(N_COLORS, 4) uint8 RGBA of a colour map."""
    if name not in _LUT_CACHE:
        _LUT_CACHE[name] = pg.colormap.get(name).getLookupTable(nPts=N_COLORS, alpha=True)
    return _LUT_CACHE[name]


def register(name: str, table: np.ndarray) -> str:
    """Make ``table`` ((N_COLORS, 4) uint8 RGBA) the colour map ``name`` for ``lut``,
    ``argb`` and ``brushes`` (a map pyqtgraph does not have: matplotlib's, or one resampled
    through a display's normalisation); returns ``name``."""
    table = np.ascontiguousarray(table, dtype=np.uint8)
    if table.shape != (N_COLORS, 4):
        raise ValueError(f"colour table {name!r}: shape {table.shape}, not {(N_COLORS, 4)}")
    old = _LUT_CACHE.get(name)
    if old is None or not np.array_equal(old, table):
        _LUT_CACHE[name] = table
        _ARGB_CACHE.pop(name, None)
        _BRUSH_CACHE.pop(name, None)
    return name


def argb(name: str) -> np.ndarray:
    """uint32 premultiplied ARGB per LUT entry, plus a last light grey for invalid values."""
    if name not in _ARGB_CACHE:
        t = lut(name).astype(np.uint32)
        out = np.empty(N_COLORS + 1, dtype=np.uint32)
        out[:N_COLORS] = (0xFF << 24) | (t[:, 0] << 16) | (t[:, 1] << 8) | t[:, 2]
        out[N_COLORS] = 0xFFC8C8C8
        _ARGB_CACHE[name] = out
    return _ARGB_CACHE[name]


def brushes(name: str) -> list:
    """One QBrush per LUT entry, plus a last grey brush for invalid (NaN) values."""
    if name not in _BRUSH_CACHE:
        table = lut(name)
        out = [QtGui.QBrush(QtGui.QColor(*map(int, c))) for c in table]
        out.append(QtGui.QBrush(QtGui.QColor(200, 200, 200)))
        _BRUSH_CACHE[name] = out
    return _BRUSH_CACHE[name]


def transform(values: np.ndarray, scale: str) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    if scale == "log":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)
    if scale == "symlog":
        return np.sign(v) * np.log10(1.0 + np.abs(v))
    return v


def inverse(t: float, scale: str) -> float:
    """The value whose transform (``transform``) is ``t``: p.e. from a log or symlog value."""
    if scale == "log":
        return float(10.0**t)
    if scale == "symlog":
        return float(np.sign(t) * (10.0 ** abs(t) - 1.0))
    return float(t)


def percentiles(v: np.ndarray, q) -> np.ndarray:
    """``np.percentile(v, q)`` (linear interpolation) of a non-empty 1-d array, by one
    partition: a tenth of the time on a camera image, where numpy's generic path costs
    ~0.2 ms per call and the views call it for every camera of every event."""
    n = v.size
    pos = np.asarray(q, dtype=np.float64) / 100.0 * (n - 1)
    below = np.floor(pos).astype(np.intp)
    above = np.minimum(below + 1, n - 1)
    part = np.partition(v, np.unique(np.concatenate([below, above])))
    a, b = part[below], part[above]
    return a + (b - a) * (pos - below)


def limits(values: np.ndarray, mode: str, percentile: float = 99.0,
           fixed: tuple[float, float] = (0.0, 100.0)) -> tuple[float, float]:
    """Colour limits (in data units) for ``values`` under a limit mode."""
    if mode == "fixed":
        return float(fixed[0]), float(fixed[1])
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0, 1.0
    if mode == "percentile":
        lo, hi = percentiles(v, [100.0 - percentile, percentile])
    elif mode == "auto":  # robust: ignore a few hot pixels, keep zero visible
        lo, hi = percentiles(v, [0.5, 99.8])
    else:
        lo, hi = v.min(), v.max()
    if hi <= lo:
        hi = lo + 1.0
    return float(lo), float(hi)


def transformed_limits(values: np.ndarray, lo: float, hi: float, scale: str) -> tuple[float, float]:
    """The colour limits under the scale (``transform`` of ``lo``, ``hi``), made finite and
    increasing: a log scale with a non-positive lower limit starts at the smallest positive
    value; an empty or reversed range spans one unit (one decade on log scales)."""
    t = transform(values, scale)
    tlo, thi = (float(x) for x in transform(np.array([lo, hi]), scale))
    if not np.isfinite(tlo):  # log scale with a non-positive lower limit
        finite = t[np.isfinite(t)]
        tlo = float(finite.min()) if finite.size else 0.0
        if np.isfinite(thi) and thi > tlo and finite.size == 0:
            tlo = thi - 1.0
    if not np.isfinite(thi) or thi <= tlo:
        thi = tlo + 1.0
    return tlo, thi


def color_range(values: np.ndarray, lo: float, hi: float, scale: str) -> tuple[float, float]:
    """The data values (in the quantity's unit) at the two ends of the colour scale that
    ``to_index`` applies for these limits: what a colour bar spans."""
    tlo, thi = transformed_limits(values, lo, hi, scale)
    return inverse(tlo, scale), inverse(thi, scale)


def to_index(values: np.ndarray, lo: float, hi: float, scale: str) -> np.ndarray:
    """LUT index per value (N_COLORS for NaN / invalid under the scale)."""
    t = transform(values, scale)
    tlo, thi = transformed_limits(values, lo, hi, scale)
    with np.errstate(invalid="ignore"):
        k = (t - tlo) * (N_COLORS / (thi - tlo))
        idx = np.clip(np.nan_to_num(k, nan=-1.0), 0, N_COLORS - 1).astype(np.int32)
    idx[~np.isfinite(t)] = N_COLORS
    return idx


#: colours of curves drawn side by side in one plot (colour-blind safe: Okabe–Ito): the
#: performance plots' series and the DL3 browser's IRF curves
SERIES = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def series_color(index: int) -> str:
    """The colour of series ``index`` (``SERIES`` in turn)."""
    return SERIES[index % len(SERIES)]
