"""Python's cyclic garbage collector, run on the GUI thread only: the Qt timer of
``gc_policy.ManualCollector`` (why: see ``ctaviewer.gc_policy``)."""

from __future__ import annotations

from ..gc_policy import GUI_INTERVAL_MS, ManualCollector
from .qt import QtCore


class GuiThreadCollector(QtCore.QObject):
    """Collect cycles every ``interval_ms`` on the thread that owns this object (the GUI)."""

    def __init__(self, parent: QtCore.QObject, interval_ms: int = GUI_INTERVAL_MS):
        super().__init__(parent)
        self.collector = ManualCollector()
        self.collector.start()
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        self.collector.check()


def install(app: QtCore.QCoreApplication) -> GuiThreadCollector:
    """The application's collector (made once; call from the GUI thread)."""
    collector = app.findChild(GuiThreadCollector)
    if collector is None:
        collector = GuiThreadCollector(app)
    return collector
