"""DL2 reconstruction: stereo geometry and the quality query selecting its images.

Reconstructors by name (``stereo.name``): ``hillas_intersection`` is ctapipe 0.28's
HillasReconstructor (the default), ``hillas_weighted`` the same image planes with a weighted
ground core and every uncertainty estimated, ``nominal_intersection`` ctapipe's
HillasIntersection direction (image axes crossed in the nominal frame) completed as
``hillas_weighted``. Each is ``reconstruct(subarray, pointing, parameters, weighting,
min_telescopes) -> Reconstruction(geometry, impact, core_psi)``.
"""

from ..registry import Registry
from .geometry import Reconstruction
from .hillas_intersection import reconstruct as hillas_intersection
from .nominal_intersection import reconstruct as nominal_intersection
from .quality import QualityQuery
from .weighted_planes import reconstruct as hillas_weighted

#: name -> reconstruct(subarray, pointing, parameters, weighting, min_telescopes)
RECONSTRUCTORS: Registry = Registry("reconstructor")
RECONSTRUCTORS.register("hillas_intersection", hillas_intersection)
RECONSTRUCTORS.register("hillas_weighted", hillas_weighted)
RECONSTRUCTORS.register("nominal_intersection", nominal_intersection)

__all__ = [
    "RECONSTRUCTORS",
    "QualityQuery",
    "Reconstruction",
    "hillas_intersection",
    "hillas_weighted",
    "nominal_intersection",
]
