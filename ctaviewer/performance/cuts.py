"""The event selection of the performance plots: one frozen set of cuts.

An event is kept when its geometry was reconstructed (``is_valid``) and it passes every cut
that is set:

- ``gammaness_min``: gammaness ≥ the value (events without a gammaness fail it; a file
  without any classifier output is not cut on gammaness, and the notes say so);
- ``theta_max_deg``: angle between reconstructed and true direction ≤ the value;
- ``multiplicity_min`` and ``intensity_min``: at least ``multiplicity_min`` of the
  telescopes used in the reconstruction have an image of ``hillas_intensity`` ≥
  ``intensity_min`` p.e. (with ``intensity_min`` 0, plain multiplicity; a file without
  DL1 parameter tables is cut on multiplicity only, and the notes say so).

``None`` means no cut. The gammaness distributions are drawn with every cut but the
gammaness one, the θ² distribution with every cut but θ (the cut is drawn as a line).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..errors import CtaviewerError

CUT_NAMES = ("gammaness", "theta", "multiplicity", "intensity")


@dataclass(frozen=True)
class Cuts:
    gammaness_min: float | None = None
    theta_max_deg: float | None = None
    multiplicity_min: int = 2
    intensity_min: float = 0.0

    def __post_init__(self):
        g, t = self.gammaness_min, self.theta_max_deg
        if g is not None and not (0.0 <= g <= 1.0):
            raise CtaviewerError(f"gammaness cut {g:g}: give a value from 0 to 1")
        if t is not None and not (t > 0 and math.isfinite(t)):
            raise CtaviewerError(f"theta cut {t:g} deg: give a positive angle")
        if self.multiplicity_min < 1:
            raise CtaviewerError(f"multiplicity cut {self.multiplicity_min}: at least 1")
        if not (self.intensity_min >= 0 and math.isfinite(self.intensity_min)):
            raise CtaviewerError(f"intensity cut {self.intensity_min:g}: 0 or more p.e.")

    def without(self, name: str) -> Cuts:
        """The same cuts with ``name`` ("gammaness" or "theta") not applied."""
        if name == "gammaness":
            return replace(self, gammaness_min=None)
        if name == "theta":
            return replace(self, theta_max_deg=None)
        raise ValueError(f"no cut {name!r} to leave out")

    def describe(self) -> str:
        parts = []
        if self.gammaness_min is not None:
            parts.append(f"gammaness ≥ {self.gammaness_min:g}")
        if self.theta_max_deg is not None:
            parts.append(f"θ ≤ {self.theta_max_deg:g}°")
        tels = f"≥ {self.multiplicity_min} telescopes"
        if self.intensity_min > 0:
            tels += f" with intensity ≥ {self.intensity_min:g} p.e."
        parts.append(tels)
        return ", ".join(parts)

    def as_meta(self) -> dict:
        return {"gammaness_min": self.gammaness_min, "theta_max_deg": self.theta_max_deg,
                "multiplicity_min": self.multiplicity_min, "intensity_min": self.intensity_min}
