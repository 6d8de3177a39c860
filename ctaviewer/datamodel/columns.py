"""Column definitions (name, dtype, unit, description) of every table we write and read.

Names, dtypes and units are ctapipe 0.28's (data model v7.1); descriptions are ours. A
table whose layout depends on the file (pixels per camera, telescopes in the subarray,
algorithm name) is a function of that; the others are tuples. Column order within a
table follows ctapipe's, with our extra columns after ctapipe's (readers go by name).

Enum columns (event_type, ...) are int64 with ctapipe's "enum" transform and the name of its
enum class, so that ctapipe reads them back as enums. Deliberate differences from ctapipe's
files: DL1 parameter tables carry the camera-frame
Hillas parameters (``camera_frame_*``, m) beside the telescope-frame ones; the run table
carries ``injection_height``; string columns are as wide as their content; parameter
columns carry no per-column description (47 × n_telescopes attributes cost size and
time; ``parameter_descriptions()`` has them). tests/test_writers_ctapipe.py compares
every table with a ctapipe-process file column by column, and benchmarks/hdf5_parity.py
every value.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from types import SimpleNamespace


@dataclass(frozen=True)
class Column:
    """One table column: name, numpy dtype, per-row shape, unit and description.

    ``time_format`` marks time columns ("ctao_high_res": two uint32, TAI seconds and
    quarter nanoseconds since 1970; "mjd": float64 days); ``transform`` is ctapipe's
    column-transform tag where it is not implied by unit or time ("tel_list_to_mask");
    ``enum`` the name of the ctapipe.containers enum whose values an integer column holds;
    ``prefix`` the prefix of the container the column comes from in ctapipe ("hillas" of
    "hillas_width"): its metadata names the field without it, as ctapipe's readers expect.
    """

    name: str
    dtype: str
    shape: tuple[int, ...] = ()
    unit: str = ""
    desc: str = ""
    time_format: str = ""
    transform: str = ""
    enum: str = ""
    prefix: str = ""

    @property
    def field(self) -> str:
        """The column's name without its container prefix (ctapipe's ``CTAFIELD_i_NAME``)."""
        if self.prefix and self.name.startswith(self.prefix + "_"):
            return self.name[len(self.prefix) + 1:]
        return self.name


def _c(name, dtype, unit="", desc="", shape=()):
    return Column(name, dtype, shape, unit, desc)


def _enum(name, enum, desc):
    return Column(name, "i8", desc=desc, enum=enum)


def _prefixed(columns, *prefixes: str) -> tuple[Column, ...]:
    """``columns`` with the longest of ``prefixes`` each column's name starts with as its
    container prefix (index columns and others keep none)."""
    ordered = sorted(prefixes, key=len, reverse=True)
    out = []
    for col in columns:
        p = next((p for p in ordered if col.name.startswith(p + "_")), "")
        out.append(replace(col, prefix=p) if p else col)
    return tuple(out)


# ------------------------------------------------------------------ index columns
OBS_ID = _c("obs_id", "i4", desc="observation (simulation run) id")
EVENT_ID = _c("event_id", "i8", desc="array event id")
TEL_ID = _c("tel_id", "i2", desc="telescope id")
SUBARRAY_INDEX = (OBS_ID, EVENT_ID)
TELESCOPE_INDEX = (OBS_ID, EVENT_ID, TEL_ID)


def time_column(name: str, desc: str) -> Column:
    """A CTAO high-resolution time: (TAI seconds, quarter nanoseconds) since 1970."""
    return Column(name, "u4", (2,), desc=desc, time_format="ctao_high_res")


def mjd_column(name: str, desc: str) -> Column:
    return Column(name, "f8", desc=desc, time_format="mjd")


#: ctapipe's EventType values, by the event model's names (its names in lower case)
EVENT_TYPE_CODES = {
    "flatfield": 0, "single_pe": 1, "pedestal": 2, "dark_pedestal": 3,
    "electronic_pedestal": 4, "sky_pedestal": 5, "other_calibration": 15, "muon": 16,
    "hardware_stereo": 17, "random_mono": 18, "daq": 24, "subarray": 32, "long_event": 33,
    "unknown": 255,
}
_EVENT_TYPE_NAMES = {code: name for name, code in EVENT_TYPE_CODES.items()}


def event_type_code(name: str) -> int:
    """The file's event type of an event-model name (255, unknown, for other names)."""
    return EVENT_TYPE_CODES.get(name, 255)


def event_type_name(code: int) -> str:
    """The event-model name of a file's event type code."""
    return _EVENT_TYPE_NAMES.get(int(code), "unknown")


# ------------------------------------------------------------------ DL1
@functools.cache
def trigger_columns(n_tels: int) -> tuple[Column, ...]:
    return (
        *SUBARRAY_INDEX,
        time_column("time", "array trigger time"),
        Column("tels_with_trigger", "?", (n_tels,), desc="triggered telescopes, as a mask "
               "over the subarray's telescopes in tel_id order", transform="tel_list_to_mask"),
        _enum("event_type", "EventType",
              "event type (ctapipe's EventType: 32 shower data, 5 sky pedestal, ...)"),
    )


TEL_TRIGGER = (
    *TELESCOPE_INDEX,
    time_column("time", "telescope trigger time"),
    _enum("event_type", "EventType", "what triggered the telescope (ctapipe's EventType: 32 "
          "shower data, 16 muon, 18 random mono, 33 long event)"),
    _c("n_trigger_pixels", "i8", desc="number of trigger pixels (-1 unknown)"),
)


@functools.cache
def image_columns(n_pixels: int) -> tuple[Column, ...]:
    n = (n_pixels,)
    return (
        *TELESCOPE_INDEX,
        _c("image", "f4", desc="calibrated charge per pixel (p.e.)", shape=n),
        _c("peak_time", "f4", desc="pulse peak time per pixel (ns)", shape=n),
        _c("image_mask", "?", desc="True where the pixel survived cleaning", shape=n),
        _c("is_valid", "?", desc="True if the image was extracted"),
    )


#: the chain's parameters that ctapipe's files do not have (kept after ctapipe's columns)
EXTRA_PARAMETER_PREFIX = "camera_frame_"
#: columns that come from the stereo step (``EventResult.core_psi``), not from the image:
#: (name, dtype, unit, description), written after the image parameters as ctapipe does
STEREO_PARAMETERS = (
    ("core_psi", "f8", "deg", "direction of the image axis projected to the ground"),
)
#: units as ctapipe's files spell them (astropy's "vounit" strings) where ours differ
_FILE_UNITS = {"1/deg": "deg**-1"}
#: the prefixes of ctapipe's image-parameter containers (and of the stereo step's core_psi)
PARAMETER_CONTAINERS = ("hillas", "timing", "leakage", "concentration", "morphology",
                        "intensity", "peak_time", "core")
#: the groups ctapipe parametrises a true image with (no timing, no peak-time statistics)
TRUE_PARAMETER_PREFIXES = ("hillas_", "leakage_", "concentration_", "morphology_",
                           "intensity_")


def _parameter_rows() -> tuple[tuple[str, str, str], ...]:
    """(name, dtype, file unit) of every DL1 parameter column in file order: ctapipe's
    image parameters, the stereo ones, then the chain's extras. ``results.IMAGE_PARAMETERS``
    is the one definition of names, dtypes and units (in ctapipe's order)."""
    from ..results import IMAGE_PARAMETERS

    rows = [(name, dtype, _FILE_UNITS.get(unit, unit)) for name, unit, dtype, _ in IMAGE_PARAMETERS]
    ours = [r for r in rows if r[0].startswith(EXTRA_PARAMETER_PREFIX)]
    ctapipe = [r for r in rows if not r[0].startswith(EXTRA_PARAMETER_PREFIX)]
    stereo = [(name, dtype, unit) for name, dtype, unit, _ in STEREO_PARAMETERS]
    return (*ctapipe, *stereo, *ours)


@functools.cache
def parameter_descriptions() -> dict[str, str]:
    """name -> description of every DL1 parameter column. Not written per column: 47 ×
    n_telescopes attributes cost file size and writing time."""
    from ..results import IMAGE_PARAMETERS

    return {**{row[0]: row[3] for row in STEREO_PARAMETERS},
            **{row[0]: row[3] for row in IMAGE_PARAMETERS}}


@functools.cache
def parameter_columns() -> tuple[Column, ...]:
    """DL1 parameter columns: ctapipe's, then those the chain adds (camera frame)."""
    return _prefixed((Column(name, dtype, unit=unit) for name, dtype, unit in _parameter_rows()),
                     *PARAMETER_CONTAINERS, EXTRA_PARAMETER_PREFIX + "hillas")


@functools.cache
def parameter_table_columns() -> tuple[Column, ...]:
    return (*TELESCOPE_INDEX, *parameter_columns())


@functools.cache
def true_parameter_columns() -> tuple[Column, ...]:
    """Parameters of the true image, as ctapipe writes them: ``true_`` + the image groups;
    a true image counts photo-electrons, so its extreme pixel values are int32."""
    cols = []
    for name, dtype, unit in _parameter_rows():
        if not name.startswith(TRUE_PARAMETER_PREFIXES):
            continue
        if name.startswith("intensity_"):
            dtype = "i4" if name in ("intensity_max", "intensity_min") else "f8"
        elif name.startswith("leakage_"):
            dtype = "f8"
        cols.append(Column("true_" + name, dtype, unit=unit))
    return (*TELESCOPE_INDEX, *_prefixed(cols, *(f"true_{p}" for p in PARAMETER_CONTAINERS)))


#: the prefixes of ctapipe's muon containers (ring fit, ring parameters, intensity fit)
MUON_CONTAINERS = ("muonring", "muonparameters", "muonefficiency")
#: the title ctapipe gives its muon tables
MUON_TITLE = ("Storage of TelEventIndexContainer,MuonRingContainer,MuonParametersContainer,"
              "MuonEfficiencyContainer")


@functools.cache
def muon_columns() -> tuple[Column, ...]:
    """``/dl1/event/telescope/muon/tel_NNN``: ctapipe 0.28's columns, dtypes, units and
    descriptions (``results.MUON_PARAMETERS``), the container prefix left out of the field
    names as ctapipe writes them."""
    from ..results import MUON_PARAMETERS

    cols = (Column(name, dtype, unit=unit, desc=desc)
            for name, unit, dtype, desc in MUON_PARAMETERS)
    return (*TELESCOPE_INDEX, *_prefixed(cols, *MUON_CONTAINERS))


POINTING = (
    OBS_ID,
    _c("tel_id", "i8", desc="telescope id"),
    *_prefixed((_c("telescope_pointing_azimuth", "f4", "rad", "telescope azimuth"),
                _c("telescope_pointing_altitude", "f4", "rad", "telescope altitude")),
               "telescope_pointing"),
)

def statistics_columns(criteria_len: int, func_len: int) -> tuple[Column, ...]:
    """Counts of the criteria an image or a telescope event passed (ctapipe's QualityQuery
    table): one row per criterion, TOTAL first; string widths follow the content."""
    return (
        _c("criteria", f"S{max(1, criteria_len)}", desc="criterion name"),
        _c("counts", "i8", desc="entries that pass this criterion"),
        _c("cumulative_counts", "i8", desc="entries that pass this and every earlier one"),
        _c("func", f"S{max(1, func_len)}", desc="the criterion's expression"),
    )


SCHEDULING_BLOCK = (
    _c("sb_id", "u8", desc="scheduling block id"),
    _enum("sb_type", "SchedulingBlockType", "scheduling block type (0 observation)"),
    _c("producer_id", "S10", desc="origin of the sb_id (simulation or ctaviewer)"),
    _enum("observing_mode", "ObservingMode", "observing mode (-1 unknown)"),
    _enum("pointing_mode", "PointingMode", "pointing mode (-1 unknown, 0 track, 1 drift)"),
)
OBSERVATION_BLOCK = (
    _c("obs_id", "u8", desc="observation block id"),
    _c("sb_id", "u8", desc="scheduling block id"),
    _c("producer_id", "S10", desc="origin of the obs_id (simulation or ctaviewer)"),
    _enum("state", "ObservationBlockState", "observation block state (-1 unknown, 1 completed)"),
    _c("subarray_pointing_lat", "f4", "deg", "array pointing altitude"),
    _c("subarray_pointing_lon", "f4", "deg", "array pointing azimuth"),
    _enum("subarray_pointing_frame", "CoordinateFrameType", "0 = horizontal (alt/az)"),
    _c("scheduled_duration", "f8", "min", "scheduled duration"),
    mjd_column("scheduled_start_time", "scheduled start"),
    mjd_column("actual_start_time", "actual start"),
    _c("actual_duration", "f8", "min", "actual duration"),
)

# ------------------------------------------------------------------ DL2
#: reconstructed geometry fields: (field of results.StereoResult, unit, description)
GEOMETRY_FIELDS = (
    ("alt", "deg", "reconstructed altitude"),
    ("alt_uncert", "deg", "altitude uncertainty"),
    ("az", "deg", "reconstructed azimuth"),
    ("az_uncert", "deg", "azimuth uncertainty"),
    ("ang_distance_uncert", "deg", "angular uncertainty of the direction"),
    ("core_x", "m", "reconstructed core x (ground frame)"),
    ("core_y", "m", "reconstructed core y (ground frame)"),
    ("core_uncert_x", "m", "core x uncertainty (ground frame)"),
    ("core_uncert_y", "m", "core y uncertainty (ground frame)"),
    ("core_tilted_x", "m", "reconstructed core x (tilted frame)"),
    ("core_tilted_y", "m", "reconstructed core y (tilted frame)"),
    ("core_tilted_uncert_x", "m", "core x uncertainty (tilted frame)"),
    ("core_tilted_uncert_y", "m", "core y uncertainty (tilted frame)"),
    ("h_max", "m", "height of the shower maximum above sea level"),
    ("h_max_uncert", "m", "h_max uncertainty"),
)


@functools.cache
def geometry_columns(algorithm: str, n_tels: int) -> tuple[Column, ...]:
    a = algorithm
    return _prefixed((
        *SUBARRAY_INDEX,
        *(_c(f"{a}_{f}", "f8", u, d) for f, u, d in GEOMETRY_FIELDS),
        _c(f"{a}_is_valid", "?", desc="True if the reconstruction succeeded"),
        _c(f"{a}_average_intensity", "f8", desc="mean intensity of the images used"),
        _c(f"{a}_goodness_of_fit", "f8", desc="goodness of fit"),
        Column(f"{a}_telescopes", "?", (n_tels,), desc="telescopes used, as a mask over the "
               "subarray", transform="tel_list_to_mask"),
    ), a)


def _estimate_columns(a: str, n_tels: int) -> tuple[Column, ...]:
    return (
        _c(f"{a}_is_valid", "?", desc="True if an estimate exists"),
        _c(f"{a}_goodness_of_fit", "f8", desc="goodness of fit (NaN: not computed)"),
        Column(f"{a}_telescopes", "?", (n_tels,), desc="telescopes whose images the estimate "
               "used, as a mask over the subarray", transform="tel_list_to_mask"),
    )


@functools.cache
def energy_columns(algorithm: str, n_tels: int) -> tuple[Column, ...]:
    a = algorithm
    return _prefixed((
        *SUBARRAY_INDEX,
        _c(f"{a}_energy", "f8", "TeV", "reconstructed energy"),
        _c(f"{a}_energy_uncert", "f8", "TeV", "energy uncertainty"),
        *_estimate_columns(a, n_tels),
    ), a)


@functools.cache
def particle_type_columns(algorithm: str, n_tels: int) -> tuple[Column, ...]:
    a = algorithm
    return _prefixed((
        *SUBARRAY_INDEX,
        _c(f"{a}_prediction", "f8", desc="gammaness: 1 gamma-like, 0 hadron-like"),
        *_estimate_columns(a, n_tels),
    ), a)


@functools.cache
def impact_columns(algorithm: str) -> tuple[Column, ...]:
    a = algorithm
    return _prefixed((
        *TELESCOPE_INDEX,
        _c(f"{a}_tel_impact_distance", "f8", "m", "distance of the telescope from the "
           "reconstructed shower axis (NaN where the event has no valid geometry)"),
        _c(f"{a}_tel_impact_distance_uncert", "f8", "m", "impact distance uncertainty"),
    ), f"{a}_tel_impact")


# ------------------------------------------------------------------ simulation
SHOWER = _prefixed((
    *SUBARRAY_INDEX,
    _c("true_energy", "f8", "TeV", "true primary energy"),
    _c("true_alt", "f8", "deg", "true shower altitude"),
    _c("true_az", "f8", "deg", "true shower azimuth"),
    _c("true_core_x", "f8", "m", "true core x (ground frame)"),
    _c("true_core_y", "f8", "m", "true core y (ground frame)"),
    _c("true_h_first_int", "f8", "m", "height of the first interaction"),
    _c("true_x_max", "f8", "g.cm**-2", "depth of the shower maximum"),
    _c("true_starting_grammage", "f8", "g.cm**-2", "atmospheric depth at which the primary "
       "was started"),
    _c("true_shower_primary_id", "i8", desc="primary: 0 gamma, 1 e-, 2 mu-, 100*A+Z nuclei"),
), "true")


@functools.cache
def true_image_columns(n_pixels: int | None) -> tuple[Column, ...]:
    """True-image table: the photo-electron sum always, the image when ``n_pixels``."""
    cols = [*TELESCOPE_INDEX, _c("true_image_sum", "i4", desc="true photo-electrons in the "
                                 "camera")]
    if n_pixels is not None:
        cols.append(_c("true_image", "i4", desc="true photo-electrons per pixel (-1: missing)",
                       shape=(n_pixels,)))
    return tuple(cols)


TRUE_IMPACT = _prefixed((
    *TELESCOPE_INDEX,
    _c("true_impact_distance", "f8", "m", "distance of the telescope from the true axis"),
    _c("true_impact_distance_uncert", "f8", "m", "uncertainty (0: exact)"),
), "true_impact")


@functools.cache
def shower_distribution_columns(n_energy: int, n_core: int) -> tuple[Column, ...]:
    return (
        OBS_ID,
        _c("hist_id", "i8", desc="sim_telarray histogram id"),
        _c("n_entries", "i8", desc="showers in the histogram"),
        _c("bins_energy", "f8", "TeV", "true energy bin edges", (n_energy + 1,)),
        _c("bins_core_dist", "f8", "m", "core distance bin edges (shower plane)",
           (n_core + 1,)),
        _c("histogram", "f4", desc="showers per (energy, core distance) bin",
           shape=(n_energy, n_core)),
    )


ATMOSPHERE_PROFILE = (
    _c("height", "f8", "km", "height above sea level"),
    _c("density", "f8", "g.cm**-3", "air density"),
    _c("column_density", "f8", "g.cm**-2", "atmospheric depth above this height"),
)
#: ctapipe's table type and version of the profile (it checks them when reading)
ATMOSPHERE_TABLE_TYPE = "ctapipe.atmosphere.TableAtmosphereDensityProfile"
ATMOSPHERE_TABLE_VERSION = 1


#: the simulation run table: (column, SimulationConfig field, dtype, unit in the file,
#: description); angles are deg in ``SimulationConfig`` and rad where the unit says so
RUN_COLUMNS = (
    ("run_number", "run_number", "i4", "", "sim_telarray run number"),
    ("corsika_version", "corsika_version", "i8", "", "CORSIKA version × 1000"),
    ("simtel_version", "simtel_version", "i8", "", "sim_telarray version × 1000"),
    ("energy_range_min", "energy_min", "f4", "TeV", "lowest simulated energy"),
    ("energy_range_max", "energy_max", "f4", "TeV", "highest simulated energy"),
    ("prod_site_B_total", "magnetic_field_total", "f8", "uT", "geomagnetic field strength"),
    ("prod_site_B_declination", "magnetic_declination", "f8", "rad",
     "geomagnetic declination"),
    ("prod_site_B_inclination", "magnetic_inclination", "f8", "rad",
     "geomagnetic inclination"),
    ("prod_site_alt", "obs_height", "f8", "m", "observation level above sea level"),
    ("spectral_index", "spectral_index", "f8", "", "power-law index of the simulated spectrum"),
    ("shower_prog_start", "shower_prog_start", "i8", "", "start time of the shower program"),
    ("shower_prog_id", "shower_prog_id", "i8", "", "shower program (1 CORSIKA)"),
    ("detector_prog_start", "detector_prog_start", "i8", "",
     "start time of the detector simulation"),
    ("detector_prog_id", "detector_prog_id", "i8", "", "detector program (1 sim_telarray)"),
    ("n_showers", "n_showers", "i8", "", "showers simulated"),
    ("shower_reuse", "shower_reuse", "i8", "", "times each shower was used"),
    ("max_alt", "max_alt", "f4", "rad", "highest shower altitude"),
    ("min_alt", "min_alt", "f4", "rad", "lowest shower altitude"),
    ("max_az", "max_az", "f4", "rad", "highest shower azimuth"),
    ("min_az", "min_az", "f4", "rad", "lowest shower azimuth"),
    ("diffuse", "diffuse", "i8", "", "1 for a diffuse (view-cone) simulation"),
    ("max_viewcone_radius", "viewcone_max", "f4", "deg", "outer view-cone radius"),
    ("min_viewcone_radius", "viewcone_min", "f4", "deg", "inner view-cone radius"),
    ("max_scatter_range", "max_scatter_range", "f4", "m", "largest core distance"),
    ("min_scatter_range", "min_scatter_range", "f4", "m", "smallest core distance"),
    ("core_pos_mode", "core_pos_mode", "i8", "", "core scatter mode (0 flat, 1 circular)"),
    ("atmosphere", "atmosphere", "i8", "", "atmospheric profile number"),
    ("corsika_iact_options", "corsika_iact_options", "i8", "", "CORSIKA IACT options"),
    ("corsika_low_E_model", "corsika_low_e_model", "i8", "", "low-energy interaction model"),
    ("corsika_high_E_model", "corsika_high_e_model", "i8", "",
     "high-energy interaction model"),
    ("corsika_bunchsize", "corsika_bunchsize", "f8", "", "Cherenkov photons per bunch"),
    ("corsika_wlen_min", "corsika_wlen_min", "f8", "nm", "shortest Cherenkov wavelength"),
    ("corsika_wlen_max", "corsika_wlen_max", "f8", "nm", "longest Cherenkov wavelength"),
    ("corsika_low_E_detail", "corsika_low_e_detail", "i8", "", "low-energy model detail"),
    ("corsika_high_E_detail", "corsika_high_e_detail", "i8", "", "high-energy model detail"),
    ("injection_height", "injection_height", "f8", "m", "height where the primary was "
     "injected (ours, not ctapipe's)"),
)


@functools.cache
def run_columns() -> tuple[Column, ...]:
    return (OBS_ID, *(_c(name, dt, unit, desc) for name, _, dt, unit, desc in RUN_COLUMNS))


# ------------------------------------------------------------------ instrument
#: table versions (``TAB_VER``) that ctapipe checks when it reads the instrument
LAYOUT_VERSION = "2.0"
OPTICS_VERSION = "4.0"
GEOMETRY_VERSION = "2.0"
READOUT_VERSION = "3.0"


def layout_columns(widths: dict[str, int]) -> tuple[Column, ...]:
    """Subarray layout; ``widths`` gives the byte width of each string column."""
    def s(name, desc):
        return _c(name, f"S{max(1, widths.get(name, 1))}", desc=desc)

    return (
        _c("tel_id", "u2", desc="telescope id"),
        s("name", "telescope name"),
        s("type", "size type (LST, MST, SST)"),
        _c("pos_x", "f4", "m", "telescope position x (ground frame)"),
        _c("pos_y", "f4", "m", "telescope position y (ground frame)"),
        _c("pos_z", "f4", "m", "telescope position z (ground frame)"),
        s("camera_name", "camera name"),
        s("optics_name", "optics name"),
        _c("camera_index", "i8", desc="row of the camera tables"),
        _c("optics_index", "i8", desc="row of the optics table"),
        s("tel_description", "telescope type description"),
    )


def optics_columns(widths: dict[str, int]) -> tuple[Column, ...]:
    def s(name, desc):
        return _c(name, f"S{max(1, widths.get(name, 1))}", desc=desc)

    return (
        s("optics_name", "optics name"),
        s("size_type", "size type (LST, MST, SST, UNKNOWN)"),
        s("reflector_shape", "reflector shape"),
        _c("mirror_area", "f8", "m**2", "mirror area"),
        _c("n_mirrors", "i8", desc="number of mirrors (2 for dual-mirror optics)"),
        _c("n_mirror_tiles", "i8", desc="number of mirror tiles (-1 unknown)"),
        _c("equivalent_focal_length", "f8", "m", "equivalent focal length"),
        _c("effective_focal_length", "f8", "m", "effective focal length"),
    )


CAMERA_GEOMETRY = (
    _c("pix_id", "i8", desc="pixel id"),
    _c("pix_x", "f8", "m", "pixel x (camera frame, de-rotated)"),
    _c("pix_y", "f8", "m", "pixel y (camera frame, de-rotated)"),
    _c("pix_area", "f8", "m**2", "pixel area"),
)


def readout_columns(n_channels: int) -> tuple[Column, ...]:
    return (
        *(_c(f"reference_pulse_shape_channel{c}", "f8", desc=f"reference pulse, gain {c}")
          for c in range(n_channels)),
        _c("reference_pulse_sample_time", "f8", "ns", "time of each reference pulse sample"),
    )


# ------------------------------------------------------------------ names for readers
def names(columns) -> SimpleNamespace:
    """A table's column names as attributes (``names(SHOWER).true_energy``): readers ask
    the data model for a column, and a column it does not define fails at once
    (AttributeError) instead of reading a misspelt name."""
    return SimpleNamespace(**{c.name: c.name for c in columns})


@functools.cache
def _algorithm_fields() -> frozenset[str]:
    a = "A"
    defined = (*geometry_columns(a, 1), *energy_columns(a, 1), *particle_type_columns(a, 1),
               *impact_columns(a))
    return frozenset(c.name[len(a) + 1:] for c in defined if c.name.startswith(a + "_"))


def algorithm_column(algorithm: str, field: str) -> str:
    """The name of a DL2 column, ``<algorithm>_<field>`` (``field`` must be one the data
    model defines: alt, energy, prediction, telescopes, tel_impact_distance, ...)."""
    if field not in _algorithm_fields():
        raise KeyError(f"no DL2 column {field!r} in the data model")
    return f"{algorithm}_{field}"


#: prefix of the true-image parameter columns
TRUE_PREFIX = "true_"

