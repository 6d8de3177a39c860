"""The image cleaners' options (``[cleaning]``); :mod:`ctaviewer.image.cleaning` runs them.
``name`` chooses the cleaner, the other keys of the table are its options. The defaults are
ctapipe 0.28's tail cuts (10 / 5 p.e., two picture neighbours)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError
from ..registry import Algorithms
from .options import AlgorithmOptions, option

CLEANERS = Algorithms("cleaner", "Image cleaning algorithm",
                      implemented_in="ctaviewer.image.cleaning")


class CleaningConfig(AlgorithmOptions):
    """Base of every cleaner's options."""

    family = CLEANERS


@CLEANERS.declare("tailcuts", "ctapipe's tail cuts, then optionally a time constraint and "
                  "dilation")
@dataclass(frozen=True)
class TailcutsConfig(CleaningConfig):
    picture_threshold: float = option(10.0, "Charge a pixel needs to be a picture (core) "
                                      "pixel of the image", bounds=(0.0, 1e6), unit="p.e.")
    boundary_threshold: float = option(5.0, "Charge a neighbour of a picture pixel needs to be "
                                       "kept as a boundary pixel (at most the picture "
                                       "threshold)", bounds=(0.0, 1e6), unit="p.e.")
    min_picture_neighbors: int = option(2, "Picture pixels need at least this many neighbours "
                                        "above the picture threshold", bounds=(0, 8))
    keep_isolated_pixels: bool = option(False, "Keep picture pixels that have no neighbour in "
                                        "the image")
    time_limit_ns: float | None = option(None, "Drop pixels whose peak time differs by more "
                                         "than this from every image neighbour (unset: no time "
                                         "constraint)", bounds=(1e-3, 1e4), unit="ns")
    n_dilation_rings: int = option(0, "Rings of neighbouring pixels added around the cleaned "
                                   "image", bounds=(0, 10))

    def check(self, prefix: str) -> None:
        if self.boundary_threshold > self.picture_threshold:
            raise ConfigError(f"{prefix}.boundary_threshold", f"must be in [0.0, "
                              f"{self.picture_threshold}], got {self.boundary_threshold!r}")
