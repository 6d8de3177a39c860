"""A device-resolution map of which camera pixel covers each screen pixel.

Each geometry gets, once, a fine lookup image in camera coordinates (pixel id per cell,
painted from the true outlines; can be built in a worker thread). A view's map is that
lookup resampled through the view transform (numpy, a few ms), or, when zoomed in beyond
the lookup's resolution, painted exactly from the outlines. Recolouring is then one table
lookup over the map (a numba kernel) and one ``drawImage``: a flat cost whatever the number
of camera pixels.
"""

from __future__ import annotations

import math
import threading
import weakref

import numpy as np

from ..qt import QtCore, QtGui
from ..table_lookup import gather, index_dtype

LOOKUP_SIZE = 1536
_LOOKUPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
#: geometry -> {placement key: ids}: the maps made last, shared by the items of one camera
#: type drawn at one size (the telescope grid's cells), whatever their whole-pixel position
_MAPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MAPS_PER_GEOMETRY = 8


def paint_ids(paths, width: int, height: int, transform: QtGui.QTransform) -> np.ndarray:
    """Fill every path with its id + 1 into a (height, width) array (0 = none), of the
    narrowest index type (the colour lookup at every repaint then reads less memory)."""
    img = QtGui.QImage(width, height, QtGui.QImage.Format_RGB32)
    img.fill(0)
    p = QtGui.QPainter(img)
    p.setRenderHint(QtGui.QPainter.Antialiasing, False)
    p.setTransform(transform)
    p.setPen(QtCore.Qt.NoPen)
    fill = p.fillPath
    color = QtGui.QColor.fromRgb
    for i, path in enumerate(paths, start=1):
        fill(path, color(i))
    p.end()
    arr = np.frombuffer(img.constBits(), dtype=np.uint32).reshape(height, img.bytesPerLine() // 4)
    return (arr[:, :width] & 0xFFFFFF).astype(index_dtype(len(paths) + 1))


def geometry_lookup(geometry, paths, rect: QtCore.QRectF):
    """(ids, x0, y0, cell) of the fine lookup of one geometry, built once (thread-safe)."""
    with _LOCK:
        cached = _LOOKUPS.get(geometry)
    if cached is None:
        cell = max(rect.width(), rect.height()) / LOOKUP_SIZE
        w = max(1, int(np.ceil(rect.width() / cell)))
        h = max(1, int(np.ceil(rect.height() / cell)))
        t = QtGui.QTransform.fromTranslate(-rect.left(), -rect.top()) * \
            QtGui.QTransform.fromScale(1 / cell, 1 / cell)
        cached = (paint_ids(paths, w, h, t), rect.left(), rect.top(), cell)
        with _LOCK:
            _LOOKUPS[geometry] = cached
    return cached


def close_seams(ids: np.ndarray) -> np.ndarray:
    """Fill, in place, the one-device-pixel gaps between camera pixels: an empty map cell
    whose two neighbours left and right (or above and below) are both pixels takes the
    first one's id.

    Gaps narrower than a device pixel (SCT's half-millimetre module gaps at a normal zoom)
    cannot be drawn faithfully: sampled at pixel centres they show as 1-px white seams
    along some module rows and vanish along others. Wider gaps (CHEC's modules, or any gap
    when zoomed in) stay, two device pixels or more.
    """
    if ids.shape[0] >= 3:  # horizontal seams: empty between a pixel above and one below
        mid = ids[1:-1]
        fill = (mid == 0) & (ids[:-2] != 0) & (ids[2:] != 0)
        mid[fill] = ids[:-2][fill]
    if ids.shape[1] >= 3:  # vertical seams (and the crossings the first pass closed)
        mid = ids[:, 1:-1]
        fill = (mid == 0) & (ids[:, :-2] != 0) & (ids[:, 2:] != 0)
        mid[fill] = ids[:, :-2][fill]
    return ids


class PixelMap:
    def __init__(self, geometry, paths, rect: QtCore.QRectF):
        self.geometry = geometry
        self.paths = paths
        self.rect = rect
        self.key = None
        self.ids: np.ndarray | None = None  # (h, w) uint16/32: 0 no pixel, i + 1 pixel i
        self.origin = QtCore.QPoint(0, 0)
        self._buf: np.ndarray | None = None  # colours of the map, drawn as a QImage

    def ensure(self, painter, visible: QtCore.QRectF) -> bool:
        """Rebuild the map for the painter's current transform when needed; False if empty.

        ``visible`` is the part of the camera in view, in item coordinates.
        """
        t = painter.deviceTransform()
        bounds = t.mapRect(visible).toAlignedRect()
        if bounds.isEmpty() or bounds.width() * bounds.height() > 64e6:
            return False
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), bounds.x(), bounds.y(),
               bounds.width(), bounds.height())
        if key == self.key:
            return True
        # the map moved by whole device pixels is the same map: one made for another item
        # of this geometry at this scale serves (shared, read-only)
        ox, oy = math.floor(t.dx()), math.floor(t.dy())
        placement = (t.m11(), t.m12(), t.m21(), t.m22(), round(t.dx() - ox, 9),
                     round(t.dy() - oy, 9), bounds.x() - ox, bounds.y() - oy,
                     bounds.width(), bounds.height(), self.rect.getRect())
        maps = _MAPS.setdefault(self.geometry, {})
        ids = maps.get(placement)
        if ids is None:
            ids = self._make(t, bounds)
            ids.flags.writeable = False
            maps[placement] = ids
            while len(maps) > _MAPS_PER_GEOMETRY:
                del maps[next(iter(maps))]
        self.ids = ids
        if self._buf is None or self._buf.shape != ids.shape:
            self._buf = np.empty(ids.shape, dtype=np.uint32)
        self.origin = bounds.topLeft()
        self.key = key
        return True

    def _make(self, t, bounds) -> np.ndarray:
        ids, x0, y0, cell = geometry_lookup(self.geometry, self.paths, self.rect)
        scale = max(abs(t.m11()) + abs(t.m21()), abs(t.m12()) + abs(t.m22()))
        if scale * cell > 0.75:  # zoomed in beyond the lookup: paint exactly
            shift = QtGui.QTransform.fromTranslate(-bounds.x(), -bounds.y())
            out = paint_ids(self.paths, bounds.width(), bounds.height(), t * shift)
        else:
            out = self._resample(ids, x0, y0, cell, t, bounds)
        return close_seams(out)

    @staticmethod
    def _resample(ids, x0, y0, cell, t, bounds) -> np.ndarray:
        inv, _ = t.inverted()
        px = bounds.x() + 0.5 + np.arange(bounds.width())
        py = bounds.y() + 0.5 + np.arange(bounds.height())
        h, w = ids.shape
        if abs(inv.m12()) < 1e-12 and abs(inv.m21()) < 1e-12:  # axis-aligned (the usual)
            cols = np.floor((inv.m11() * px + inv.dx() - x0) / cell).astype(np.int64)
            rows = np.floor((inv.m22() * py + inv.dy() - y0) / cell).astype(np.int64)
            cv = (cols >= 0) & (cols < w)
            rv = (rows >= 0) & (rows < h)
            out = ids[np.clip(rows, 0, h - 1)[:, None], np.clip(cols, 0, w - 1)[None, :]]
            out[~rv, :] = 0
            out[:, ~cv] = 0
            return out
        X, Y = np.meshgrid(px, py)
        ix = inv.m11() * X + inv.m21() * Y + inv.dx()
        iy = inv.m12() * X + inv.m22() * Y + inv.dy()
        cols = np.floor((ix - x0) / cell).astype(np.int64)
        rows = np.floor((iy - y0) / cell).astype(np.int64)
        ok = (cols >= 0) & (cols < w) & (rows >= 0) & (rows < h)
        out = ids[np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]
        out[~ok] = 0
        return out

    def draw(self, painter, argb: np.ndarray) -> None:
        """Draw the map coloured by ``argb`` (uint32 per id, index 0 = transparent)."""
        buf = gather(argb, self.ids, self._buf)
        h, w = buf.shape
        img = QtGui.QImage(buf.data, w, h, 4 * w, QtGui.QImage.Format_ARGB32_Premultiplied)
        # world transform that puts image pixels on device pixels, whatever the painter's
        # device offset (widget.render/grab) and pixel ratio: world * D = translate(origin)
        inv_device, _ = painter.deviceTransform().inverted()
        world = painter.worldTransform()
        painter.save()
        painter.setWorldTransform(
            QtGui.QTransform.fromTranslate(self.origin.x(), self.origin.y()) * inv_device * world)
        painter.drawImage(0, 0, img)
        painter.restore()
