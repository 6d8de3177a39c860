"""One performance plot (``performance.plots.Plot``) drawn with pyqtgraph.

Log axes are drawn in log10 coordinates with decade tick labels (pyqtgraph's error bars do
not follow its log mode). Each point of an energy plot is clickable: ``bin_clicked`` gives
the energy type ("true"/"reco") and bin index of the point, and the series' label. The
number of events behind each point is written beside it; the statistics note ("few events:
...") is the second line of the title, so exports carry it too.
"""

from __future__ import annotations

import html

import numpy as np

from ...performance.plots import Plot
from ..colors import series_color
from ..qt import QtCore, pg

TINY = 1e-30


def _log(values, on: bool):
    v = np.asarray(values, dtype=np.float64)
    if not on:
        return v
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.where(v > 0, v, np.nan))


def decade_ticks(plot: Plot, side: str):
    """Tick labels of a log axis: every decade, and 2 and 5 of each as minor ticks."""
    values = []
    for s in plot.series:
        values += [s.x_low, s.x_high] if side == "bottom" and s.x_low is not None else []
        values += [s.x] if side == "bottom" else [s.y]
    v = np.concatenate([np.ravel(x) for x in values]) if values else np.zeros(0)
    v = v[np.isfinite(v) & (v > 0)]
    if len(v) == 0:
        return None
    lo, hi = int(np.floor(np.log10(v.min()))) - 1, int(np.ceil(np.log10(v.max()))) + 1
    major = [(float(k), f"{10.0**k:g}") for k in range(lo, hi + 1)]
    minor = [(float(k + np.log10(m)), f"{m * 10.0**k:g}") for k in range(lo, hi)
             for m in (2, 5)]
    return [major, minor]


class PerformancePlot(pg.PlotWidget):
    """A plot widget showing one ``Plot``; ``bin_clicked(energy_type, bin, label)``."""

    bin_clicked = QtCore.Signal(str, int, str)

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.plot_spec: Plot | None = None
        self._bar = None  # the migration's colour bar (outside the plot's items)
        self.setMinimumSize(320, 240)
        self.getPlotItem().showGrid(x=True, y=True, alpha=0.25)
        self.getPlotItem().getViewBox().setDefaultPadding(0.08)  # room for the counts
        self._legend = None

    def show_plot(self, plot: Plot) -> None:
        self.plot_spec = plot
        item = self.getPlotItem()
        item.clear()
        if self._bar is not None:
            item.layout.removeItem(self._bar)
            if self._bar.scene() is not None:
                self._bar.scene().removeItem(self._bar)
            self._bar = None
        if self._legend is not None:
            self._legend.clear()  # the plot item keeps one legend: emptied, not removed
        title = f"<b>{html.escape(plot.title)}</b>"
        if plot.note:
            red = "#b00000" if plot.note.startswith("few events") else "#444"
            title += (f"<br><span style='color:{red}; font-size:9pt'>"
                      f"{html.escape(plot.note)}</span>")
        item.setTitle(title, color="#000", size="10pt")
        for side, label in (("bottom", plot.x_label), ("left", plot.y_label)):
            axis = item.getAxis(side)
            axis.setLabel(label, color="#000")
            axis.setPen("#000")
            axis.setTextPen("#000")
        for side, log in (("bottom", plot.log_x), ("left", plot.log_y)):
            axis = item.getAxis(side)
            # values as they are, never "(x0.001)": pyqtgraph 0.14 scales the tick values
            # even with enableAutoSIPrefix(False), unless no range enables a prefix
            axis.setSIPrefixEnableRanges(())
            axis.setLogMode(log)
            axis.setTicks(decade_ticks(plot, side) if log else None)
        if plot.image is not None:
            if self._legend is not None:
                self._legend.setVisible(False)
            self._draw_image(plot)
        else:
            offset = (-10, -10) if plot.legend_corner == "bottom right" else (-10, 10)
            self._legend = item.addLegend(offset=offset, labelTextColor="#000",
                                          brush=pg.mkBrush(255, 255, 255, 200))
            self._legend.setOffset(offset)  # a legend made before keeps its old place
            self._legend.setVisible(True)
            for k, s in enumerate(plot.series):
                self._draw_series(k, s, plot)
            if not any(len(s.x) for s in plot.series):
                text = pg.TextItem("no events in any bin after the cuts", color="#b00000",
                                   anchor=(0.5, 0.5))
                item.addItem(text)
                text.setPos(0.5, 0.5)
        for x, label in plot.vlines:
            line = pg.InfiniteLine(float(_log([x], plot.log_x)[0]), angle=90,
                                   pen=pg.mkPen("#b00000", width=2, style=QtCore.Qt.DashLine),
                                   label=label, labelOpts={"color": "#b00000",
                                                           "position": 0.95})
            item.addItem(line)
        for y, _label in plot.hlines:
            item.addItem(pg.InfiniteLine(float(_log([y], plot.log_y)[0]), angle=0,
                                         pen=pg.mkPen("#888", width=1,
                                                      style=QtCore.Qt.DotLine)))
        item.enableAutoRange()

    # ------------------------------------------------------------------ drawing
    def _draw_series(self, k: int, s, plot: Plot) -> None:
        item = self.getPlotItem()
        c = series_color(s.color)
        if len(s.x) == 0:
            item.addItem(pg.PlotDataItem([], [], name=f"{s.label} (no events)",
                                         pen=pg.mkPen(c)))
            return
        y = np.asarray(s.y, dtype=np.float64)
        lo = np.zeros_like(y) if s.y_err_low is None else np.asarray(s.y_err_low, float)
        hi = np.zeros_like(y) if s.y_err_high is None else np.asarray(s.y_err_high, float)
        ly = _log(y, plot.log_y)
        top = _log(y + np.nan_to_num(hi), plot.log_y) - ly
        bottom = ly - _log(np.maximum(y - np.nan_to_num(lo), TINY if plot.log_y else -np.inf),
                           plot.log_y)
        if plot.log_y:
            bottom = np.where(y - np.nan_to_num(lo) > 0, bottom, 0.0)
        if s.step:
            edges = np.append(s.x_low, s.x_high[-1])
            item.addItem(pg.PlotDataItem(_log(edges, plot.log_x), y, stepMode="center",
                                         pen=pg.mkPen(c, width=2), name=s.label))
            has = y > 0  # no bars on empty bins
            xs = _log(s.x, plot.log_x)[has]
            item.addItem(pg.ErrorBarItem(x=xs, y=y[has], top=np.nan_to_num(top)[has],
                                         bottom=np.nan_to_num(bottom)[has], pen=pg.mkPen(c)))
            return
        xs = _log(s.x, plot.log_x)
        left = right = None
        if s.x_low is not None:
            left = xs - _log(s.x_low, plot.log_x)
            right = _log(s.x_high, plot.log_x) - xs
        item.addItem(pg.ErrorBarItem(x=xs, y=ly, top=np.nan_to_num(top),
                                     bottom=np.nan_to_num(bottom), left=left, right=right,
                                     pen=pg.mkPen(c, width=1.5)))
        scatter = pg.ScatterPlotItem(
            x=xs, y=ly, size=9, pen=pg.mkPen("#fff"), brush=pg.mkBrush(c),
            symbol="o" if k % 2 == 0 else "s", name=s.label, hoverable=True,
            data=[(k, j) for j in range(len(xs))])
        if s.bins is not None:
            scatter.setToolTip("Click a point to list the events of its bin")
            scatter.sigClicked.connect(self._clicked)
        item.addItem(scatter)
        if s.counts is not None:
            for x, yy, n in zip(xs, ly + np.nan_to_num(top), s.counts):
                label = pg.TextItem(str(int(n)), color=c, anchor=(0.5, 1.0))
                label.setPos(float(x), float(yy))
                item.addItem(label)

    def _draw_image(self, plot: Plot) -> None:
        item = self.getPlotItem()
        im = plot.image
        values = np.where(im.counts > 0, im.values, np.nan)
        image = pg.ImageItem(values)
        image.setColorMap(pg.colormap.get("viridis"))
        image.setLevels((0.0, 1.0))
        x0, x1, y0, y1 = im.x_edges[0], im.x_edges[-1], im.y_edges[0], im.y_edges[-1]
        image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        item.addItem(image)
        item.addItem(pg.PlotDataItem([x0, x1], [y0, y1],
                                     pen=pg.mkPen("#888", style=QtCore.Qt.DotLine)))
        xc = 0.5 * (im.x_edges[:-1] + im.x_edges[1:])
        yc = 0.5 * (im.y_edges[:-1] + im.y_edges[1:])
        for i, j in zip(*np.nonzero(im.counts)):
            text = pg.TextItem(str(int(im.counts[i, j])), anchor=(0.5, 0.5),
                               color="#fff" if im.values[i, j] < 0.6 else "#000")
            text.setPos(float(xc[i]), float(yc[j]))
            item.addItem(text)
        bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=pg.colormap.get("viridis"),
                              label=im.label, interactive=False)
        bar.setImageItem(image, insert_in=item)
        self._bar = bar
        item.setAspectLocked(False)

    def _clicked(self, scatter, points, *_):
        if not len(points) or self.plot_spec is None:
            return
        k, j = points[0].data()
        s = self.plot_spec.series[k]
        self.bin_clicked.emit(s.energy_type or "true", int(s.bins[j]), s.label)

    def sizeHint(self):  # noqa: N802 (Qt API)
        return QtCore.QSize(560, 420)


def make_plot_widget(plot: Plot, size=(900, 620)) -> PerformancePlot:
    widget = PerformancePlot()
    widget.resize(*size)
    widget.show_plot(plot)
    return widget

