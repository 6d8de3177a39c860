"""Array view: telescopes on the ground, triggered ones coloured by intensity, true and
reconstructed core, Hillas axes projected on the ground, failed-quality telescopes greyed.
"""

from __future__ import annotations

import html
import math

import numpy as np

from ...coords import altaz_to_ground_vector, fov_to_altaz
from .. import colors
from ..qt import QtCore, QtWidgets, pg
from .lazy import LazyRefreshMixin
from .plotting import cached_axes, clip_segments
from .steady_label import SteadyLabel

#: the colour map of the telescopes' image intensity
CMAP = "inferno"
SIZES = {"LST": 16, "MST": 12, "SST": 8}
#: a short step along the image axis: with the centroid it fixes the plane (any step does)
AXIS_STEP_DEG = 0.1
GREY = (190, 190, 190)


def intensity(session, tel_id) -> float:
    tr = session.tel_result(tel_id)
    if tr is not None:
        return float(tr.parameters.get("hillas_intensity", math.nan))
    data = session.array_event.tel[tel_id]
    return float(np.nansum(data.true_image)) if data.true_image is not None else math.nan


def ground_trace(params: dict, alt: float, az: float, position) -> tuple | None:
    """The trace on the ground (z = 0) of the plane holding a telescope and its image axis,
    as (point, unit direction) in ground (x north, y west) metres, or None.

    That plane contains the shower axis, so its trace passes through the shower core: the
    traces ``hillas_weighted`` intersects (``hillas_intersection``, ctapipe's, intersects the
    image directions ``core_psi`` in the tilted frame, close to them). The plane holds the
    image centroid and a point ``AXIS_STEP_DEG`` along the Hillas axis (``psi`` in the
    field-of-view frame), taken to the horizontal frame with the telescope's pointing. The
    plane passes through the telescope at its height ``position[2]`` above the ground, so
    its trace passes beside the telescope's ground point unless the plane is vertical;
    ``point`` is the trace's point closest to it.
    """
    lon = params.get("hillas_fov_lon", math.nan)
    lat = params.get("hillas_fov_lat", math.nan)
    psi = params.get("hillas_psi", math.nan)
    if not np.all(np.isfinite([lon, lat, psi])):
        return None
    a = math.radians(psi)
    lons = np.array([lon, lon + AXIS_STEP_DEG * math.cos(a)])
    lats = np.array([lat, lat + AXIS_STEP_DEG * math.sin(a)])
    alts, azs = fov_to_altaz(lons, lats, alt, az)
    d1, d2 = altaz_to_ground_vector(alts, azs)
    n = np.cross(d1, d2)  # (north, west, up)
    nh2 = float(n[0] ** 2 + n[1] ** 2)
    if not nh2 > 1e-18 * float(n @ n):
        return None  # a horizontal plane: no trace
    pos = np.asarray(position, dtype=float)
    z = float(pos[2]) if len(pos) > 2 else 0.0
    point = pos[:2] + (n[2] * z / nh2) * n[:2]
    direction = np.array([n[1], -n[0]]) / math.sqrt(nh2)
    return point, direction


class ArrayView(LazyRefreshMixin, QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.plot = pg.PlotWidget(axisItems=cached_axes())
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "x (m, north)")
        self.plot.setLabel("left", "y (m, west)")
        self.plot.showGrid(True, True, 0.2)
        # persistent items, updated in place on every event (no item is created per event)
        self.scatter = pg.ScatterPlotItem(pxMode=True, hoverable=True)
        self.scatter.sigClicked.connect(self._clicked)
        self.axes = {  # Hillas axes on the ground, as line segments (pairs of points)
            ok: pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(
                (60, 60, 200) if ok else GREY, width=1, style=QtCore.Qt.DashLine))
            for ok in (True, False)
        }
        self.true_core = pg.ScatterPlotItem(symbol="star", size=18, brush=pg.mkBrush(0, 160, 0),
                                            pen=pg.mkPen((0, 160, 0)), name="true core")
        self.reco_core = pg.ScatterPlotItem(symbol="x", size=18, brush=pg.mkBrush(220, 0, 0),
                                            pen=pg.mkPen((220, 0, 0)), name="reconstructed core")
        for item in (*self.axes.values(), self.scatter, self.true_core, self.reco_core):
            self.plot.addItem(item)
        self._tel_ids: list[int] = []
        self._subarray = None
        self._grey, self._white = pg.mkBrush(*GREY), pg.mkBrush(255, 255, 255)
        self._pen, self._pen_selected = pg.mkPen("k"), pg.mkPen((255, 0, 200), width=3)
        # (its height does not follow each event's text; its usual three lines are kept
        # from the start)
        self.legend = SteadyLabel(lines=3)
        self._user_range = False  # the user zoomed or panned: the view stops following
        self._segments: dict = {}  # passes quality -> (starts, ends) of the Hillas axes
        self.plot.getViewBox().sigRangeChanged.connect(self._clip_axes)
        self.plot.getViewBox().sigRangeChangedManually.connect(self._range_changed_by_user)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        self.follow_source(session)  # (first: it blanks the view, _new_source draws)
        session.source_changed.connect(self._new_source)
        for sig in (session.event_changed, session.result_changed, session.tel_selected):
            sig.connect(self.request_refresh)

    def show_nothing(self) -> None:
        for item in (*self.axes.values(), self.scatter, self.true_core, self.reco_core):
            item.setData([], [])
        self._subarray = None
        self._segments = {}
        self.legend.setText("")

    def _set_telescopes(self, sub) -> None:
        """Positions, sizes and ids of the subarray's telescopes (once per file)."""
        self._subarray = sub
        self._tel_ids = sub.tel_ids.tolist()
        sizes = [SIZES.get(sub.tels[t].size_type, 10) for t in self._tel_ids]
        self.scatter.setData(x=sub.positions[:, 0], y=sub.positions[:, 1], size=sizes,
                             data=np.asarray(self._tel_ids), brush=self._white, pen=self._pen)

    def refresh(self, *_):
        s = self.session
        if s.source is None:
            self.show_nothing()
            return
        sub = s.source.subarray
        if sub is not self._subarray:
            self._set_telescopes(sub)
        ev = s.array_event
        triggered = set(ev.tel) if ev is not None else set()
        values = {t: intensity(s, t) for t in triggered}
        finite = [v for v in values.values() if np.isfinite(v) and v > 0]
        lo, hi = (min(finite), max(finite)) if finite else (1.0, 10.0)
        table = colors.brushes(CMAP)
        lit = [t for t in triggered if (tr := s.tel_result(t)) is None or tr.passes_quality]
        k = colors.to_index(np.array([values[t] for t in lit], dtype=float), lo,
                            max(hi, lo * 1.01), "log")
        colour = dict(zip(lit, (table[i] for i in k.tolist())))
        brushes = [colour.get(t, self._grey if t in triggered else self._white)
                   for t in self._tel_ids]
        pens = [self._pen_selected if t == s.selected_tel else self._pen for t in self._tel_ids]
        self.scatter.setBrush(brushes, update=False)
        self.scatter.setPen(pens)
        sim = ev.simulation if ev is not None else None
        true_core = (sim.core_x, sim.core_y) if sim is not None else (np.nan, np.nan)
        self._marker(self.true_core, *true_core)
        g = s.result.geometry if s.result is not None else None
        valid = g is not None and g.is_valid
        reco_core = (g.core_x, g.core_y) if valid else (np.nan, np.nan)
        self._marker(self.reco_core, *reco_core)
        bounds = self.fit_bounds([true_core, reco_core])
        self._draw_axes(ev, bounds)
        if not self._user_range:
            self._fit(bounds)
        parts = []
        if np.all(np.isfinite(true_core)):
            parts.append("<span style='color:#00a000'>★ true core</span>")
        if valid and np.all(np.isfinite(reco_core)):
            parts.append("<span style='color:#dc0000'>✕ reconstructed core</span>")
        elif g is not None and not g.is_valid and g.invalid_reason:
            parts.append("<span style='color:#dc0000'>reconstruction invalid: "
                         f"{html.escape(g.invalid_reason)}</span>")
        parts.append(f"colour: image intensity (log, {lo:.0f}–{hi:.0f} p.e.)")
        parts.append("grey: failed quality cuts")
        text = " · ".join(parts) if ev is not None else ""  # (the layout alone)
        if text != self.legend.text():
            self.legend.setText(text)

    def _new_source(self):
        self._user_range = False
        if self.session.source is not None:
            self._fit(self.fit_bounds([]))
            self.request_refresh()  # the layout, even for a file without events

    def _range_changed_by_user(self, *_):
        self._user_range = True

    def follow_event(self) -> None:
        """Fit the view to the event again (after the user zoomed or panned)."""
        self._user_range = False
        self.refresh()

    def fit_bounds(self, points) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) corners (x, y in m) of what the view shows: every telescope and the
        finite ``points`` (the cores), with a margin."""
        pos = self.session.source.subarray.positions[:, :2]
        extra = np.array([p for p in points if np.all(np.isfinite(p))],
                         dtype=float).reshape(-1, 2)
        allpos = np.concatenate([pos, extra])
        lo, hi = allpos.min(axis=0), allpos.max(axis=0)
        pad = 0.15 * max(float((hi - lo).max()), 100.0)
        return lo - pad, hi + pad

    def _fit(self, bounds):
        lo, hi = bounds
        self.plot.setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0)

    @staticmethod
    def _marker(item, x, y):
        if np.isfinite(x) and np.isfinite(y):
            item.setData([x], [y])
        else:
            item.setData([], [])

    def axis_lines(self, bounds=None) -> dict[int, tuple[np.ndarray, np.ndarray, bool]]:
        """The Hillas axes of the current result projected on the ground (``ground_trace``),
        by telescope: (start, end, passes quality), a segment (x, y in m) centred on the
        trace's point closest to the telescope, long enough to cross the region ``bounds``
        (default: the array's, as ``fit_bounds``) from any point within it."""
        s = self.session
        ev = s.array_event
        if s.result is None or ev is None:
            return {}
        sub = s.source.subarray
        lo, hi = bounds if bounds is not None else self.fit_bounds([])
        span = float(np.hypot(*(np.asarray(hi) - np.asarray(lo))))
        out = {}
        for t, tr in s.result.tel.items():
            trace = ground_trace(tr.parameters, *ev.pointing.of(t), sub.position(t))
            if trace is None:
                continue
            p, d = trace
            out[t] = (p - d * span, p + d * span, bool(tr.passes_quality))
        return out

    def _draw_axes(self, ev, bounds=None):
        lines = self.axis_lines(bounds)
        self._segments = {
            ok: (np.array([a for a, _, passes in lines.values() if passes == ok],
                          dtype=float).reshape(-1, 2),
                 np.array([b for _, b, passes in lines.values() if passes == ok],
                          dtype=float).reshape(-1, 2))
            for ok in self.axes}
        self._clip_axes()

    def _clip_axes(self, *_):
        """The axes cut to the visible range (see ``plotting.clip_segments``)."""
        rect = self.plot.getViewBox().viewRect()
        for ok, item in self.axes.items():
            a, b = clip_segments(*self._segments.get(ok, (np.empty((0, 2)),) * 2), rect)
            pts = np.stack([a, b], axis=1).reshape(-1, 2)
            item.setData(pts[:, 0], pts[:, 1], connect="pairs")

    def _clicked(self, _item, points, *_):
        if len(points):
            self.session.select_tel(int(points[0].data()))

    def sizeHint(self):
        return QtCore.QSize(400, 400)

