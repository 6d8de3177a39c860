"""ctaviewer against ctapipe 0.28 on the same sim_telarray file, same extractor and thresholds.

    python benchmarks/vs_ctapipe.py FILE [FILE ...] --ctapipe-python PATH [--events N]
    python benchmarks/vs_ctapipe.py --all --ctapipe-python PATH        # every shared file

ctapipe runs in its own environment: ``benchmarks/_ctapipe_side.py`` is executed by the given
python (SimTelEventSource → CameraCalibrator → ImageProcessor → ShowerProcessor with
HillasReconstructor) with settings translated from ctaviewer's configuration (the default one,
or ``--config TOML``): per telescope the extractor, its window and correction, the tail-cuts
thresholds, the gain-selection threshold, the stereo quality query. Settings without a
ctaviewer counterpart are stated explicitly at ctapipe's defaults (peak-time shift, invalid
pixel handler), unless the configuration grows an option for them. Its output is cached
(``--cache-dir``, default ``~/.cache/ctaviewer/vs_ctapipe``) under a key of file path, size,
mtime, ctapipe version, settings and the side script, so a re-run only redoes ctaviewer's side.

ctaviewer's side runs in this process, with whatever ctaviewer the running python imports, and
uses only its public API (open_source, Pipeline, ProcessingConfig, EventResult fields).
Telescope events are matched by (event_id, tel_id). Per camera type:

- share of pixels above 5 p.e. (on either side) whose charge differs by more than 1e-3
  relative to ctapipe's (goal < 2 %);
- median |Δ peak time| over the same pixels (goal < 0.05 ns);
- share of identical cleaning masks, over all telescope events and over those whose charges
  are equal everywhere (|Δq| ≤ 1e-3 p.e. + 1e-3 relative) (goal 100 % on the latter);
- on telescope events with identical masks (of ≥ 2 pixels, as ctapipe parametrises only
  those), max and median relative difference of the Hillas parameters (goal ≤ 1e-5), and
  the same figure for every other parameter both sides compute. psi and phi are compared
  modulo their period, relative to it (180°, 360°).

Per file: the stereo direction difference (median, max, deg), core difference (m), h_max
difference (m) on events both reconstruct, and θ68 / core68 against the simulated truth of
ctaviewer, of ctapipe with the same quality query, and of ctapipe with its own default query.
A human-readable table first, then diagnostics of the differing pixels, then one line with one
JSON object holding every figure and a ``goals_met`` map. The exit code is 0 even when goals
are missed (2 when the comparison cannot run at all).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SIDE_SCRIPT = HERE / "_ctapipe_side.py"

PE_THRESHOLD = 5.0  # p.e.: pixels compared for charge and time
CHARGE_RTOL = 1e-3  # a pixel's charge "differs" beyond this relative difference
EQUAL_ATOL = 1e-3  # p.e.: charges "equal" for the mask comparison: |Δq| <= atol + rtol |q|
GOALS = {
    "charge_differ_share": 0.02,  # < 2 %
    "peak_time_median_abs_ns": 0.05,  # < 0.05 ns
    "mask_identical_share_same_charge": 1.0,  # == 100 %
    "hillas_max_rel": 1e-5,  # <= 1e-5
}
HILLAS_MAIN = (
    "hillas_intensity", "hillas_skewness", "hillas_kurtosis", "hillas_fov_lon",
    "hillas_fov_lat", "hillas_r", "hillas_phi", "hillas_length", "hillas_width", "hillas_psi",
)
#: parameters that cross zero: relative to at least this scale (skewness is a dimensionless
#: moment of order 1; centroid coordinates in deg, 1e-3° is far below any pixel size)
FLOORS = {"hillas_fov_lon": 1e-3, "hillas_fov_lat": 1e-3, "hillas_skewness": 1.0,
          "intensity_skewness": 1.0, "peak_time_skewness": 1.0}
PERIODIC = {"hillas_psi": 180.0, "hillas_phi": 360.0, "camera_frame_hillas_psi": 180.0,
            "camera_frame_hillas_phi": 360.0, "core_psi": 360.0}

#: ctaviewer extractor name -> (ctapipe class, {ctapipe option: that extractor's ctaviewer option})
EXTRACTOR_MAP = {
    "neighbor_peak": ("NeighborPeakWindowSum", {
        "window_width": "window_width", "window_shift": "window_shift",
        "apply_integration_correction": "apply_correction", "local_weight": "local_weight"}),
    "local_peak": ("LocalPeakWindowSum", {
        "window_width": "window_width", "window_shift": "window_shift",
        "apply_integration_correction": "apply_correction"}),
    "global_peak": ("GlobalPeakWindowSum", {
        "window_width": "window_width", "window_shift": "window_shift",
        "apply_integration_correction": "apply_correction"}),
    "fixed_window": ("FixedWindowSum", {
        "window_width": "window_width", "window_shift": "window_shift",
        "apply_integration_correction": "apply_correction", "peak_index": "fixed_peak_index"}),
    "full_waveform": ("FullWaveformSum", {}),
    "two_pass": ("TwoPassWindowSum", {
        "core_threshold": "core_threshold", "apply_integration_correction": "apply_correction"}),
}
#: ctaviewer parameter-name prefix -> ctapipe ImageParametersContainer attribute
PARAMETER_GROUPS = (
    ("hillas_", "hillas"), ("timing_", "timing"), ("leakage_", "leakage"),
    ("concentration_", "concentration"), ("morphology_", "morphology"),
    ("intensity_", "intensity_statistics"), ("peak_time_", "peak_time_statistics"),
)


class ComparisonError(Exception):
    """The comparison cannot be set up (settings without a ctapipe counterpart, bad python)."""


# ---------------------------------------------------------------------------- pure functions
def match_keys(ours, theirs):
    """(common sorted keys, keys only in ours, keys only in theirs) of two key collections."""
    a, b = set(ours), set(theirs)
    return sorted(a & b), sorted(a - b), sorted(b - a)


def charge_selection(ours, theirs, threshold=PE_THRESHOLD):
    """Pixels above ``threshold`` p.e. on either side (NaN counts as below)."""
    a = np.nan_to_num(np.asarray(ours, dtype=np.float64), nan=-np.inf)
    b = np.nan_to_num(np.asarray(theirs, dtype=np.float64), nan=-np.inf)
    return (a > threshold) | (b > threshold)


def relative_charge_difference(ours, theirs):
    """|ours − theirs| / |theirs| per pixel (inf where ours is not finite)."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(a - b) / np.maximum(np.abs(b), 1e-12)
    return np.where(np.isfinite(a) & np.isfinite(b), rel, np.inf)


def differing_share(ours, theirs, threshold=PE_THRESHOLD, rtol=CHARGE_RTOL):
    """(pixels above threshold on either side, how many of them differ by more than rtol)."""
    sel = charge_selection(ours, theirs, threshold)
    rel = relative_charge_difference(ours, theirs)[sel]
    return int(sel.sum()), int((rel > rtol).sum())


def charges_equal(ours, theirs, relevant_above=-np.inf, atol=EQUAL_ATOL, rtol=CHARGE_RTOL):
    """The same image as far as a tail-cuts cleaning can see: every pixel whose charge is at
    or above ``relevant_above`` (the boundary threshold) on either side agrees within
    atol + rtol·|theirs|. Pixels below it on both sides can enter neither mask."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    if a.shape != b.shape:
        return False
    with np.errstate(invalid="ignore"):
        ok = np.abs(a - b) <= atol + rtol * np.abs(b)
        relevant = ~((a < relevant_above) & (b < relevant_above))
    return bool(np.all(ok | (np.isnan(a) & np.isnan(b)) | ~relevant))


def parameter_difference(ours, theirs, period=None, floor=0.0):
    """Relative difference of two parameter values; NaN when both are NaN, inf when one is.

    Periodic angles are compared modulo ``period`` and relative to it; other values relative
    to the larger magnitude, or to ``floor`` where that is larger (0 when both are 0).
    """
    a, b = float(ours), float(theirs)
    if math.isnan(a) and math.isnan(b):
        return math.nan
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    if period is not None:
        d = abs((a - b + period / 2) % period - period / 2)
        return d / period
    scale = max(abs(a), abs(b), floor)
    return 0.0 if scale == 0 else abs(a - b) / scale


def angular_separation(alt1, az1, alt2, az2):
    """Great-circle distance (deg) between directions given in deg (numpy-broadcast)."""
    alt1, az1, alt2, az2 = (np.radians(np.asarray(v, dtype=np.float64))
                            for v in (alt1, az1, alt2, az2))
    s = np.sin((alt2 - alt1) / 2) ** 2 + np.cos(alt1) * np.cos(alt2) * np.sin((az2 - az1) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(s, 0.0, 1.0))))


def containment68(values):
    """68 % quantile of the finite values (NaN when there are none)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(np.percentile(v, 68.0)) if len(v) else math.nan


def theta68(alt, az, true_alt, true_az):
    """68 % containment angle (deg) of reconstructed directions around the true ones."""
    return containment68(angular_separation(alt, az, true_alt, true_az))


def translate_query(text: str) -> str:
    """A ctaviewer quality query (``hillas_intensity > 50 and ...``) as a ctapipe expression.

    Every parameter name becomes ``u.Quantity(parameters.<group>.<field>).value`` (ctapipe's
    containers hold Quantities in the units ctaviewer uses: deg, p.e.); ``abs`` stays.
    """
    text = text.strip()
    if not text:
        return "True"
    tree = ast.parse(text, mode="eval")

    class _Rewrite(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id == "abs":
                return node
            for prefix, group in PARAMETER_GROUPS:
                if node.id.startswith(prefix):
                    field = node.id[len(prefix):]
                    expr = f"u.Quantity(parameters.{group}.{field}).value"
                    return ast.parse(expr, mode="eval").body
            raise ComparisonError(
                f"quality query parameter {node.id!r} has no ctapipe counterpart "
                "(ctapipe computes parameters in the telescope frame)"
            )

    return ast.unparse(_Rewrite().visit(tree))


def median_or_nan(values):
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else math.nan


def max_or_nan(values):
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    return float(np.max(v)) if len(v) else math.nan


# ---------------------------------------------------------------------------- settings
def _config_bool(config, needle: str, sections=("calibration", "extractor")):
    """A bool option of the configuration whose name contains ``needle`` (None if absent)."""
    for section in sections:
        part = getattr(config, section, None)
        if part is None or not dataclasses.is_dataclass(part):
            continue
        for f in dataclasses.fields(part):
            value = getattr(part, f.name)
            if needle in f.name and isinstance(value, bool):
                return value
    return None


def _invalid_pixel_handler(config):
    """ctapipe's invalid-pixel handler matching the configuration (its default if no option)."""
    for section in ("calibration", "extractor"):
        part = getattr(config, section, None)
        if part is None or not dataclasses.is_dataclass(part):
            continue
        for f in dataclasses.fields(part):
            if "invalid_pixel" not in f.name and "dead_pixel" not in f.name:
                continue
            value = getattr(part, f.name)
            if value is False or (isinstance(value, str) and value.lower() in ("", "none")):
                return None
    return "NeighborAverage"


def ctapipe_settings(path, subarray, config, max_events=None, reconstructor="HillasReconstructor"):
    """Everything the ctapipe side needs, translated from ctaviewer's configuration."""
    tels = {}
    for tel_id in sorted(int(t) for t in subarray.tels):
        desc = subarray.tels[tel_id]
        ext, cln = config.for_camera(desc.camera.name)
        if ext.name not in EXTRACTOR_MAP:
            raise ComparisonError(f"extractor {ext.name!r} has no ctapipe counterpart")
        cls, fields = EXTRACTOR_MAP[ext.name]
        options = {}
        for ct_name, our_name in fields.items():
            value = getattr(ext, our_name)
            if ct_name == "local_weight":
                if float(value) != int(value):
                    raise ComparisonError(
                        f"extractor.local_weight={value}: ctapipe takes integers only")
                value = int(value)
            if ct_name == "peak_index" and value < 0:
                value = int(desc.camera.readout.n_samples) // 2
            options[ct_name] = value
        if cls == "GlobalPeakWindowSum":
            options["pixel_fraction"] = 1.0
        if getattr(cln, "name", "tailcuts") != "tailcuts":
            raise ComparisonError(f"cleaning {cln.name!r}: only tailcuts is compared")
        if getattr(cln, "time_limit_ns", None) is not None or getattr(cln, "n_dilation_rings", 0):
            raise ComparisonError(
                "cleaning.time_limit_ns / n_dilation_rings: ctapipe's TailcutsImageCleaner has "
                "neither; compare with plain tail cuts")
        tels[str(tel_id)] = {
            "camera": desc.camera.name,
            "extractor": cls,
            "extractor_options": options,
            "cleaning": {
                "picture_threshold_pe": float(cln.picture_threshold),
                "boundary_threshold_pe": float(cln.boundary_threshold),
                "min_picture_neighbors": int(cln.min_picture_neighbors),
                "keep_isolated_pixels": bool(cln.keep_isolated_pixels),
            },
        }
    shift = _config_bool(config, "time_shift")
    return {
        "input": str(Path(path).resolve()),
        "max_events": max_events,
        "focal_length_choice": "auto",  # EFFECTIVE, EQUIVALENT where the file has none
        "gain_threshold": float(config.calibration.gain_threshold),
        "apply_peak_time_shift": True if shift is None else bool(shift),
        "invalid_pixel_handler": _invalid_pixel_handler(config),
        "tel": tels,
        "stereo_quality_criteria": [["ctaviewer query", translate_query(config.quality.query)]],
        "reconstructor": reconstructor,
    }


# ---------------------------------------------------------------------------- ctapipe side
def ctapipe_version(python) -> str:
    code = "import importlib.metadata as m; print(m.version('ctapipe'))"
    try:
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120)
    except OSError as err:
        raise ComparisonError(f"cannot run {python}: {err}") from None
    if done.returncode != 0:
        raise ComparisonError(f"{python} has no ctapipe: {done.stderr.strip()[-300:]}")
    return done.stdout.strip()


def default_cache_dir() -> Path:
    env = os.environ.get("CTAVIEWER_VS_CTAPIPE_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ctaviewer" / "vs_ctapipe"


def cache_key(path, version: str, settings: dict) -> str:
    st = Path(path).stat()
    material = {
        "file": str(Path(path).resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
        "ctapipe": version, "settings": settings,
        "side": hashlib.sha256(SIDE_SCRIPT.read_bytes()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:20]


@contextlib.contextmanager
def _locked(lock_path: Path):
    """One ctapipe side at a time per cache folder (it shares a numba cache)."""
    import fcntl

    with open(lock_path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run_ctapipe(python, settings, version, cache_dir: Path, refresh=False):
    """Path of the ctapipe side's .npz for these settings (computed unless cached) and
    whether it came from the cache."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    name = Path(settings["input"]).name.split(".")[0]
    out = cache_dir / f"{name}-{cache_key(settings['input'], version, settings)}.npz"
    if out.exists() and not refresh:
        return out, True
    with _locked(cache_dir / ".lock"):
        if out.exists() and not refresh:
            return out, True
        settings_path = out.with_suffix(".json")
        settings_path.write_text(json.dumps(settings, indent=1))
        env = dict(os.environ)
        # a private numba cache: a cache shared with other ctapipe processes has been seen
        # corrupted (segfault in neighbor_average_maximum)
        env["NUMBA_CACHE_DIR"] = str(cache_dir / f"numba-ctapipe-{version}")
        env.setdefault("PYTHONWARNINGS", "ignore")
        done = subprocess.run([python, str(SIDE_SCRIPT), str(settings_path), str(out)],
                              capture_output=True, text=True, env=env)
        if done.returncode != 0:
            how = (f"signal {-done.returncode}" if done.returncode < 0
                   else f"exit {done.returncode}")
            tail = done.stderr.strip().splitlines()[-6:]
            raise RuntimeError(f"ctapipe side failed ({how}): " + " | ".join(tail))
    return out, False


def load_ctapipe(npz_path) -> dict:
    """The ctapipe side's output as per-telescope-event and per-event records."""
    with np.load(npz_path, allow_pickle=False) as d:
        data = {k: d[k] for k in d.files}
    meta = json.loads(str(data["meta"]))
    off = data["tel_offset"]
    params = {k[len("param_"):]: v for k, v in data.items() if k.startswith("param_")}
    tel = {}
    for i, (ev, tid) in enumerate(zip(data["tel_event_id"], data["tel_tel_id"])):
        s = slice(off[i], off[i + 1])
        tel[(int(ev), int(tid))] = {
            "image": data["pix_image"][s], "peak_time": data["pix_peak_time"][s],
            "mask": data["pix_mask"][s], "broken": data["pix_broken"][s],
            "gain": data["pix_gain"][s], "shift": data["pix_shift"][s],
            "parameters": {k: float(v[i]) for k, v in params.items()},
        }
    events = {}
    for i, ev in enumerate(data["ev_event_id"]):
        rec = {"true": {}}
        for k, v in data.items():
            if k.startswith("ev_true_"):
                rec["true"][k[len("ev_true_"):]] = float(v[i])
        for tag in ("reco", "recodef"):
            o = data[f"ev_{tag}_tels_offset"]
            geo = {f: float(data[f"ev_{tag}_{f}"][i])
                   for f in ("alt", "az", "core_x", "core_y", "h_max")}
            geo["is_valid"] = bool(data[f"ev_{tag}_is_valid"][i])
            geo["tel_ids"] = tuple(int(t) for t in data[f"ev_{tag}_tels"][o[i]:o[i + 1]])
            rec[tag] = geo
        events[int(ev)] = rec
    cameras = dict(zip((int(t) for t in data["sub_tel_id"]), (str(c) for c in data["sub_camera"])))
    return {"tel": tel, "events": events, "cameras": cameras, "meta": meta}


# ---------------------------------------------------------------------------- ctaviewer side
def run_ours(source, pipeline, max_events=None) -> dict:
    tel, events, n = {}, {}, 0
    for event in source:
        if getattr(event, "event_type", "subarray") == "calibration":
            continue
        if max_events is not None and n >= max_events:
            break
        n += 1
        result = pipeline.process(event)
        for tel_id, r in result.tel.items():
            n_samples = None
            data = event.tel.get(tel_id) if hasattr(event.tel, "get") else None
            if data is not None and getattr(data, "waveform", None) is not None:
                n_samples = int(data.waveform.shape[-1])
            tel[(int(result.event_id), int(tel_id))] = {
                "image": np.asarray(r.image), "peak_time": np.asarray(r.peak_time),
                "mask": np.asarray(r.mask, dtype=bool), "parameters": dict(r.parameters),
                "gain": None if getattr(r, "selected_gain", None) is None
                else np.asarray(r.selected_gain),
                "window_start": None if getattr(r, "window_start", None) is None
                else np.asarray(r.window_start),
                "window_width": getattr(r, "window_width", 0),
                "n_samples": n_samples,
                # sums-only data summed over several samples: calibrated differently from
                # ctapipe on purpose (docs/processing.md, "Sums-only cameras")
                "n_summed": int(getattr(data, "n_sum_samples", 0) or 0)
                if data is not None and getattr(data, "sums", None) is not None else 0,
            }
        g = result.geometry
        events[int(result.event_id)] = {
            "alt": float(getattr(g, "alt", math.nan)), "az": float(getattr(g, "az", math.nan)),
            "core_x": float(getattr(g, "core_x", math.nan)),
            "core_y": float(getattr(g, "core_y", math.nan)),
            "h_max": float(getattr(g, "h_max", math.nan)),
            "is_valid": bool(getattr(g, "is_valid", False)),
            "tel_ids": tuple(int(t) for t in (getattr(g, "tel_ids", ()) or ())),
        }
    return {"tel": tel, "events": events}


# ---------------------------------------------------------------------------- comparison
def _new_camera_acc():
    return {"n_tel_events": 0, "n_only_ours": 0, "n_only_ctapipe": 0, "n_shape_mismatch": 0,
            "n_pix": 0, "n_differ": 0, "dt": [], "n_mask_identical": 0, "n_same_charge": 0,
            "n_mask_identical_same_charge": 0, "param_diffs": {}, "param_nan_mismatch": {},
            "n_param_events": 0, "ctapipe_names": set(), "diff_ratio": [], "diff_kinds": {},
            "tel_ratio": {}, "shift": [], "dt_signed": [], "dt_unshifted": [],
            "n_summed_several": 0}


def _window_at_edge(o, idx):
    """Pixels whose integration window (as ctaviewer reports it) touches the readout edge."""
    ws, width, ns = o.get("window_start"), o.get("window_width"), o.get("n_samples")
    none = np.zeros(len(idx), dtype=bool)
    if ws is None or ns is None or width is None:
        return none
    try:  # diagnosis only: a window description of another shape gives no verdict
        width = np.asarray(width)
        width = width[idx] if width.ndim else width
        start = np.asarray(ws)[idx]
        return ((start <= 0) | (start + width >= ns)) & (width > 0)
    except (IndexError, TypeError, ValueError):
        return none


def _near_broken(broken, neighbors_of):
    """Pixels next to a broken one (ctapipe leaves broken pixels out of the neighbour sum)."""
    near = np.zeros(len(broken), dtype=bool)
    if neighbors_of is None:
        return near
    for p in np.flatnonzero(broken):
        try:
            near[np.asarray(neighbors_of(int(p)), dtype=np.int64)] = True
        except Exception:  # a geometry without neighbour lookup: no such diagnosis
            return np.zeros(len(broken), dtype=bool)
    return near & ~broken


def compare_telescope(acc, o, c, tel_id, boundary=-np.inf, neighbors_of=None):
    """Fold one matched telescope event into its camera accumulator."""
    a_img, b_img = np.asarray(o["image"], np.float64), np.asarray(c["image"], np.float64)
    if a_img.shape != b_img.shape:
        acc["n_shape_mismatch"] += 1
        return
    acc["n_tel_events"] += 1
    acc["n_summed_several"] += o.get("n_summed", 0) > 1
    sel = charge_selection(a_img, b_img)
    rel = relative_charge_difference(a_img, b_img)
    differ = sel & (rel > CHARGE_RTOL)
    acc["n_pix"] += int(sel.sum())
    acc["n_differ"] += int(differ.sum())
    a_t = np.asarray(o["peak_time"], np.float64)[sel]
    b_t = np.asarray(c["peak_time"], np.float64)[sel]
    acc["dt"].extend(np.abs(a_t - b_t).tolist())
    acc["dt_signed"].extend((a_t - b_t).tolist())
    shift = np.asarray(c["shift"], np.float64)[sel]
    acc["shift"].extend(shift.tolist())
    # ctapipe subtracts the laser-calibration time shift from its peak times
    acc["dt_unshifted"].extend(np.abs(a_t - b_t - np.nan_to_num(shift)).tolist())
    # what the differing pixels are (diagnosis)
    idx = np.flatnonzero(differ)
    if len(idx):
        all_broken = np.asarray(c["broken"], bool)
        broken = all_broken[idx]
        near = _near_broken(all_broken, neighbors_of)[idx] if all_broken.any() else broken & False
        edge = _window_at_edge(o, idx)
        gain_diff = np.zeros(len(idx), dtype=bool)
        if o.get("gain") is not None and len(o["gain"]) == len(b_img):
            gain_diff = np.asarray(o["gain"])[idx] != np.asarray(c["gain"])[idx]
        kinds = np.select(
            [broken, near, gain_diff, edge],
            ["broken (ctapipe outlier)", "next to a broken pixel", "other gain selected",
             "window at readout edge"], "other")
        for k in kinds:
            acc["diff_kinds"][str(k)] = acc["diff_kinds"].get(str(k), 0) + 1
        other = idx[kinds == "other"]
        with np.errstate(divide="ignore", invalid="ignore"):
            acc["diff_ratio"].extend((a_img[other] / b_img[other]).tolist())
    good = sel & (b_img > PE_THRESHOLD) & np.isfinite(a_img)
    if good.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            acc["tel_ratio"].setdefault(tel_id, []).extend((a_img[good] / b_img[good]).tolist())
    same_mask = bool(np.array_equal(np.asarray(o["mask"], bool), np.asarray(c["mask"], bool)))
    same_charge = charges_equal(a_img, b_img, boundary)
    acc["n_mask_identical"] += same_mask
    acc["n_same_charge"] += same_charge
    acc["n_mask_identical_same_charge"] += same_mask and same_charge
    if same_mask and int(np.count_nonzero(c["mask"])) >= 2:
        acc["n_param_events"] += 1
        for name in sorted(set(o["parameters"]) & set(c["parameters"])):
            try:
                d = parameter_difference(o["parameters"][name], c["parameters"][name],
                                         PERIODIC.get(name), FLOORS.get(name, 0.0))
            except (TypeError, ValueError):  # not a number on our side
                continue
            if math.isnan(d):
                continue
            if math.isinf(d):
                acc["param_nan_mismatch"][name] = acc["param_nan_mismatch"].get(name, 0) + 1
            else:
                acc["param_diffs"].setdefault(name, []).append(d)


def _merge_acc(into, acc):
    for k, v in acc.items():
        if isinstance(v, int):
            into[k] += v
        elif isinstance(v, list):
            into[k].extend(v)
        elif isinstance(v, set):
            into[k] |= v
        elif isinstance(v, dict):
            for kk, vv in v.items():
                if isinstance(vv, list):
                    into[k].setdefault(kk, []).extend(vv)
                else:
                    into[k][kk] = into[k].get(kk, 0) + vv


def _share(n, d):
    return n / d if d else math.nan


def summarize_camera(acc) -> dict:
    """The figures of one camera accumulator, goals included."""
    params = {}
    for name, diffs in sorted(acc["param_diffs"].items()):
        params[name] = {"max": max_or_nan(diffs), "median": median_or_nan(diffs),
                        "n": len(diffs), "n_nan_mismatch": acc["param_nan_mismatch"].get(name, 0)}
    for name, n in acc["param_nan_mismatch"].items():
        params.setdefault(name, {"max": math.inf, "median": math.nan, "n": 0,
                                 "n_nan_mismatch": n})
    main = [params[n] for n in HILLAS_MAIN if n in params]
    hillas_max = max((p["max"] for p in main), default=math.nan)
    hillas_med = max((p["median"] for p in main), default=math.nan)
    nan_mm = sum(p["n_nan_mismatch"] for p in main)
    if nan_mm:
        hillas_max = math.inf
    off_tels = {}
    for tid, ratios in sorted(acc["tel_ratio"].items()):
        m = median_or_nan(ratios)
        if math.isfinite(m) and abs(m - 1) > CHARGE_RTOL:
            off_tels[str(tid)] = round(m, 5)
    out = {
        "ctapipe_camera_names": sorted(acc["ctapipe_names"]),
        "n_tel_events": acc["n_tel_events"],
        "n_only_ours": acc["n_only_ours"],
        "n_only_ctapipe": acc["n_only_ctapipe"],
        "n_shape_mismatch": acc["n_shape_mismatch"],
        "n_pixels_above_5pe": acc["n_pix"],
        "charge_differ_share": _share(acc["n_differ"], acc["n_pix"]),
        "peak_time_median_abs_ns": median_or_nan(acc["dt"]),
        "peak_time_median_signed_ns": median_or_nan(acc["dt_signed"]),
        "peak_time_n_finite": int(np.isfinite(np.asarray(acc["dt"], float)).sum()),
        "mask_identical_share": _share(acc["n_mask_identical"], acc["n_tel_events"]),
        "n_same_charge": acc["n_same_charge"],
        "mask_identical_share_same_charge": _share(acc["n_mask_identical_same_charge"],
                                                   acc["n_same_charge"]),
        "n_parameter_events": acc["n_param_events"],
        "hillas_max_rel": hillas_max,
        "hillas_median_rel": hillas_med,
        "parameters": params,
        "diagnosis": {
            "differing_pixels_by_kind": dict(sorted(acc["diff_kinds"].items())),
            "median_ratio_other_differing": median_or_nan(acc["diff_ratio"]),
            "median_ctapipe_time_shift_ns": median_or_nan(acc["shift"]),
            "peak_time_median_abs_ns_shift_added_back": median_or_nan(acc["dt_unshifted"]),
            "telescopes_with_median_charge_ratio_off": off_tels,
        },
    }
    out["goals_met"] = camera_goals(out)
    if acc["n_tel_events"] and acc["n_summed_several"] == acc["n_tel_events"]:
        # every image from sums of several samples: ctapipe subtracts one sample's pedestal
        # from them, ctaviewer the pedestal of every sample summed (docs/processing.md); the
        # image goals do not apply (None: not measured), the figures stay for the record
        out["deliberate"] = ("sums of several samples: ctapipe subtracts one sample's "
                             "pedestal, ctaviewer all of them (docs/processing.md)")
        out["goals_met"] = {k: None for k in out["goals_met"]}
    return out


def camera_goals(s) -> dict:
    def ok(value, test):
        return None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else bool(test(value))

    return {
        "charge": ok(s["charge_differ_share"], lambda v: v < GOALS["charge_differ_share"]),
        "peak_time": ok(s["peak_time_median_abs_ns"],
                        lambda v: v < GOALS["peak_time_median_abs_ns"]),
        "mask": ok(s["mask_identical_share_same_charge"],
                   lambda v: v >= GOALS["mask_identical_share_same_charge"]),
        "hillas": ok(s["hillas_max_rel"], lambda v: v <= GOALS["hillas_max_rel"]),
    }


def _stereo_arrays(ours, cta, common):
    cols = {}
    for tag, src in (("ours", None), ("cta", "reco"), ("ctadef", "recodef")):
        rows = [ours["events"][e] if src is None else cta["events"][e][src] for e in common]
        for f in ("alt", "az", "core_x", "core_y", "h_max"):
            cols[f"{tag}_{f}"] = np.array([r[f] for r in rows], dtype=np.float64)
        cols[f"{tag}_valid"] = np.array([r["is_valid"] for r in rows], dtype=bool)
        cols[f"{tag}_tels"] = [tuple(sorted(r["tel_ids"])) for r in rows]
    for f in ("alt", "az", "core_x", "core_y", "energy", "shower_primary_id"):
        cols[f"true_{f}"] = np.array([cta["events"][e]["true"].get(f, math.nan) for e in common],
                                     dtype=np.float64)
    return cols


def summarize_stereo(cols) -> dict:
    n = len(cols.get("ours_valid", ()))
    if n == 0:
        return {"n_events": 0}
    out = {"n_events": n}
    for tag in ("ours", "cta", "ctadef"):
        v = cols[f"{tag}_valid"]
        err = angular_separation(cols[f"{tag}_alt"], cols[f"{tag}_az"], cols["true_alt"],
                                 cols["true_az"])
        core = np.hypot(cols[f"{tag}_core_x"] - cols["true_core_x"],
                        cols[f"{tag}_core_y"] - cols["true_core_y"])
        out[tag] = {"n_valid": int(v.sum()), "theta68_deg": containment68(err[v]),
                    "core68_m": containment68(core[v])}
    both = cols["ours_valid"] & cols["cta_valid"]
    d_dir = angular_separation(cols["ours_alt"], cols["ours_az"], cols["cta_alt"],
                               cols["cta_az"])[both]
    d_core = np.hypot(cols["ours_core_x"] - cols["cta_core_x"],
                      cols["ours_core_y"] - cols["cta_core_y"])[both]
    d_h = (cols["ours_h_max"] - cols["cta_h_max"])[both]
    either = cols["ours_valid"] | cols["cta_valid"]
    same_tels = sum(a == b for a, b, e in zip(cols["ours_tels"], cols["cta_tels"], either) if e)
    out.update({
        "n_both_valid": int(both.sum()),
        "n_valid_differs": int((cols["ours_valid"] != cols["cta_valid"]).sum()),
        "same_telescopes_share": _share(same_tels, int(either.sum())),
        "direction_diff_median_deg": median_or_nan(d_dir),
        "direction_diff_max_deg": max_or_nan(d_dir),
        "core_diff_median_m": median_or_nan(d_core),
        "core_diff_max_m": max_or_nan(d_core),
        "h_max_diff_median_m": median_or_nan(d_h),
        "h_max_diff_max_abs_m": max_or_nan(np.abs(d_h)),
        "h_max_diff_median_abs_m": median_or_nan(np.abs(d_h)),
    })
    return out


def as_ctapipe(config):
    """``config`` with the settings ctapipe has no counterpart for set to ctapipe's
    behaviour: sums-only data get peak time 0 (ctaviewer's default takes the file's pixel
    timing, a documented difference)."""
    calibration = getattr(config, "calibration", None)
    if getattr(calibration, "sums_peak_time", "zero") != "zero":
        print("vs_ctapipe: sums-only peak times compared as ctapipe gives them (0 ns)",
              file=sys.stderr)
        config = config.replace(**{"calibration.sums_peak_time": "zero"})
    return config


def stereo_goals(s) -> dict:
    """ctaviewer's defaults at least as good as ctapipe's own defaults (θ68, core68)."""
    if s.get("n_events", 0) == 0:
        return {}
    out = {}
    for key, name in (("theta68_deg", "theta68_not_worse"), ("core68_m", "core68_not_worse")):
        a, b = s["ours"][key], s["ctadef"][key]
        # within 1e-4 relative: float32 images give differences far below any real effect
        out[name] = None if math.isnan(b) else (not math.isnan(a) and a <= b * (1 + 1e-4))
    return out


def compare_file(ours, cta, subarray, settings=None):
    """Per-camera accumulators and stereo columns of one file."""
    accs: dict[str, dict] = {}
    common, only_ours, only_cta = match_keys(ours["tel"], cta["tel"])

    def cam_of(tel_id):
        desc = subarray.tels.get(tel_id) if hasattr(subarray.tels, "get") else None
        return desc.camera.name if desc is not None else cta["cameras"].get(tel_id, "?")

    for key in common:
        cam = cam_of(key[1])
        acc = accs.setdefault(cam, _new_camera_acc())
        acc["ctapipe_names"].add(cta["cameras"].get(key[1], "?"))
        cln = ((settings or {}).get("tel", {}).get(str(key[1])) or {}).get("cleaning", {})
        boundary = cln.get("boundary_threshold_pe", -np.inf)
        desc = subarray.tels.get(key[1]) if hasattr(subarray.tels, "get") else None
        geom = getattr(getattr(desc, "camera", None), "geometry", None)
        compare_telescope(acc, ours["tel"][key], cta["tel"][key], key[1], boundary,
                          getattr(geom, "neighbors_of", None))
    for key in only_ours:
        accs.setdefault(cam_of(key[1]), _new_camera_acc())["n_only_ours"] += 1
    for key in only_cta:
        accs.setdefault(cam_of(key[1]), _new_camera_acc())["n_only_ctapipe"] += 1
    ev_common, ev_only_ours, ev_only_cta = match_keys(ours["events"], cta["events"])
    cols = _stereo_arrays(ours, cta, ev_common)
    cols["n_only_ours"], cols["n_only_ctapipe"] = len(ev_only_ours), len(ev_only_cta)
    return accs, cols


# ---------------------------------------------------------------------------- driver
def process_file(path, args, config, version) -> dict:
    from ctaviewer import open_source
    from ctaviewer.pipeline import Pipeline

    t0 = time.perf_counter()
    with open_source(str(path)) as source:
        subarray = source.subarray
        settings = ctapipe_settings(path, subarray, config, args.events)
        box: dict = {}

        def ctapipe_job():
            try:
                box["npz"], box["cached"] = run_ctapipe(
                    args.ctapipe_python, settings, version, args.cache_dir, args.refresh)
            except Exception as err:  # reported per file, the other files go on
                box["error"] = str(err)

        job = threading.Thread(target=ctapipe_job, daemon=True)
        t_cta = time.perf_counter()
        job.start()
        pipeline = Pipeline(subarray, config)
        ours = run_ours(source, pipeline, args.events)
        t_ours = time.perf_counter() - t0
        job.join()
        t_cta = time.perf_counter() - t_cta
    if "error" in box:
        raise RuntimeError(box["error"])
    cta = load_ctapipe(box["npz"])
    accs, cols = compare_file(ours, cta, subarray, settings)
    # the array's height as ctapipe has it (HillasReconstructor's h_max is above sea level)
    site_height = float(cta["meta"].get("reference_height_m", math.nan))
    return {"accs": accs, "cols": cols, "cached": box["cached"], "ours_seconds": t_ours,
            "site_height_m": site_height,
            "ctapipe_seconds": t_cta if not box["cached"] else cta["meta"].get("seconds"),
            "focal_length_choice": cta["meta"].get("focal_length_choice"),
            "n_events": len(ours["events"]), "settings": settings}


def _fmt(v, kind):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    if kind == "pct":
        return f"{100 * v:.2f}%"
    if kind == "ns":
        return f"{v:.3f}"
    if kind == "rel":
        return f"{v:.1e}"
    if kind == "deg":
        return f"{v:.4f}"
    if kind == "m":
        return f"{v:.1f}"
    return str(v)


def _mark(goals, key):
    g = goals.get(key)
    return "" if g is None else ("" if g else "*")


def print_camera_table(rows):
    head = (f"{'file':<30} {'camera':<11} {'tel-ev':>6} {'px>5pe':>7} {'Δq>1e-3':>8} "
            f"{'|Δt|med':>8} {'Δt med':>7} {'mask=':>7} {'mask=|q=':>9} "
            f"{'hillas max':>10} {'hillas med':>10}  worst other parameter")
    print(head)
    print("-" * len(head))
    for fname, cam, s in rows:
        g = s["goals_met"]
        worst = ""
        others = [(p["max"], n) for n, p in s["parameters"].items() if n not in HILLAS_MAIN]
        if others:
            m, n = max(others)
            worst = f"{n} {_fmt(m, 'rel')}"
        print(f"{fname[:30]:<30} {cam[:11]:<11} {s['n_tel_events']:>6} "
              f"{s['n_pixels_above_5pe']:>7} "
              f"{_fmt(s['charge_differ_share'], 'pct') + _mark(g, 'charge'):>8} "
              f"{_fmt(s['peak_time_median_abs_ns'], 'ns') + _mark(g, 'peak_time'):>8} "
              f"{_fmt(s['peak_time_median_signed_ns'], 'ns'):>7} "
              f"{_fmt(s['mask_identical_share'], 'pct'):>7} "
              f"{_fmt(s['mask_identical_share_same_charge'], 'pct') + _mark(g, 'mask'):>9} "
              f"{_fmt(s['hillas_max_rel'], 'rel') + _mark(g, 'hillas'):>10} "
              f"{_fmt(s['hillas_median_rel'], 'rel'):>10}  {worst}")


def print_stereo_table(rows):
    head = (f"{'file':<30} {'ev':>3} {'valid o/c/cd':>12} {'tels=':>6} {'Δdir med/max °':>15} "
            f"{'Δcore med/max m':>16} {'Δhmax med m':>11} {'site h m':>8} "
            f"{'θ68 ours/cta/cta-def °':>23} "
            f"{'core68 ours/cta/cta-def m':>26}")
    print(head)
    print("-" * len(head))
    for fname, s in rows:
        if s.get("n_events", 0) == 0:
            print(f"{fname[:30]:<30} {0:>3}")
            continue
        valid = f"{s['ours']['n_valid']}/{s['cta']['n_valid']}/{s['ctadef']['n_valid']}"
        d_dir = (f"{_fmt(s['direction_diff_median_deg'], 'deg')}/"
                 f"{_fmt(s['direction_diff_max_deg'], 'deg')}")
        d_core = f"{_fmt(s['core_diff_median_m'], 'm')}/{_fmt(s['core_diff_max_m'], 'm')}"
        th = "/".join(_fmt(s[t]["theta68_deg"], "deg") for t in ("ours", "cta", "ctadef"))
        c68 = "/".join(_fmt(s[t]["core68_m"], "m") for t in ("ours", "cta", "ctadef"))
        print(f"{fname[:30]:<30} {s['n_events']:>3} {valid:>12} "
              f"{_fmt(s['same_telescopes_share'], 'pct'):>6} {d_dir:>15} {d_core:>16} "
              f"{_fmt(s['h_max_diff_median_m'], 'm'):>11} "
              f"{_fmt(s.get('site_height_m', math.nan), 'm'):>8} {th:>23} {c68:>26}")


def print_diagnosis(rows):
    for fname, cam, s in rows:
        d = s["diagnosis"]
        kinds = ", ".join(f"{k}: {v}" for k, v in d["differing_pixels_by_kind"].items())
        line = f"  {fname} {cam}: differing pixels {kinds or 'none'}"
        r = d["median_ratio_other_differing"]
        if math.isfinite(r):
            line += f"; median ours/ctapipe of 'other' {r:.4f}"
        sh = d["median_ctapipe_time_shift_ns"]
        if math.isfinite(sh):
            line += (f"; ctapipe time shift median {sh:+.3f} ns, |Δt| median with it added "
                     f"back {d['peak_time_median_abs_ns_shift_added_back']:.3f} ns")
        off = d["telescopes_with_median_charge_ratio_off"]
        if off:
            items = list(off.items())
            shown = ", ".join(f"{t}: {v}" for t, v in items[:8])
            more = f" (+{len(items) - 8} more)" if len(items) > 8 else ""
            line += f"; tels with median charge ratio ≠ 1: {shown}{more}"
        print(line)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return None if math.isnan(obj) else (str(obj) if math.isinf(obj) else obj)
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return _jsonable(obj.item())
    return obj


def shared_simtel_files() -> list[Path]:
    root = Path(os.environ.get("CTAVIEWER_TEST_DATA", HERE.parent.parent / "shared" / "data"))
    return sorted((root / "simtel").glob("*.simtel*"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="sim_telarray files")
    ap.add_argument("--all", action="store_true",
                    help="every shared simtel file ($CTAVIEWER_TEST_DATA/simtel)")
    ap.add_argument("--ctapipe-python", default=os.environ.get("CTAVIEWER_CTAPIPE_PYTHON"),
                    help="python of a ctapipe 0.28 environment (default $CTAVIEWER_CTAPIPE_PYTHON)")
    ap.add_argument("--events", type=int, default=None, help="first N events of each file")
    ap.add_argument("--config", help="a ProcessingConfig TOML file (default: the defaults)")
    ap.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    ap.add_argument("--refresh", action="store_true", help="recompute the ctapipe side")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    if not args.ctapipe_python:
        ap.error("--ctapipe-python (or CTAVIEWER_CTAPIPE_PYTHON) is required")
    files = [Path(f) for f in args.files] + (shared_simtel_files() if args.all else [])
    if not files:
        ap.error("give FILE(s) or --all")

    import ctaviewer
    from ctaviewer.config import ProcessingConfig

    try:
        config = (ProcessingConfig.from_toml(args.config) if args.config
                  else ProcessingConfig.default())
        config = as_ctapipe(config)
        version = ctapipe_version(args.ctapipe_python)
    except Exception as err:
        print(f"vs_ctapipe: {err}", file=sys.stderr)
        return 2

    results, cam_rows, stereo_rows, file_out = {}, [], [], {}
    combined: dict[str, dict] = {}
    gamma_cols: list[dict] = []
    goals_met: dict[str, bool | None] = {}
    t_start = time.perf_counter()
    for path in files:
        fname = path.name
        print(f"... {fname}", file=sys.stderr, flush=True)
        try:
            res = process_file(path, args, config, version)
        except Exception as err:
            msg = f"{type(err).__name__}: {err}".strip()
            file_out[fname] = {"error": msg[:500]}
            print(f"    {fname}: not compared: {msg[:300]}", file=sys.stderr)
            continue
        results[fname] = res
        cams = {}
        for cam, acc in sorted(res["accs"].items()):
            s = summarize_camera(acc)
            cams[cam] = s
            cam_rows.append((fname, cam, s))
            _merge_acc(combined.setdefault(cam, _new_camera_acc()), acc)
        st = summarize_stereo(res["cols"])
        sg = stereo_goals(st)
        if st.get("n_events"):
            st["site_height_m"] = res["site_height_m"]
            st["h_max_diff_median_plus_site_height_m"] = (
                st["h_max_diff_median_m"] + res["site_height_m"])
        stereo_rows.append((fname, st))
        cols = res["cols"]
        if len(cols.get("ours_valid", ())):
            is_gamma = cols["true_shower_primary_id"] == 0
            gamma_cols.append({k: (np.asarray(v)[is_gamma] if isinstance(v, np.ndarray)
                                   else [x for x, g in zip(v, is_gamma) if g])
                               for k, v in cols.items() if isinstance(v, (np.ndarray, list))})
        for k, v in sg.items():
            goals_met[f"{fname}.stereo.{k}"] = v
        file_out[fname] = {
            "n_events": res["n_events"], "cameras": cams, "stereo": st, "stereo_goals": sg,
            "ctapipe_cached": res["cached"], "ctapipe_seconds": res["ctapipe_seconds"],
            "ours_seconds": res["ours_seconds"],
            "focal_length_choice": res["focal_length_choice"],
        }
    comb = {cam: summarize_camera(acc) for cam, acc in sorted(combined.items())}
    for cam, s in comb.items():
        for k, v in s["goals_met"].items():
            goals_met[f"{cam}.{k}"] = v
    gamma_stereo = {}
    if gamma_cols:
        merged = {k: (np.concatenate([c[k] for c in gamma_cols]) if isinstance(gamma_cols[0][k],
                                                                            np.ndarray)
                      else [x for c in gamma_cols for x in c[k]]) for k in gamma_cols[0]}
        gamma_stereo = summarize_stereo(merged)

    print(f"ctaviewer {ctaviewer.__version__} ({Path(ctaviewer.__file__).parent}) vs ctapipe "
          f"{version}; pixels compared: above {PE_THRESHOLD:g} p.e. on either side; "
          "* = goal missed")
    print()
    print_camera_table(cam_rows)
    if len(results) > 1:
        print()
        print_camera_table([("all files", cam, s) for cam, s in comb.items()])
    print()
    all_stereo = stereo_rows + ([("all gamma events", gamma_stereo)] if len(results) > 1
                                and gamma_stereo else [])
    print_stereo_table(all_stereo)
    print()
    print("valid o/c/cd: events reconstructed by ctaviewer / ctapipe with ctaviewer's quality "
          "query / ctapipe with its default query; Δ: ctaviewer − ctapipe (same query)")
    print("diagnosis of pixels above 5 p.e. whose charge differs (ctaviewer vs ctapipe):")
    print_diagnosis(cam_rows)
    for fname, out in file_out.items():
        if "error" in out:
            print(f"  {fname}: not compared: {out['error'][:200]}")
    print(f"total {time.perf_counter() - t_start:.1f} s")
    doc = {
        "ctaviewer_version": ctaviewer.__version__, "ctapipe_version": version,
        "config": config.to_toml(), "goals": GOALS, "files": file_out, "cameras": comb,
        "stereo_gamma": gamma_stereo, "goals_met": goals_met,
        # goals that could be measured (None: nothing to measure them on, or a documented
        # deliberate difference)
        "all_goals_met": (all(v is not False for v in goals_met.values())
                          and any(v is True for v in goals_met.values())),
    }
    print(json.dumps(_jsonable(doc), separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
