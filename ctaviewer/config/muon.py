"""The muon-ring analysis' options (``[muon]``); :mod:`ctaviewer.muon` runs it.

``name`` chooses the ring-geometry fit (ctapipe 0.28's ``MuonRingFitter.fit_method``
names); the other keys are the analysis' own options. The defaults are ctapipe 0.28's
``MuonProcessor``, ``ImageParameterQuery``, ``RingQuery`` and ``MuonIntensityFitter``
defaults, except the ``dual_mirror_*`` options, which ctapipe does not have (it skips
dual-mirror telescopes): those telescopes are cleaned for the muon analysis with their own
tail cuts (their rings hold a few hundred p.e. spread over ~70 pixels of a few p.e. each,
which the shower cleaning of 10 / 5 p.e. does not keep) and selected by their own pixel
count and intensity.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError
from ..expressions import Expression
from ..registry import Algorithms
from ..results import IMAGE_PARAMETER_NAMES
from .options import AlgorithmOptions, option

RING_FITTERS = Algorithms("ring fit", "Muon ring geometry fit (ctapipe's fit_method)",
                          implemented_in="ctaviewer.muon")

#: ctapipe 0.28's ImageParameterQuery default (n_pixels > 100, intensity > 500), on our
#: parameter names
CTAPIPE_MUON_IMAGE_QUERY = "morphology_n_pixels > 100 and hillas_intensity > 500"


@dataclass(frozen=True)
class MuonConfig(AlgorithmOptions):
    """Options of the muon analysis, whatever the ring fit."""

    family = RING_FITTERS

    enabled: bool = option(False, "Run the muon-ring analysis on every telescope image; "
                           "ctaviewer process then writes its table (--muons turns it on)")
    image_query: str = option(CTAPIPE_MUON_IMAGE_QUERY, "Images (of single-mirror telescopes) "
                              "whose parameters fail this expression get no ring fit; the "
                              "default is ctapipe's ImageParameterQuery")
    min_ring_pixels: int = option(50, "Pixels within 40 % of the radius from the fitted ring "
                                  "needed for the intensity fit (ctapipe's RingQuery: more "
                                  "than this)", bounds=(0, 100000))
    min_containment: float = option(0.5, "Fraction of the ring inside the camera needed for "
                                    "the intensity fit (ctapipe's RingQuery: more than this)",
                                    bounds=(0.0, 1.0))
    completeness_threshold: float = option(30.0, "Charge one of the 30 azimuth bins of the "
                                           "ring needs to count as filled (completeness)",
                                           bounds=(0.0, 1e6), unit="p.e.")
    ratio_width: float = option(1.5, "Width of the ring band of the intensity ratio, in "
                                "pixel widths", bounds=(0.0, 100.0))
    pedestal: float = option(1.1, "Pedestal noise RMS of every pixel in the intensity fit's "
                             "likelihood", bounds=(1e-3, 1e4), unit="p.e.")
    ring_integration_width: float = option(0.25, "Half-width of the band around the ring "
                                           "summed as ring_intensity, in ring radii",
                                           bounds=(0.0, 10.0))
    outer_ring_width: float = option(0.2, "Width of the band outside the integration band "
                                     "(mean_intensity_outside_ring), in ring radii",
                                     bounds=(0.0, 10.0))
    spe_width: float = option(0.5, "Relative width of the single photo-electron peak in the "
                              "likelihood", bounds=(0.0, 10.0))
    min_lambda_nm: float = option(300.0, "Shortest Cherenkov wavelength of the light-yield "
                                  "model", bounds=(100.0, 2000.0), unit="nm")
    max_lambda_nm: float = option(600.0, "Longest Cherenkov wavelength of the light-yield "
                                  "model", bounds=(100.0, 2000.0), unit="nm")
    oversampling: int = option(3, "Samples per pixel along the ring of the chord-length "
                               "profile", bounds=(1, 100))
    dual_mirror_picture_threshold: float = option(
        4.0, "Dual-mirror telescopes: picture threshold of the muon analysis' own tail cuts",
        bounds=(0.0, 1e6), unit="p.e.")
    dual_mirror_boundary_threshold: float = option(
        2.0, "Dual-mirror telescopes: boundary threshold of the muon analysis' own tail cuts",
        bounds=(0.0, 1e6), unit="p.e.")
    dual_mirror_min_pixels: int = option(
        20, "Dual-mirror telescopes: pixels the muon cleaning must keep for a ring fit (more "
        "than this)", bounds=(2, 100000))
    dual_mirror_completeness_threshold: float = option(
        4.0, "Dual-mirror telescopes: charge an azimuth bin of the ring needs to count as "
        "filled (ctapipe's 30 p.e. scaled by the light of their rings, ~1/8 of an LST's)",
        bounds=(0.0, 1e6), unit="p.e.")
    dual_mirror_min_intensity: float = option(
        100.0, "Dual-mirror telescopes: charge the muon cleaning must keep for a ring fit "
        "(more than this)", bounds=(0.0, 1e9), unit="p.e.")

    def check(self, prefix: str) -> None:
        Expression(self.image_query, IMAGE_PARAMETER_NAMES, what="parameter",
                   field=f"{prefix}.image_query")
        if self.min_lambda_nm >= self.max_lambda_nm:
            raise ConfigError(f"{prefix}.min_lambda_nm", f"must be below max_lambda_nm "
                              f"({self.max_lambda_nm}), got {self.min_lambda_nm!r}")
        if self.dual_mirror_boundary_threshold > self.dual_mirror_picture_threshold:
            raise ConfigError(f"{prefix}.dual_mirror_boundary_threshold",
                              f"must be in [0.0, {self.dual_mirror_picture_threshold}], got "
                              f"{self.dual_mirror_boundary_threshold!r}")


@RING_FITTERS.declare("kundu_chaudhuri_taubin", "Taubin fit started from the Kundu-Chaudhuri "
                      "circle (ctapipe's default)")
@dataclass(frozen=True)
class KunduChaudhuriTaubinConfig(MuonConfig):
    pass


@RING_FITTERS.declare("taubin", "Taubin fit of the masked pixels, unweighted, started from "
                      "a 1.1 deg circle at the camera centre")
@dataclass(frozen=True)
class TaubinConfig(MuonConfig):
    pass


@RING_FITTERS.declare("kundu_chaudhuri", "Kundu-Chaudhuri analytic circle, charge-weighted")
@dataclass(frozen=True)
class KunduChaudhuriConfig(MuonConfig):
    pass
