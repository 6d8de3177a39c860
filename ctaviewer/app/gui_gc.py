"""Python's cyclic garbage collector, run on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate when a threshold
is crossed: a worker thread building camera paths, say. If the garbage then holds Qt
objects (a closed dialog or window in a reference cycle), their C++ destructors run in that
thread, take Qt's connection locks and wait for the GIL, while the GUI thread holds the GIL
and waits for the same lock: the application hangs (seen in the test suite). So the
automatic collector is switched off and a timer on the GUI thread collects instead, with the
same generation thresholds (as pyqtgraph's ``GarbageCollector`` does).
"""

from __future__ import annotations

import gc

from .qt import QtCore


class GuiThreadCollector(QtCore.QObject):
    """Collect cycles every ``interval_ms`` on the thread that owns this object (the GUI)."""

    def __init__(self, parent: QtCore.QObject, interval_ms: int = 250):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        n0, n1, n2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if n0 > t0:
            gc.collect(0)
            if n1 > t1:
                gc.collect(1)
                if n2 > t2:
                    gc.collect(2)


def install(app: QtCore.QCoreApplication) -> GuiThreadCollector:
    """The application's collector (made once; call from the GUI thread)."""
    collector = app.findChild(GuiThreadCollector)
    if collector is None:
        collector = GuiThreadCollector(app)
    return collector
