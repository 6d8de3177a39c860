"""A vertical colour bar with a value axis, for the camera view.

The bar is drawn in the coordinates of the colour scale (``colors.transform``: the value, its
log10, or its symmetric log), so each colour sits where ``colors.to_index`` puts it; the axis
labels are values of the quantity (p.e., ns, ...) placed at their transformed positions:
decades (and 2 and 5 times them) on log and symlog scales, ordinary round steps on a linear
one. A two-state quantity (the cleaning mask) gets a legend of its two colours instead.
"""

from __future__ import annotations

import math

import numpy as np

from .. import colors
from ..qt import QtGui, QtWidgets, pg
from .plotting import CachedAxisItem

BAR_WIDTH = 28  # px
#: least distance between two labelled ticks, in multiples of the label font's height
_LABEL_GAP = 1.4


def _label(v: float) -> str:
    """A tick value as text: as short as its digits allow ("0.002", "50", "1e+04")."""
    if v == 0:
        return "0"
    return f"{v:.6g}"


def _candidates(lo: float, hi: float, scale: str) -> list[tuple[int, float]]:
    """Round values within [lo, hi] worth labelling on a log or symlog scale, as
    (priority, value): 0 for zero and decades, 1 for 5 × 10^k, 2 for 2 × 10^k."""
    out: list[tuple[int, float]] = []
    if scale == "symlog" and lo <= 0.0 <= hi:
        out.append((0, 0.0))
    top = max(abs(lo), abs(hi))
    if not top > 0:
        return out
    bottom = min(abs(lo), abs(hi)) if scale == "log" else top * 1e-6
    kmin = math.floor(math.log10(max(bottom, top * 1e-12)))
    kmax = math.ceil(math.log10(top))
    signs = (1.0,) if scale == "log" else (1.0, -1.0)
    for k in range(kmin, kmax + 1):
        for mantissa, priority in ((1.0, 0), (5.0, 1), (2.0, 2)):
            for sign in signs:
                v = sign * float(f"{mantissa}e{k}")
                if lo <= v <= hi:
                    out.append((priority, v))
    return out


class ColorBarAxis(CachedAxisItem):
    """The colour bar's value axis: tick positions in colour-scale coordinates, labels in the
    quantity's unit (never transformed values, never a "(x0.001)" factor)."""

    def __init__(self, orientation="right"):
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)
        self.scale_name = "linear"
        #: a legend instead of values: (position, text) of each state
        self.states: list[tuple[float, str]] | None = None
        self._labels: dict[float, str] = {}

    def _updateWidth(self):  # pyqtgraph's hook: the axis widened or narrowed to its labels
        super()._updateWidth()
        bar = self.parentItem()
        if isinstance(bar, ColorBar):
            bar.fit_width()

    def set_scale(self, scale: str, states=None) -> None:
        self.scale_name = scale
        self.states = states
        self.picture = None  # ticks and labels are laid out again
        self.update()

    def _min_gap(self) -> float:
        font = self.style.get("tickFont") or QtGui.QFont()
        return _LABEL_GAP * QtGui.QFontMetricsF(font).height()

    def tickValues(self, minVal, maxVal, size):
        minVal, maxVal = sorted((float(minVal), float(maxVal)))
        self._labels = {}
        if self.states is not None:
            pos = [p for p, _ in self.states]
            self._labels = {p: text for p, text in self.states}
            return [(1.0, pos)]
        if self.scale_name == "linear" or not (maxVal > minVal) or size <= 0:
            return super().tickValues(minVal, maxVal, size)
        scale = self.scale_name
        lo, hi = colors.inverse(minVal, scale), colors.inverse(maxVal, scale)
        per_unit = size / (maxVal - minVal)  # pixels per unit of the transformed scale
        gap = self._min_gap()
        chosen: list[tuple[float, float]] = []  # (position, value)

        def choose(cands):  # by priority (zero first), each far enough from those kept
            for _, v in sorted(cands, key=lambda c: (c[0], c[1] != 0, -abs(c[1]))):
                t = float(colors.transform(np.array([v]), scale)[0])
                if np.isfinite(t) and all(abs(t - u) * per_unit >= gap and w != v
                                          for u, w in chosen):
                    chosen.append((t, v))

        choose(_candidates(lo, hi, scale))
        if len(chosen) < 3:  # less than a decade or so: round steps of the values too
            spacing, values = super().tickValues(lo, hi, size)[0]
            choose([(3, _round(v, spacing)) for v in values if lo <= v <= hi])
        self._labels = {t: _label(v) for t, v in chosen}
        major = sorted(t for t, _ in chosen)
        minor = []
        if scale == "log" or scale == "symlog":
            for _, v in _candidates(lo, hi, scale):
                t = float(colors.transform(np.array([v]), scale)[0])
                if t not in self._labels and all(abs(t - u) * per_unit >= 4 for u in major):
                    minor.append(t)
        levels = [(1.0, major)]
        if minor:
            levels.append((0.1, sorted(minor)))
        return levels

    def tickStrings(self, values, scale, spacing):
        if self.states is None and self.scale_name == "linear":
            return super().tickStrings(values, scale, spacing)
        return [self._labels.get(v, "") for v in values]


def _round(v: float, spacing: float) -> float:
    """``v`` rounded to the decimals of ``spacing`` (0.30000000000000004 -> 0.3)."""
    places = max(0, -math.floor(math.log10(spacing))) if spacing > 0 else 0
    return round(v, places + 1)


class ColorBar(pg.PlotItem):
    def __init__(self):
        self.axis = ColorBarAxis("right")
        super().__init__(axisItems={"right": self.axis})
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.hideAxis("bottom")
        self.hideAxis("left")
        self.showAxis("right")
        # as wide as the bar and its labels: the bar a fixed width, the axis widening to
        # its labels (pyqtgraph sizes it after a paint)
        self.vb.setFixedWidth(BAR_WIDTH)
        self.setSizePolicy(QtWidgets.QSizePolicy.Fixed, QtWidgets.QSizePolicy.Preferred)
        self.fit_width()
        self._image = pg.ImageItem()
        self.addItem(self._image)
        self.range_t = (0.0, 1.0)  # the bar's extent in colour-scale coordinates
        self.set_range(0.0, 1.0, "linear", "viridis", "")

    def fit_width(self) -> None:
        """As wide as the bar and its axis, no wider (no gap between them)."""
        left, _, right, _ = self.layout.getContentsMargins()
        self.setFixedWidth(BAR_WIDTH + self.axis.maximumWidth() + left + right)

    def set_range(self, lo: float, hi: float, scale: str, cmap: str, label: str) -> None:
        """A bar from value ``lo`` to ``hi`` (the quantity's unit) under ``scale``; the axis
        ``label`` names the quantity and unit (the scale shows in the tick spacing)."""
        tlo, thi = colors.transformed_limits(np.array([lo, hi]), lo, hi, scale)
        self._image.setImage(np.arange(colors.N_COLORS)[None, :].astype(float),
                             levels=(0, colors.N_COLORS - 1), lut=colors.lut(cmap))
        self._show(tlo, thi)
        self.axis.set_scale(scale)
        suffix = {"log": ", log scale", "symlog": ", symlog scale"}.get(scale, "")
        self.getAxis("right").setLabel(label + suffix if label else suffix.removeprefix(", "))

    def set_states(self, states, cmap: str, label: str) -> None:
        """A legend of discrete states: ``states`` is a list of (text, LUT index), drawn as
        equal blocks of their colours, from the bottom up."""
        table = colors.lut(cmap)
        n = len(states)
        image = np.array([table[k] for _, k in states], dtype=np.uint8)[None, :, :]
        self._image.setImage(image, levels=None, lut=None)
        self._show(0.0, float(n))
        self.axis.set_scale("linear", states=[(k + 0.5, text)
                                              for k, (text, _) in enumerate(states)])
        self.getAxis("right").setLabel(label)

    def _show(self, tlo: float, thi: float) -> None:
        self.range_t = (tlo, thi)
        self._image.setRect(0, tlo, 1, thi - tlo)
        self.setYRange(tlo, thi, padding=0)
        self.setXRange(0, 1, padding=0)
