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

#: (name, unit, dtype, description) of every image parameter, in DL1 column order.
#: Names, units and dtypes are those of ctapipe 0.28's data model (its ImageProcessor in the
#: telescope frame, the default): Hillas in deg, intensities in p.e. without a unit, peak
#: times in ns without a unit (so ``timing_slope`` is 1/deg), counts int64, the intensity
#: and peak-time statistics and the leakage intensities float32. The camera-frame Hillas
#: variant (m) is kept after them with the ``camera_frame_`` prefix.
IMAGE_PARAMETERS: tuple[tuple[str, str, str, str], ...] = (
    ("hillas_intensity", "", "f8", "sum of the cleaned image (p.e.)"),
    ("hillas_skewness", "", "f8", "skewness of the light along the major axis"),
    ("hillas_kurtosis", "", "f8", "kurtosis of the light along the major axis (3 = Gaussian)"),
    ("hillas_fov_lon", "deg", "f8", "centroid longitude in the telescope frame"),
    ("hillas_fov_lat", "deg", "f8", "centroid latitude in the telescope frame"),
    ("hillas_r", "deg", "f8", "centroid distance from the camera centre"),
    ("hillas_phi", "deg", "f8", "centroid polar angle"),
    ("hillas_length", "deg", "f8", "standard deviation along the major axis"),
    ("hillas_length_uncertainty", "deg", "f8", "uncertainty of length (Poisson pixel charges)"),
    ("hillas_width", "deg", "f8", "standard deviation along the minor axis (0 for a line)"),
    ("hillas_width_uncertainty", "deg", "f8", "uncertainty of width (Poisson pixel charges)"),
    ("hillas_psi", "deg", "f8", "angle of the major axis from the fov_lon axis, in (-90, 90]"),
    ("hillas_psi_uncertainty", "deg", "f8",
     "uncertainty of psi: weighted line fit of the transverse offsets, inflated for round "
     "images (as ctapipe 0.28)"),
    ("hillas_transverse_cog_uncertainty", "deg", "f8",
     "uncertainty of the centroid across the major axis (same fit as psi_uncertainty)"),
    ("timing_intercept", "", "f8", "fitted peak time (ns) at the centroid"),
    ("timing_deviation", "", "f8", "RMS (ns) of the peak times around the fitted line"),
    ("timing_slope", "1/deg", "f8",
     "peak-time gradient along the major axis (ns per deg): unweighted least-trimmed-squares "
     "line fit as ctapipe (default), or charge-weighted least squares with "
     "parameters.timing_fit = \"weighted\""),
    ("leakage_pixels_width_1", "", "f8", "fraction of image pixels in the outermost ring"),
    ("leakage_pixels_width_2", "", "f8", "fraction of image pixels in the two outermost rings"),
    ("leakage_intensity_width_1", "", "f4", "fraction of intensity in the outermost ring"),
    ("leakage_intensity_width_2", "", "f4", "fraction of intensity in the two outermost rings"),
    ("concentration_cog", "", "f8", "intensity fraction within one pixel width of the centroid"),
    ("concentration_core", "", "f8", "intensity fraction inside the Hillas ellipse"),
    ("concentration_pixel", "", "f8", "intensity fraction in the brightest pixel"),
    ("morphology_n_pixels", "", "i8", "number of pixels after cleaning (-1: not parametrised)"),
    ("morphology_n_islands", "", "i8", "number of connected islands"),
    ("morphology_n_small_islands", "", "i8", "islands with <= 2 pixels"),
    ("morphology_n_medium_islands", "", "i8", "islands with 3-50 pixels"),
    ("morphology_n_large_islands", "", "i8", "islands with > 50 pixels"),
    ("intensity_max", "", "f4", "brightest cleaned pixel (p.e.)"),
    ("intensity_min", "", "f4", "faintest cleaned pixel (p.e.)"),
    ("intensity_mean", "", "f4", "mean of the cleaned pixels (p.e.)"),
    ("intensity_std", "", "f4", "standard deviation of the cleaned pixels (p.e.)"),
    ("intensity_skewness", "", "f8", "skewness of the cleaned pixel charges"),
    ("intensity_kurtosis", "", "f8", "excess kurtosis of the cleaned pixel charges"),
    ("peak_time_max", "", "f4", "latest peak time among the cleaned pixels (ns)"),
    ("peak_time_min", "", "f4", "earliest peak time among the cleaned pixels (ns)"),
    ("peak_time_mean", "", "f4", "mean peak time of the cleaned pixels (ns)"),
    ("peak_time_std", "", "f4", "standard deviation of the peak times (ns)"),
    ("peak_time_skewness", "", "f8", "skewness of the peak times"),
    ("peak_time_kurtosis", "", "f8", "excess kurtosis of the peak times"),
    ("camera_frame_hillas_x", "m", "f8", "centroid x in the camera frame"),
    ("camera_frame_hillas_y", "m", "f8", "centroid y in the camera frame"),
    ("camera_frame_hillas_r", "m", "f8", "centroid distance in the camera frame"),
    ("camera_frame_hillas_phi", "deg", "f8", "centroid polar angle in the camera frame"),
    ("camera_frame_hillas_length", "m", "f8", "length in the camera frame"),
    ("camera_frame_hillas_width", "m", "f8", "width in the camera frame"),
    ("camera_frame_hillas_psi", "deg", "f8", "psi in the camera frame (from the x axis)"),
)
IMAGE_PARAMETER_NAMES: tuple[str, ...] = tuple(p[0] for p in IMAGE_PARAMETERS)
#: parameters that are counts (integers in files)
INTEGER_PARAMETERS = frozenset(p[0] for p in IMAGE_PARAMETERS if p[2].startswith("i"))
#: value of a count that was not computed (ctapipe's default): the image was not parametrised
NOT_COMPUTED = -1


def empty_parameters() -> dict[str, float]:
    """All parameters NaN and counts -1, as ctapipe: the result for an image that cannot be
    parametrised (fewer than 2 pixels after cleaning, or no positive total charge)."""
    return {
        n: (NOT_COMPUTED if n in INTEGER_PARAMETERS else math.nan) for n in IMAGE_PARAMETER_NAMES
    }


#: (name, unit, dtype, description) of every muon-ring value, in the column order of
#: ctapipe 0.28's ``/dl1/event/telescope/muon/tel_NNN`` tables (its MuonRingContainer,
#: MuonParametersContainer and MuonEfficiencyContainer with their prefixes): angles in the
#: telescope frame (deg), impact in m, charges in p.e.
MUON_PARAMETERS: tuple[tuple[str, str, str, str], ...] = (
    ("muonring_center_fov_lon", "deg", "f8", "center (fov_lon) of the fitted muon ring"),
    ("muonring_center_fov_lat", "deg", "f8", "center (fov_lat) of the fitted muon ring"),
    ("muonring_radius", "deg", "f8", "radius of the fitted muon ring"),
    ("muonring_center_fov_lon_err", "deg", "f8",
     "center (fov_lon) of the fitted muon ring error"),
    ("muonring_center_fov_lat_err", "deg", "f8",
     "center (fov_lat) of the fitted muon ring error"),
    ("muonring_radius_err", "deg", "f8", "radius of the fitted muon ring error"),
    ("muonring_center_phi", "deg", "f8", "Angle of ring center within camera plane"),
    ("muonring_center_distance", "deg", "f8", "Distance from the ring center to camera center"),
    ("muonparameters_containment", "", "f8", "containment of the ring inside the camera"),
    ("muonparameters_completeness", "", "f8",
     "Complenetess of the muon ring, estimated by dividing the ring into segments and "
     "counting segments above a threshold"),
    ("muonparameters_intensity_ratio", "", "f8",
     "Intensity ratio of pixels in the ring to all pixels"),
    ("muonparameters_mean_squared_error", "deg**2", "f8",
     "MSE of the deviation of all pixels after cleaning from the ring fit"),
    ("muonparameters_ring_intensity", "", "f8",
     "Sum of the pixel charges inside the integration area around a ring"),
    ("muonparameters_intensity_outside_ring", "", "f8",
     "Sum of the pixel charges outside the ring"),
    ("muonparameters_n_pixels_in_ring", "", "i8",
     "Number of pixels inside the ring integration area that passed the cleaning"),
    ("muonparameters_mean_intensity_outside_ring", "", "f8",
     "Mean intensity of pixels inside the region limited by ring integration width and "
     "outer ring width."),
    ("muonparameters_radial_std_dev", "deg", "f8",
     "Standard deviation of the radial light distribution."),
    ("muonparameters_skewness", "", "f8",
     "Skewness of the light distribution along the ring radius."),
    ("muonparameters_excess_kurtosis", "", "f8",
     "Excess kurtosis of the light distribution along the ring radius."),
    ("muonefficiency_width", "deg", "f8", "width of the muon ring in degrees"),
    ("muonefficiency_impact", "m", "f8",
     "distance of muon impact position from center of mirror"),
    ("muonefficiency_impact_x", "m", "f8", "impact parameter x position"),
    ("muonefficiency_impact_y", "m", "f8", "impact parameter y position"),
    ("muonefficiency_optical_efficiency", "", "f8", "optical efficiency muon"),
    ("muonefficiency_is_valid", "", "?", "True if the fit converged successfully"),
    ("muonefficiency_parameters_at_limit", "", "?",
     "True if any bounded parameter was fitted close to a bound"),
    ("muonefficiency_likelihood_value", "", "f8", "cost function value at the minimum"),
)
MUON_PARAMETER_NAMES: tuple[str, ...] = tuple(p[0] for p in MUON_PARAMETERS)


def empty_muon_values() -> dict:
    """Every muon value unset, as ctapipe's default containers: NaN, -1 pixels, False."""
    out = {}
    for name, _, dtype, _ in MUON_PARAMETERS:
        out[name] = -1 if dtype == "i8" else (False if dtype == "?" else math.nan)
    return out


@dataclass(frozen=True, eq=False)
class MuonResult:
    """The muon-ring analysis of one telescope image.

    ``values`` holds every name of ``MUON_PARAMETER_NAMES`` (ctapipe's column names and
    units). ``stage`` says how far the analysis went: ``"no_ring"`` (the image failed the
    image query: everything unset, as ctapipe), ``"ring"`` (ring geometry and parameters;
    the ring failed the ring query or the telescope has two mirrors: no intensity fit) or
    ``"efficiency"`` (the intensity fit ran); ``reason`` says in words why it stopped there.
    ``ring_mask`` marks the pixels within 40 % of the radius from the ring (those of the
    intensity fit), None without a ring. ``passes_ring_query``: the ring passed ctapipe's
    ring query (enough pixels on the ring, contained in the camera), so it counts as a muon
    ring; a ring fitted to a shower image that fails it does not.
    """

    tel_id: int
    values: dict
    stage: str = "no_ring"
    reason: str = ""
    ring_mask: np.ndarray | None = None
    passes_ring_query: bool = False

    @property
    def has_ring(self) -> bool:
        return self.stage != "no_ring" and math.isfinite(self.values["muonring_radius"])

    @property
    def radius(self) -> float:
        return float(self.values["muonring_radius"])

    @property
    def center(self) -> tuple[float, float]:
        """(fov_lon, fov_lat) of the ring centre, deg."""
        return (float(self.values["muonring_center_fov_lon"]),
                float(self.values["muonring_center_fov_lat"]))

    @property
    def width(self) -> float:
        """Ring width (deg): the intensity fit's where it ran, NaN otherwise."""
        return float(self.values["muonefficiency_width"])

    @property
    def optical_efficiency(self) -> float:
        return float(self.values["muonefficiency_optical_efficiency"])


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
    #: parameters of the true (simulated) image, pixels with >= 1 p.e. (no timing); None
    #: where the event has no true image
    true_parameters: dict | None = None
    #: calibration events only (never cleaned or parametrised): the summary of the charge
    #: over the good pixels (``calib.monitoring.Summary``: mean, RMS, outliers), else None
    calibration_stats: object | None = None

    @property
    def n_pixels_cleaned(self) -> int:
        return int(self.mask.sum())


@dataclass(frozen=True)
class StereoResult:
    """DL2 geometry of one array event (deg, m), ctapipe's ReconstructedGeometryContainer.

    ``core_x/y`` on the ground (x north, y west), ``core_tilted_x/y`` in the tilted frame of
    the array pointing; ``h_max`` above sea level (as ctapipe's HillasReconstructor). A
    value a method does not estimate is NaN. An invalid result (too few telescopes, or an
    implausible geometry) carries NaN everywhere, ``is_valid`` False and ``invalid_reason``
    (one short sentence); ``tel_ids`` are the telescopes the reconstruction was given.
    """

    alt: float = math.nan
    az: float = math.nan
    alt_uncert: float = math.nan
    az_uncert: float = math.nan
    ang_distance_uncert: float = math.nan
    core_x: float = math.nan
    core_y: float = math.nan
    core_uncert_x: float = math.nan
    core_uncert_y: float = math.nan
    core_tilted_x: float = math.nan
    core_tilted_y: float = math.nan
    core_tilted_uncert_x: float = math.nan
    core_tilted_uncert_y: float = math.nan
    h_max: float = math.nan
    h_max_uncert: float = math.nan
    is_valid: bool = False
    average_intensity: float = math.nan
    goodness_of_fit: float = math.nan
    tel_ids: tuple[int, ...] = ()
    invalid_reason: str = ""


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
    #: tel_id -> direction (deg) of the image axis in the tilted frame, for the telescopes
    #: the stereo reconstruction used (ctapipe's DL1 column ``core_psi``; NaN for the others)
    core_psi: dict = field(default_factory=dict)
    #: the telescopes whose images the energy and gammaness estimates used
    estimate_tel_ids: tuple = ()
    #: tel_id -> MuonResult, for every telescope when the muon analysis ran (``muon.enabled``)
    muon: dict = field(default_factory=dict)
    timing_ms: dict = field(default_factory=dict)  # step name -> milliseconds
