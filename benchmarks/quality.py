"""Reconstruction quality against the simulated truth.

    python benchmarks/quality.py FILE [--config config.toml]

Processes every event with the default configuration (or the given TOML) and compares:
the reconstructed direction with the true one (68 % containment angle over valid events),
the reconstructed core with the true core, and the extracted charge with the true p.e. image
(median ratio and resolution in pixels with more than 10 true p.e., per camera type). No
truth enters the processing. The last line is one JSON object with ``theta68_deg``,
``core_error_m`` (median), ``core_error68_m``, ``n_events`` (valid), ``n_events_total``,
``charge_ratio`` (all cameras) and ``per_camera``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--config", help="a ProcessingConfig TOML file")
    ap.add_argument("--min-true-pe", type=float, default=10.0)
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from ctaviewer import open_source
    from ctaviewer.config import ProcessingConfig
    from ctaviewer.coords import angular_separation
    from ctaviewer.pipeline import Pipeline

    cfg = ProcessingConfig.from_toml(args.config) if args.config else ProcessingConfig.default()
    source = open_source(args.file)
    pipeline = Pipeline(source.subarray, cfg)
    theta, core_err, n_total = [], [], 0
    ratios: dict[str, list] = {}
    t0 = time.perf_counter()
    for event, result in zip(open_source(args.file), pipeline.stream(source)):
        n_total += 1
        sim = event.simulation
        g = result.geometry
        if sim is not None and g.is_valid:
            theta.append(float(angular_separation(g.alt, g.az, sim.alt, sim.az)))
            if np.isfinite(g.core_x):
                core_err.append(float(np.hypot(g.core_x - sim.core_x, g.core_y - sim.core_y)))
        for tel_id, tr in result.tel.items():
            true = event.tel[tel_id].true_image
            if true is None:
                continue
            sel = true > args.min_true_pe
            cam = source.subarray.tels[tel_id].camera.name
            ratios.setdefault(cam, []).extend((tr.image[sel] / true[sel]).tolist())
    elapsed = time.perf_counter() - t0

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
        print(
            f"{cam:>12}: median charge/true = {q50:.3f}, resolution = "
            f"{(q84 - q16) / 2 / q50:.3f} ({len(r)} pixels > {args.min_true_pe:g} p.e.)"
        )
    all_r = np.concatenate([np.asarray(r) for r in ratios.values()]) if ratios else np.array([])
    theta = np.asarray(theta)
    core_err = np.asarray(core_err)
    result = {
        "file": os.path.basename(args.file),
        "n_events_total": n_total,
        "n_events": int(len(theta)),
        "theta68_deg": round(float(np.percentile(theta, 68)), 4) if len(theta) else None,
        "core_error_m": round(float(np.median(core_err)), 2) if len(core_err) else None,
        "core_error68_m": round(float(np.percentile(core_err, 68)), 2) if len(core_err) else None,
        "charge_ratio": round(float(np.median(all_r)), 4) if len(all_r) else None,
        "per_camera": per_camera,
        "seconds": round(elapsed, 2),
    }
    print(
        f"{result['n_events']}/{n_total} events reconstructed, theta68 = "
        f"{result['theta68_deg']} deg, median core error = {result['core_error_m']} m"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
