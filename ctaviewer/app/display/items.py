"""Overlay items of the script displays: pixel outlines (highlighting, the picked pixel) and
line segments of several colours (arrows, Hillas lines, psi wedges)."""

from __future__ import annotations

import numpy as np

from ..qt import QtCore, QtGui, pg
from ..views.camera_item import pixel_paths


class PixelOutlines(pg.GraphicsObject):
    """Some pixels of a camera drawn with a pen (and a brush): the same outlines as the
    camera item's (``camera_item.pixel_paths``)."""

    def __init__(self, geometry, parent=None):
        super().__init__(parent)
        self.geometry = geometry
        self._paths, self._rect = pixel_paths(geometry)
        self.pixels: list[int] = []
        self.pen = QtGui.QPen(QtCore.Qt.NoPen)
        self.brush = QtGui.QBrush(QtCore.Qt.NoBrush)

    def set_pixels(self, pixels, pen=None, brush=None) -> None:
        self.pixels = [int(p) for p in pixels]
        if pen is not None:
            self.pen = pen
        if brush is not None:
            self.brush = brush
        self.update()

    def boundingRect(self):
        return self._rect

    def paint(self, painter, *args):
        if not self.pixels:
            return
        painter.setPen(self.pen)
        painter.setBrush(self.brush)
        for p in self.pixels:
            painter.drawPath(self._paths[p])


class Segments(pg.GraphicsObject):
    """Line segments ``start[i]``–``end[i]``, each with its pen (arrows get two short
    barbs at their end when ``arrows``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.start = np.zeros((0, 2))
        self.end = np.zeros((0, 2))
        self.pens: list = []
        self.arrows = False
        self._rect = QtCore.QRectF()

    def set_segments(self, start, end, pens, arrows: bool = False) -> None:
        self.prepareGeometryChange()
        self.start = np.asarray(start, dtype=float).reshape(-1, 2)
        self.end = np.asarray(end, dtype=float).reshape(-1, 2)
        self.pens = list(pens)
        self.arrows = arrows
        pts = np.concatenate([self.start, self.end])
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        if len(pts):
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            self._rect = QtCore.QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
        else:
            self._rect = QtCore.QRectF()
        self.update()

    def boundingRect(self):
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter, *args):
        for a, b, pen in zip(self.start, self.end, self.pens):
            if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or np.all(a == b):
                continue
            painter.setPen(pen)
            painter.drawLine(QtCore.QPointF(*a), QtCore.QPointF(*b))
            if self.arrows:
                d = b - a
                size = 0.25 * float(np.hypot(*d))
                angle = np.arctan2(d[1], d[0])
                for turn in (np.pi * 5 / 6, -np.pi * 5 / 6):
                    tip = b + size * np.array([np.cos(angle + turn), np.sin(angle + turn)])
                    painter.drawLine(QtCore.QPointF(*b), QtCore.QPointF(*tip))
