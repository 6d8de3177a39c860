"""DL2 files → a GADF DL3 folder: IRFs per instrument set-up, one observation per file.

Each observation carries the IRFs of its own instrument (the same telescopes at the same
pointing altitude; several azimuths give azimuth-averaged IRFs), made from the gamma runs
(effective area, energy dispersion, PSF or RAD_MAX) and proton runs (background) of that
instrument among the inputs. A file whose instrument has no gamma
run among the inputs has no IRFs and is left out, with a warning naming it. OBS_IDs must be
unique in a DL3 folder (gammapy's DataStore finds observations by OBS_ID): a file whose id is
already taken gets a free one, with a warning, and keeps its own in the SIM_RUN keyword.
"""

from __future__ import annotations

import os

from ..errors import CtaviewerError
from ..writers.dl3 import Observation, ObservationOptions, write_dl3
from .compute import IRFOptions, IRFSet, compute_irfs
from .runs import SimRun, load_run


def unique_obs_ids(items: list[tuple[str, int]]) -> tuple[list[int], list[str]]:
    """Unique ids for (label, obs_id) items in order: the first holder of an id keeps it, a
    later one gets the next free id above all ids. Returns the ids and one message per change."""
    taken = {obs_id for _, obs_id in items}
    next_free = max(taken, default=0) + 1
    used: dict[int, str] = {}
    ids, messages = [], []
    for label, obs_id in items:
        if obs_id in used:
            new = next_free
            next_free += 1
            messages.append(f"{label} has obs_id {obs_id}, already used by {used[obs_id]}: "
                            f"written as OBS_ID {new} (OBS_IDs must be unique in a DL3 folder)")
            obs_id = new
        used[obs_id] = label
        ids.append(obs_id)
    return ids, messages


def _object(run: SimRun) -> tuple[str, tuple[float, float] | None]:
    """OBJECT of a simulated observation and, for a point source, its true direction."""
    sim = run.simulation
    if sim.viewcone_max > sim.viewcone_min:
        return (f"simulated diffuse {run.particle} (viewcone {sim.viewcone_min:g}-"
                f"{sim.viewcone_max:g} deg)"), None
    return f"simulated point-like {run.particle}", (float(sim.max_alt), float(sim.max_az))


def make_dl3(dl2_paths, out_dir, obs_options: ObservationOptions, irf_options: IRFOptions,
             *, overwrite: bool = False, log=print) -> dict:
    """Write ``out_dir`` (EVENTS/GTI/POINTING/IRFs per file, indexes); return what was done:
    counts, observation ids and files, the IRF sets (with A_eff / thrown area), the files left
    out and the renumbered obs_ids."""
    runs = [load_run(p) for p in dl2_paths]
    for r in runs:
        if r.particle == "unknown":
            log(f"warning: {r.label}: no events and no particle name in the run header: not "
                f"used for IRFs (were it a gamma run, its thrown showers are missing from the "
                f"effective area)")
        short = r.cut_short()
        if short:
            log(f"warning: {short}")
    setups: dict[tuple, list[SimRun]] = {}
    for r in runs:
        setups.setdefault(r.instrument_key, []).append(r)
    irfs: dict[tuple, IRFSet] = {}
    for key, members in setups.items():
        gammas = [r for r in members if r.particle == "gamma"]
        if not gammas:
            continue
        protons = [r for r in members if r.particle == "proton"]
        irf = compute_irfs(gammas, protons, irf_options)
        irfs[key] = irf
        c = irf.counts
        azimuths = sorted({r.azimuth for r in gammas + protons})
        if len(azimuths) > 1:
            log(f"IRFs of {members[0].describe_instrument()} averaged over the pointing "
                f"azimuths {', '.join(f'{a:g}' for a in azimuths)} deg of its runs")
        log(f"IRFs of {members[0].describe_instrument()}: {c['gammas_selected']}/"
            f"{c['gammas_total']} gamma events after cuts from {len(gammas)} run(s), "
            f"{c['protons_selected']} proton events from {len(protons)} run(s); "
            f"max A_eff {irf.aeff_m2.max():.4g} m2 = {irf.max_aeff_over_thrown_area:.3g} x "
            f"the thrown area")
        if irf.n_bins_at_thrown_area:
            log(f"warning: {irf.n_bins_at_thrown_area} effective-area bin(s) of "
                f"{', '.join(irf.gamma_runs)} hold more selected gammas than showers expected "
                f"to have been thrown there: too few simulated showers to measure the area; "
                f"set to the thrown area {irf.thrown.area_m2:.4g} m2, its physical maximum")
        if not protons:
            log(f"warning: no proton run of {members[0].describe_instrument()}: its "
                f"BACKGROUND is zero")
    if not irfs:
        raise CtaviewerError(
            "IRFs need at least one DL2 file of simulated gammas (primary id 0) among the inputs")
    kept = [r for r in runs if r.instrument_key in irfs]
    skipped = [r for r in runs if r.instrument_key not in irfs]
    for r in skipped:
        log(f"warning: {r.label} left out of DL3: no gamma run of its instrument "
            f"({r.describe_instrument()}) among the inputs, so no IRFs for it")
    ids, renumbered = unique_obs_ids([(r.label, r.obs_id) for r in kept])
    for message in renumbered:
        log(f"warning: {message}")
    observations = []
    for obs_id, r in zip(ids, kept):
        name, source = _object(r)
        observations.append(Observation(
            obs_id=obs_id, events=r.events, irf_hdus=irfs[r.instrument_key].hdus,
            tel_ids=r.tel_ids, instrument=f"simulated {r.describe_telescopes()}",
            object_name=name, source_altaz=source, source_file=r.path,
            run_number=r.simulation.run_number))
    files = write_dl3(out_dir, observations, obs_options, overwrite=overwrite)
    totals = {k: sum(i.counts[k] for i in irfs.values())
              for k in ("gammas_selected", "gammas_total", "protons_selected")}
    return {
        **totals,
        "observations": ids,
        "files": files,
        "irfs": [{"gamma_runs": i.gamma_runs, "proton_runs": i.proton_runs,
                  "observations": [o for o, r in zip(ids, kept) if r.instrument_key == key],
                  "max_aeff_m2": float(i.aeff_m2.max()), "thrown_area_m2": i.thrown.area_m2,
                  "max_aeff_over_thrown_area": i.max_aeff_over_thrown_area,
                  "bins_at_thrown_area": i.n_bins_at_thrown_area,
                  **i.counts} for key, i in irfs.items()],
        "skipped": [os.path.basename(r.path) for r in skipped],
        "renumbered": renumbered,
    }
