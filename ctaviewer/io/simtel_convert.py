"""Turn eventio's dictionaries into ctaviewer's instrument and event records.

Nothing here copies waveform data: arrays are wrapped as they come from eventio.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._numba import njit
from ..calib.status import status_kernel
from ..errors import CameraSettingsWarning, UnknownCameraWarning
from ..event import (
    ArrayEvent,
    AtmosphereProfile,
    Pointing,
    ShowerDistribution,
    SimulatedShower,
    SimulationConfig,
    TelescopeData,
    TriggerInfo,
    readonly,
)
from ..instrument import (
    CameraDescription,
    CameraGeometry,
    CameraReadout,
    OpticsDescription,
    SiteLocation,
    SubarrayDescription,
    TelescopeDescription,
    guess_telescope,
    names,
)
from ..instrument.camera_library import simtel_geometry
from .simtel_index import KIND_CALIB_OBJECT, KIND_SHOWER


def _decode(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    return str(value).strip() if value is not None else ""


def _meta(meta: dict, key: str) -> str:
    return _decode(meta.get(key.encode(), b"")) if meta else ""


def names_from_metadata(meta: dict, mirror_area_m2: float) -> names.TelescopeName | None:
    """The names a telescope's sim_telarray metadata gives, read as ctapipe reads them:
    optics and camera names as written, the size from the mirror area, the reflector shape
    from the mirror class (and for a segmented dish, parabolic or not, and the dish shape
    length against the focal length); None unless optics, camera and mirror class are given."""
    optics, camera = _meta(meta, "OPTICS_CONFIG_NAME"), _meta(meta, "CAMERA_CONFIG_NAME")
    try:
        mirror_class = int(float(_meta(meta, "MIRROR_CLASS")))
    except ValueError:
        return None
    if not (optics and camera):
        return None
    shape = "UNKNOWN"
    if mirror_class == 2:  # dual mirror
        shape = names.SC
    elif mirror_class == 0:  # single segmented mirror (1: solid parabolic, left unknown)
        try:
            if int(float(_meta(meta, "PARABOLIC_DISH") or 0)) == 1:
                shape = names.PARABOLIC
            else:
                same = (float(_meta(meta, "DISH_SHAPE_Length") or 0)
                        == float(_meta(meta, "FOCAL_Length") or 0))
                shape = names.DC if same else names.HYBRID
        except ValueError:
            shape = "UNKNOWN"
    return names.TelescopeName(names.size_from_mirror_area(mirror_area_m2), optics, camera,
                               2 if mirror_class == 2 else 1, shape)


def _geometry(name: str, cs: dict, n_pixels: int, cache: dict) -> CameraGeometry:
    """The camera geometry of one telescope's camera settings, shared by equal layouts
    (converted by ``instrument.camera_library.simtel_geometry``, as the stored layouts are)."""
    x = np.ascontiguousarray(cs["pixel_x"], dtype=np.float64)
    y = np.ascontiguousarray(cs["pixel_y"], dtype=np.float64)
    area = np.ascontiguousarray(cs.get("pixel_area", []), dtype=np.float64)
    shape_codes = np.asarray(cs.get("pixel_shape", []))
    code = int(shape_codes[0]) if shape_codes.size else None
    cam_rot = float(cs.get("cam_rot", 0.0))
    key = (name, n_pixels, x.tobytes(), y.tobytes(), area.tobytes(), code, cam_rot)
    geometry = cache.get(key)
    if geometry is None:
        geometry = simtel_geometry(name, x, y, area, code, cam_rot)
        cache[key] = geometry
    return geometry


def _readout(name: str, ps: dict, org: dict, cache: dict) -> CameraReadout:
    """The readout (sampling, gains, reference pulse) of one telescope, shared when equal."""
    ref = np.atleast_2d(np.asarray(ps.get("ref_shape", np.zeros((1, 0))), dtype=np.float64))
    time_slice = float(ps.get("time_slice", 1.0)) or 1.0
    ref_step = float(ps.get("ref_step", time_slice))
    n_samples = int(ps.get("sum_bins", 0))
    n_gains = int(org.get("n_gains", 1))
    key = (name, time_slice, n_samples, n_gains, ref_step, ref.shape, ref.tobytes())
    readout = cache.get(key)
    if readout is None:
        readout = CameraReadout(
            name=name,
            sampling_rate_ghz=1.0 / time_slice,
            n_samples=n_samples,
            n_gains=n_gains,
            reference_pulse_shape=ref,
            reference_pulse_sample_width_ns=ref_step,
        )
        cache[key] = readout
    return readout


def _disabled_pixels(desc: dict, n_pixels: int) -> np.ndarray:
    """Pixels whose high voltage is off in a telescope's run settings (sorted indices)."""
    ids = np.asarray((desc.get("disabled_pixels") or {}).get("HV_disabled", []), dtype=np.int64)
    ids = np.unique(ids[(ids >= 0) & (ids < n_pixels)]).astype(np.int32)
    ids.setflags(write=False)
    return ids


def build_subarray(simtel_file, path: str) -> SubarrayDescription:
    """Subarray from the run header and telescope descriptions of an open SimTelFile."""
    header = simtel_file.header
    tel_ids = [int(t) for t in header["tel_id"]]
    positions = np.asarray(header["tel_pos"], dtype=np.float64)
    # one geometry per pixel layout and one readout per pulse shape/sampling; a camera is a
    # (geometry, readout) pair, so telescopes of one camera type that differ in readout
    # (per-telescope pulse shapes, sample counts) keep their own integration corrections
    geometries: dict[tuple, CameraGeometry] = {}
    readouts: dict[tuple, CameraReadout] = {}
    cameras: dict[tuple, CameraDescription] = {}
    optics_cache: dict[tuple, OpticsDescription] = {}
    tels: dict[int, TelescopeDescription] = {}
    unknown: set[str] = set()
    #: telescopes whose focal length is impossible: (it, the effective one if usable)
    no_focal: dict[int, tuple[float, float | None]] = {}
    for tel_id in tel_ids:
        desc = simtel_file.telescope_descriptions[tel_id]
        cs = desc["camera_settings"]
        ps = desc["pixel_settings"]
        org = desc["camera_organization"]
        n_pixels = int(cs["n_pixels"])
        focal = float(cs["focal_length"])
        eff = float(cs.get("effective_focal_length", 0.0) or 0.0)
        if not (focal > 0 and math.isfinite(focal)):
            no_focal[tel_id] = (focal, eff if eff > 0 and math.isfinite(eff) else None)
        meta = simtel_file.telescope_meta.get(tel_id, {}) if simtel_file.telescope_meta else {}
        area = float(cs["mirror_area"])
        guessed, known = guess_telescope(n_pixels, focal, _meta(meta, "CAMERA_CONFIG_NAME"), area)
        if not known:
            unknown.add(guessed.camera)
        # ctapipe's names: the metadata's where it names optics, camera and mirror class
        given = names_from_metadata(meta, area) or guessed
        geometry = _geometry(guessed.camera, cs, n_pixels, geometries)
        readout = _readout(guessed.camera, ps, org, readouts)
        ckey = (id(geometry), id(readout), given.camera)
        camera = cameras.get(ckey)
        if camera is None:
            camera = CameraDescription(guessed.camera, geometry, readout, source_name=given.camera)
            cameras[ckey] = camera
        tiles = int(cs.get("n_mirrors", -1))
        okey = (given, round(focal, 3), round(eff, 3), area, tiles)
        optics = optics_cache.get(okey)
        if optics is None:
            optics = OpticsDescription(
                name=given.optics,
                size_type=given.size,
                n_mirrors=given.n_mirrors,
                mirror_area=area,
                equivalent_focal_length=focal,
                effective_focal_length=eff if eff > 0 else float("nan"),
                reflector_shape=given.reflector,
                n_mirror_tiles=tiles,
            )
            optics_cache[okey] = optics
        tels[tel_id] = TelescopeDescription(
            given.optics, given.size, optics, camera, _disabled_pixels(desc, n_pixels)
        )
    if unknown:
        warnings.warn(
            UnknownCameraWarning(
                f"{path}: camera(s) not in the known-camera table, shown under generic names: "
                + ", ".join(sorted(unknown))
            ),
            stacklevel=3,
        )
    for rescued, consequence in (
            (False, "their image directions in the sky and their part of the stereo "
                    "reconstruction come out NaN"),
            (True, "the effective focal length the file also gives is used")):
        bad = sorted((t, f) for t, (f, eff) in no_focal.items() if (eff is not None) == rescued)
        if not bad:
            continue
        listed = ", ".join(f"{t} ({f:g} m)" for t, f in bad[:10])
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        warnings.warn(
            CameraSettingsWarning(
                f"{path}: impossible focal length in the camera settings of telescope(s) "
                f"{listed}{more}: {consequence}"
            ),
            stacklevel=3,
        )
    gm = simtel_file.global_meta or {}
    location = None
    try:
        lat = float(_meta(gm, "*LATITUDE"))
        lon = float(_meta(gm, "*LONGITUDE"))
        alt = _meta(gm, "ALTITUDE").split()[0]
        location = SiteLocation(lat, lon, float(alt))
    except (ValueError, IndexError):
        location = None
    if location is None and simtel_file.mc_run_headers:
        # as ctapipe: the MC observation level, at latitude = longitude = 0 ("Null Island")
        location = SiteLocation(0.0, 0.0, float(simtel_file.mc_run_headers[0]["obsheight"]),
                                position_known=False)
    site = _meta(gm, "SITE_CONFIG_NAME")
    layout = _meta(gm, "ARRAY_CONFIG_NAME")
    name = " ".join(p for p in (site, layout) if p) or "MonteCarloArray"
    return SubarrayDescription(name, np.array(tel_ids), positions, tels, location)


def build_simulation_config(simtel_file) -> SimulationConfig | None:
    """The first MC run header, or None for files without simulation."""
    if not simtel_file.mc_run_headers:
        return None
    h = simtel_file.mc_run_headers[0]
    run = int(simtel_file.header["run"]) if simtel_file.header is not None else 0
    primary = _meta(simtel_file.global_meta or {}, "*PRIMARY")
    return SimulationConfig(
        run_number=run,
        energy_min=float(h["E_range"][0]),
        energy_max=float(h["E_range"][1]),
        spectral_index=float(h["spectral_index"]),
        n_showers=int(h["n_showers"]),
        shower_reuse=int(h["n_use"]),
        max_scatter_range=float(h["core_range"][1]),
        min_scatter_range=float(h["core_range"][0]),
        viewcone_min=float(h["viewcone"][0]),
        viewcone_max=float(h["viewcone"][1]),
        max_alt=float(np.rad2deg(h["alt_range"][1])),
        min_alt=float(np.rad2deg(h["alt_range"][0])),
        max_az=float(np.rad2deg(h["az_range"][1])),
        min_az=float(np.rad2deg(h["az_range"][0])),
        diffuse=bool(h["diffuse"]),
        core_pos_mode=int(h["core_pos_mode"]),
        obs_height=float(h["obsheight"]),
        atmosphere=int(h["atmosphere"]),
        corsika_version=int(h["shower_prog_vers"]),
        simtel_version=int(h["detector_prog_vers"]),
        injection_height=float(h.get("injection_height", 0.0)),
        primary=primary,
        magnetic_field_total=_num(h, "B_total"),
        magnetic_declination=_deg(h, "B_declination"),
        magnetic_inclination=_deg(h, "B_inclination"),
        shower_prog_id=_int(h, "shower_prog_id"),
        shower_prog_start=_int(h, "shower_prog_start"),
        detector_prog_id=_int(h, "detector_prog_id"),
        detector_prog_start=_int(h, "detector_prog_start"),
        corsika_iact_options=_int(h, "corsika_iact_options"),
        corsika_low_e_model=_int(h, "corsika_low_E_model"),
        corsika_high_e_model=_int(h, "corsika_high_E_model"),
        corsika_bunchsize=_num(h, "corsika_bunchsize"),
        corsika_wlen_min=_num(h, "corsika_wlen_min"),
        corsika_wlen_max=_num(h, "corsika_wlen_max"),
        corsika_low_e_detail=_int(h, "corsika_low_E_detail"),
        corsika_high_e_detail=_int(h, "corsika_high_E_detail"),
        run_start=float(simtel_file.header["time"]) if simtel_file.header is not None
        else math.nan,
    )


def _num(header: dict, key: str) -> float:
    """A float of the MC run header; NaN where this sim_telarray version has none."""
    value = header.get(key)
    return float(value) if value is not None else float("nan")


def _deg(header: dict, key: str) -> float:
    return float(np.rad2deg(_num(header, key)))


def _int(header: dict, key: str) -> int:
    value = header.get(key)
    return int(value) if value is not None else -1


def atmosphere_profile(simtel_file) -> AtmosphereProfile | None:
    """The first tabulated atmosphere profile of the file's headers, or None."""
    for atmo in getattr(simtel_file, "atmospheric_profiles", None) or ():
        if "altitude_km" not in atmo:
            continue
        height = np.asarray(atmo["altitude_km"], dtype=np.float64)
        density = np.asarray(atmo["rho"], dtype=np.float64)
        column = np.asarray(atmo["thickness"], dtype=np.float64)
        keep = (height >= 0) & (density > 0) & (column > 0)
        return AtmosphereProfile(
            atmosphere_id=int(atmo["id"]),
            name=_decode(atmo.get("name", b"")),
            observation_level=float(atmo["obslevel"]) / 100.0,  # cm -> m
            top_height=float(atmo["htoa"]) / 100.0,
            height=readonly(height[keep]),
            density=readonly(density[keep]),
            column_density=readonly(column[keep]),
        )
    return None


#: sim_telarray's histogram of all simulated showers: core distance in the shower plane
#: (x, m) against log10(E / TeV) (y), filled for every shower, triggered or not
SHOWER_HISTOGRAM_ID = 6


def shower_distribution(histograms, obs_id: int) -> ShowerDistribution | None:
    """The distribution of simulated showers from a file's histogram block (eventio's
    ``SimTelFile.histograms``, known once the whole file was read), or None without it."""
    hist = next((h for h in histograms or () if h.get("id") == SHOWER_HISTOGRAM_ID), None)
    if hist is None or "lower_y" not in hist:
        return None
    core = np.linspace(hist["lower_x"], hist["upper_x"], int(hist["n_bins_x"]) + 1)
    log_e = np.linspace(hist["lower_y"], hist["upper_y"], int(hist["n_bins_y"]) + 1)
    data = np.asarray(hist["data"], dtype=np.float32)
    return ShowerDistribution(
        obs_id=int(obs_id),
        hist_id=int(hist["id"]),
        n_entries=int(hist["entries"]),
        bins_energy=readonly(10.0 ** log_e),
        bins_core_dist=readonly(core.astype(np.float64)),
        histogram=readonly(data.reshape(len(log_e) - 1, len(core) - 1)),
    )


def array_pointing_deg(simtel_file) -> tuple[float, float]:
    """(alt, az) of the run header's direction, in degrees."""
    az, alt = simtel_file.header["direction"][:2]
    return float(np.rad2deg(float(alt))), float(np.rad2deg(float(az)) % 360.0)


def pixel_status(
    data: np.ndarray, disabled: np.ndarray, pedestal=None, dc_to_pe=None
) -> np.ndarray | None:
    """Per-pixel :class:`PixelStatus` bits (uint8) of one telescope event, or None if all good.

    ``data`` is the ADC array, (n_gains, n_pixels, n_samples) or summed (n_gains, n_pixels);
    ``disabled`` the pixels switched off in the run settings. A real pixel never reads 0 in
    every sample and gain (the pedestal alone is far above 0), so all-zero data means that the
    pixel was not read out. ``pedestal`` and ``dc_to_pe`` (n_gains, n_pixels), where given,
    mark the pixels lacking a finite constant in a gain of the data. One numba pass
    (``calib.status``): this runs for every telescope event.
    """
    arr = np.asarray(data)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    n_pixels = arr.shape[1]
    constants = []
    for c in (pedestal, dc_to_pe):
        if c is None:
            c = np.empty((0, n_pixels), dtype=np.float32)
        else:
            c = np.asarray(c)
            if c.ndim != 2 or c.shape[1] != n_pixels:
                raise ValueError(f"calibration constants of shape {c.shape} for "
                                 f"{n_pixels} pixels")
        constants.append(c)
    disabled = np.asarray(disabled)
    if disabled.dtype.kind not in "iu":  # e.g. an empty list
        disabled = disabled.astype(np.int64)
    status, any_set = status_kernel(arr, disabled, *constants)
    return status if any_set else None


@njit(cache=True)
def _peak_time_kernel(times, column, sample_ns):
    """Column ``column`` of (n_pixels, n_types) ``times`` (samples) × ``sample_ns`` (both
    float32), NaN where negative (no time)."""
    out = np.empty(times.shape[0], dtype=np.float32)
    for p in range(times.shape[0]):
        t = times[p, column]
        out[p] = t * sample_ns if t >= 0 else np.nan
    return out


def _file_peak_time(timing: dict, sample_ns: float) -> np.ndarray | None:
    """The peak positions of sim_telarray's pixel timing (ns), NaN where a pixel has none
    (one kernel call: this runs for every telescope event)."""
    if timing is None or "time" not in timing or not np.size(timing["time"]):
        return None
    times = np.asarray(timing["time"], dtype=np.float32)
    types = np.asarray(timing.get("time_type", (1,))).ravel()
    peak = next((i for i, kind in enumerate(types.tolist()) if kind == 1), None)  # the peak
    if times.ndim != 2 or peak is None or peak >= times.shape[1]:
        return None
    return _peak_time_kernel(times, np.int64(peak), np.float32(sample_ns))


def _calibration(tel_id, n_gains, n_pixels, event, fallback_mon, fallback_laser):
    mon = event.get("camera_monitorings", {}).get(tel_id) or fallback_mon.get(tel_id) or {}
    las = event.get("laser_calibrations", {}).get(tel_id) or fallback_laser.get(tel_id) or {}
    ped = mon.get("pedestal")
    n_ped = mon.get("n_ped_slices", 0)
    if ped is not None and n_ped:
        pedestal = np.asarray(ped, dtype=np.float32) / np.float32(n_ped)
    else:
        pedestal = np.full((n_gains, n_pixels), np.nan, dtype=np.float32)
    calib = las.get("calib")
    dc_to_pe = (
        np.asarray(calib, dtype=np.float32)
        if calib is not None
        else np.full((n_gains, n_pixels), np.nan, dtype=np.float32)
    )
    time_shift = _per_gain(las.get("tm_calib"), n_gains, n_pixels)
    noise = _per_gain(mon.get("noise"), n_gains, n_pixels)
    flat_field = _per_gain(las.get("flat_fielding"), n_gains, n_pixels)
    extra = {"pedestal_noise": noise, "flat_field": flat_field,
             "n_ped_slices": int(n_ped) if noise is not None else 0}
    return readonly(pedestal[:n_gains]), readonly(dc_to_pe[:n_gains]), time_shift, extra


def _per_gain(values, n_gains, n_pixels):
    """A monitoring array as float32 (gains × pixels, the data's gains), None when the file
    has none or it does not fit the camera."""
    if values is None or np.shape(values)[-1:] != (n_pixels,):
        return None
    return readonly(np.atleast_2d(np.asarray(values, dtype=np.float32))[:n_gains])


def _true_image_sums(ev: dict, tel_data: dict, header_position: dict | None) -> dict:
    """tel_id -> total true photo-electrons of each telescope with data, from the event's
    photo-electron sums (in the run header's telescope order, ``header_position``: tel_id
    -> position; tel_id - 1 where it is not given); the sum of the true image where a file
    has images but no sums."""
    sums = (ev.get("photoelectron_sums") or {}).get("n_pe")
    out = {}
    for tel_id, data in tel_data.items():
        pos = header_position.get(tel_id) if header_position else tel_id - 1
        if sums is not None and pos is not None and 0 <= pos < len(sums):
            out[tel_id] = int(sums[pos])
        elif data.true_image is not None:
            out[tel_id] = int(np.sum(data.true_image))
    return out


#: sim_telarray's calibration types -> event type (as ctapipe maps them)
CALIBRATION_EVENT_TYPES = {0: "dark_pedestal", 1: "sky_pedestal", 2: "single_pe",
                           3: "flatfield", -1: "other_calibration"}
#: bits of sim_telarray's telescope trigger type mask that make a telescope event of another
#: type than the array's, in ctapipe's order of precedence
_TRIGGER_MASK_TYPES = ((1 << 10, "random_mono"), (1 << 9, "muon"), (1 << 8, "long_event"))


def event_type(ev: dict) -> str:
    """The array event type of an eventio event dictionary (ctapipe's names)."""
    if ev.get("type") == "data":
        return "subarray"
    if ev.get("type") == "calibration":
        return CALIBRATION_EVENT_TYPES.get(int(ev.get("calibration_type", -1)),
                                           "other_calibration")
    return "unknown"


def indexed_event_type(kind: int, calibration_type: int) -> str:
    """The array event type of an indexed event (``simtel_index``'s kind and calibration
    type), the same as ``event_type`` gives for the event read."""
    if kind == KIND_SHOWER:
        return "subarray"
    if kind == KIND_CALIB_OBJECT:
        return CALIBRATION_EVENT_TYPES.get(int(calibration_type), "other_calibration")
    return "other_calibration"  # an array event without a shower: eventio's calibration


def telescope_event_type(mask: int) -> str:
    """What triggered a telescope, from its trigger type mask (as ctapipe reads it)."""
    for bit, name in _TRIGGER_MASK_TYPES:
        if int(mask) & bit:
            return name
    return "subarray"


def convert_event(
    ev: dict,
    index: int,
    obs_id: int,
    subarray: SubarrayDescription,
    array_pointing: tuple[float, float],
    fallback_monitoring: dict | None = None,
    fallback_laser: dict | None = None,
    header_position: dict | None = None,
    event_id: int | None = None,
) -> ArrayEvent:
    """An ArrayEvent from one eventio event dictionary. ``header_position`` (tel_id ->
    position in the run header) locates telescopes in the event's per-telescope arrays;
    ``event_id`` replaces the dictionary's (see ``simtel_index.EventIds``)."""
    fallback_monitoring = fallback_monitoring or {}
    fallback_laser = fallback_laser or {}
    trig = ev.get("trigger_information", {})
    gps = trig.get("gps_time") or trig.get("cpu_time") or (0, 0)
    time = float(gps[0]) + 1e-9 * float(gps[1])
    triggered = np.asarray(trig.get("triggered_telescopes", []), dtype=np.int16)
    trig_times = np.asarray(trig.get("trigger_times", []), dtype=np.float32)
    masks = trig.get("teltrg_type_mask")
    tel_types = None
    if masks is not None and len(masks) == len(triggered):
        tel_types = tuple(telescope_event_type(m) for m in masks)
    n_trigger_pixels = {}
    photoelectrons = ev.get("photoelectrons") or {}
    tel_data: dict[int, TelescopeData] = {}
    tracking = ev.get("tracking_positions", {})
    tel_alt, tel_az = {}, {}
    for tel_id in sorted(ev.get("telescope_events", {})):
        if tel_id not in subarray.tels:
            continue
        te = ev["telescope_events"][tel_id]
        trigger_pixels = (te.get("pixel_lists") or {}).get(0)  # code 0: trigger pixels
        trigger_ids = None
        if trigger_pixels is not None and "pixels" in trigger_pixels:
            n_trigger_pixels[tel_id] = int(trigger_pixels["pixels"])
            ids = trigger_pixels.get("pixel_list")
            if ids is not None:
                trigger_ids = readonly(np.asarray(ids, dtype=np.int32))
        wf = te.get("adc_samples")
        sums = te.get("adc_sums") if wf is None else None
        data = wf if wf is not None else sums
        if data is None:
            continue
        n_gains, n_pixels = data.shape[0], data.shape[1]
        pedestal, dc_to_pe, time_shift, monitoring = _calibration(
            tel_id, n_gains, n_pixels, ev, fallback_monitoring, fallback_laser
        )
        pe = photoelectrons.get(tel_id - 1)
        true_image = readonly(np.asarray(pe["photoelectrons"])) if pe is not None else None
        desc = subarray.tels[tel_id]
        readout = desc.camera.readout
        peak_time = readonly(_file_peak_time(te.get("pixel_timing"), readout.sample_width_ns))
        tel_data[tel_id] = TelescopeData(
            tel_id=tel_id,
            waveform=readonly(wf),
            sums=readonly(sums),
            n_sum_samples=int(readout.n_samples) if sums is not None else 0,
            pedestal_per_sample=pedestal,
            dc_to_pe=dc_to_pe,
            true_image=true_image,
            peak_time_ns=peak_time,
            pixel_status=readonly(pixel_status(data, desc.disabled_pixels, pedestal, dc_to_pe)),
            time_shift_ns=time_shift,
            trigger_pixels=trigger_ids,
            **monitoring,
        )
        if tel_id in tracking:
            tp = tracking[tel_id]
            # in float64 (eventio's values are float32: in degrees rounded, they moved the
            # stereo direction by ~1e-5° from ctapipe's)
            tel_alt[tel_id] = float(np.rad2deg(float(tp["altitude_raw"])))
            tel_az[tel_id] = float(np.rad2deg(float(tp["azimuth_raw"])) % 360.0)
    simulation = None
    shower = ev.get("mc_shower")
    mc_event = ev.get("mc_event")
    if ev.get("type") == "data" and shower is not None and mc_event is not None:
        simulation = SimulatedShower(
            energy=float(shower["energy"]),
            alt=float(np.rad2deg(shower["altitude"])),
            az=float(np.rad2deg(shower["azimuth"]) % 360.0),
            core_x=float(mc_event["xcore"]),
            core_y=float(mc_event["ycore"]),
            h_first_int=float(shower["h_first_int"]),
            x_max=float(shower["xmax"]),
            primary_id=int(shower["primary_id"]),
            shower_num=int(shower.get("shower", -1)),
            starting_grammage=float(shower.get("depth_start", np.nan)),
            true_image_sum=_true_image_sums(ev, tel_data, header_position),
        )
    return ArrayEvent(
        index=index,
        obs_id=obs_id,
        event_id=int(ev["event_id"]) if event_id is None else int(event_id),
        event_type=event_type(ev),
        trigger=TriggerInfo(
            time=time,
            tels_with_trigger=triggered,
            trigger_times_ns=trig_times,
            tels_with_data=np.array(list(tel_data), dtype=np.int16),
            tel_event_types=tel_types,
            n_trigger_pixels=n_trigger_pixels,
        ),
        pointing=Pointing(array_pointing[0], array_pointing[1], tel_alt, tel_az),
        tel=tel_data,
        simulation=simulation,
    )
