"""The time gradient of an image: the peak time of each cleaned pixel against its position
along the Hillas major axis, with the straight line the processing fitted (``timing_slope``,
``timing_intercept``, ``timing_deviation``)."""

from __future__ import annotations

import numpy as np

from ..qt import pg


class TimeGradientPlot(pg.PlotWidget):
    """A small plot under the camera: cleaned pixels (size by charge) and the fitted line."""

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        item = self.getPlotItem()
        item.setLabel("bottom", "along the major axis from the centroid (deg)")
        item.setLabel("left", "peak time (ns)")
        item.showGrid(x=True, y=True, alpha=0.25)
        for name in ("bottom", "left"):
            axis = item.getAxis(name)
            axis.setPen("k")
            axis.setTextPen("k")
            axis.enableAutoSIPrefix(False)
        self.points = pg.ScatterPlotItem(pen=pg.mkPen((40, 40, 40), width=0.5),
                                         brush=pg.mkBrush(30, 110, 200, 190))
        self.fit_line = pg.PlotCurveItem(pen=pg.mkPen((220, 40, 40), width=2), antialias=True)
        item.addItem(self.points)
        item.addItem(self.fit_line)
        self.caption = ""
        self.setMinimumHeight(120)
        self.setToolTip("Peak time of the cleaned pixels against their position along the "
                        "Hillas major axis (telescope frame), with the line the processing "
                        "fitted: slope (ns/deg), intercept at the centroid and deviation")

    def set_gradient(self, gradient: dict | None, what: str = "") -> None:
        """Show ``camera_values.time_gradient``'s points and line (None: clears, saying
        why); ``what`` names the telescope in the caption."""
        item = self.getPlotItem()
        if gradient is None or gradient["pixels"].size == 0:
            self.points.setData([], [])
            self.fit_line.setData([], [])
            self.caption = f"{what}: no Hillas axis (image not parametrised)" if what else ""
            item.setTitle(self.caption, color="k", size="9pt")
            return
        x, t, q = gradient["longitudinal"], gradient["peak_time"], gradient["charge"]
        size = 4.0 + 10.0 * np.sqrt(np.clip(q, 0, None) / max(float(np.max(q)), 1e-9))
        self.points.setData(x=x, y=t, size=size, data=gradient["pixels"])
        slope, intercept = gradient["slope"], gradient["intercept"]
        if np.isfinite(slope) and np.isfinite(intercept):
            pad = 0.1 * max(float(np.ptp(x)), 1e-3)
            xs = np.array([float(x.min()) - pad, float(x.max()) + pad])
            self.fit_line.setData(xs, intercept + slope * xs)
            fit = (f"slope {slope:.2f} ns/deg, intercept {intercept:.2f} ns, "
                   f"deviation {gradient['deviation']:.2f} ns")
        else:
            self.fit_line.setData([], [])
            fit = "no fit"
        self.caption = f"{what + ': ' if what else ''}{x.size} pixels, {fit}"
        item.setTitle(self.caption, color="k", size="9pt")
