"""Array view: telescopes on the ground, triggered ones coloured by intensity, true and
reconstructed core, Hillas axes projected on the ground, failed-quality telescopes greyed.
"""

from __future__ import annotations

import math

import numpy as np

from .. import colors
from ..qt import QtCore, QtGui, QtWidgets, pg

SIZES = {"LST": 16, "MST": 12, "SST": 8}
GREY = (190, 190, 190)


def intensity(session, tel_id) -> float:
    tr = session.tel_result(tel_id)
    if tr is not None:
        return float(tr.parameters.get("hillas_intensity", math.nan))
    data = session.event.tel[tel_id]
    return float(np.nansum(data.true_image)) if data.true_image is not None else math.nan


class ArrayView(QtWidgets.QWidget):
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
        self.legend = QtWidgets.QLabel()
        self.legend.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        session.source_changed.connect(lambda: self.plot.enableAutoRange())
        for sig in (session.event_changed, session.result_changed, session.tel_selected):
            sig.connect(self.refresh)

    def refresh(self, *_):
        s = self.session
        for item in self.overlays:
            self.plot.removeItem(item)
        self.overlays = []
        if s.source is None:
            return
        sub = s.source.subarray
        ev = s.event
        triggered = set(ev.tel) if ev is not None else set()
        values = {t: intensity(s, t) for t in triggered}
        finite = [v for v in values.values() if np.isfinite(v) and v > 0]
        lo, hi = (min(finite), max(finite)) if finite else (1.0, 10.0)
        table = colors.lut("inferno")
        spots = []
        for t, pos in zip(sub.tel_ids.tolist(), sub.positions):
            desc = sub.tels[t]
            size = SIZES.get(desc.size_type, 10)
            tr = s.tel_result(t)
            if t in triggered and (tr is None or tr.passes_quality):
                v = values[t]
                k = colors.to_index(np.array([v]), lo, max(hi, lo * 1.01), "log")[0]
                brush = pg.mkBrush(*table[min(k, 255)][:3]) if k < colors.N_COLORS else \
                    pg.mkBrush(120, 120, 120)
            elif t in triggered:
                brush = pg.mkBrush(*GREY)
            else:
                brush = pg.mkBrush(255, 255, 255)
            pen = pg.mkPen((255, 0, 200), width=3) if t == s.selected_tel else pg.mkPen("k")
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
            psi = tr.parameters.get("hillas_psi", math.nan)
            if not np.isfinite(psi):
                continue
            _, az = ev.pointing.of(t)
            angle = math.radians(psi + az)
            x0, y0 = sub.position(t)[:2]
            dx, dy = math.cos(angle) * span, math.sin(angle) * span
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


_ = QtGui  # keeps the Qt namespace import explicit for subclasses
