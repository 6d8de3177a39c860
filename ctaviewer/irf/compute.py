"""IRFs with pyirf from simulated DL2 events, after gammaness (and direction) cuts.

The thrown-event normalisation comes from the simulation run headers: showers × reuse,
scatter radius, viewcone, energy range and spectral index, summed over the files of one
particle type. Background comes from protons weighted to the IRF-document proton spectrum.
Even with a handful of events every HDU is valid (zeros where nothing passed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CtaviewerError, InputFileError
from .events import DL2Events

#: GADF extension names and (HDU_TYPE, HDU_CLASS) as the hdu-index lists them
IRF_HDUS = {
    "EFFECTIVE AREA": ("aeff", "aeff_2d"),
    "ENERGY DISPERSION": ("edisp", "edisp_2d"),
    "PSF": ("psf", "psf_table"),
    "BACKGROUND": ("bkg", "bkg_2d"),
    "RAD_MAX": ("rad_max", "rad_max_2d"),
}


@dataclass(frozen=True)
class IRFOptions:
    gammaness_cut: float = 0.5
    point_like: bool = False
    theta_cut_deg: float = 0.2  # point-like only: RAD_MAX
    bins_per_decade: int = 5
    obstime_s: float = 3600.0  # background weighting reference time


def _sim_info(events: list[DL2Events]):
    from astropy import units as u
    from pyirf.simulations import SimulatedEventsInfo

    sims = [e.simulation for e in events if e.simulation is not None]
    if not sims:
        raise InputFileError(events[0].path, "no simulation run header: cannot normalise IRFs")
    s0 = sims[0]
    return SimulatedEventsInfo(
        n_showers=int(sum(s.n_thrown for s in sims)),
        energy_min=min(s.energy_min for s in sims) * u.TeV,
        energy_max=max(s.energy_max for s in sims) * u.TeV,
        max_impact=max(s.max_scatter_range for s in sims) * u.m,
        spectral_index=float(s0.spectral_index),
        viewcone_min=min(s.viewcone_min for s in sims) * u.deg,
        viewcone_max=max(s.viewcone_max for s in sims) * u.deg,
    )


def _table(events: list[DL2Events]):
    from astropy import units as u
    from astropy.table import QTable

    def cat(name):
        return np.concatenate([np.asarray(getattr(e, name), dtype=np.float64) for e in events])

    t = QTable()
    t["true_energy"] = cat("true_energy") * u.TeV
    t["reco_energy"] = cat("reco_energy") * u.TeV
    t["true_source_fov_offset"] = cat("true_offset") * u.deg
    t["reco_source_fov_offset"] = cat("reco_offset") * u.deg
    t["theta"] = cat("theta") * u.deg
    t["gh_score"] = cat("gammaness")
    t["valid"] = np.concatenate([e.valid for e in events])
    return t


def _selected(t, options: IRFOptions, theta: bool) -> np.ndarray:
    from astropy import units as u

    ok = t["valid"] & np.isfinite(t["reco_energy"].value) & (t["reco_energy"].value > 0)
    ok &= np.isfinite(t["gh_score"]) & (t["gh_score"] >= options.gammaness_cut)
    if theta:
        ok &= t["theta"] < options.theta_cut_deg * u.deg
    return ok


def compute_irfs(gammas: list[DL2Events], protons: list[DL2Events], options: IRFOptions):
    """FITS HDUs: effective area, energy dispersion, PSF, background (+ RAD_MAX)."""
    from astropy import units as u
    from pyirf.io import (
        create_aeff2d_hdu,
        create_background_2d_hdu,
        create_energy_dispersion_hdu,
        create_psf_table_hdu,
        create_rad_max_hdu,
    )
    from pyirf.irf import (
        background_2d,
        effective_area_per_energy,
        effective_area_per_energy_and_fov,
        energy_dispersion,
        psf_table,
    )
    from pyirf.spectral import IRFDOC_PROTON_SPECTRUM, PowerLaw, calculate_event_weights

    if not gammas:
        raise CtaviewerError(
            "IRFs need at least one DL2 file of simulated gammas (primary id 0) among the inputs"
        )
    sim = _sim_info(gammas)
    e_lo, e_hi = sim.energy_min.to_value(u.TeV), sim.energy_max.to_value(u.TeV)
    n_bins = max(1, int(np.ceil(np.log10(e_hi / e_lo) * options.bins_per_decade)))
    energy_bins = np.geomspace(e_lo, e_hi, n_bins + 1) * u.TeV
    vmax = sim.viewcone_max.to_value(u.deg)
    if vmax > 0:
        fov_bins = np.linspace(0.0, vmax, max(2, int(np.ceil(vmax))) + 1) * u.deg
    else:
        fov_bins = np.array([0.0, 1.0]) * u.deg
    migration_bins = np.geomspace(0.2, 5.0, 31)
    source_offset_bins = np.linspace(0.0, 1.0, 101) * u.deg

    g = _table(gammas)
    sel = g[_selected(g, options, options.point_like)]
    if vmax > 0:
        aeff = effective_area_per_energy_and_fov(sel, sim, energy_bins, fov_bins)
    else:  # point-like simulation: one offset bin, the area at the simulated offset
        aeff = effective_area_per_energy(sel, sim, energy_bins)[:, np.newaxis]
    edisp = energy_dispersion(sel, energy_bins, fov_bins, migration_bins)
    hdus = [
        create_aeff2d_hdu(aeff, energy_bins, fov_bins, point_like=options.point_like,
                          extname="EFFECTIVE AREA"),
        create_energy_dispersion_hdu(edisp, energy_bins, migration_bins, fov_bins,
                                     point_like=options.point_like,
                                     extname="ENERGY DISPERSION"),
    ]
    if options.point_like:
        rad_max = np.full((len(energy_bins) - 1, len(fov_bins) - 1), options.theta_cut_deg)
        hdus.append(create_rad_max_hdu(rad_max * u.deg, energy_bins, fov_bins,
                                       extname="RAD_MAX"))
    else:
        psf = psf_table(sel, energy_bins, source_offset_bins, fov_bins)
        hdus.append(create_psf_table_hdu(psf, energy_bins, source_offset_bins, fov_bins,
                                         extname="PSF"))
    obstime = options.obstime_s * u.s
    if protons:
        p_sim = _sim_info(protons)
        p = _table(protons)
        p["weight"] = calculate_event_weights(
            p["true_energy"], IRFDOC_PROTON_SPECTRUM, PowerLaw.from_simulation(p_sim, obstime)
        )
        p_sel = p[_selected(p, options, False)]
    else:
        p_sel = g[:0]
        p_sel["weight"] = np.zeros(0)
    bkg_fov = np.linspace(0.0, max(1.0, fov_bins[-1].to_value(u.deg)), 3) * u.deg
    bkg = background_2d(p_sel, energy_bins, bkg_fov, obstime)
    hdus.append(create_background_2d_hdu(bkg.T, energy_bins, bkg_fov, extname="BACKGROUND"))
    counts = {"gammas_selected": int(len(sel)), "gammas_total": int(len(g)),
              "protons_selected": int(len(p_sel))}
    return hdus, counts
