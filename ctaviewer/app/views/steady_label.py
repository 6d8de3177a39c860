"""A word-wrapped caption under a plot whose height does not follow each event's text.

A plain word-wrapped QLabel takes the height of its text: stepping through events, a
caption of two lines, then three, then two resized the plot above it at every event (the
plot jumped, and its axes and items were laid out and painted again, twice). This label's
height only grows, to the tallest text it has shown at its current width; a new width
(the dock resized) measures it again from the current text. ``lines`` lines are kept from
the start: a caption that takes its usual height with the first event's text, then with
its result's, made the plot jump twice as a file opens.
"""

from __future__ import annotations

from ..qt import QtWidgets


class SteadyLabel(QtWidgets.QLabel):
    def __init__(self, text: str = "", parent=None, lines: int = 1):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._width = -1
        self._lines = lines
        self._hold()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self._hold()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        width = event.size().width()
        if width != self._width:
            self._width = width
            self.setMinimumHeight(0)
            self._hold()

    def _hold(self) -> None:
        """At least as tall as the current text needs at the current width."""
        width = self.width()
        needed = self.heightForWidth(width) if width > 0 else self.sizeHint().height()
        margins = self.contentsMargins()
        needed = max(needed, self._lines * self.fontMetrics().lineSpacing()
                     + margins.top() + margins.bottom())
        if needed > self.minimumHeight():
            self.setMinimumHeight(needed)
