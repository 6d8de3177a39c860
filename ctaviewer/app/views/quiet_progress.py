"""A progress bar that paints with the window's next paint, not at once.

``QProgressBar.setValue`` calls ``repaint()``: a synchronous paint that, for a widget in a
window, paints every region of the window waiting to be painted then and there. While a
large file indexes, the index's progress comes many times a second, each time beside
event-list rows just appended: every value forced a paint of the list in the middle of the
turn that received it (GUI blocks of 150-300 ms on a 1240-event file). Here the new value
only asks for a paint (``update``), which Qt merges with the others into the window's next
one.
"""

from __future__ import annotations

from ..qt import QtWidgets


class QuietProgressBar(QtWidgets.QProgressBar):
    def setValue(self, value: int) -> None:  # noqa: N802 (Qt's name)
        if value == self.value():
            return
        self.setUpdatesEnabled(False)  # (repaint() does nothing meanwhile)
        try:
            super().setValue(value)
        finally:
            self.setUpdatesEnabled(True)  # asks for a paint: update()

    def fit_text(self, longest: str) -> None:
        """Keep the bar wide enough for ``longest``, the widest text it will show (within
        its maximum width): a status bar gives its permanent widgets what its messages
        leave, and a text that does not fit wraps onto a second, clipped line."""
        width = self.fontMetrics().horizontalAdvance(longest) + 24
        self.setMinimumWidth(min(width, self.maximumWidth()))
