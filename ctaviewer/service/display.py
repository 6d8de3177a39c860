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
    "triggered pixels",
    "true p.e. − charge",
    "peak time (cleaned)",
    # from the file's monitoring and calibration blocks (``calib.monitoring``)
    *MONITORING_QUANTITIES,
)
#: colour maps by name: every map pyqtgraph ships (``pg.colormap.listMaps()``), matplotlib's
#: perceptual ones and turbo first, then colorcet's linear (L), diverging (D), cyclic (C),
#: rainbow (R), isoluminant (I) and colour-blind-safe (CB) maps, and two of PAL's
COLORMAPS = (
    "viridis", "inferno", "magma", "plasma", "cividis", "turbo",
    *(f"CET-L{k}" for k in range(1, 20)),
    "CET-D1", "CET-D1A", *(f"CET-D{k}" for k in range(2, 14) if k != 5),
    *(f"CET-C{k}{s}" for k in range(1, 8) for s in ("", "s")),
    "CET-R1", "CET-R2", "CET-R3", "CET-R4", "CET-I1", "CET-I2", "CET-I3",
    "CET-CBL1", "CET-CBL2", "CET-CBD1", "CET-CBC1", "CET-CBC2",
    "CET-CBTL1", "CET-CBTL2", "CET-CBTD1", "CET-CBTC1", "CET-CBTC2",
    "PAL-relaxed", "PAL-relaxed_bright",
)
SCALES = ("linear", "log", "symlog")
LIMIT_MODES = ("auto", "min-max", "percentile", "fixed")
#: the camera view's axes: camera frame (m) or telescope frame (deg, through the focal
#: length the processing uses)
AXES = ("m", "deg")

#: the settings kept between sessions (the sample, the highlighted pixels and their filter
#: belong to one file's events, not to the user's taste)
PERSISTED = ("quantity", "cmap", "scale", "limit_mode", "percentile", "fixed", "show_hillas",
             "gain", "axes", "show_pixel_ids", "show_moments", "highlight_color",
             "show_time_gradient")

_CHOICES = {"quantity": QUANTITIES, "cmap": COLORMAPS, "scale": SCALES,
            "limit_mode": LIMIT_MODES, "gain": GAINS, "axes": AXES}


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
    #: camera-view axes: "m" (camera frame) or "deg" (telescope frame, fov_lon × fov_lat)
    axes: str = "m"
    #: draw pixel ids on the pixels when few enough are in view to read them
    show_pixel_ids: bool = True
    #: write the Hillas moments (intensity, length, width, psi, r) beside the ellipse
    show_moments: bool = False
    #: pixels outlined in ``highlight_color`` (a colour name or #rrggbb)
    highlight: tuple[int, ...] = ()
    highlight_color: str = "#00c8ff"
    #: a pixel filter (``app.views.camera_values.PIXEL_COLUMNS``, e.g. ``charge > 20``):
    #: when set, the pixels highlighted in every telescope instead of ``highlight``
    highlight_filter: str = ""
    #: show the time-gradient plot (peak time along the Hillas axis, the fitted line)
    show_time_gradient: bool = False

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

    def saved(self) -> dict:
        """The settings kept between sessions (``PERSISTED``), as plain JSON values."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k in PERSISTED for v in (getattr(self, k),)}

    def restore(self, values: dict) -> list[str]:
        """Apply saved settings (``saved``); an unknown name, a value of the wrong type or
        out of its choices (a colour map no longer shipped) is skipped. Returns the names
        skipped."""
        good, skipped = {}, []
        for k, v in values.items():
            current = getattr(self, k, None) if k in PERSISTED else None
            if k == "fixed" and isinstance(v, list | tuple) and len(v) == 2 and all(
                    isinstance(x, int | float) and not isinstance(x, bool) for x in v):
                v = (float(v[0]), float(v[1]))
            elif isinstance(current, float) and isinstance(v, int) and not isinstance(v, bool):
                v = float(v)
            if (current is None or type(v) is not type(current)
                    or (k in _CHOICES and v not in _CHOICES[k])):
                skipped.append(k)
            else:
                good[k] = v
        self.update(**good)
        return skipped

    def set_sample(self, sample: int) -> None:
        if sample != self.sample:
            self.sample = int(sample)
            self.sample_changed.emit(self.sample)


__all__ = ["AXES", "COLORMAPS", "GAINS", "LIMIT_MODES", "PERSISTED", "QUANTITIES", "SCALES",
           "DisplayState"]
