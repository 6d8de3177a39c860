"""Performance plots written as PNG and SVG files, as the window draws them.

Used by the dock's export and by ``ctaviewer performance`` (offscreen, no display). Each
file is written under a temporary name and renamed when complete (``render.write_widget``).
"""

from __future__ import annotations

import os

from ..qt import QtWidgets
from ..render import write_widget
from .plot_view import make_plot_widget

#: the size of a plot written by the command line (logical pixels)
PLOT_SIZE = (900, 620)


def write_plot(plot, path: str, size=PLOT_SIZE, scale: float = 1.0) -> str:
    """``plot`` (a ``performance.plots.Plot``) drawn to ``path`` (.png or .svg)."""
    widget = make_plot_widget(plot, size)
    try:
        QtWidgets.QApplication.processEvents()
        return write_widget(widget, path, scale=scale)
    finally:
        widget.deleteLater()


def write_plots(plots, folder: str, formats=("png", "svg"), size=PLOT_SIZE) -> list[str]:
    """Every plot as ``folder/<name>.<format>``."""
    return [write_plot(p, os.path.join(folder, f"{p.name}.{fmt}"), size)
            for p in plots for fmt in formats]
