"""The fitted muon ring over a camera: its circle, its width band and its centre.

Drawn in the camera frame (m) of the camera item it sits over: the ring's centre and radius
(telescope frame, deg) divided by the degrees per metre of the telescope's focal length
(``x = fov_lat / scale``, ``y = fov_lon / scale``). The band spans radius ± the ring width
of the intensity fit (single-mirror telescopes), or ± the radial spread of the light
(``muonparameters_radial_std_dev``) where there is no intensity fit.
"""

from __future__ import annotations

import math

from ..qt import QtCore, QtGui, pg


class MuonRingItem(pg.GraphicsObject):
    """The ring of one ``MuonResult``, or nothing (``set_ring(None)``)."""

    def __init__(self):
        super().__init__()
        self.setZValue(20)
        self.setAcceptedMouseButtons(QtCore.Qt.NoButton)  # clicks go to the pixels
        self.setAcceptHoverEvents(False)
        self.ring = None  # (x, y, radius, band) in m
        #: the ring in the telescope frame as fitted: (fov_lon, fov_lat, radius, band) (deg)
        self.ring_deg = None
        self.band_kind = ""  # "width" (intensity fit) or "radial spread"
        self._pen = pg.mkPen((255, 40, 200), width=2.0, cosmetic=True)
        self._band = QtGui.QColor(255, 40, 200, 60)
        self._band_pen = pg.mkPen((255, 40, 200, 150), width=1.0, cosmetic=True,
                                  style=QtCore.Qt.DashLine)

    def set_ring(self, muon, focal_length_m: float) -> None:
        """Show the ring of ``muon`` (a MuonResult) of a telescope of focal length
        ``focal_length_m``; None (or no ring) hides it."""
        self.prepareGeometryChange()
        self.ring = self.ring_deg = None
        self.band_kind = ""
        if muon is not None and muon.passes_ring_query and focal_length_m > 0:
            v = muon.values
            lon, lat = muon.center
            radius = muon.radius
            band = muon.width
            self.band_kind = "width"
            if not math.isfinite(band):
                band = float(v.get("muonparameters_radial_std_dev", math.nan))
                self.band_kind = "radial spread"
            if not math.isfinite(band):
                band, self.band_kind = 0.0, ""
            scale = math.degrees(1.0) / focal_length_m  # deg per m
            self.ring_deg = (lon, lat, radius, band)
            self.ring = (lat / scale, lon / scale, radius / scale, band / scale)
            tip = (f"muon ring: radius {radius:.3f}°, centre ({lon:.3f}°, {lat:.3f}°)")
            if self.band_kind:
                tip += f", {self.band_kind} {band:.4f}°"
            eff = muon.optical_efficiency
            if math.isfinite(eff):
                tip += f", optical efficiency {eff:.3f}"
            self.setToolTip(tip)
        else:
            self.setToolTip("")
        self.setVisible(self.ring is not None)
        self.update()

    def boundingRect(self):
        if self.ring is None:
            return QtCore.QRectF()
        x, y, r, band = self.ring
        reach = r + band + 0.01 * max(r, 1e-3)
        return QtCore.QRectF(x - reach, y - reach, 2 * reach, 2 * reach)

    def paint(self, painter, *args):
        if self.ring is None:
            return
        x, y, r, band = self.ring
        centre = QtCore.QPointF(x, y)
        painter.save()
        if band > 0:
            path = QtGui.QPainterPath()
            path.addEllipse(centre, r + band, r + band)
            inner = QtGui.QPainterPath()
            inner.addEllipse(centre, max(r - band, 0.0), max(r - band, 0.0))
            painter.fillPath(path.subtracted(inner), self._band)
            painter.setBrush(QtCore.Qt.NoBrush)
            painter.setPen(self._band_pen)
            painter.drawEllipse(centre, r + band, r + band)
            if r - band > 0:
                painter.drawEllipse(centre, r - band, r - band)
        painter.setBrush(QtCore.Qt.NoBrush)
        painter.setPen(self._pen)
        painter.drawEllipse(centre, r, r)
        d = 0.04 * r
        painter.drawLine(QtCore.QPointF(x - d, y), QtCore.QPointF(x + d, y))
        painter.drawLine(QtCore.QPointF(x, y - d), QtCore.QPointF(x, y + d))
        painter.restore()
