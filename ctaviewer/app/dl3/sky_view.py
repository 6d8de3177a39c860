"""The counts map of a DL3 run: a WCS image (``dl3.skymap``) with its RA/Dec grid drawn as
curves through the projection, labelled at the border, the pointing and the θ² regions.

East is to the left (RA grows leftwards) as on the sky. A click on the map gives its RA/Dec
(``position_clicked``), which the browser uses as the θ² position.
"""

from __future__ import annotations

import numpy as np

from ...dl3.skymap import grid_lines
from ...dl3.theta2 import offset_by
from ..qt import QtCore, QtGui, QtWidgets, pg

GRID_PEN = pg.mkPen(QtGui.QColor(255, 255, 255, 150), width=1, style=QtCore.Qt.DashLine)
LABEL_COLOR = QtGui.QColor(30, 30, 30)


def circle_xy(cmap, ra: float, dec: float, radius_deg: float, n: int = 90):
    """Pixel coordinates of a circle of ``radius_deg`` around (ra, dec) on the map's WCS."""
    pa = np.linspace(0.0, 360.0, n)
    cra, cdec = offset_by(ra, dec, pa, radius_deg)
    return cmap.pixel(cra, cdec)


class SkyMapView(QtWidgets.QWidget):
    position_clicked = QtCore.Signal(float, float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("dl3_counts_map")
        self.plot.setAspectLocked(True)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("inferno"))
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get("inferno"), label="counts",
                                        interactive=False, width=14)
        self.colorbar.setImageItem(self.image, insert_in=self.plot.getPlotItem())
        self.caption = QtWidgets.QLabel(wordWrap=True)
        self.caption.setObjectName("dl3_map_caption")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)
        self.cmap = None
        self._overlay = []
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    def overlay_items(self) -> list:
        """The grid curves and labels, pointing marker and region circles drawn."""
        return list(self._overlay)

    def _clear_overlay(self):
        for item in self._overlay:
            self.plot.removeItem(item)
        self._overlay = []

    def _add(self, item):
        self.plot.addItem(item)
        self._overlay.append(item)
        return item

    def show_map(self, cmap, title: str = "", pointing=None, regions=None) -> None:
        """Show a ``skymap.CountsMap``; ``pointing`` (ra, dec) is marked; ``regions``: a
        ``theta2.RunRegions`` and the ON position and radius to draw, or None."""
        self.cmap = cmap
        self._clear_overlay()
        ny, nx = cmap.shape
        self.image.setImage(cmap.data.astype(np.float32), autoLevels=False)
        top = float(max(1, cmap.data.max()))
        self.image.setLevels((0.0, top))
        self.colorbar.setLevels((0.0, top))
        self.image.setRect(QtCore.QRectF(-0.5, -0.5, nx, ny))
        for line in grid_lines(cmap.wcs, cmap.shape):
            self._add(pg.PlotCurveItem(line.x, line.y, pen=GRID_PEN, connect="finite"))
            if line.label_xy is None:
                continue
            x, y = line.label_xy
            if line.axis == "ra":
                text = pg.TextItem(line.label, color=LABEL_COLOR, anchor=(0.5, 0.0))
                y = -0.5
            else:
                text = pg.TextItem(line.label, color=LABEL_COLOR, anchor=(1.0, 0.5))
                x = -0.5
            text.setPos(x, y)
            self._add(text)
        if pointing is not None:
            px, py = cmap.pixel(*pointing)
            self._add(pg.ScatterPlotItem([float(px)], [float(py)], symbol="+", size=16,
                                         pen=pg.mkPen("c", width=2), brush=None,
                                         name="pointing"))
        if regions is not None:
            run_regions, on, radius = regions
            x, y = circle_xy(cmap, on[0], on[1], radius)
            self._add(pg.PlotCurveItem(x, y, pen=pg.mkPen((0, 220, 0), width=2)))
            for ra, dec in run_regions.off:
                x, y = circle_xy(cmap, ra, dec, radius)
                self._add(pg.PlotCurveItem(x, y, pen=pg.mkPen((80, 160, 255), width=2)))
        self.plot.getPlotItem().setTitle(title)
        self.plot.setRange(xRange=(-0.5, nx - 0.5), yRange=(-0.5, ny - 0.5), padding=0.08)
        ra0, dec0 = cmap.centre
        self.caption.setText(
            f"{cmap.n_inside} of {cmap.n_events} events on the map "
            f"({nx}×{ny} pixels of {cmap.binsz_deg:g}°, TAN projection around "
            f"RA {ra0:.3f}°, Dec {dec0:+.3f}°). Grid: RA (h m) and Dec; cyan +: pointing; "
            "green: θ² ON region, blue: OFF regions. Click to set the θ² position.")

    def _clicked(self, ev):
        if self.cmap is None or ev.button() != QtCore.Qt.LeftButton:
            return
        p = self.plot.getPlotItem().vb.mapSceneToView(ev.scenePos())
        ra, dec = self.cmap.world(p.x(), p.y())
        if np.isfinite(ra) and np.isfinite(dec):
            self.position_clicked.emit(float(ra), float(dec))
