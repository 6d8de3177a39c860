"""Plot pieces shared by the views: axes that repaint from an image.

pyqtgraph's ``AxisItem`` replays a ``QPicture`` of its ticks, labels and grid lines on every
repaint (1–4 ms each, mostly text layout); with ``showGrid`` the axis covers the whole plot,
so any change inside the plot (a new event) repaints every axis. ``CachedAxisItem`` renders
that picture once into an image at device resolution and blits it until the picture (new
range, resize) or the device transform changes. Vector output (SVG export, printing) gets
the picture itself, lines and text stay vectors.
"""

from __future__ import annotations

import numpy as np

from ..qt import QtGui, pg


class CachedAxisItem(pg.AxisItem):
    _raster: tuple | None = None  # (picture, key, image, origin)

    def paint(self, p, opt, widget):
        if p.paintEngine().type() != QtGui.QPaintEngine.Raster:
            self._raster = None
            super().paint(p, opt, widget)
            return
        t = p.deviceTransform()
        bounds = t.mapRect(self.boundingRect()).toAlignedRect()
        if bounds.isEmpty() or bounds.width() * bounds.height() > 16e6:
            super().paint(p, opt, widget)
            return
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), bounds.x(), bounds.y(),
               bounds.width(), bounds.height())
        cached = self._raster
        if cached is None or self.picture is None or cached[0] is not self.picture \
                or cached[1] != key:
            image = QtGui.QImage(bounds.width(), bounds.height(),
                                 QtGui.QImage.Format_ARGB32_Premultiplied)
            device = p.device()
            image.setDotsPerMeterX(round(device.logicalDpiX() / 0.0254))
            image.setDotsPerMeterY(round(device.logicalDpiY() / 0.0254))
            image.fill(0)
            q = QtGui.QPainter(image)
            q.setRenderHints(p.renderHints())
            q.setTransform(t * QtGui.QTransform.fromTranslate(-bounds.x(), -bounds.y()))
            try:
                super().paint(q, opt, widget)  # makes self.picture when needed, plays it
            finally:
                q.end()
            cached = self._raster = (self.picture, key, image, bounds.topLeft())
        _, _, image, origin = cached
        # a world transform that puts image pixels on device pixels: world * D = translate
        inv_device, _ = t.inverted()
        p.save()
        p.setWorldTransform(
            QtGui.QTransform.fromTranslate(origin.x(), origin.y()) * inv_device
            * p.worldTransform())
        p.drawImage(0, 0, image)
        p.restore()


def cached_axes(*orientations: str) -> dict[str, CachedAxisItem]:
    """``axisItems`` for a PlotWidget/PlotItem (default: left and bottom, the visible ones;
    pyqtgraph shows every axis it is given)."""
    return {o: CachedAxisItem(o) for o in (orientations or ("left", "bottom"))}


def clip_segments(start: np.ndarray, end: np.ndarray, rect) -> tuple[np.ndarray, np.ndarray]:
    """The parts of the segments ``start[i]``–``end[i]`` ((n, 2) arrays) inside ``rect``
    (a QRectF in the same coordinates); segments that miss it are dropped.

    Lines are cut to the plot's range before they are drawn, rather than left to the
    painter's clipping: SVG viewers that ignore clip paths (Qt's own among them) would show
    them running across the axes, labels and legend.
    """
    start = np.asarray(start, dtype=float).reshape(-1, 2)
    end = np.asarray(end, dtype=float).reshape(-1, 2)
    d = end - start
    t0 = np.zeros(len(start))
    t1 = np.ones(len(start))
    keep = np.all(np.isfinite(start), axis=1) & np.all(np.isfinite(end), axis=1)
    for axis, lo, hi in ((0, rect.left(), rect.right()), (1, rect.top(), rect.bottom())):
        lo, hi = min(lo, hi), max(lo, hi)
        for p, q in ((-d[:, axis], start[:, axis] - lo), (d[:, axis], hi - start[:, axis])):
            with np.errstate(divide="ignore", invalid="ignore"):
                r = q / p
            parallel = p == 0
            keep &= ~(parallel & (q < 0))
            entering = ~parallel & (p < 0)
            leaving = ~parallel & (p > 0)
            t0 = np.where(entering, np.maximum(t0, r), t0)
            t1 = np.where(leaving, np.minimum(t1, r), t1)
    keep &= t0 <= t1
    s, dd = start[keep], d[keep]
    return s + t0[keep, None] * dd, s + t1[keep, None] * dd
