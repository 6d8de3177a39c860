"""Array view: telescopes on the ground, triggered ones coloured by intensity, true and
reconstructed core, Hillas axes projected on the ground, failed-quality telescopes greyed.
"""

from __future__ import annotations

import math

import numpy as np

from ...coords import altaz_to_ground_vector, fov_to_altaz
from .. import colors
from ..qt import QtCore, QtWidgets, pg
from .lazy import LazyRefreshMixin

SIZES = {"LST": 16, "MST": 12, "SST": 8}
GREY = (190, 190, 190)


def intensity(session, tel_id) -> float:
    tr = session.tel_result(tel_id)
    if tr is not None:
        return float(tr.parameters.get("hillas_intensity", math.nan))
    data = session.array_event.tel[tel_id]
    return float(np.nansum(data.true_image)) if data.true_image is not None else math.nan


def ground_axis(params: dict, alt: float, az: float) -> np.ndarray | None:
    """Unit (x, y) ground direction of the plane holding the telescope and its image axis.

    The image axis and the telescope define a plane that contains the shower axis; its
    trace on the ground passes through the telescope and the shower core.
    """
    lon = params.get("hillas_fov_lon", math.nan)
    lat = params.get("hillas_fov_lat", math.nan)
    psi = params.get("hillas_psi", math.nan)
    if not np.all(np.isfinite([lon, lat, psi])):
        return None
    a = math.radians(psi)
    lons = np.array([lon - math.cos(a), lon + math.cos(a)])
    lats = np.array([lat - math.sin(a), lat + math.sin(a)])
    alts, azs = fov_to_altaz(lons, lats, alt, az)
    d1, d2 = altaz_to_ground_vector(alts, azs)
    n = np.cross(d1, d2)
    g = np.array([n[1], -n[0]])
    norm = float(np.hypot(*g))
    return g / norm if norm > 0 else None


class ArrayView(LazyRefreshMixin, QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.plot = pg.PlotWidget()
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "x (m, north)")
        self.plot.setLabel("left", "y (m, west)")
        self.plot.showGrid(True, True, 0.2)
        self.scatter = pg.ScatterPlotItem(pxMode=True, hoverable=True)
        self.scatter.sigClicked.connect(self._clicked)
        self.plot.addItem(self.scatter)
        self.overlays: list = []
        self._grey, self._white = pg.mkBrush(*GREY), pg.mkBrush(255, 255, 255)
        self._pen, self._pen_selected = pg.mkPen("k"), pg.mkPen((255, 0, 200), width=3)
        self.legend = QtWidgets.QLabel()
        self.legend.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        session.source_changed.connect(self._fit)
        for sig in (session.event_changed, session.result_changed, session.tel_selected):
            sig.connect(self.request_refresh)

    def refresh(self, *_):
        s = self.session
        for item in self.overlays:
            self.plot.removeItem(item)
        self.overlays = []
        if s.source is None:
            return
        sub = s.source.subarray
        ev = s.array_event
        triggered = set(ev.tel) if ev is not None else set()
        values = {t: intensity(s, t) for t in triggered}
        finite = [v for v in values.values() if np.isfinite(v) and v > 0]
        lo, hi = (min(finite), max(finite)) if finite else (1.0, 10.0)
        table = colors.brushes("inferno")
        spots = []
        for t, pos in zip(sub.tel_ids.tolist(), sub.positions):
            desc = sub.tels[t]
            size = SIZES.get(desc.size_type, 10)
            tr = s.tel_result(t)
            if t in triggered and (tr is None or tr.passes_quality):
                v = values[t]
                k = colors.to_index(np.array([v]), lo, max(hi, lo * 1.01), "log")[0]
                brush = table[k]
            elif t in triggered:
                brush = self._grey
            else:
                brush = self._white
            pen = self._pen_selected if t == s.selected_tel else self._pen
            spots.append({"pos": (pos[0], pos[1]), "size": size, "brush": brush, "pen": pen,
                          "data": t})
        self.scatter.setData(spots)
        if ev is None:
            return
        self._draw_axes(ev)
        if ev.simulation is not None:
            self._marker(ev.simulation.core_x, ev.simulation.core_y, "star", (0, 160, 0),
                         "true core")
        g = s.result.geometry if s.result is not None else None
        if g is not None and g.is_valid:
            self._marker(g.core_x, g.core_y, "x", (220, 0, 0), "reconstructed core")
        self.legend.setText(
            "<span style='color:#00a000'>★ true core</span> · "
            "<span style='color:#dc0000'>✕ reconstructed core</span> · colour: image "
            f"intensity (log, {lo:.0f}–{hi:.0f} p.e.) · grey: failed quality cuts")

    def _fit(self):
        pos = self.session.source.subarray.positions[:, :2]
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        pad = 0.15 * max(float((hi - lo).max()), 100.0)
        self.plot.setRange(xRange=(lo[0] - pad, hi[0] + pad), yRange=(lo[1] - pad, hi[1] + pad),
                           padding=0)

    def _marker(self, x, y, symbol, color, name):
        if not (np.isfinite(x) and np.isfinite(y)):
            return
        item = pg.ScatterPlotItem([x], [y], symbol=symbol, size=18, brush=pg.mkBrush(*color),
                                  pen=pg.mkPen(color), name=name)
        self.plot.addItem(item)
        self.overlays.append(item)

    def _draw_axes(self, ev):
        s = self.session
        if s.result is None:
            return
        sub = s.source.subarray
        span = float(np.ptp(sub.positions[:, :2], axis=0).max()) if sub.n_tels > 1 else 500.0
        for t, tr in s.result.tel.items():
            direction = ground_axis(tr.parameters, *ev.pointing.of(t))
            if direction is None:
                continue
            x0, y0 = sub.position(t)[:2]
            dx, dy = direction * span
            color = (60, 60, 200) if tr.passes_quality else GREY
            line = pg.PlotCurveItem([x0 - dx, x0 + dx], [y0 - dy, y0 + dy],
                                    pen=pg.mkPen(color, width=1, style=QtCore.Qt.DashLine))
            self.plot.addItem(line)
            self.overlays.append(line)

    def _clicked(self, _item, points, *_):
        if len(points):
            self.session.select_tel(int(points[0].data()))

    def sizeHint(self):
        return QtCore.QSize(400, 400)

