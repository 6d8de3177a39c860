"""Muon rings: ctaviewer's muon analysis against ctapipe-process's, ring by ring.

    python benchmarks/muons.py FILE --ctapipe-python /path/to/ctapipe-venv/bin/python

Runs ``ctaviewer process FILE --muons`` and ``ctapipe-process --write-muon-parameters
--SimTelEventSource.focal_length_choice=EQUIVALENT`` (next to the given Python) on the same
file and compares their ``/dl1/event/telescope/muon`` tables per telescope event: rings
found (a finite radius: the image passed the image query) and rings with an efficiency (the
ring query passed), then per ring found by both the relative difference of the radius, of the
centre (distance between the centres / radius) and of the optical efficiency, against the
goals (1 %, 1 %, 5 %). Without ``--ctapipe-python`` only ours runs.

Where the file's simulation truth gives the muon energies, the fitted radius is compared with
the Cherenkov angle, cos θ = 1 / (n β): β from the true energy (total energy, muon mass), n
from the refractive index of the file's atmosphere profile (sim_telarray's atmprof table, read
with eventio) at the height the light on the mirror comes from, taken as the observation
level plus half the height from which light reaches a mirror centre hit by the muon
(mirror radius / (2 tan θ)), at most the height where the muon was injected (the shower's
starting depth). ctapipe fits no ring of dual-mirror telescopes (muons_chec); ours does.

The last line is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MUON_MASS_GEV = 0.1056583755
TABLE = "/dl1/event/telescope/muon"
GOALS = {"radius": 0.01, "center": 0.01, "efficiency": 0.05}


def read_muon_tables(path) -> dict[tuple[int, int], dict]:
    """(event_id, tel_id) -> the muon row as {column: value}, of every muon table."""
    import h5py
    import hdf5plugin  # noqa: F401  (ctapipe's files are blosc-compressed)

    rows = {}
    with h5py.File(path, "r") as f:
        if TABLE not in f:
            return rows
        for name in f[TABLE]:
            data = f[TABLE][name][()]
            for row in data:
                rows[(int(row["event_id"]), int(row["tel_id"]))] = {
                    n: row[n].item() for n in data.dtype.names}
    return rows


def run_ours(path: str, folder: Path) -> tuple[Path, float]:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ctaviewer", "process", path, "--muons",
                           "--output", str(folder), "--pattern", "ours.h5", "--quiet"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ctaviewer process failed: {done.stderr[-800:]}")
    return folder / "ours.h5", time.perf_counter() - t0


def run_ctapipe(python: str, path: str, folder: Path) -> tuple[Path, float]:
    out = folder / "ctapipe.h5"
    tool = Path(python).with_name("ctapipe-process")
    cmd = [str(tool)] if tool.exists() else [python, "-m", "ctapipe.tools.process"]
    # a numba cache of ctapipe's own that outlives the run: its compile time (~30 s) is not
    # what is compared (ours is cached too)
    cache = Path(tempfile.gettempdir()) / "ctaviewer-bench-ctapipe-numba"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    t0 = time.perf_counter()
    done = subprocess.run([*cmd, "--input", path, "--output", str(out),
                           "--write-muon-parameters",
                           "--SimTelEventSource.focal_length_choice=EQUIVALENT",
                           "--no-progress", "--overwrite"],
                          capture_output=True, text=True, env=env, cwd=folder)
    if done.returncode != 0:
        raise RuntimeError(f"ctapipe-process failed: {done.stderr[-800:]}")
    return out, time.perf_counter() - t0


def _finite(v) -> bool:
    return v is not None and isinstance(v, float) and math.isfinite(v)


def summary(rows: dict) -> dict:
    ring = [r for r in rows.values() if _finite(r["muonring_radius"])]
    eff = [r for r in ring if _finite(r["muonefficiency_optical_efficiency"])]

    def median(items, key):
        values = [r[key] for r in items if _finite(r[key])]
        return round(float(np.median(values)), 4) if values else None

    return {
        "telescope_events": len(rows),
        "rings": len(ring),
        "rings_with_efficiency": len(eff),
        "radius_median_deg": median(ring, "muonring_radius"),
        "width_median_deg": median(eff, "muonefficiency_width"),
        "efficiency_median": median(eff, "muonefficiency_optical_efficiency"),
        "completeness_median": median(ring, "muonparameters_completeness"),
    }


def compare(ours: dict, theirs: dict) -> dict:
    """Ring by ring, over the telescope events both files have."""
    keys = sorted(set(ours) & set(theirs))
    ring_o = {k for k in keys if _finite(ours[k]["muonring_radius"])}
    ring_t = {k for k in keys if _finite(theirs[k]["muonring_radius"])}
    eff_o = {k for k in keys if _finite(ours[k]["muonefficiency_optical_efficiency"])}
    eff_t = {k for k in keys if _finite(theirs[k]["muonefficiency_optical_efficiency"])}
    radius, center, efficiency, per_ring = [], [], [], []
    for k in sorted(ring_o & ring_t):
        o, t = ours[k], theirs[k]
        r_rel = abs(o["muonring_radius"] / t["muonring_radius"] - 1)
        c_rel = math.hypot(o["muonring_center_fov_lon"] - t["muonring_center_fov_lon"],
                           o["muonring_center_fov_lat"] - t["muonring_center_fov_lat"]) \
            / t["muonring_radius"]
        radius.append(r_rel)
        center.append(c_rel)
        entry = {"event_id": k[0], "tel_id": k[1], "radius_rel": round(r_rel, 5),
                 "center_rel": round(c_rel, 5)}
        if k in eff_o and k in eff_t:
            e_rel = abs(o["muonefficiency_optical_efficiency"]
                        / t["muonefficiency_optical_efficiency"] - 1)
            efficiency.append(e_rel)
            entry["efficiency_rel"] = round(e_rel, 5)
            entry["likelihood_ours"] = round(o["muonefficiency_likelihood_value"], 2)
            entry["likelihood_ctapipe"] = round(t["muonefficiency_likelihood_value"], 2)
        per_ring.append(entry)

    def worst(values):
        return round(max(values), 5) if values else None

    return {
        "same_rings": ring_o == ring_t,
        "same_rings_with_efficiency": eff_o == eff_t,
        "rings_only_ours": len(ring_o - ring_t),
        "rings_only_ctapipe": len(ring_t - ring_o),
        "radius_max_rel_diff": worst(radius),
        "center_max_rel_diff": worst(center),
        "efficiency_max_rel_diff": worst(efficiency),
        "efficiency_median_rel_diff": round(float(np.median(efficiency)), 5)
        if efficiency else None,
        "radius_within_goal": sum(v <= GOALS["radius"] for v in radius),
        "center_within_goal": sum(v <= GOALS["center"] for v in center),
        "efficiency_within_goal": sum(v <= GOALS["efficiency"] for v in efficiency),
        "compared_rings": len(radius),
        "compared_efficiencies": len(efficiency),
        "per_ring": per_ring,
    }


def _height_of_depth(profile: dict, depth: float) -> float:
    """Height (m a.s.l.) of an atmospheric depth (g/cm²), from the atmprof table."""
    thick = np.asarray(profile["thickness"], dtype=float)
    alt = np.asarray(profile["altitude_km"], dtype=float) * 1e3
    order = np.argsort(thick)  # thickness falls with height
    return float(np.interp(depth, thick[order], alt[order]))


def cherenkov(path: str, ours: dict) -> dict | None:
    """The fitted radii against cos θ = 1 / (n β) of the true muon energies."""
    from eventio import SimTelFile

    from ctaviewer import open_source

    with SimTelFile(path) as f:
        profiles = f.atmospheric_profiles
    if not profiles:
        return None
    prof = profiles[0]
    alt_m = np.asarray(prof["altitude_km"], dtype=float) * 1e3
    n_m1 = np.asarray(prof["refractive_index_minus_1"], dtype=float)
    with open_source(path) as source:
        obs = float(source.simulation_config.obs_height)
        subarray = source.subarray
        truth = {}
        for event in source:
            sim = event.simulation
            if sim is not None:
                truth[event.event_id] = sim
    rows = []
    for (event_id, tel_id), r in sorted(ours.items()):
        sim = truth.get(event_id)
        if sim is None or not _finite(r["muonring_radius"]) or sim.primary_id != 2:
            continue  # sim_telarray's primary id of a muon is 2
        energy = sim.energy * 1e3  # GeV, total energy
        if energy <= MUON_MASS_GEV:
            continue
        beta = math.sqrt(1 - (MUON_MASS_GEV / energy) ** 2)
        start = _height_of_depth(prof, sim.starting_grammage) \
            if _finite(sim.starting_grammage) and sim.starting_grammage > 0 else math.inf
        area = subarray.tels[tel_id].optics.mirror_area
        mirror_radius = math.sqrt(area / math.pi)
        theta = math.acos(1 / ((1 + np.interp(obs, alt_m, n_m1)) * beta))
        for _ in range(3):  # the height depends on the angle, a little
            height = min(obs + mirror_radius / (2 * math.tan(theta)), max(start, obs))
            n = 1 + float(np.interp(height, alt_m, n_m1))
            theta = math.acos(min(1.0, 1 / (n * beta)))
        theta_deg = math.degrees(theta)
        rows.append({"event_id": event_id, "tel_id": tel_id, "energy_gev": round(energy, 2),
                     "emission_height_m": round(height, 1),
                     "expected_deg": round(theta_deg, 4),
                     "fitted_deg": round(r["muonring_radius"], 4),
                     "ratio": round(r["muonring_radius"] / theta_deg, 4)})
    if not rows:
        return None
    ratios = np.array([x["ratio"] for x in rows])
    return {
        "rings": len(rows),
        "atmosphere": prof["name"].decode() if isinstance(prof["name"], bytes)
        else str(prof["name"]),
        "obs_level_m": obs,
        "expected_median_deg": round(float(np.median([x["expected_deg"] for x in rows])), 4),
        "fitted_median_deg": round(float(np.median([x["fitted_deg"] for x in rows])), 4),
        "ratio_median": round(float(np.median(ratios)), 4),
        "ratio_std": round(float(np.std(ratios)), 4),
        "within_1pct": int(np.sum(np.abs(ratios - 1) <= 0.01)),
        "within_2pct": int(np.sum(np.abs(ratios - 1) <= 0.02)),
        "per_ring": rows,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", help="a sim_telarray file")
    ap.add_argument("--ctapipe-python", help="python of a ctapipe 0.28 environment")
    args = ap.parse_args(argv)
    path = os.path.abspath(args.file)
    out = {"file": Path(path).name}
    with tempfile.TemporaryDirectory(prefix="ctaviewer-muons-") as tmp:
        ours_path, seconds = run_ours(path, Path(tmp))
        ours = read_muon_tables(ours_path)
        out["ours"] = {**summary(ours), "seconds": round(seconds, 2)}
        if args.ctapipe_python:
            ct_path, ct_seconds = run_ctapipe(args.ctapipe_python, path, Path(tmp))
            theirs = read_muon_tables(ct_path)
            out["ctapipe"] = {**summary(theirs), "seconds": round(ct_seconds, 2)}
            out["comparison"] = compare(ours, theirs)
    chk = cherenkov(path, ours)
    if chk is not None:
        out["cherenkov"] = chk
    o = out["ours"]
    print(f"ours: {o['rings']} rings ({o['rings_with_efficiency']} with efficiency) in "
          f"{o['telescope_events']} telescope events; radius median {o['radius_median_deg']}°, "
          f"width {o['width_median_deg']}°, efficiency {o['efficiency_median']}, completeness "
          f"{o['completeness_median']}")
    if "ctapipe" in out:
        c, cmp = out["ctapipe"], out["comparison"]
        print(f"ctapipe: {c['rings']} rings ({c['rings_with_efficiency']} with efficiency); "
              f"radius median {c['radius_median_deg']}°, width {c['width_median_deg']}°, "
              f"efficiency {c['efficiency_median']}, completeness {c['completeness_median']}")
        print(f"same rings: {cmp['same_rings']}; worst radius {cmp['radius_max_rel_diff']}, "
              f"centre {cmp['center_max_rel_diff']}, efficiency {cmp['efficiency_max_rel_diff']}"
              f" ({cmp['efficiency_within_goal']}/{cmp['compared_efficiencies']} within 5 %)")
    if chk is not None:
        print(f"Cherenkov angle: fitted/expected median {chk['ratio_median']} (std "
              f"{chk['ratio_std']}), {chk['within_1pct']}/{chk['rings']} within 1 %")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
