"""Sky view in the nominal frame around the pointing: Hillas axes, reconstructed direction
with its uncertainty, true direction and the field of view.
"""

from __future__ import annotations

import math

import numpy as np

from ...coords import altaz_to_fov
from ..qt import QtCore, QtWidgets, pg
from .lazy import LazyRefreshMixin

GREY = (190, 190, 190)


class SkyView(LazyRefreshMixin, QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.plot = pg.PlotWidget()
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "fov_lon (deg)")
        self.plot.setLabel("left", "fov_lat (deg)")
        self.plot.showGrid(True, True, 0.2)
        self.items: list = []
        self.info = QtWidgets.QLabel()
        self.info.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.info)
        for sig in (session.event_changed, session.result_changed, session.tel_selected):
            sig.connect(self.request_refresh)

    def _add(self, item):
        self.plot.addItem(item)
        self.items.append(item)

    def _circle(self, x, y, r, pen):
        phi = np.linspace(0, 2 * np.pi, 121)
        self._add(pg.PlotCurveItem(x + r * np.cos(phi), y + r * np.sin(phi), pen=pen))

    def fov_radius(self) -> float:
        sub = self.session.source.subarray
        return max(
            math.degrees(d.camera.geometry.radius / d.optics.focal_length)
            for d in sub.telescope_types
        )

    def refresh(self, *_):
        s = self.session
        for item in self.items:
            self.plot.removeItem(item)
        self.items = []
        ev = s.array_event
        if ev is None:
            return
        p_alt, p_az = ev.pointing.array_alt, ev.pointing.array_az
        r_fov = self.fov_radius()
        self._circle(0.0, 0.0, r_fov, pg.mkPen((120, 120, 120), style=QtCore.Qt.DashLine))
        self._add(pg.ScatterPlotItem([0], [0], symbol="+", size=12, pen=pg.mkPen("k")))
        text = [f"pointing alt {p_alt:.2f}°, az {p_az:.2f}°; field of view radius {r_fov:.1f}°"]
        if s.result is not None:
            for t, tr in s.result.tel.items():
                lon = tr.parameters.get("hillas_fov_lon", math.nan)
                lat = tr.parameters.get("hillas_fov_lat", math.nan)
                psi = tr.parameters.get("hillas_psi", math.nan)
                if not np.all(np.isfinite([lon, lat, psi])):
                    continue
                a = math.radians(psi)
                d = 2 * r_fov
                sel = t == s.selected_tel
                color = (255, 0, 200) if sel else ((60, 60, 200) if tr.passes_quality else GREY)
                self._add(pg.PlotCurveItem(
                    [lon - d * math.cos(a), lon + d * math.cos(a)],
                    [lat - d * math.sin(a), lat + d * math.sin(a)],
                    pen=pg.mkPen(color, width=3 if sel else 1)))
                self._add(pg.ScatterPlotItem([lon], [lat], size=6, brush=pg.mkBrush(*color),
                                             pen=pg.mkPen(None)))
            g = s.result.geometry
            if g.is_valid:
                lon, lat = altaz_to_fov(g.alt, g.az, p_alt, p_az)
                self._add(pg.ScatterPlotItem([lon], [lat], symbol="x", size=16,
                                             brush=pg.mkBrush(220, 0, 0),
                                             pen=pg.mkPen(220, 0, 0)))
                if np.isfinite(g.ang_distance_uncert):
                    self._circle(float(lon), float(lat), g.ang_distance_uncert,
                                 pg.mkPen((220, 0, 0)))
                text.append(f"reconstructed alt {g.alt:.3f}°, az {g.az:.3f}° "
                            f"(± {g.ang_distance_uncert:.3f}°, {len(g.tel_ids)} tels)")
        if ev.simulation is not None:
            lon, lat = altaz_to_fov(ev.simulation.alt, ev.simulation.az, p_alt, p_az)
            self._add(pg.ScatterPlotItem([lon], [lat], symbol="star", size=16,
                                         brush=pg.mkBrush(0, 160, 0), pen=pg.mkPen(0, 120, 0)))
            text.append(f"<span style='color:#00a000'>★ true</span> alt "
                        f"{ev.simulation.alt:.3f}°, az {ev.simulation.az:.3f}°")
        self.plot.setRange(xRange=(-r_fov, r_fov), yRange=(-r_fov, r_fov), padding=0.05)
        self.info.setText("<br>".join(text))
