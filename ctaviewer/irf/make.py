"""DL2 files → a GADF DL3 folder: IRFs from the simulations, one observation per file."""

from __future__ import annotations

import numpy as np

from ..writers.dl3 import ObservationOptions, write_dl3
from .compute import IRFOptions, compute_irfs
from .events import load_dl2

GAMMA_ID, PROTON_ID = 0, 101


def particle_of(events) -> str:
    """'gamma', 'proton' or 'other' from the primary ids of the simulated showers."""
    ids = events.primary_id[events.primary_id >= 0]
    if len(ids) == 0:
        return "other"
    main = int(np.bincount(ids).argmax()) if ids.min() >= 0 else int(ids[0])
    return {GAMMA_ID: "gamma", PROTON_ID: "proton"}.get(main, "other")


def make_dl3(dl2_paths, out_dir, obs_options: ObservationOptions, irf_options: IRFOptions,
             *, overwrite: bool = False, log=print) -> dict:
    """Write ``out_dir`` (EVENTS/GTI/POINTING/IRFs per file, indexes); return counts."""
    events = [load_dl2(p) for p in dl2_paths]
    gammas = [e for e in events if particle_of(e) == "gamma"]
    protons = [e for e in events if particle_of(e) == "proton"]
    hdus, counts = compute_irfs(gammas, protons, irf_options)
    log(f"IRFs from {counts['gammas_selected']}/{counts['gammas_total']} gamma events after "
        f"cuts and {counts['protons_selected']} proton events")
    used, observations = set(), []
    for e in events:
        obs_id = e.obs_id
        while obs_id in used:
            obs_id += 1
        used.add(obs_id)
        observations.append((obs_id, e))
    files = write_dl3(out_dir, observations, hdus, obs_options, overwrite=overwrite)
    return {**counts, "observations": [o for o, _ in observations], "files": files}
