"""The θ² plot: ON counts (points with √N errors), OFF counts × α (a filled histogram), the cut
drawn, and N_on, N_off, α, excess and Li & Ma significance written above."""

from __future__ import annotations

import numpy as np

from ..qt import QtCore, QtGui, QtWidgets, pg


class Theta2View(QtWidgets.QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.summary = QtWidgets.QLabel(wordWrap=True)
        self.summary.setObjectName("dl3_theta2_summary")
        self.summary.setTextFormat(QtCore.Qt.RichText)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("dl3_theta2_plot")
        self.plot.setLabel("bottom", "θ² (deg²)")
        self.plot.setLabel("left", "events")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.addLegend(offset=(-10, 10))
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.plot, 1)
        self.result = None

    def show_result(self, result, target, mode: str) -> None:
        self.result = result
        p = self.plot.getPlotItem()
        p.clear()
        p.legend.clear()
        e = result.edges
        centres = 0.5 * (e[1:] + e[:-1])
        off = pg.PlotDataItem(e, result.off_counts, stepMode="center", fillLevel=0,
                              brush=QtGui.QColor(80, 160, 255, 90),
                              pen=pg.mkPen((40, 110, 220), width=1.5), name="OFF × α")
        p.addItem(off)
        err = np.sqrt(result.on_counts)
        p.addItem(pg.ErrorBarItem(x=centres, y=result.on_counts, height=2 * err,
                                  pen=pg.mkPen("k")))
        p.addItem(pg.PlotDataItem(centres, result.on_counts, pen=None, symbol="o",
                                  symbolSize=6, symbolBrush="k", name="ON"))
        p.addItem(pg.InfiniteLine(result.theta2_cut, angle=90,
                                  pen=pg.mkPen((200, 0, 0), style=QtCore.Qt.DashLine)))
        n_runs = len(result.runs)
        n_off_regions = sorted({len(r.off) for r in result.runs})
        self.summary.setText(
            f"<b>θ² around RA {target[0]:.3f}°, Dec {target[1]:+.3f}°</b> — {n_runs} run(s), "
            f"{mode} OFF regions ({', '.join(map(str, n_off_regions))} per run), cut θ² &lt; "
            f"{result.theta2_cut:g} deg²:<br>N<sub>on</sub> = {result.n_on}, "
            f"N<sub>off</sub> = {result.n_off}, α = {result.alpha:.4g}, "
            f"excess = {result.excess:.1f}, significance (Li &amp; Ma) = "
            f"{result.significance:.1f} σ")

    def show_message(self, text: str) -> None:
        self.result = None
        self.plot.getPlotItem().clear()
        self.summary.setText(text)
