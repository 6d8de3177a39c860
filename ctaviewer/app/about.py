"""The About dialog text: versions of ctaviewer and the libraries it runs on."""

from __future__ import annotations

import platform

import numpy as np

from .._version import __version__
from .qt import QtCore, pg


def about_text() -> str:
    import PySide6

    try:
        import eventio

        ev = eventio.__version__
    except Exception:  # eventio missing is reported, not fatal, in an About box
        ev = "not installed"
    return (
        f"<h3>ctaviewer {__version__}</h3>"
        "<p>Viewer and processor for Cherenkov-telescope (CTAO) data.</p>"
        f"<p>Python {platform.python_version()}<br>Qt {QtCore.qVersion()}, "
        f"PySide6 {PySide6.__version__}<br>pyqtgraph {pg.__version__}<br>"
        f"numpy {np.__version__}<br>eventio {ev}</p>"
    )
