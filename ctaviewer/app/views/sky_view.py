"""Sky view in the nominal frame around the pointing: Hillas axes, reconstructed direction
with its uncertainty, true direction and the field of view.
"""

from __future__ import annotations

import html
import math

import numpy as np

from ...coords import altaz_to_fov
from ..qt import QtCore, QtWidgets, pg
from .lazy import LazyRefreshMixin
from .plotting import cached_axes, clip_segments

GREY = (190, 190, 190)


def _azimuth(az: float, digits: int) -> str:
    """Azimuth in [0, 360) with ``digits`` decimals (359.9999 and 360 read 0.000, not 360)."""
    return f"{round(float(az), digits) % 360.0:.{digits}f}"


class SkyView(LazyRefreshMixin, QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.plot = pg.PlotWidget(axisItems=cached_axes())
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "fov_lon (deg)")
        self.plot.setLabel("left", "fov_lat (deg)")
        self.plot.showGrid(True, True, 0.2)
        # persistent items, updated in place on every event (no item is created per event)
        dash = pg.mkPen((120, 120, 120), style=QtCore.Qt.DashLine)
        self.fov = pg.PlotCurveItem(pen=dash)
        self.centre = pg.ScatterPlotItem([0], [0], symbol="+", size=12, pen=pg.mkPen("k"))
        self.axes = {  # Hillas axes as line segments: passing, failing, selected telescope
            key: pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(color, width=width))
            for key, color, width in (("ok", (60, 60, 200), 1), ("failed", GREY, 1),
                                      ("selected", (255, 0, 200), 3))
        }
        self.cogs = pg.ScatterPlotItem(size=6, pen=pg.mkPen(None))
        self.reco = pg.ScatterPlotItem(symbol="x", size=16, brush=pg.mkBrush(220, 0, 0),
                                       pen=pg.mkPen(220, 0, 0))
        self.reco_circle = pg.PlotCurveItem(pen=pg.mkPen((220, 0, 0)))
        self.true = pg.ScatterPlotItem(symbol="star", size=16, brush=pg.mkBrush(0, 160, 0),
                                       pen=pg.mkPen(0, 120, 0))
        self.items = [self.fov, self.centre, *self.axes.values(), self.cogs, self.reco,
                      self.reco_circle, self.true]
        for item in self.items:
            self.plot.addItem(item)
        self._brushes = {key: pg.mkBrush(*c) for key, c in (
            ("ok", (60, 60, 200)), ("failed", GREY), ("selected", (255, 0, 200)))}
        self._range = None
        self._segments: dict = {}  # key -> (n, 2, 2) Hillas axis segments
        self.plot.getViewBox().sigRangeChanged.connect(self._clip_axes)
        self.info = QtWidgets.QLabel()
        self.info.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.info)
        self.follow_source(session)
        for sig in (session.event_changed, session.result_changed, session.tel_selected):
            sig.connect(self.request_refresh)

    def show_nothing(self) -> None:
        self._clear()
        self.info.setText("")

    def _clip_axes(self, *_):
        """The axes cut to the visible range (see ``plotting.clip_segments``)."""
        rect = self.plot.getViewBox().viewRect()
        for key, item in self.axes.items():
            seg = self._segments.get(key, np.empty((0, 2, 2)))
            a, b = clip_segments(seg[:, 0], seg[:, 1], rect)
            pts = np.stack([a, b], axis=1).reshape(-1, 2)
            item.setData(pts[:, 0], pts[:, 1], connect="pairs")

    @staticmethod
    def _circle(item, x, y, r):
        phi = np.linspace(0, 2 * np.pi, 121)
        item.setData(x + r * np.cos(phi), y + r * np.sin(phi))

    def fov_radius(self) -> float:
        sub = self.session.source.subarray
        return max(
            math.degrees(d.camera.geometry.radius / d.optics.focal_length)
            for d in sub.telescope_types
        )

    def _clear(self):
        self._segments = {}
        for item in self.items:
            if item is not self.centre:
                item.setData([], [])

    def refresh(self, *_):
        s = self.session
        ev = s.array_event
        if ev is None:
            self._clear()
            return
        p_alt, p_az = ev.pointing.array_alt, ev.pointing.array_az
        sub = s.source.subarray
        if self._range is None or self._range[0] is not sub:  # once per file
            r_fov = self.fov_radius()
            self._circle(self.fov, 0.0, 0.0, r_fov)
            self.plot.setRange(xRange=(-r_fov, r_fov), yRange=(-r_fov, r_fov), padding=0.05)
            self._range = (sub, r_fov)
        r_fov = self._range[1]
        text = [f"pointing alt {p_alt:.2f}°, az {_azimuth(p_az, 2)}°; "
                f"field of view radius {r_fov:.1f}°"]
        segments = {key: [] for key in self.axes}
        cogs, cog_brushes = [], []
        g = None
        if s.result is not None:
            d = 2 * r_fov
            for t, tr in s.result.tel.items():
                lon = tr.parameters.get("hillas_fov_lon", math.nan)
                lat = tr.parameters.get("hillas_fov_lat", math.nan)
                psi = tr.parameters.get("hillas_psi", math.nan)
                if not np.all(np.isfinite([lon, lat, psi])):
                    continue
                a = math.radians(psi)
                key = ("selected" if t == s.selected_tel
                       else "ok" if tr.passes_quality else "failed")
                segments[key] += [(lon - d * math.cos(a), lat - d * math.sin(a)),
                                  (lon + d * math.cos(a), lat + d * math.sin(a))]
                cogs.append((lon, lat))
                cog_brushes.append(self._brushes[key])
            g = s.result.geometry
        self._segments = {key: np.asarray(pts, dtype=float).reshape(-1, 2, 2)
                          for key, pts in segments.items()}
        self._clip_axes()
        xy = np.asarray(cogs, dtype=float).reshape(-1, 2)
        self.cogs.setData(xy[:, 0], xy[:, 1], brush=cog_brushes)
        if g is not None and g.is_valid:
            lon, lat = altaz_to_fov(g.alt, g.az, p_alt, p_az)
            self.reco.setData([float(lon)], [float(lat)])
            if np.isfinite(g.ang_distance_uncert):
                self._circle(self.reco_circle, float(lon), float(lat), g.ang_distance_uncert)
            else:
                self.reco_circle.setData([], [])
            # hillas_intersection (ctapipe's) estimates no angular uncertainty: no "±" then
            unc = (f"± {g.ang_distance_uncert:.3f}°, " if np.isfinite(g.ang_distance_uncert)
                   else "")
            text.append(f"reconstructed alt {g.alt:.3f}°, az {_azimuth(g.az, 3)}° "
                        f"({unc}{len(g.tel_ids)} tels)")
        else:  # nothing is drawn for an invalid result: it says why instead
            self.reco.setData([], [])
            self.reco_circle.setData([], [])
            if g is not None and g.invalid_reason:
                text.append("<span style='color:#dc0000'>reconstruction invalid: "
                            f"{html.escape(g.invalid_reason)}</span>")
        if ev.simulation is not None:
            lon, lat = altaz_to_fov(ev.simulation.alt, ev.simulation.az, p_alt, p_az)
            self.true.setData([float(lon)], [float(lat)])
            text.append(f"<span style='color:#00a000'>★ true</span> alt "
                        f"{ev.simulation.alt:.3f}°, az {_azimuth(ev.simulation.az, 3)}°")
        else:
            self.true.setData([], [])
        self.info.setText("<br>".join(text))
