"""DL2 reconstruction: stereo geometry and the quality query selecting its images.

Reconstructors by name (``stereo.name``; their options are declared in
:mod:`ctaviewer.config.stereo`): ``hillas_intersection`` is ctapipe 0.28's
HillasReconstructor (the default), ``hillas_weighted`` the same image planes with a weighted
ground core and every uncertainty estimated, ``nominal_intersection`` ctapipe's
HillasIntersection direction (image axes crossed in the nominal frame) completed as
``hillas_weighted``. Each is ``reconstruct(subarray, pointing, parameters, weighting,
min_telescopes) -> Reconstruction(geometry, impact, core_psi)``; importing this package binds
them to ``RECONSTRUCTORS``.
"""

from ..config.stereo import RECONSTRUCTORS
from .geometry import Reconstruction
from .hillas_intersection import reconstruct as hillas_intersection
from .nominal_intersection import reconstruct as nominal_intersection
from .quality import QualityQuery
from .weighted_planes import reconstruct as hillas_weighted

RECONSTRUCTORS.implement("hillas_intersection")(hillas_intersection)
RECONSTRUCTORS.implement("hillas_weighted")(hillas_weighted)
RECONSTRUCTORS.implement("nominal_intersection")(nominal_intersection)

__all__ = [
    "RECONSTRUCTORS",
    "QualityQuery",
    "Reconstruction",
    "hillas_intersection",
    "hillas_weighted",
    "nominal_intersection",
]
