"""One place that imports Qt: PySide6 first, then pyqtgraph bound to it."""

from __future__ import annotations

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

pg.setConfigOptions(antialias=False, background="w", foreground="k")

__all__ = ["QtCore", "QtGui", "QtWidgets", "pg"]
