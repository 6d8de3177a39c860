"""The ctapipe half of benchmarks/vs_ctapipe.py, run by the python of a ctapipe venv.

    /path/to/ctapipe-venv/bin/python benchmarks/_ctapipe_side.py SETTINGS.json OUT.npz

SETTINGS.json (written by vs_ctapipe.py, from ctaviewer's configuration) states every setting
of the chain explicitly: input file, max_events, gain-selection threshold, peak-time shift,
invalid-pixel handler, per telescope id the extractor (ctapipe class name and options) and the
tail-cuts thresholds, the stereo quality criteria and the reconstructor. This script runs
SimTelEventSource → CameraCalibrator → ImageProcessor → ShowerProcessor with exactly those
settings and writes, per (event_id, tel_id), the image, peak time, cleaning mask, broken-pixel
mask, selected gain, time shift and every image parameter (flattened under ctapipe's DL1
column names, in the data model's units), and per event the stereo geometry twice (with the
given quality criteria and with ctapipe's default ones) and the simulated truth.

Imports only ctapipe, numpy, astropy and traitlets: it never imports ctaviewer.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

import astropy.units as u
import ctapipe
import numpy as np
from ctapipe.calib import CameraCalibrator
from ctapipe.core import Container
from ctapipe.image import ImageProcessor
from ctapipe.io import SimTelEventSource
from ctapipe.reco import ShowerProcessor
from traitlets.config import Config

GEOMETRY_FIELDS = ("alt", "az", "core_x", "core_y", "h_max", "core_tilted_x", "core_tilted_y")
GEOMETRY_UNITS = {"alt": u.deg, "az": u.deg, "h_max": u.m}
TRUE_FIELDS = {
    "energy": u.TeV, "alt": u.deg, "az": u.deg, "core_x": u.m, "core_y": u.m,
    "h_first_int": u.m, "x_max": u.g / u.cm**2, "shower_primary_id": None,
}


def _telescope_parameter(per_tel: dict, key: str, default):
    """ctapipe TelescopeParameter list: a catch-all, then one entry per telescope id."""
    entries = [("type", "*", default)]
    for tel_id, values in per_tel.items():
        if key in values:
            entries.append(("id", int(tel_id), values[key]))
    return entries


def _config(settings: dict, stereo_quality) -> Config:
    tels = settings["tel"]
    extractor_per_tel = {t: {"name": v["extractor"]} for t, v in tels.items()}
    names = sorted({v["extractor"] for v in tels.values()}) or ["NeighborPeakWindowSum"]
    cfg = {
        "SimTelEventSource": {"focal_length_choice": settings["focal_length_choice"]},
        "ThresholdGainSelector": {"threshold": float(settings["gain_threshold"])},
        "CameraCalibrator": {
            "image_extractor_type": _telescope_parameter(extractor_per_tel, "name", names[0]),
            "invalid_pixel_handler_type": settings["invalid_pixel_handler"],
            "apply_waveform_time_shift": False,
            "apply_peak_time_shift": [("type", "*", bool(settings["apply_peak_time_shift"]))],
            "data_volume_reducer_type": "NullDataVolumeReducer",
        },
        "ImageProcessor": {
            "image_cleaner_type": "TailcutsImageCleaner",
            "use_telescope_frame": True,
        },
        "ShowerProcessor": {"reconstructor_types": [settings["reconstructor"]]},
    }
    for name in names:
        opts: dict = {}
        for tel_id, v in tels.items():
            if v["extractor"] != name:
                continue
            for key, value in v["extractor_options"].items():
                opts.setdefault(key, {})[tel_id] = {key: value}
        cfg[name] = {
            key: _telescope_parameter(per, key, next(iter(per.values()))[key])
            for key, per in opts.items()
        }
    cleaning_keys = sorted({k for v in tels.values() for k in v["cleaning"]})
    clean_per_tel = {t: v["cleaning"] for t, v in tels.items()}
    cfg["TailcutsImageCleaner"] = {
        key: _telescope_parameter(clean_per_tel, key, next(iter(clean_per_tel.values()))[key])
        for key in cleaning_keys
    } if tels else {}
    if stereo_quality is not None:
        cfg["StereoQualityQuery"] = {"quality_criteria": [tuple(c) for c in stereo_quality]}
    return Config(cfg)


def _value(v, unit=None):
    if isinstance(v, u.Quantity):
        return float(v.to_value(unit)) if unit is not None else float(v.value)
    if v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _flatten_parameters(params) -> dict:
    """Every numeric field of an ImageParametersContainer under its DL1 column name."""
    out = {}
    for sub in params.values():
        if not isinstance(sub, Container):
            continue
        for name, field in sub.fields.items():
            out[f"{sub.prefix}_{name}"] = _value(sub[name], field.unit)
    return out


def _geometry(geom) -> dict:
    out = {f: _value(getattr(geom, f, None), GEOMETRY_UNITS.get(f, u.m)) for f in GEOMETRY_FIELDS}
    out["is_valid"] = bool(geom.is_valid)
    tels = geom.telescopes
    out["telescopes"] = [] if tels is None else [int(t) for t in np.atleast_1d(tels)]
    return out


def _open(path, settings, cfg):
    kwargs = dict(input_url=path, config=cfg)
    if settings.get("max_events") is not None:
        kwargs["max_events"] = int(settings["max_events"])
    return SimTelEventSource(**kwargs)


def run(settings: dict) -> dict:
    path = settings["input"]
    focal = settings.get("focal_length_choice", "auto")
    choices = ["EFFECTIVE", "EQUIVALENT"] if focal == "auto" else [focal]
    source = None
    for choice in choices:
        settings = dict(settings, focal_length_choice=choice)
        try:
            source = _open(path, settings, _config(settings, settings["stereo_quality_criteria"]))
            break
        except RuntimeError as err:  # no effective focal length in the file
            if "focal_length_choice" not in str(err) or choice == choices[-1]:
                raise
    subarray = source.subarray
    cfg_same = _config(settings, settings["stereo_quality_criteria"])
    cfg_default = _config(settings, None)
    calibrator = CameraCalibrator(subarray, config=cfg_same)
    image_processor = ImageProcessor(subarray, config=cfg_same)
    shower_same = ShowerProcessor(subarray, config=cfg_same)
    shower_default = ShowerProcessor(subarray, config=cfg_default)
    reco_name = settings["reconstructor"]

    tel_rows, pix = [], {k: [] for k in ("image", "peak_time", "mask", "broken", "gain", "shift")}
    params: dict[str, list] = {}
    events = []
    t0 = time.perf_counter()
    for event in source:
        calibrator(event)
        image_processor(event)
        for tel_id, dl1 in event.dl1.tel.items():
            n = len(dl1.image)
            coeff = event.monitoring.tel[tel_id].camera.coefficients
            gain = event.dl0.tel[tel_id].selected_gain_channel
            if gain is None:
                gain = np.zeros(n, dtype=np.int8)
            idx = np.arange(n)
            broken = np.zeros(n, dtype=bool)
            if coeff.outlier_mask is not None:
                broken = np.asarray(coeff.outlier_mask)[gain, idx].astype(bool)
            shift = np.full(n, np.nan, dtype=np.float32)
            if coeff.time_shift is not None:
                shift = np.asarray(coeff.time_shift)[gain, idx].astype(np.float32)
            tel_rows.append((int(event.index.event_id), int(tel_id), n))
            pix["image"].append(np.asarray(dl1.image, dtype=np.float32))
            pt = dl1.peak_time if dl1.peak_time is not None else np.full(n, np.nan)
            pix["peak_time"].append(np.asarray(pt, dtype=np.float32))
            pix["mask"].append(np.asarray(dl1.image_mask, dtype=bool))
            pix["broken"].append(broken)
            pix["gain"].append(np.asarray(gain, dtype=np.int8))
            pix["shift"].append(shift)
            flat = _flatten_parameters(dl1.parameters)
            for key in set(params) | set(flat):
                params.setdefault(key, [math.nan] * (len(tel_rows) - 1)).append(
                    flat.get(key, math.nan)
                )
        shower_same(event)
        same = _geometry(event.dl2.stereo.geometry[reco_name])
        shower_default(event)
        default = _geometry(event.dl2.stereo.geometry[reco_name])
        shower = event.simulation.shower if event.simulation is not None else None
        truth = {
            k: (_value(getattr(shower, k, None), unit) if shower is not None else math.nan)
            for k, unit in TRUE_FIELDS.items()
        }
        events.append((int(event.index.obs_id), int(event.index.event_id), same, default, truth))
    seconds = time.perf_counter() - t0

    out: dict[str, np.ndarray] = {}
    n_pix = np.array([r[2] for r in tel_rows], dtype=np.int64)
    out["tel_event_id"] = np.array([r[0] for r in tel_rows], dtype=np.int64)
    out["tel_tel_id"] = np.array([r[1] for r in tel_rows], dtype=np.int64)
    out["tel_offset"] = np.concatenate([[0], np.cumsum(n_pix)]).astype(np.int64)
    dtypes = {"image": np.float32, "peak_time": np.float32, "mask": bool, "broken": bool,
              "gain": np.int8, "shift": np.float32}
    for key, parts in pix.items():
        out[f"pix_{key}"] = (np.concatenate(parts) if parts else np.zeros(0)).astype(dtypes[key])
    for key, values in params.items():
        out[f"param_{key}"] = np.asarray(values, dtype=np.float64)
    out["ev_obs_id"] = np.array([e[0] for e in events], dtype=np.int64)
    out["ev_event_id"] = np.array([e[1] for e in events], dtype=np.int64)
    for tag, col in (("reco", 2), ("recodef", 3)):
        for f in GEOMETRY_FIELDS:
            out[f"ev_{tag}_{f}"] = np.array([e[col][f] for e in events], dtype=np.float64)
        out[f"ev_{tag}_is_valid"] = np.array([e[col]["is_valid"] for e in events], dtype=bool)
        tel_lists = [e[col]["telescopes"] for e in events]
        out[f"ev_{tag}_tels"] = np.array([t for lst in tel_lists for t in lst], dtype=np.int64)
        out[f"ev_{tag}_tels_offset"] = np.concatenate(
            [[0], np.cumsum([len(lst) for lst in tel_lists])]
        ).astype(np.int64)
    for k in TRUE_FIELDS:
        out[f"ev_true_{k}"] = np.array([e[4][k] for e in events], dtype=np.float64)
    tel_ids = sorted(subarray.tel)
    out["sub_tel_id"] = np.array(tel_ids, dtype=np.int64)
    out["sub_camera"] = np.array([subarray.tel[t].camera.name for t in tel_ids], dtype=str)
    ref = getattr(subarray, "reference_location", None)
    meta = {
        "ctapipe_version": ctapipe.__version__,
        # HillasReconstructor's h_max is above sea level; this is the array's height
        "reference_height_m": _value(ref.height, u.m) if ref is not None else math.nan,
        "focal_length_choice": settings["focal_length_choice"],
        "seconds": seconds,
        "n_events": len(events),
        "settings": settings,
    }
    out["meta"] = np.array(json.dumps(meta))
    return out


def main(argv) -> int:
    if len(argv) != 3:
        print("usage: _ctapipe_side.py SETTINGS.json OUT.npz", file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        settings = json.load(f)
    out = run(settings)
    target = argv[2]
    tmp = f"{target}.{os.getpid()}.tmp.npz"
    np.savez_compressed(tmp, **out)
    os.replace(tmp, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
