"""Sky view in the nominal frame around the pointing: the stereo summed image (every
cleaned image projected into the nominal frame, ``reco.stereo_image``), Hillas axes,
reconstructed direction with its error ellipse, true direction and the field of view.

The summed image is computed in ``refresh`` on the GUI thread: it takes about 1 ms per event
(0.3 ms for 4 LSTs, 0.9 ms for the 70 SST-1Ms of gamma_70sst1m), and ``refresh`` runs only
when the view is shown.
"""

from __future__ import annotations

import html
import math

import numpy as np

from ...coords import altaz_to_fov, angular_separation
from ...reco.stereo_image import BIN_DEG, summed_image
from ..qt import QtCore, QtWidgets, pg
from .lazy import LazyRefreshMixin
from .plotting import cached_axes, clip_segments
from .steady_label import SteadyLabel

GREY = (190, 190, 190)
#: configuration B's direction and ellipse while two configurations are compared
B_COLOR = (230, 120, 0)
#: points of the error ellipse and of the circles
ELLIPSE_POINTS = 121


def error_ellipse(alt, az, alt_uncert, az_uncert, p_alt, p_az, n=ELLIPSE_POINTS):
    """The 1σ ellipse of a direction's alt and az uncertainties (deg; az_uncert in the
    azimuth coordinate, ctapipe's ``az_uncert``), in the nominal frame around (p_alt, p_az):
    (fov_lon, fov_lat) arrays, or None when either uncertainty is not a positive number."""
    if not (np.isfinite(alt_uncert) and np.isfinite(az_uncert)
            and alt_uncert > 0 and az_uncert > 0):
        return None
    phi = np.linspace(0.0, 2.0 * np.pi, n)
    return altaz_to_fov(alt + alt_uncert * np.cos(phi), az + az_uncert * np.sin(phi),
                        p_alt, p_az)


def is_crossing_spread(g) -> bool:
    """Whether ``g``'s alt/az uncertainties are ctapipe's HillasReconstructor's (and
    ``hillas_intersection``'s): the mean angle between the direction and the pairwise plane
    crossings in both ``alt_uncert`` and ``az_uncert``, no angular-distance uncertainty.
    That is an angle on the sky, not a 1σ per coordinate (read from files too, where the
    method is not recorded beside the values)."""
    return (not np.isfinite(g.ang_distance_uncert) and np.isfinite(g.alt_uncert)
            and g.alt_uncert > 0 and g.alt_uncert == g.az_uncert)


def _grey_rgba(image: np.ndarray) -> np.ndarray:
    """Charge to RGBA: empty bins transparent, the rest from light grey (faint) to black
    (the brightest bin), by the square root of the charge (faint images stay visible beside
    bright ones); grey, so that the coloured markers stay legible over it."""
    rgba = np.zeros(image.shape + (4,), dtype=np.uint8)
    top = float(image.max()) if image.size else 0.0
    hit = image > 0
    if top > 0:
        level = (215.0 * (1.0 - np.sqrt(image[hit] / top))).astype(np.uint8)
        rgba[hit, 0] = rgba[hit, 1] = rgba[hit, 2] = level
        rgba[hit, 3] = 255
    return rgba


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
        self.reco_ellipse = pg.PlotCurveItem(pen=pg.mkPen((220, 0, 0), width=2))
        self.true = pg.ScatterPlotItem(symbol="star", size=16, brush=pg.mkBrush(0, 160, 0),
                                       pen=pg.mkPen(0, 120, 0))
        # configuration B's direction (while comparing): an orange diamond, dashed ellipse
        self.reco_b = pg.ScatterPlotItem(symbol="d", size=14, brush=pg.mkBrush(*B_COLOR),
                                         pen=pg.mkPen((150, 70, 0)))
        self.reco_b_ellipse = pg.PlotCurveItem(
            pen=pg.mkPen(B_COLOR, width=2, style=QtCore.Qt.DashLine))
        self.items = [self.fov, self.centre, *self.axes.values(), self.cogs, self.reco,
                      self.reco_ellipse, self.true, self.reco_b, self.reco_b_ellipse]
        #: the stereo summed image, under everything else
        self.summed_item = pg.ImageItem()
        self.summed_item.setZValue(-10)
        self.plot.addItem(self.summed_item)
        self.summed = None  # the SummedImage shown (None: none)
        for item in self.items:
            self.plot.addItem(item)
        self._brushes = {key: pg.mkBrush(*c) for key, c in (
            ("ok", (60, 60, 200)), ("failed", GREY), ("selected", (255, 0, 200)))}
        self._range = None
        self._segments: dict = {}  # key -> (n, 2, 2) Hillas axis segments
        self.plot.getViewBox().sigRangeChanged.connect(self._clip_axes)
        # which marker is which, while two configurations are compared
        self.legend = pg.LegendItem(offset=(10, 10), labelTextColor="k",
                                    brush=pg.mkBrush(255, 255, 255, 200),
                                    pen=pg.mkPen((150, 150, 150)))
        self.legend.setParentItem(self.plot.getPlotItem().vb)
        self.legend.hide()
        self.comparison = getattr(session, "comparison", None)
        self._legend_of = None  # the B label the legend names
        self.info = SteadyLabel()  # (its height does not follow each event's text)
        self.show_summed = QtWidgets.QCheckBox("Summed image")
        self.show_summed.setChecked(True)
        self.show_summed.setToolTip(
            "Every telescope's cleaned image projected into the nominal frame and summed "
            f"(bins of {BIN_DEG:g}°; grey by the square root of the charge, black: brightest)")
        self.show_summed.toggled.connect(self.request_refresh)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.show_summed)
        row.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.info)
        self.follow_source(session)
        for sig in (session.event_changed, session.result_changed, session.tel_selected):
            sig.connect(self.request_refresh)
        if self.comparison is not None:
            self.comparison.changed.connect(self.request_refresh)
            self.comparison.result_changed.connect(self.request_refresh)

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
        phi = np.linspace(0, 2 * np.pi, ELLIPSE_POINTS)
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
        self._set_summed(None)

    def _set_summed(self, si) -> None:
        self.summed = si
        if si is None or si.total <= 0:
            self.summed_item.clear()
            self.summed_item.setVisible(False)
            return
        self.summed_item.setImage(_grey_rgba(si.image), autoLevels=False)
        x0, y0 = float(si.lon_edges[0]), float(si.lat_edges[0])
        self.summed_item.setRect(QtCore.QRectF(x0, y0, float(si.lon_edges[-1]) - x0,
                                               float(si.lat_edges[-1]) - y0))
        self.summed_item.setVisible(True)

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
        si = None
        if s.result is not None and self.show_summed.isChecked():
            si = summed_image(sub, ev.pointing, s.result.tel)
            if si.tel_ids:
                out = f", {si.outside:.0f} p.e. outside the grid" if si.outside > 0 else ""
                text.append(f"summed image: {len(si.tel_ids)} cleaned image"
                            f"{'' if len(si.tel_ids) == 1 else 's'}, {si.total:.0f} p.e. "
                            f"(bins of {si.bin_deg:g}°{out})")
            else:
                text.append("summed image: no telescope has a cleaned image")
        self._set_summed(si)
        self._segments = {key: np.asarray(pts, dtype=float).reshape(-1, 2, 2)
                          for key, pts in segments.items()}
        self._clip_axes()
        xy = np.asarray(cogs, dtype=float).reshape(-1, 2)
        self.cogs.setData(xy[:, 0], xy[:, 1], brush=cog_brushes)
        comparing = self.comparison is not None and self.comparison.active
        text += self._draw_direction(g, self.reco, self.reco_ellipse, p_alt, p_az,
                                     "A: " if comparing else "")
        self._draw_b(comparing, p_alt, p_az, text)
        if ev.simulation is not None:
            lon, lat = altaz_to_fov(ev.simulation.alt, ev.simulation.az, p_alt, p_az)
            self.true.setData([float(lon)], [float(lat)])
            text.append(f"<span style='color:#00a000'>★ true</span> alt "
                        f"{ev.simulation.alt:.3f}°, az {_azimuth(ev.simulation.az, 3)}°")
        else:
            self.true.setData([], [])
        self.info.setText("<br>".join(text))

    def _draw_direction(self, g, reco, ellipse_item, p_alt, p_az, prefix: str) -> list[str]:
        """Draw the direction of the stereo result ``g`` (None: none) with its error
        ellipse (or the crossings' circle) on ``reco`` and ``ellipse_item``; the info
        lines that describe it, each after ``prefix`` ("A: ", "B: " while comparing)."""
        lines: list[str] = []
        if g is not None and g.is_valid:
            lon, lat = altaz_to_fov(g.alt, g.az, p_alt, p_az)
            reco.setData([float(lon)], [float(lat)])
            spread = is_crossing_spread(g)
            ellipse = (None if spread else
                       error_ellipse(g.alt, g.az, g.alt_uncert, g.az_uncert, p_alt, p_az))
            if spread:  # a circle of that angle around the direction (nominal frame)
                self._circle(ellipse_item, float(lon), float(lat), g.alt_uncert)
            elif ellipse is not None:
                ellipse_item.setData(*ellipse)
            else:
                ellipse_item.setData([], [])
            # hillas_intersection (ctapipe's) estimates no angular uncertainty: no "±" then
            unc = (f"± {g.ang_distance_uncert:.3f}°, " if np.isfinite(g.ang_distance_uncert)
                   else "")
            lines.append(f"{prefix}reconstructed alt {g.alt:.3f}°, az {_azimuth(g.az, 3)}° "
                         f"({unc}{len(g.tel_ids)} tels)")
            if spread:
                lines.append(f"circle: the plane crossings' mean angle to the direction, "
                             f"{g.alt_uncert:.3f}° (ctapipe's alt/az_uncert; not a 1σ error)")
            elif ellipse is not None:
                lines.append(f"error ellipse (1σ): σ_alt {g.alt_uncert:.3f}°, "
                             f"σ_az {g.az_uncert:.3f}°")
            else:
                lines.append("no error ellipse: the reconstruction gives no alt/az "
                             "uncertainty")
        else:  # nothing is drawn for an invalid result: it says why instead
            reco.setData([], [])
            ellipse_item.setData([], [])
            if g is not None and g.invalid_reason:
                lines.append(f"<span style='color:#dc0000'>{prefix}reconstruction invalid: "
                             f"{html.escape(g.invalid_reason)}</span>")
        return lines

    def _draw_b(self, comparing: bool, p_alt, p_az, text: list) -> None:
        """Configuration B's direction and its lines (while comparing), the legend, and
        how far B's direction lies from A's."""
        self.legend.setVisible(comparing)
        if not comparing:
            self.reco_b.setData([], [])
            self.reco_b_ellipse.setData([], [])
            return
        cmp = self.comparison
        ref = cmp.reference
        if self._legend_of != ref.label:
            self.legend.clear()
            self.legend.addItem(self.reco, "A: current settings")
            self.legend.addItem(self.reco_b, f"B: {ref.label}")
            self.legend.addItem(self.true, "true direction")
            self._legend_of = ref.label
        rb = cmp.result_b
        color = "#{:02x}{:02x}{:02x}".format(*B_COLOR)
        if rb is None:
            self.reco_b.setData([], [])
            self.reco_b_ellipse.setData([], [])
            text.append(f"<span style='color:{color}'>◆ B ({html.escape(ref.label)}): "
                        f"{'being processed' if cmp.pending else 'no result yet'}</span>")
            return
        lines = self._draw_direction(rb.geometry, self.reco_b, self.reco_b_ellipse, p_alt,
                                     p_az, f"◆ B ({html.escape(ref.label)}): ")
        text += [f"<span style='color:{color}'>{line}</span>" for line in lines]
        ga = self.session.result.geometry if self.session.result is not None else None
        if ga is not None and ga.is_valid and rb.geometry.is_valid:
            sep = angular_separation(ga.alt, ga.az, rb.geometry.alt, rb.geometry.az)
            text.append(f"B − A: {sep:.3f}° between the two directions")
