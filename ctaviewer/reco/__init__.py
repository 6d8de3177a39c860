"""DL2 reconstruction: stereo geometry and the quality query selecting its images."""

from ..registry import Registry
from .hillas_intersection import reconstruct as hillas_intersection
from .nominal_intersection import reconstruct as nominal_intersection
from .quality import QualityQuery

#: name -> reconstruct(subarray, pointing, parameters, weighting, min_telescopes)
RECONSTRUCTORS: Registry = Registry("reconstructor")
RECONSTRUCTORS.register("hillas_intersection", hillas_intersection)
RECONSTRUCTORS.register("nominal_intersection", nominal_intersection)

__all__ = ["RECONSTRUCTORS", "QualityQuery", "hillas_intersection", "nominal_intersection"]
