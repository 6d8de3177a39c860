"""Processing results: immutable records passed forward from step to step.

These are the contract between the processing chain (``ctaviewer.pipeline``), the views
(``ctaviewer.app``) and the writers (``ctaviewer.writers``). Units are fixed: p.e., ns, m,
deg, TeV. Image parameter names are ctapipe's DL1 column names (data model v7), so the DL1
writer writes them as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: (name, unit, description) of every image parameter, in DL1 column order.
#: Hillas parameters in the telescope frame (deg) as ctapipe writes by default; the
#: camera-frame variant (m) is kept beside them with the ``camera_frame_`` prefix.
IMAGE_PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("hillas_intensity", "", "total charge in the cleaned image (p.e.)"),
    ("hillas_skewness", "", "third moment along the major axis"),
    ("hillas_kurtosis", "", "fourth moment along the major axis"),
    ("hillas_fov_lon", "deg", "centroid longitude in the telescope frame"),
    ("hillas_fov_lat", "deg", "centroid latitude in the telescope frame"),
    ("hillas_r", "deg", "centroid distance from the camera centre"),
    ("hillas_phi", "deg", "centroid polar angle"),
    ("hillas_length", "deg", "standard deviation along the major axis"),
    ("hillas_length_uncertainty", "deg", "uncertainty of length"),
    ("hillas_width", "deg", "standard deviation along the minor axis"),
    ("hillas_width_uncertainty", "deg", "uncertainty of width"),
    ("hillas_psi", "deg", "rotation angle of the major axis"),
    ("hillas_psi_uncertainty", "deg", "uncertainty of psi"),
    ("camera_frame_hillas_x", "m", "centroid x in the camera frame"),
    ("camera_frame_hillas_y", "m", "centroid y in the camera frame"),
    ("camera_frame_hillas_r", "m", "centroid distance in the camera frame"),
    ("camera_frame_hillas_phi", "deg", "centroid polar angle in the camera frame"),
    ("camera_frame_hillas_length", "m", "length in the camera frame"),
    ("camera_frame_hillas_width", "m", "width in the camera frame"),
    ("camera_frame_hillas_psi", "deg", "psi in the camera frame"),
    ("timing_intercept", "ns", "peak time at the centroid"),
    ("timing_slope", "ns/deg", "peak-time gradient along the major axis"),
    ("timing_deviation", "ns", "RMS of peak times around the fitted line"),
    ("leakage_pixels_width_1", "", "fraction of image pixels in the outermost ring"),
    ("leakage_pixels_width_2", "", "fraction of image pixels in the two outermost rings"),
    ("leakage_intensity_width_1", "", "fraction of intensity in the outermost ring"),
    ("leakage_intensity_width_2", "", "fraction of intensity in the two outermost rings"),
    ("concentration_cog", "", "intensity fraction in pixels near the centroid"),
    ("concentration_core", "", "intensity fraction inside the Hillas ellipse"),
    ("concentration_pixel", "", "intensity fraction in the brightest pixel"),
    ("morphology_n_pixels", "", "number of pixels after cleaning"),
    ("morphology_n_islands", "", "number of connected islands"),
    ("morphology_n_small_islands", "", "islands with <= 2 pixels"),
    ("morphology_n_medium_islands", "", "islands with 3-50 pixels"),
    ("morphology_n_large_islands", "", "islands with > 50 pixels"),
    ("intensity_max", "", "brightest cleaned pixel (p.e.)"),
    ("intensity_min", "", "faintest cleaned pixel (p.e.)"),
    ("intensity_mean", "", "mean of cleaned pixels (p.e.)"),
    ("intensity_std", "", "standard deviation of cleaned pixels (p.e.)"),
    ("intensity_skewness", "", "skewness of cleaned pixel charges"),
    ("intensity_kurtosis", "", "kurtosis of cleaned pixel charges"),
    ("peak_time_max", "ns", "latest peak time among cleaned pixels"),
    ("peak_time_min", "ns", "earliest peak time among cleaned pixels"),
    ("peak_time_mean", "ns", "mean peak time of cleaned pixels"),
    ("peak_time_std", "ns", "standard deviation of peak times"),
    ("peak_time_skewness", "", "skewness of peak times"),
    ("peak_time_kurtosis", "", "kurtosis of peak times"),
)
IMAGE_PARAMETER_NAMES: tuple[str, ...] = tuple(p[0] for p in IMAGE_PARAMETERS)
#: parameters that are counts (integers in files)
INTEGER_PARAMETERS = frozenset(n for n in IMAGE_PARAMETER_NAMES if n.startswith("morphology_"))


def empty_parameters() -> dict[str, float]:
    """All parameters set to NaN (counts to 0): the result for an empty image."""
    return {n: (0 if n in INTEGER_PARAMETERS else math.nan) for n in IMAGE_PARAMETER_NAMES}


@dataclass(frozen=True, eq=False)
class TelescopeResult:
    """DL1 of one telescope: calibrated image, peak times, cleaning mask, parameters.

    ``peak_time`` (ns) is the extractor's time minus the laser calibration's time offset
    (``calibration.apply_peak_time_shift``, as ctapipe). Sums-only data (no samples) carry
    the file's own pixel timing (the pulse peak sim_telarray recorded) with
    ``calibration.sums_peak_time = "file"``, NaN for pixels the file gives no time for; with
    ``"zero"`` they are 0 everywhere, as ctapipe sets them. HV-disabled pixels (see
    ``TelescopeData.pixel_status``) hold their good neighbours' mean charge and time
    (``calibration.invalid_pixel_handler``); pixels without readout hold 0 p.e.
    ``waveform`` (n_pixels × n_samples, p.e. per sample, after gain selection) and
    ``window_start``/``window_width`` (the extractor's integration window per pixel, in
    samples; a window running past the last sample is cut there) are kept for the waveform
    view; they are None for sums-only data.
    """

    tel_id: int
    image: np.ndarray  # float32 (n_pixels,), p.e.
    peak_time: np.ndarray  # float32 (n_pixels,), ns
    mask: np.ndarray  # bool (n_pixels,)
    parameters: dict  # name -> value, keys IMAGE_PARAMETER_NAMES
    passes_quality: bool
    selected_gain: np.ndarray | None = None  # int8 (n_pixels,)
    waveform: np.ndarray | None = None
    window_start: np.ndarray | None = None
    window_width: int = 0

    @property
    def n_pixels_cleaned(self) -> int:
        return int(self.mask.sum())


@dataclass(frozen=True)
class StereoResult:
    """DL2 geometry of one array event (deg, m). Invalid events carry NaN, never vanish."""

    alt: float = math.nan
    az: float = math.nan
    alt_uncert: float = math.nan
    az_uncert: float = math.nan
    ang_distance_uncert: float = math.nan
    core_x: float = math.nan
    core_y: float = math.nan
    core_uncert_x: float = math.nan
    core_uncert_y: float = math.nan
    h_max: float = math.nan
    h_max_uncert: float = math.nan
    is_valid: bool = False
    average_intensity: float = math.nan
    goodness_of_fit: float = math.nan
    tel_ids: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class EventResult:
    """Everything the chain computed for one array event."""

    index: int
    obs_id: int
    event_id: int
    tel: dict  # tel_id -> TelescopeResult
    geometry: StereoResult = field(default_factory=StereoResult)
    energy: float = math.nan  # TeV, from a trained estimator
    energy_uncert: float = math.nan
    gammaness: float = math.nan
    impact: dict = field(default_factory=dict)  # tel_id -> impact distance (m) to reco core
    timing_ms: dict = field(default_factory=dict)  # step name -> milliseconds
