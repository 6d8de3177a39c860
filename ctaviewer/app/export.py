"""Export a view as PNG (raster) or SVG (vector, via QtSvg's QSvgGenerator)."""

from __future__ import annotations

import os

from PySide6 import QtSvg

from .qt import QtCore, QtGui


def export_widget(widget, path: str) -> str:
    """Write ``widget`` to ``path``; the format follows the extension (.png or .svg)."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".svg":
        gen = QtSvg.QSvgGenerator()
        gen.setFileName(path)
        size = widget.size()
        gen.setSize(size)
        gen.setViewBox(QtCore.QRect(0, 0, size.width(), size.height()))
        gen.setTitle("ctaviewer")
        painter = QtGui.QPainter(gen)
        try:
            widget.render(painter, QtCore.QPoint())
        finally:
            painter.end()
    elif ext in (".png", ".jpg", ".jpeg"):
        if not widget.grab().save(path):
            raise OSError(f"{path}: could not write the image")
    else:
        raise ValueError(f"{path}: export as .png or .svg")
    return path
