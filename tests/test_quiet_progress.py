"""A progress value paints with the window's next paint, not at once (``QProgressBar``'s
``setValue`` repaints synchronously, painting every region of the window waiting then)."""

from __future__ import annotations

from ctaviewer.app.qt import QtWidgets
from ctaviewer.app.views.quiet_progress import QuietProgressBar


def _counting(cls):
    class Counting(cls):
        paints = 0

        def paintEvent(self, event):  # noqa: N802 (Qt's name)
            type(self).paints += 1
            super().paintEvent(event)

    return Counting


def _shown(qtbot, bar):
    window = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(window)
    layout.addWidget(bar)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(20)
    return window


def test_qt_progress_bar_paints_at_once(qtbot):
    """What this module works around (if Qt changes, the class can go)."""
    bar = _counting(QtWidgets.QProgressBar)(maximum=1000)
    window = _shown(qtbot, bar)  # noqa: F841 (kept: it owns the bar)
    before = bar.paints
    bar.setValue(500)
    assert bar.paints > before


def test_values_paint_once_with_the_next_paint(qtbot):
    bar = _counting(QuietProgressBar)(maximum=1000)
    window = _shown(qtbot, bar)  # noqa: F841 (kept: it owns the bar)
    before = bar.paints
    for value in range(0, 1000, 50):
        bar.setValue(value)
    assert bar.paints == before and bar.value() == 950
    qtbot.waitUntil(lambda: bar.paints > before, timeout=2000)
    assert bar.paints <= before + 2
