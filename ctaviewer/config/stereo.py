"""The stereo reconstructors' options (``[stereo]``); :mod:`ctaviewer.reco` runs them. Each is
``reconstruct(subarray, pointing, parameters, weighting, min_telescopes)``; the default is
ctapipe 0.28's HillasReconstructor."""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import Algorithms
from .options import AlgorithmOptions, option

RECONSTRUCTORS = Algorithms("reconstructor", "Direction and core reconstruction",
                            implemented_in="ctaviewer.reco")

#: weights of the telescopes' image axes
WEIGHTINGS = ("intensity_length_width", "intensity", "equal")


@dataclass(frozen=True)
class StereoConfig(AlgorithmOptions):
    """Options every reconstructor has."""

    family = RECONSTRUCTORS

    min_telescopes: int = option(2, "Telescopes passing the quality query needed for a stereo "
                                 "result", bounds=(2, 1000))
    weighting: str = option("intensity_length_width", "Weight of each telescope's image axis",
                            choices=WEIGHTINGS)


@RECONSTRUCTORS.declare("hillas_intersection", "ctapipe's HillasReconstructor: image planes, "
                        "core in the tilted frame")
@dataclass(frozen=True)
class HillasIntersectionConfig(StereoConfig):
    pass


@RECONSTRUCTORS.declare("hillas_weighted", "the same planes, weighted core on the ground, every "
                        "uncertainty estimated")
@dataclass(frozen=True)
class HillasWeightedConfig(StereoConfig):
    pass


@RECONSTRUCTORS.declare("nominal_intersection", "image axes crossed in the nominal frame")
@dataclass(frozen=True)
class NominalIntersectionConfig(StereoConfig):
    pass
