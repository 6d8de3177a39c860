"""Display settings shared by every camera view, as Qt signals for the views.

The settings themselves are a Qt-free ``service.display.DisplayState``; ``DisplaySettings``
forwards its events to Qt signals and its fields as read-only attributes.
"""

from __future__ import annotations

from ...service.display import DisplayState
from ..qt import QtCore


class DisplaySettings(QtCore.QObject):
    changed = QtCore.Signal()
    sample_changed = QtCore.Signal(int)

    def __init__(self, state: DisplayState | None = None):
        super().__init__()
        self.state = state or DisplayState()
        self.state.changed.connect(self.changed.emit)
        self.state.sample_changed.connect(self.sample_changed.emit)

    quantity = property(lambda self: self.state.quantity)
    cmap = property(lambda self: self.state.cmap)
    scale = property(lambda self: self.state.scale)
    limit_mode = property(lambda self: self.state.limit_mode)
    percentile = property(lambda self: self.state.percentile)
    fixed = property(lambda self: self.state.fixed)
    sample = property(lambda self: self.state.sample)
    show_hillas = property(lambda self: self.state.show_hillas)
    gain = property(lambda self: self.state.gain)
    axes = property(lambda self: self.state.axes)
    show_pixel_ids = property(lambda self: self.state.show_pixel_ids)
    show_moments = property(lambda self: self.state.show_moments)
    highlight = property(lambda self: self.state.highlight)
    highlight_color = property(lambda self: self.state.highlight_color)
    highlight_filter = property(lambda self: self.state.highlight_filter)
    show_time_gradient = property(lambda self: self.state.show_time_gradient)

    def update(self, **kw) -> None:
        """Set the given settings (see ``DisplayState.update``)."""
        self.state.update(**kw)

    def set_sample(self, sample: int) -> None:
        self.state.set_sample(sample)
