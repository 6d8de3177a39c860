"""Options of the image parameters (``[parameters]``) and of the quality query that selects
the images the stereo reconstruction uses (``[quality]``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..expressions import Expression
from ..results import IMAGE_PARAMETER_NAMES
from .options import Options, option

#: line fits of peak time along the image axis, by name
TIMING_FITS = {"lts": "unweighted least-trimmed-squares, as ctapipe",
               "weighted": "charge-weighted least squares"}

#: ctapipe 0.28's default stereo quality criteria (StereoQualityQuery), in its order: our
#: expression -> ctapipe's name and expression of it, as its files count them
CTAPIPE_QUALITY_CRITERIA = {
    "hillas_intensity > 50": ("> 50 phe", "parameters.hillas.intensity > 50"),
    "hillas_width > 0": ("Positive width", "parameters.hillas.width.value > 0"),
    "morphology_n_pixels > 3": ("> 3 pixels", "parameters.morphology.n_pixels > 3"),
}
#: ctapipe 0.28's default stereo quality query
CTAPIPE_QUALITY_QUERY = " and ".join(CTAPIPE_QUALITY_CRITERIA)


@dataclass(frozen=True)
class ParametersConfig(Options):
    timing_fit: str = option("lts", "Line of peak time along the image axis",
                             choices=TIMING_FITS)


@dataclass(frozen=True)
class QualityConfig(Options):
    query: str = option(CTAPIPE_QUALITY_QUERY, "Telescopes whose image parameters fail this "
                        "expression are left out of the stereo reconstruction (and greyed in "
                        "the views); the default is ctapipe's: " + CTAPIPE_QUALITY_QUERY)

    def check(self, prefix: str) -> None:
        """The query is an expression over the image parameter names (the language of
        :mod:`ctaviewer.expressions`, as the chain's ``QualityQuery`` compiles it)."""
        Expression(self.query, IMAGE_PARAMETER_NAMES, what="parameter", field=f"{prefix}.query")
