"""What every script display shares: the QApplication (made when none exists; offscreen
without a screen), the widget it draws in, a live window (``show``; ``%gui qt`` in IPython
keeps it responsive), PNG/SVG/PDF files (``savefig``) and inline PNG in Jupyter
(``_repr_png_``)."""

from __future__ import annotations

import os
import sys

from ...errors import DisplayError
from ..qt import QtCore, QtGui, QtWidgets, pg

#: platforms that have no screen: a window cannot be shown, only drawn into files
HEADLESS_PLATFORMS = ("offscreen", "minimal")


def application() -> QtWidgets.QApplication:
    """The running QApplication, or a new one. With no display (Linux without DISPLAY or
    WAYLAND_DISPLAY) and no platform chosen, it runs offscreen: PNG and SVG still work."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        if (sys.platform.startswith("linux") and "QT_QPA_PLATFORM" not in os.environ
                and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QtWidgets.QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "ctaviewer"])
    return app


def headless() -> bool:
    return QtGui.QGuiApplication.platformName() in HEADLESS_PLATFORMS


class Figure:
    """A display's widget (``widget``, a pyqtgraph GraphicsLayoutWidget) of ``size`` pixels."""

    def __init__(self, size=(640, 540)):
        self.app = application()
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.resize(int(size[0]), int(size[1]))
        self.widget.setWindowTitle("ctaviewer")
        self.autoupdate = True
        self._offscreen = False

    # ---------------------------------------------------------------- drawing
    def _laid_out(self) -> None:
        """The widget laid out at its size, shown (off the screen when never shown)."""
        w = self.widget
        if not w.isVisible():
            w.setAttribute(QtCore.Qt.WA_DontShowOnScreen, True)
            w.show()
            self._offscreen = True
        self.app.processEvents()

    def update(self) -> None:
        """Redraw now (a shown window repaints; a display never shown is drawn when saved
        or shown inline)."""
        self._before_update()
        if self.widget.isVisible():
            self.app.processEvents()

    def _before_update(self) -> None:
        """Hook: bring what depends on the data (a colour bar) up to date."""

    def _update(self) -> None:
        if self.autoupdate:
            self.update()

    def show(self, block: bool = False) -> None:
        """Show the display in a window. In IPython, ``%gui qt`` keeps it live while cells
        run; in a script, ``block=True`` waits until the window is closed. Without a screen
        (offscreen), nothing is shown: save it (``savefig``) instead."""
        w = self.widget
        if self._offscreen:
            w.hide()
            w.setAttribute(QtCore.Qt.WA_DontShowOnScreen, False)
            self._offscreen = False
        w.show()
        if not headless():
            w.raise_()
        self._before_update()
        self.app.processEvents()
        if block and not headless():
            loop = QtCore.QEventLoop()
            timer = QtCore.QTimer(interval=100)
            timer.timeout.connect(lambda: None if w.isVisible() else loop.quit())
            timer.start()
            loop.exec()
            timer.stop()

    def close(self) -> None:
        self.widget.close()

    # ---------------------------------------------------------------- output
    def savefig(self, path, scale: float = 1.0) -> str:
        """Write the display to ``path``: PNG (``scale`` device pixels per widget pixel),
        SVG or PDF (vectors: true pixel outlines), by its extension; returns the path.
        Raises ``OutputError`` when it cannot be written."""
        from ..render import write_widget

        if not scale > 0:
            raise DisplayError(f"scale {scale!r}: must be positive")
        self._before_update()
        self._laid_out()
        return write_widget(self.widget, os.fspath(path), scale=float(scale))

    def to_png(self, scale: float = 1.0) -> bytes:
        """The display as PNG bytes."""
        from ..render import paint_widget

        self._before_update()
        self._laid_out()
        w, h = self.widget.width(), self.widget.height()
        image = QtGui.QImage(round(w * scale), round(h * scale),
                             QtGui.QImage.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(scale)
        image.fill(QtGui.QColor("white"))
        painter = QtGui.QPainter(image)
        try:
            paint_widget(self.widget, painter)
        finally:
            painter.end()
        data = QtCore.QByteArray()
        buffer = QtCore.QBuffer(data)
        buffer.open(QtCore.QIODevice.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())

    def _repr_png_(self) -> bytes:
        """Jupyter's inline picture."""
        return self.to_png()
