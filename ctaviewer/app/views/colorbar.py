"""A vertical colour bar with a value axis, for the camera view."""

from __future__ import annotations

import numpy as np

from .. import colors
from ..qt import pg


class ColorBar(pg.PlotItem):
    def __init__(self):
        super().__init__()
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.hideAxis("bottom")
        self.hideAxis("left")
        self.showAxis("right")
        self.setMaximumWidth(80)
        self._image = pg.ImageItem()
        self.addItem(self._image)
        self.set_range(0.0, 1.0, "linear", "viridis", "")

    def set_range(self, lo: float, hi: float, scale: str, cmap: str, label: str) -> None:
        tlo, thi = colors.transform(np.array([lo, hi]), scale)
        if not np.isfinite(tlo):
            tlo = thi - 3 if np.isfinite(thi) else 0.0
        if not np.isfinite(thi) or thi <= tlo:
            thi = tlo + 1.0
        self._image.setImage(np.arange(colors.N_COLORS)[None, :].astype(float),
                             levels=(0, colors.N_COLORS - 1), lut=colors.lut(cmap))
        self._image.setRect(0, tlo, 1, thi - tlo)
        self.setYRange(tlo, thi, padding=0)
        self.setXRange(0, 1, padding=0)
        prefix = {"log": "log10 ", "symlog": "symlog "}.get(scale, "")
        self.getAxis("right").setLabel(prefix + label)
