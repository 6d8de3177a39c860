"""What the screen shows is true: colour-bar ticks are values of the quantity at the positions
of their colours, the array view holds everything it draws, invalid reconstructions are
shown as invalid with their reason, exported views look like the renderer's, and the layout
glitches (titles over pixels, labels over thumbnails, seams, clipped headers) stay fixed."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.usefixtures("isolated_settings")


# ------------------------------------------------------------------ colour bar
def _draw_specs(axis):
    from ctaviewer.app.qt import QtGui

    image = QtGui.QImage(10, 10, QtGui.QImage.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        return axis.generateDrawSpecs(painter)
    finally:
        painter.end()


def _settle(qtbot, widget, bar):
    """Paint until the axis has widened to its labels (pyqtgraph sizes it after a paint)."""
    axis = bar.getAxis("right")

    def fits():
        widget.grab()
        texts = _draw_specs(axis)[2]
        return len(texts) > 0 and len(texts) == len(set(axis._labels.values()) - {""}) \
            if axis.scale_name != "linear" or axis.states else len(texts) > 0

    qtbot.waitUntil(fits)


def _axis_ticks(bar):
    """(value, position in colour-scale coordinates) of every labelled tick the colour bar's
    axis draws, read from the axis's own draw specification."""
    from ctaviewer.app.qt import QtCore

    axis = bar.getAxis("right")
    _, ticks, texts = _draw_specs(axis)
    tick_y = [p1.y() for _, p1, _ in ticks]
    out = []
    for rect, _, text in texts:
        y = rect.center().y()
        assert min(abs(y - ty) for ty in tick_y) < 1.0, text  # the label sits at a tick
        t = bar.vb.mapSceneToView(axis.mapToScene(QtCore.QPointF(0, y))).y()
        out.append((float(text), t, y))
    return out


@pytest.mark.parametrize("scale", ["linear", "log", "symlog"])
@pytest.mark.parametrize("mode", ["auto", "min-max", "percentile", "fixed"])
def test_colour_bar_ticks_are_values_at_the_position_of_their_colour(qtbot, scale, mode):
    """Every label of the colour bar is a value in the quantity's unit (p.e.), drawn at the
    height where the bar shows the colour ``to_index`` gives that value: read back from the
    axis and from the grabbed picture of the bar."""
    from ctaviewer.app import colors
    from ctaviewer.app.qt import QtCore, QtGui, pg
    from ctaviewer.app.views.colorbar import ColorBar

    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(0, 2, 1500), rng.uniform(-400, 600, 40),
                             rng.uniform(0.05, 50, 300)])
    lo, hi = colors.limits(values, mode, 97.0, (0.0, 50.0))
    lo, hi = colors.color_range(values, lo, hi, scale)
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    bar = ColorBar()
    bar.setMaximumWidth(120)
    widget.addItem(bar)
    widget.resize(140, 600)
    widget.show()
    bar.set_range(lo, hi, scale, "viridis", "charge (p.e.)")
    qtbot.waitUntil(lambda: bar.vb.height() > 400)
    _settle(qtbot, widget, bar)
    grab = widget.grab().toImage().convertToFormat(QtGui.QImage.Format_ARGB32)
    ticks = _axis_ticks(bar)
    assert len(ticks) >= 3, ticks
    label = bar.getAxis("right").labelString()
    assert "charge (p.e.)" in label and "(x" not in label
    table = colors.lut("viridis")
    for v, t, _ in ticks:
        assert lo - 1e-9 * abs(lo) <= v <= hi + 1e-9 * abs(hi), (v, lo, hi)
        expected_t = float(colors.transform(np.array([v]), scale)[0])
        per_px = (bar.range_t[1] - bar.range_t[0]) / bar.vb.height()
        assert abs(t - expected_t) < 1.5 * per_px, (v, t, expected_t)
        # the bar's colour beside the label is the colour of that value
        inside = min(max(expected_t, bar.range_t[0] + per_px), bar.range_t[1] - per_px)
        scene = bar.vb.mapViewToScene(QtCore.QPointF(0.5, inside))
        pos = widget.mapFromScene(scene)
        colour = QtGui.QColor(grab.pixel(pos.x(), pos.y()))
        k = int(colors.to_index(np.array([v]), lo, hi, scale)[0])
        near = [table[j] for j in range(max(k - 2, 0), min(k + 3, colors.N_COLORS))]
        assert any(np.abs(np.array([colour.red(), colour.green(), colour.blue()])
                          - c[:3].astype(int)).max() <= 3 for c in near), (v, k)
    if mode == "fixed":  # the bar reads 0 to 50 p.e. whatever the scale (not 0-1.7)
        shown = [v for v, _, _ in ticks]
        assert max(shown) >= 20 and min(shown) <= (1 if scale == "log" else 0)


def test_cleaning_mask_is_a_two_state_legend(qtbot):
    from ctaviewer.app import colors
    from ctaviewer.app.qt import QtCore, QtGui, pg
    from ctaviewer.app.views.camera_view import MASK_STATES
    from ctaviewer.app.views.colorbar import ColorBar

    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    bar = ColorBar()
    widget.addItem(bar)
    widget.resize(160, 400)
    widget.show()
    bar.set_states(MASK_STATES, "viridis", "cleaning mask")
    qtbot.waitUntil(lambda: bar.vb.height() > 200)
    _settle(qtbot, widget, bar)
    grab = widget.grab().toImage().convertToFormat(QtGui.QImage.Format_ARGB32)
    texts = _draw_specs(bar.getAxis("right"))[2]
    assert sorted(text for _, _, text in texts) == ["in image", "not in image"]
    table = colors.lut("viridis")
    for k, (text, index) in enumerate(MASK_STATES):
        pos = widget.mapFromScene(bar.vb.mapViewToScene(QtCore.QPointF(0.5, k + 0.5)))
        c = QtGui.QColor(grab.pixel(pos.x(), pos.y()))
        assert (c.red(), c.green(), c.blue()) == tuple(int(x) for x in table[index][:3]), text
    # only two colours in the bar: no continuous scale
    top = widget.mapFromScene(bar.vb.mapViewToScene(QtCore.QPointF(0.5, 1.95)))
    bottom = widget.mapFromScene(bar.vb.mapViewToScene(QtCore.QPointF(0.5, 0.05)))
    seen = {grab.pixel(top.x(), y) & 0xFFFFFF for y in range(top.y(), bottom.y())}
    assert len(seen) <= 3  # two states (and an antialiased border row)
