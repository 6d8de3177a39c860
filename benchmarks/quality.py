"""Reconstruction quality against the simulated truth.

    python benchmarks/quality.py FILE [FILE ...] [--config config.toml] [--compare]

Processes every event with the default configuration (or the given TOML) and compares the
reconstructed direction with the true one (θ68: 68 % containment angle over valid events),
the reconstructed core with the true core (core68: 68 % containment radius, and the median),
and the extracted charge with the true p.e. image (median ratio and resolution in pixels with
more than 10 true p.e., per camera type). No truth enters the processing.

``--compare`` also runs the stereo step again on the same images with every reconstructor
and with the former default quality query (a leakage cut), so that the variants are measured
on identical DL1. Figures are given per file and pooled over all files. The last line is one
JSON object: ``files`` (per file: ``n_events_total``, ``charge_ratio``, ``per_camera`` and,
per variant, ``n_events`` valid, ``theta68_deg``, ``core68_m``, ``core_error_m``) and
``pooled`` (per variant over all files). The first variant, ``default``, is the configuration
as given; its figures are also at the top level (``theta68_deg``, ``core_error68_m``,
``core_error_m``, ``n_events``, ``n_events_total``, ``charge_ratio``) when one file is given.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

#: the quality query ctaviewer used by default before ctapipe's (kept for the comparison)
LEAKAGE_QUERY = "hillas_intensity > 50 and leakage_intensity_width_2 < 0.2 and hillas_width > 0"


def _p68(values) -> float | None:
    return round(float(np.percentile(values, 68)), 4) if len(values) else None


def _figures(theta: list, core: list) -> dict:
    return {
        "n_events": len(theta),
        "theta68_deg": _p68(theta),
        "core68_m": _p68(core),
        "core_error_m": round(float(np.median(core)), 2) if core else None,
    }


def _variants(cfg, compare: bool) -> dict:
    """name -> (quality query, reconstructor name)."""
    from ctaviewer.reco import RECONSTRUCTORS

    out = {"default": (cfg.quality.query, cfg.stereo.name)}
    if compare:
        for name in RECONSTRUCTORS.names():
            if name != cfg.stereo.name:
                out[name] = (cfg.quality.query, name)
        if cfg.quality.query != LEAKAGE_QUERY:
            out["leakage_query"] = (LEAKAGE_QUERY, cfg.stereo.name)
    return out


def measure(path: str, cfg, variants: dict, min_true_pe: float) -> tuple[dict, dict]:
    """Per-file figures and the raw (theta, core error) lists per variant."""
    from ctaviewer import open_source
    from ctaviewer.coords import angular_separation
    from ctaviewer.pipeline import Pipeline
    from ctaviewer.reco import RECONSTRUCTORS, QualityQuery
    from ctaviewer.results import IMAGE_PARAMETER_NAMES

    source = open_source(path)
    pipeline = Pipeline(source.subarray, cfg)
    queries = {v: QualityQuery(q, IMAGE_PARAMETER_NAMES) for v, (q, _) in variants.items()}
    raw = {v: ([], []) for v in variants}
    ratios: dict[str, list] = {}
    n_total = 0
    t0 = time.perf_counter()
    for event, result in zip(open_source(path), pipeline.stream(source)):
        n_total += 1
        sim = event.simulation
        for v, (_, method) in variants.items():
            if v == "default":
                g = result.geometry
            else:
                good = {t: r.parameters for t, r in result.tel.items() if queries[v](r.parameters)}
                g = RECONSTRUCTORS.get(method)(
                    source.subarray, event.pointing, good, cfg.stereo.weighting,
                    cfg.stereo.min_telescopes,
                ).geometry
            if sim is not None and g.is_valid:
                raw[v][0].append(float(angular_separation(g.alt, g.az, sim.alt, sim.az)))
                if np.isfinite(g.core_x):
                    raw[v][1].append(float(np.hypot(g.core_x - sim.core_x, g.core_y - sim.core_y)))
        for tel_id, tr in result.tel.items():
            true = event.tel[tel_id].true_image
            if true is None:
                continue
            sel = true > min_true_pe
            cam = source.subarray.tels[tel_id].camera.name
            ratios.setdefault(cam, []).extend((tr.image[sel] / true[sel]).tolist())
    per_camera = {}
    for cam, r in ratios.items():
        r = np.asarray(r)
        if len(r) == 0:
            continue
        q16, q50, q84 = np.percentile(r, [16, 50, 84])
        per_camera[cam] = {
            "n_pixels": int(len(r)),
            "charge_ratio": round(float(q50), 4),
            "charge_resolution": round(float((q84 - q16) / 2 / q50), 4),
        }
    all_r = np.concatenate([np.asarray(r) for r in ratios.values()]) if ratios else np.array([])
    figures = {
        "n_events_total": n_total,
        "charge_ratio": round(float(np.median(all_r)), 4) if len(all_r) else None,
        "per_camera": per_camera,
        "variants": {v: _figures(*raw[v]) for v in variants},
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return figures, raw


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--config", help="a ProcessingConfig TOML file")
    ap.add_argument("--compare", action="store_true",
                    help="also measure every reconstructor and the leakage query on the same DL1")
    ap.add_argument("--min-true-pe", type=float, default=10.0)
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from ctaviewer.config import ProcessingConfig

    cfg = ProcessingConfig.from_toml(args.config) if args.config else ProcessingConfig.default()
    variants = _variants(cfg, args.compare)
    files, pooled_raw = {}, {v: ([], []) for v in variants}
    for path in args.files:
        figures, raw = measure(path, cfg, variants, args.min_true_pe)
        name = os.path.basename(path)
        files[name] = figures
        for v in variants:
            pooled_raw[v][0].extend(raw[v][0])
            pooled_raw[v][1].extend(raw[v][1])
        for cam, c in figures["per_camera"].items():
            print(f"{name}: {cam:>12}: median charge/true = {c['charge_ratio']:.3f}, "
                  f"resolution = {c['charge_resolution']:.3f} ({c['n_pixels']} pixels > "
                  f"{args.min_true_pe:g} p.e.)")
        for v, f in figures["variants"].items():
            print(f"{name}: {v:>22}: {f['n_events']}/{figures['n_events_total']} events, "
                  f"theta68 = {f['theta68_deg']} deg, core68 = {f['core68_m']} m")
    pooled = {v: _figures(*pooled_raw[v]) for v in variants}
    if len(args.files) > 1:
        for v, f in pooled.items():
            print(f"all files: {v:>22}: {f['n_events']} events, theta68 = {f['theta68_deg']} "
                  f"deg, core68 = {f['core68_m']} m")
    out: dict = {"files": files, "pooled": pooled, "variants": {
        v: {"query": q, "stereo": m} for v, (q, m) in variants.items()}}
    if len(args.files) == 1:
        only = next(iter(files.values()))
        d = only["variants"]["default"]
        out.update(file=next(iter(files)), n_events_total=only["n_events_total"],
                   n_events=d["n_events"], theta68_deg=d["theta68_deg"],
                   core_error_m=d["core_error_m"], core_error68_m=d["core68_m"],
                   charge_ratio=only["charge_ratio"], per_camera=only["per_camera"])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
