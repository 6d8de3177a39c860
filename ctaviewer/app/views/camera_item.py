"""The camera item: true pixel shapes drawn from paths built once per geometry, recoloured
through a lookup table. Repaints happen only in ``paint()``.
"""

from __future__ import annotations

import math
import weakref
from functools import cached_property

import numpy as np

from ...event import pixel_status_text
from .. import colors
from ..qt import QtCore, QtGui, pg
from .pixel_map import PixelMap
from .plotting import clip_segments

_PATHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_GROW = 1.04
#: fill of broken pixels (HV disabled, not read out): a mid grey, darker than the light grey
#: of pixels without a value, under dark diagonal hatching
BROKEN_ARGB = 0xFF8C8C8C
_HATCH_RGB = (35, 35, 35)
#: pixel ids are written on the pixels only when at most this many are in view and each is
#: at least ``ID_MIN_WIDTH`` device pixels wide (enough to read four digits)
MAX_IDS = 400
ID_MIN_WIDTH = 18.0


def _grow_factor(geometry) -> float:
    """Scale that closes the gaps between pixels (dead space between real pixels included)."""
    indptr, indices = geometry.neighbors
    if geometry.n_pixels < 2 or len(indices) == 0:
        return _GROW
    rows = np.repeat(np.arange(geometry.n_pixels), np.diff(indptr))
    pitch = np.median(np.hypot(geometry.pix_x[rows] - geometry.pix_x[indices],
                               geometry.pix_y[rows] - geometry.pix_y[indices]))
    ratio = pitch / np.median(geometry.pixel_width)
    return float(np.clip(ratio * _GROW, _GROW, 1.5))


def pixel_paths(geometry) -> tuple[list, QtCore.QRectF]:
    """One QPainterPath per pixel (and the bounding rect), cached per geometry object."""
    cached = _PATHS.get(geometry)
    if cached is None:
        polys = geometry.polygons
        # grow each outline by a few per cent about its centre: without antialiasing, edges
        # shared by two pixels would otherwise leave hairline gaps
        centre = np.stack([geometry.pix_x, geometry.pix_y], axis=-1)[:, None, :]
        grown = centre + (polys - centre) * _grow_factor(geometry)
        paths = _closed_polygon_paths(grown)
        if len(polys):
            xmin, ymin = polys[:, :, 0].min(), polys[:, :, 1].min()
            xmax, ymax = polys[:, :, 0].max(), polys[:, :, 1].max()
        else:
            xmin = ymin = -1.0
            xmax = ymax = 1.0
        rect = QtCore.QRectF(xmin, ymin, xmax - xmin, ymax - ymin)
        cached = (paths, rect)
        _PATHS[geometry] = cached
    return cached


def _closed_polygon_paths(polys: np.ndarray) -> list:
    """One closed QPainterPath per (k, 2) polygon of ``polys`` (n, k, 2).

    The paths are deserialised from one buffer written by numpy in QPainterPath's
    QDataStream format (as pyqtgraph's ``arrayToQPath`` does for one path): two Python calls
    per pixel instead of ~10, which matters when this runs beside the GUI thread.
    Equivalent to ``addPolygon(poly); closeSubpath()`` for each polygon.
    """
    n, k = polys.shape[:2]
    record = np.dtype([
        ("n", ">i4"), ("el", [("type", ">i4"), ("x", ">f8"), ("y", ">f8")], (k + 1,)),
        ("c_start", ">i4"), ("fill_rule", ">i4"),  # 0: Qt.OddEvenFill, the default
    ])
    buf = np.zeros(n, dtype=record)
    buf["n"] = k + 1
    el = buf["el"]
    el["type"][:, 1:] = 1  # MoveTo (0) the first vertex, LineTo (1) the others and back
    for axis, name in ((0, "x"), (1, "y")):
        el[name][:, :k] = polys[:, :, axis]
        el[name][:, k] = polys[:, 0, axis]
    stream = QtCore.QDataStream(QtCore.QByteArray(buf.tobytes()))
    paths = []
    for _ in range(n):
        path = QtGui.QPainterPath()
        stream >> path
        paths.append(path)
    return paths


class CameraItem(pg.GraphicsObject):
    """One camera: pixels filled by LUT colour, Hillas overlay, selection outline."""

    sigPixelClicked = QtCore.Signal(int, object)  # pixel, keyboard modifiers
    sigHovered = QtCore.Signal(int)

    def __init__(self, geometry, parent=None):
        super().__init__(parent)
        self.geometry = geometry
        self._paths, self._rect = pixel_paths(geometry)
        self._values = np.zeros(geometry.n_pixels)
        self._index = np.zeros(geometry.n_pixels, dtype=np.int32)
        self._cmap = "viridis"
        self._brushes = colors.brushes(self._cmap)
        self._argb = np.zeros(geometry.n_pixels + 1, dtype=np.uint32)
        self._map = PixelMap(geometry, self._paths, self._rect)
        self._selected: list[int] = []
        self._hillas: tuple | None = None
        self._dimmed = False
        self._status: np.ndarray | None = None  # PixelStatus bits per pixel, None: all good
        self._broken: list[int] = []
        self._status_notes: dict = {}
        self._hatch = QtGui.QBrush(QtGui.QColor(*_HATCH_RGB), QtCore.Qt.BDiagPattern)
        self._broken_brush = QtGui.QBrush(QtGui.QColor.fromRgba(BROKEN_ARGB))
        self.setAcceptHoverEvents(True)
        self._sel_pen = pg.mkPen((255, 0, 200), width=2.5, cosmetic=True)
        self._hillas_pen = pg.mkPen((255, 60, 60), width=2, cosmetic=True)
        self._axis_pen = pg.mkPen((255, 60, 60), width=1, style=QtCore.Qt.DashLine, cosmetic=True)
        self._show_ids = False
        #: the pixel ids written at the last paint (none unless zoomed in: ``MAX_IDS``)
        self.drawn_ids: list[int] = []
        self._deg_per_m: float | None = None  # telescope-frame axes (deg) when set

    # ---------------------------------------------------------------- data
    def set_colors(self, values: np.ndarray, index: np.ndarray, cmap: str) -> None:
        """Set the values (for tooltips) and the LUT index of every pixel; schedules a paint."""
        self._values = values
        if cmap != self._cmap:
            self._cmap = cmap
            self._brushes = colors.brushes(cmap)
        self._index = index
        self._argb[1:] = colors.argb(cmap)[index]
        self._paint_status_colour()
        self.update()

    def set_status(self, status: np.ndarray | None, notes: dict | None = None) -> None:
        """Mark broken pixels (non-zero PixelStatus bits): drawn grey and hatched, whatever
        their value, with the reason (and ``notes[bit]``, what their value is) in the
        tooltip."""
        status = None if status is None or not np.any(status) else np.asarray(status)
        broken = [] if status is None else np.flatnonzero(status).tolist()
        changed = broken != self._broken
        self._status, self._broken, self._status_notes = status, broken, dict(notes or {})
        if changed:
            self._argb[1:] = colors.argb(self._cmap)[self._index]
            self._paint_status_colour()
            self.update()

    def _paint_status_colour(self) -> None:
        if self._broken:
            self._argb[np.asarray(self._broken) + 1] = BROKEN_ARGB  # map ids start at 1

    def set_selected(self, pixels) -> None:
        self._selected = [int(p) for p in pixels]
        self.update()

    def set_hillas(self, params: dict | None) -> None:
        """Overlay the ellipse of camera-frame Hillas parameters (m, deg), or clear it."""
        self._hillas = None
        if params:
            x = params.get("camera_frame_hillas_x", math.nan)
            y = params.get("camera_frame_hillas_y", math.nan)
            length = params.get("camera_frame_hillas_length", math.nan)
            width = params.get("camera_frame_hillas_width", math.nan)
            psi = params.get("camera_frame_hillas_psi", math.nan)
            if all(np.isfinite([x, y, length, width, psi])):
                self._hillas = (x, y, length, width, psi)
        self.update()

    def set_pixel_ids(self, show: bool) -> None:
        """Write each pixel's id on it when zoomed in far enough to read them."""
        if bool(show) != self._show_ids:
            self._show_ids = bool(show)
            self.update()

    @property
    def deg_per_m(self) -> float | None:
        """Degrees per camera metre when in the telescope frame, None in camera metres."""
        return self._deg_per_m

    def set_telescope_frame(self, deg_per_m: float | None) -> None:
        """Place the camera in telescope-frame degrees (``deg_per_m``: the degrees per metre
        of the focal length the processing uses): x = fov_lon = y_cam × deg_per_m, y =
        fov_lat = x_cam × deg_per_m (``coords.camera_to_fov``); None: camera metres. The
        item's children (overlays drawn in camera metres) follow."""
        deg_per_m = None if deg_per_m is None or not deg_per_m > 0 else float(deg_per_m)
        if deg_per_m == self._deg_per_m:
            return
        self._deg_per_m = deg_per_m
        if deg_per_m is None:
            self.setTransform(QtGui.QTransform())
        else:  # x' = s·y, y' = s·x
            self.setTransform(QtGui.QTransform(0.0, deg_per_m, deg_per_m, 0.0, 0.0, 0.0))
        self.update()

    def set_dimmed(self, dimmed: bool) -> None:
        self._dimmed = dimmed
        self.update()

    # ---------------------------------------------------------------- QGraphicsItem
    def boundingRect(self):
        return self._rect

    def paint(self, painter, *args):
        raster = painter.paintEngine().type() == QtGui.QPaintEngine.Raster
        visible = self.viewRect()
        rect = self._rect if visible is None else self._rect.intersected(visible)
        if raster and self._map.ensure(painter, rect):
            self._map.draw(painter, self._argb)
        else:  # vector output (SVG, print): true paths, one brush per pixel
            painter.setPen(QtCore.Qt.NoPen)
            b = self._brushes
            for path, k in zip(self._paths, self._index.tolist()):
                painter.fillPath(path, b[k])
            for p in self._broken:
                painter.fillPath(self._paths[p], self._broken_brush)
        if self._broken:
            self._paint_hatch(painter)
        if self._selected:
            painter.setBrush(QtCore.Qt.NoBrush)
            painter.setPen(self._sel_pen)
            for p in self._selected:
                if 0 <= p < len(self._paths):
                    painter.drawPath(self._paths[p])
        if self._hillas is not None:
            self._paint_hillas(painter)
        self.drawn_ids = self._paint_ids(painter, rect) if self._show_ids else []
        if self._dimmed:
            painter.fillRect(self._rect, QtGui.QColor(255, 255, 255, 150))

    @cached_property
    def _pixel_widths(self) -> tuple[np.ndarray, float]:
        """(each pixel's width, their median) in m: what ``_paint_ids`` sizes ids by."""
        widths = np.asarray(self.geometry.pixel_width)
        return widths, float(np.median(widths))

    def _paint_ids(self, painter, visible) -> list[int]:
        """Write the ids of the pixels in view when few enough to read; the ids written."""
        t = painter.worldTransform()
        device_per_unit = math.sqrt(abs(t.determinant()))
        g = self.geometry
        if g.n_pixels == 0:
            return []
        widths, median_width = self._pixel_widths
        if device_per_unit * median_width < ID_MIN_WIDTH:
            return []
        x, y = g.pix_x, g.pix_y
        inside = np.flatnonzero((x >= visible.left()) & (x <= visible.right())
                                & (y >= visible.top()) & (y <= visible.bottom()))
        if inside.size == 0 or inside.size > MAX_IDS:
            return []
        width = device_per_unit * widths[inside]
        fill = self._argb[inside + 1]  # dark text on light pixels, light on dark
        luma = (0.299 * ((fill >> 16) & 0xFF) + 0.587 * ((fill >> 8) & 0xFF)
                + 0.114 * (fill & 0xFF))
        painter.save()
        painter.resetTransform()  # text upright and unscaled, whatever the frame
        font = painter.font()
        font.setPixelSize(int(np.clip(0.3 * np.median(width), 8, 14)))
        painter.setFont(font)
        dark, light = QtGui.QColor(20, 20, 20), QtGui.QColor(245, 245, 245)
        for p, w, lum in zip(inside.tolist(), width.tolist(), luma.tolist()):
            c = t.map(QtCore.QPointF(float(x[p]), float(y[p])))
            painter.setPen(dark if lum > 128 else light)
            painter.drawText(QtCore.QRectF(c.x() - w / 2, c.y() - w / 2, w, w),
                             QtCore.Qt.AlignCenter, str(p))
        painter.restore()
        return inside.tolist()

    def _paint_hatch(self, painter):
        # the pattern is laid out in device pixels (whatever the zoom): hatching stays visible
        inverse, ok = painter.worldTransform().inverted()
        if ok:
            self._hatch.setTransform(inverse)
        for p in self._broken:
            if p < len(self._paths):
                painter.fillPath(self._paths[p], self._hatch)

    def _paint_hillas(self, painter):
        x, y, length, width, psi = self._hillas
        # the main axis, cut to what is in view (not left to the painter's clipping, which
        # some SVG viewers ignore)
        reach = 2.5 * max(self._rect.width(), self._rect.height())
        c, s = math.cos(math.radians(psi)), math.sin(math.radians(psi))
        visible = self.viewRect()
        a, b = clip_segments(np.array([[x - reach * c, y - reach * s]]),
                             np.array([[x + reach * c, y + reach * s]]),
                             visible if visible is not None else self._rect)
        painter.save()
        painter.setBrush(QtCore.Qt.NoBrush)
        if len(a):
            painter.setPen(self._axis_pen)
            painter.drawLine(QtCore.QPointF(*a[0]), QtCore.QPointF(*b[0]))
        painter.translate(x, y)
        painter.rotate(psi)
        painter.setPen(self._hillas_pen)
        # semi-axes length and width (the 1σ ellipse), as ctapipe's CameraDisplay and
        # ctaviewer.display draw it
        painter.drawEllipse(QtCore.QPointF(0, 0), length, width)
        d = 0.06 * max(self._rect.width(), 1e-3) / 4
        painter.drawLine(QtCore.QPointF(-d, 0), QtCore.QPointF(d, 0))
        painter.drawLine(QtCore.QPointF(0, -d), QtCore.QPointF(0, d))
        painter.restore()

    # ---------------------------------------------------------------- interaction
    def pixel_at(self, pos) -> int:
        return self.geometry.pixel_at(pos.x(), pos.y())

    def hoverMoveEvent(self, ev):
        p = self.pixel_at(ev.pos())
        if p >= 0:
            self.setToolTip(self.tooltip(p))
        else:
            self.setToolTip("")
        self.sigHovered.emit(p)

    def tooltip(self, p: int) -> str:
        """The hover text of pixel ``p``: value, position and, when broken, why."""
        v = self._values[p] if p < len(self._values) else math.nan
        where = f"x {self.geometry.pix_x[p]:.3f} m, y {self.geometry.pix_y[p]:.3f} m"
        if self._deg_per_m is not None:
            s = self._deg_per_m
            where = (f"fov_lon {self.geometry.pix_y[p] * s:.3f}°, "
                     f"fov_lat {self.geometry.pix_x[p] * s:.3f}°")
        status = int(self._status[p]) if self._status is not None else 0
        if not status:
            return f"pixel {p}\nvalue {v:.4g}\n{where}"
        notes = [text for bit, text in self._status_notes.items() if status & int(bit)]
        note = f" ({'; '.join(notes)})" if notes else ""
        return (f"pixel {p}: broken, {pixel_status_text(status)}\n"
                f"value {v:.4g}{note}\n{where}")

    def mouseClickEvent(self, ev):
        if ev.button() != QtCore.Qt.LeftButton:
            return
        p = self.pixel_at(ev.pos())
        if p >= 0:
            ev.accept()
            self.sigPixelClicked.emit(p, ev.modifiers())
