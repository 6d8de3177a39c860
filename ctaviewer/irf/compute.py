"""IRFs of one instrument set-up from simulated DL2 events, after gammaness (and theta) cuts.

The effective area is normalised by the thrown showers of the gamma runs of that set-up
(``thrown.combine_runs``: runs are added up only when simulated alike, otherwise refused with
their names). Energy dispersion and PSF (or RAD_MAX) are pyirf's; the background comes from the
proton runs of the same set-up weighted to the IRF-document proton spectrum. Even with a
handful of events every HDU is valid (zeros where nothing passed). HDU names and classes are
the GADF ones of ``datamodel.gadf``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..datamodel import gadf
from ..errors import CtaviewerError
from .thrown import ThrownShowers, combine_runs


@dataclass(frozen=True)
class IRFOptions:
    gammaness_cut: float = 0.5
    point_like: bool = False
    theta_cut_deg: float = 0.2  # point-like only: RAD_MAX
    bins_per_decade: int = 5
    obstime_s: float = 3600.0  # background weighting reference time


@dataclass
class IRFSet:
    """The IRF HDUs of one instrument set-up and what they were made from."""

    hdus: list
    counts: dict
    thrown: ThrownShowers
    aeff_m2: np.ndarray  # (energy, offset) as written
    energy_edges_tev: np.ndarray
    offset_edges_deg: np.ndarray
    n_selected: np.ndarray  # gamma events per (energy, offset) bin after cuts
    gamma_runs: list[str] = field(default_factory=list)
    proton_runs: list[str] = field(default_factory=list)

    @property
    def n_thrown_expected(self) -> np.ndarray:
        """Expected thrown showers per (energy, offset) bin."""
        return self.thrown.expected(self.energy_edges_tev, self.offset_edges_deg)

    @property
    def max_aeff_over_thrown_area(self) -> float:
        return float(self.aeff_m2.max()) / self.thrown.area_m2 if self.aeff_m2.size else 0.0

    @property
    def n_bins_at_thrown_area(self) -> int:
        """Bins with more selected events than thrown showers expected: too few showers
        were simulated there to measure the area, which is set to the thrown area."""
        return int((self.n_selected > self.n_thrown_expected).sum())


def irf_binning(thrown: ThrownShowers, options: IRFOptions) -> tuple[np.ndarray, np.ndarray]:
    """True-energy edges (TeV) over the simulated range and offset edges (deg) over the
    viewcone. A run at one energy gets three bins centred on it (the outer ones empty: an
    axis of one node cannot be interpolated); a point-like run one offset bin that holds its
    source offset (the area is known at that offset only; readers take it as constant)."""
    bpd = options.bins_per_decade
    if thrown.monoenergetic:
        energy = thrown.energy_min * 10.0 ** (np.array([-1.5, -0.5, 0.5, 1.5]) / bpd)
    else:
        lo, hi = thrown.energy_min, thrown.energy_max
        n = max(1, int(np.ceil(np.log10(hi / lo) * bpd - 1e-9)))
        energy = np.geomspace(lo, hi, n + 1)
    if thrown.diffuse:
        vmax = thrown.viewcone_max
        offset = np.linspace(0.0, vmax, max(2, int(np.ceil(vmax))) + 1)
    else:
        offset = np.array([0.0, max(1.0, float(np.ceil(2 * thrown.offset_deg)))])
    return energy, offset


def _table(events):
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


def declare(hdu, point_like: bool) -> None:
    """Give an IRF HDU the GADF class keywords of its format (pyirf writes HDUVERS 0.2)."""
    spec = gadf.IRFS[hdu.name].spec(point_like)
    for name, value, comment in gadf.cards(spec.class_header()):
        hdu.header[name] = (value, comment)


def _proton_weights(p, protons, thrown: ThrownShowers, obstime_s: float) -> np.ndarray:
    from astropy import units as u
    from pyirf.spectral import IRFDOC_PROTON_SPECTRUM

    labels = ", ".join(r.label for r in protons)
    if not thrown.diffuse or thrown.monoenergetic:
        raise CtaviewerError(
            f"background needs diffuse proton runs over an energy range; {labels} "
            f"{'are point-like' if not thrown.diffuse else 'are at one energy'}")
    e = p["true_energy"].to_value(u.TeV)
    target = IRFDOC_PROTON_SPECTRUM(e * u.TeV).to_value(1 / (u.TeV * u.m**2 * u.s * u.sr))
    simulated = thrown.flux_per_tev_m2_s_sr(e, obstime_s)
    return np.divide(target, simulated, out=np.zeros_like(e), where=simulated > 0)


def compute_irfs(gammas, protons, options: IRFOptions) -> IRFSet:
    """IRF HDUs (effective area, energy dispersion, PSF or RAD_MAX, background) of one
    instrument set-up from its gamma and proton runs (``runs.SimRun``)."""
    from astropy import units as u
    from pyirf.io import (
        create_aeff2d_hdu,
        create_background_2d_hdu,
        create_energy_dispersion_hdu,
        create_psf_table_hdu,
        create_rad_max_hdu,
    )
    from pyirf.irf import background_2d, energy_dispersion, psf_table

    if not gammas:
        raise CtaviewerError(
            "IRFs need at least one DL2 file of simulated gammas (primary id 0) among the inputs"
        )
    thrown = combine_runs("gamma", [(r.label, r.simulation, r.pointing) for r in gammas])
    e_edges, fov_edges = irf_binning(thrown, options)
    energy_bins, fov_bins = e_edges * u.TeV, fov_edges * u.deg
    migration_bins = np.geomspace(0.2, 5.0, 31)
    source_offset_bins = np.linspace(0.0, 1.0, 101) * u.deg

    g = _table([r.events for r in gammas])
    sel = g[_selected(g, options, options.point_like)]
    n_selected, _, _ = np.histogram2d(sel["true_energy"].to_value(u.TeV),
                                      sel["true_source_fov_offset"].to_value(u.deg),
                                      bins=[e_edges, fov_edges])
    aeff = thrown.effective_area(n_selected, e_edges, fov_edges)
    edisp = energy_dispersion(sel, energy_bins, fov_bins, migration_bins)
    pl = options.point_like
    hdus = [
        create_aeff2d_hdu(aeff * u.m**2, energy_bins, fov_bins, point_like=pl,
                          extname="EFFECTIVE AREA"),
        create_energy_dispersion_hdu(edisp, energy_bins, migration_bins, fov_bins,
                                     point_like=pl, extname="ENERGY DISPERSION"),
    ]
    if pl:
        rad_max = np.full((len(energy_bins) - 1, len(fov_bins) - 1), options.theta_cut_deg)
        hdus.append(create_rad_max_hdu(rad_max * u.deg, energy_bins, fov_bins,
                                       extname="RAD_MAX"))
    else:
        psf = psf_table(sel, energy_bins, source_offset_bins, fov_bins)
        hdus.append(create_psf_table_hdu(psf, energy_bins, source_offset_bins, fov_bins,
                                         extname="PSF"))
    obstime = options.obstime_s * u.s
    if protons:
        p_thrown = combine_runs("proton",
                                [(r.label, r.simulation, r.pointing) for r in protons])
        p = _table([r.events for r in protons])
        p["weight"] = _proton_weights(p, protons, p_thrown, options.obstime_s)
        p_sel = p[_selected(p, options, False)]
    else:
        p_sel = g[:0]
        p_sel["weight"] = np.zeros(0)
    bkg_fov = np.linspace(0.0, max(1.0, fov_edges[-1]), 3) * u.deg
    bkg = background_2d(p_sel, energy_bins, bkg_fov, obstime)
    hdus.append(create_background_2d_hdu(bkg.T, energy_bins, bkg_fov, extname="BACKGROUND"))
    for h in hdus:
        declare(h, pl and h.name != "BACKGROUND")  # the background has no theta cut
        if pl and h.name in ("EFFECTIVE AREA", "ENERGY DISPERSION"):
            # irfs/point_like/index.rst, "RAD_MAX": a constant cut may be given as a keyword
            h.header["RAD_MAX"] = (float(options.theta_cut_deg), "directional cut [deg]")
    counts = {"gammas_selected": int(len(sel)), "gammas_total": int(len(g)),
              "protons_selected": int(len(p_sel))}
    return IRFSet(hdus, counts, thrown, aeff, e_edges, fov_edges, n_selected,
                  [r.label for r in gammas], [r.label for r in protons])
