"""What every camera view shows and how: quantity, colour map, scale, limits, sample."""

from __future__ import annotations

from dataclasses import dataclass, fields

from ..calib.monitoring import GAINS, MONITORING_QUANTITIES
from .evented import Signal

#: what a camera view can show (``app.models.quantities.pixel_values`` computes each)
QUANTITIES = (
    "charge",
    "peak time",
    "cleaning mask",
    "true p.e.",
    "raw sum",
    "waveform sample",
    # from the file's monitoring and calibration blocks (``calib.monitoring``)
    *MONITORING_QUANTITIES,
)
#: colour maps by name (pyqtgraph's names), scales of the colour axis, how limits are chosen
COLORMAPS = ("viridis", "inferno", "magma", "plasma", "cividis", "CET-L1", "CET-D1")
SCALES = ("linear", "log", "symlog")
LIMIT_MODES = ("auto", "min-max", "percentile", "fixed")

_CHOICES = {"quantity": QUANTITIES, "cmap": COLORMAPS, "scale": SCALES,
            "limit_mode": LIMIT_MODES, "gain": GAINS}


@dataclass(eq=False)
class DisplayState:
    """The display settings shared by every camera view.

    Change them with ``update(**fields)`` (one ``changed`` for all) and ``set_sample``
    (``sample_changed``: the waveform sample shown, which changes often and alone).
    """

    quantity: str = "raw sum"
    cmap: str = "viridis"
    scale: str = "linear"
    limit_mode: str = "auto"
    percentile: float = 99.0
    fixed: tuple[float, float] = (0.0, 100.0)
    sample: int = 0
    show_hillas: bool = True
    #: the gain of the per-gain camera quantities (pedestal, noise, dc→p.e., ...)
    gain: str = "high"

    def __post_init__(self):
        self.changed = Signal(name="changed")
        self.sample_changed = Signal(int, name="sample_changed")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The names of the settings."""
        return tuple(f.name for f in fields(cls))

    def update(self, **kw) -> None:
        """Set the given settings (each checked); ``changed`` once if any changed."""
        names = self.field_names()
        for k, v in kw.items():
            if k not in names:
                raise AttributeError(k)
            if k in _CHOICES and v not in _CHOICES[k]:
                raise ValueError(f"{k} must be one of {_CHOICES[k]}, got {v!r}")
        changed = False
        for k, v in kw.items():
            if getattr(self, k) != v:
                setattr(self, k, v)
                changed = True
        if changed:
            self.changed.emit()

    def set_sample(self, sample: int) -> None:
        if sample != self.sample:
            self.sample = int(sample)
            self.sample_changed.emit(self.sample)


__all__ = ["COLORMAPS", "GAINS", "LIMIT_MODES", "QUANTITIES", "SCALES", "DisplayState"]
