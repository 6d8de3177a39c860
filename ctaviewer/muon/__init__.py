"""Muon-ring analysis (ctapipe 0.28's MuonProcessor, extended to dual-mirror telescopes):
ring geometry fits, ring parameters and the intensity fit giving impact, ring width and
optical efficiency. Plain numpy arrays in fixed units (deg in the telescope frame, m, p.e.);
numba kernels where hot, minimised by a Nelder–Mead simplex in numba (see ``minimize``).

    analysis = MuonAnalysis(subarray, config.muon)
    result = analysis.analyse(tel_id, image, peak_time, mask, parameters, ctx)  # MuonResult

Importing this package binds the ring fits declared in ``ctaviewer.config.RING_FITTERS``.
"""

from . import ring_fit  # noqa: F401  (binds the ring fits to their names)
from .analysis import MuonAnalysis
from .intensity_fit import fit_intensity, predict
from .ring_fit import kundu_chaudhuri, taubin
from .telescope import HOLE_RADIUS_M, MuonTelescope, hole_radius

__all__ = ["HOLE_RADIUS_M", "MuonAnalysis", "MuonTelescope", "fit_intensity", "hole_radius",
           "kundu_chaudhuri", "predict", "taubin"]
