"""Effective area over thrown area, per gamma DL2 file and for all of them together.

    python benchmarks/dl3_aeff.py out/*.h5        (DL2 files of `ctaviewer process --levels dl2`)

For each IRF set (the gamma runs of one instrument, as DL3 makes them) it prints the largest
A_eff / π(r_max² - r_min²) as written (at most 1), the largest raw ratio selected / expected
thrown per bin before the physical cap (above 1 only where less than a shower was expected),
the number of capped bins, and what the old normalisation (one description of all gamma runs:
the widest energy range, viewcone and radius, showers added) gives on the same events. The last
line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from ctaviewer.irf.compute import IRFOptions, compute_irfs, irf_binning  # noqa: E402
from ctaviewer.irf.runs import load_run  # noqa: E402
from ctaviewer.irf.thrown import ThrownShowers  # noqa: E402


def _ratios(irf) -> dict:
    n_exp = irf.n_thrown_expected
    raw = np.divide(irf.n_selected, n_exp, out=np.zeros_like(n_exp), where=n_exp > 0)
    return {"runs": irf.gamma_runs, "selected": int(irf.n_selected.sum()),
            "written_max_ratio": round(irf.max_aeff_over_thrown_area, 4),
            "raw_max_ratio": round(float(raw.max()), 4),
            "capped_bins": irf.n_bins_at_thrown_area}


def _old_union(runs, options) -> float:
    """Largest A_eff / thrown area with every gamma run merged into one description."""
    sims = [r.simulation for r in runs]
    union = ThrownShowers(
        sum(s.n_thrown for s in sims), min(s.energy_min for s in sims),
        max(s.energy_max for s in sims), sims[0].spectral_index,
        min(s.viewcone_min for s in sims), max(s.viewcone_max for s in sims), 0.0,
        max(s.max_scatter_range for s in sims))
    e_edges, o_edges = irf_binning(union, options)
    if not union.diffuse:
        o_edges = np.array([0.0, 1.0])
    energy, offset = [], []
    for r in runs:
        e = r.events
        keep = e.valid & np.isfinite(e.reco_energy) & (e.gammaness >= options.gammaness_cut)
        energy.append(e.true_energy[keep])
        offset.append(e.true_offset[keep])
    n_sel, _, _ = np.histogram2d(np.concatenate(energy), np.concatenate(offset),
                                 bins=[e_edges, o_edges])
    n_exp = union.expected(e_edges, o_edges)
    raw = np.divide(n_sel, n_exp, out=np.zeros_like(n_sel), where=n_exp > 0)
    return float(raw.max())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dl2", nargs="+")
    args = parser.parse_args(argv)
    options = IRFOptions()
    runs = [load_run(p) for p in args.dl2]
    gammas = [r for r in runs if r.particle == "gamma"]
    per_file = {}
    for r in gammas:
        per_file[os.path.basename(r.path)] = _ratios(compute_irfs([r], [], options))
    together = []
    for key in dict.fromkeys(r.instrument_key for r in gammas):
        together.append(_ratios(compute_irfs(
            [r for r in gammas if r.instrument_key == key], [], options)))
    for name, v in per_file.items():
        print(f"{name:45s} written {v['written_max_ratio']:<8g} raw {v['raw_max_ratio']:<8g} "
              f"capped bins {v['capped_bins']}")
    old = _old_union(gammas, options)
    written = max(v["written_max_ratio"] for v in together)
    print(f"all {len(gammas)} gamma files together: {len(together)} IRF sets, largest written "
          f"ratio {written:g}; the old single merged normalisation: {old:.4g}")
    print(json.dumps({"per_file": per_file, "together": together,
                      "together_max_written_ratio": written, "old_merged_ratio": old}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
