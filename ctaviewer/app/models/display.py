"""Display settings shared by every camera view: quantity, colour map, scale, limits."""

from __future__ import annotations

from ..colors import COLORMAPS, LIMIT_MODES, SCALES
from ..qt import QtCore
from .quantities import QUANTITIES


class DisplaySettings(QtCore.QObject):
    changed = QtCore.Signal()
    sample_changed = QtCore.Signal(int)

    def __init__(self):
        super().__init__()
        self.quantity = "raw sum"
        self.cmap = "viridis"
        self.scale = "linear"
        self.limit_mode = "auto"
        self.percentile = 99.0
        self.fixed = (0.0, 100.0)
        self.sample = 0
        self.show_hillas = True

    def update(self, **kw) -> None:
        checks = {"quantity": QUANTITIES, "cmap": COLORMAPS, "scale": SCALES,
                  "limit_mode": LIMIT_MODES}
        changed = False
        for k, v in kw.items():
            if k not in vars(self):
                raise AttributeError(k)
            if k in checks and v not in checks[k]:
                raise ValueError(f"{k} must be one of {checks[k]}, got {v!r}")
            if getattr(self, k) != v:
                setattr(self, k, v)
                changed = True
        if changed:
            self.changed.emit()

    def set_sample(self, sample: int) -> None:
        if sample != self.sample:
            self.sample = int(sample)
            self.sample_changed.emit(self.sample)
