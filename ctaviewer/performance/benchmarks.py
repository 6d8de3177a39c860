"""The performance tables of a sample after cuts, each computed by pyirf.

=============================================  ==============================================
table                                          computed by
=============================================  ==============================================
angular_resolution_{true,reco}_energy           ``pyirf.benchmarks.angular_resolution``
energy_bias_resolution_{true,reco}_energy       ``pyirf.benchmarks.energy_bias_resolution``
effective_area (per simulation set-up)          ``pyirf.irf.effective_area_per_energy`` with
                                                ``pyirf.simulations.SimulatedEventsInfo``
                                                (a run at one energy: ``effective_area`` of
                                                the bin that holds it)
migration                                       probability: ``pyirf.irf.energy_migration_matrix``;
                                                counts: ``numpy.histogram2d`` (pyirf returns
                                                the normalised matrix only)
gammaness, theta2                               ``pyirf.binning.create_histogram_table``
=============================================  ==============================================

Energy bins are ``pyirf.binning.create_bins_per_decade`` over whole decades around the true
energies of the gammas (fixed by the sample, not by the cuts, so plots keep their bins while
cuts change). Every table has the events behind each bin (``n_events``) and its error:
bootstrap (the pyirf function called again on resampled events, standard deviation of the
results; NaN for bins of fewer than two events) for θ68, bias and resolution; Poisson
(``astropy.stats.poisson_conf_interval``, frequentist 1σ) for counts and effective areas.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np

from ..errors import CtaviewerError
from ..irf.thrown import ThrownShowers, same_simulation
from ..irf.thrown import describe as describe_simulation
from ..warning_capture import isolated_warnings
from .cuts import Cuts
from .sample import Sample

#: below this many selected gammas or protons the plots say "few events"
FEW_EVENTS = 100

TABLE_NAMES = (
    "angular_resolution_true_energy", "angular_resolution_reco_energy",
    "energy_bias_resolution_true_energy", "energy_bias_resolution_reco_energy",
    "effective_area", "gammaness", "theta2", "migration",
)


@dataclass(frozen=True)
class Options:
    bins_per_decade: int = 5
    n_bootstrap: int = 50
    seed: int = 0
    gammaness_bins: int = 20
    theta2_bins: int = 20


@dataclass
class Setup:
    """Gamma files simulated alike: one ``SimulatedEventsInfo`` and one effective area."""

    index: int
    files: list[int]  # indices into sample.files
    simulation_info: object  # pyirf.simulations.SimulatedEventsInfo
    description: str
    #: all showers at one energy: pyirf's power-law integral does not apply; the area is
    #: ``pyirf.irf.effective_area`` with every shower in the bin that holds the energy
    monoenergetic: bool = False


@dataclass
class PerformanceResult:
    cuts: Cuts
    tables: dict
    notes: list[str]
    counts: dict
    energy_edges: np.ndarray  # TeV
    sample: Sample
    selected: np.ndarray  # mask over the sample: events passing the cuts
    setups: list[Setup] = field(default_factory=list)
    #: resamplings behind the θ68, bias and resolution error bars (0: none computed)
    n_bootstrap: int = 0

    @property
    def few_events(self) -> bool:
        c = self.counts
        return c["gammas_selected"] < FEW_EVENTS or c["protons_selected"] < FEW_EVENTS

    def statistics_note(self) -> str:
        c = self.counts
        text = (f"{c['gammas']} gammas, {c['protons']} protons; after cuts "
                f"{c['gammas_selected']} gammas, {c['protons_selected']} protons")
        return ("few events: " + text) if self.few_events else text

    def gamma_rows(self) -> np.ndarray:
        """Sample rows of the selected gammas."""
        s = self.sample
        return np.flatnonzero(self.selected & s.is_gamma)

    def rows_in_bin(self, energy_type: str, bin_index: int, need_energy: bool = False):
        """Sample rows of the selected gammas in energy bin ``bin_index`` of true or
        reconstructed energy (``energy_type`` "true"/"reco")."""
        rows = self.gamma_rows()
        s = self.sample
        if need_energy or energy_type == "reco":
            rows = rows[np.isfinite(s.reco_energy[rows]) & (s.reco_energy[rows] > 0)]
        e = (s.true_energy if energy_type == "true" else s.reco_energy)[rows]
        lo, hi = self.energy_edges[bin_index], self.energy_edges[bin_index + 1]
        return rows[(e >= lo) & (e < hi)]


def energy_edges(sample: Sample, bins_per_decade: int) -> np.ndarray:
    """Edges (TeV) in whole decades around the true energies of the sample's gammas."""
    from astropy import units as u
    from pyirf.binning import create_bins_per_decade

    e = sample.true_energy[sample.is_gamma & sample.valid]
    e = e[np.isfinite(e) & (e > 0)]
    if len(e) == 0:
        raise CtaviewerError("no reconstructed simulated gammas (primary id 0) among the "
                             "files: the performance plots need gamma simulations")
    lo, hi = np.floor(np.log10(e.min())), np.ceil(np.log10(e.max()))
    if 10**hi <= e.max():  # the top edge is not in the last bin
        hi += 1
    hi = max(hi, lo + 1)
    edges = create_bins_per_decade(10**lo * u.TeV, 10**hi * u.TeV, bins_per_decade)
    return edges.to_value(u.TeV)


def gamma_table(sample: Sample, rows: np.ndarray):
    """The QTable pyirf's functions read, of sample ``rows``."""
    from astropy import units as u
    from astropy.table import QTable

    t = QTable()
    t["true_energy"] = sample.true_energy[rows] * u.TeV
    t["reco_energy"] = sample.reco_energy[rows] * u.TeV
    t["theta"] = sample.theta[rows] * u.deg
    t["true_source_fov_offset"] = sample.true_offset[rows] * u.deg
    t["gh_score"] = sample.gammaness[rows]
    return t


def simulation_setups(sample: Sample) -> tuple[list[Setup], list[str]]:
    """Gamma files grouped by identical simulation (one ``SimulatedEventsInfo`` each)."""
    from astropy import units as u
    from pyirf.simulations import SimulatedEventsInfo

    notes = []
    groups: list[list[int]] = []
    for i, f in enumerate(sample.files):
        if f.particle != "gamma":
            continue
        if f.simulation is None or f.n_thrown <= 0:
            notes.append(f"{f.path}: no simulation run header: its gammas are not in the "
                         f"effective area")
            continue
        for group in groups:
            if same_simulation(sample.files[group[0]].simulation, f.simulation):
                group.append(i)
                break
        else:
            groups.append([i])
    setups = []
    for k, group in enumerate(groups):
        sim = sample.files[group[0]].simulation
        info = SimulatedEventsInfo(
            n_showers=int(sum(sample.files[i].n_thrown for i in group)),
            energy_min=float(sim.energy_min) * u.TeV,
            energy_max=float(sim.energy_max) * u.TeV,
            max_impact=float(sim.max_scatter_range) * u.m,
            spectral_index=float(sim.spectral_index),
            viewcone_min=float(sim.viewcone_min) * u.deg,
            viewcone_max=float(sim.viewcone_max) * u.deg,
        )
        mono = ThrownShowers(0, float(sim.energy_min), float(sim.energy_max), 0, 0, 0, 0,
                             0).monoenergetic
        setups.append(Setup(k, group, info, describe_simulation(sim), mono))
    return setups, notes


def _poisson(n):
    """Frequentist 1σ interval of Poisson counts ``n``: (low, high) counts."""
    from astropy.stats import poisson_conf_interval

    n = np.asarray(n, dtype=np.float64)
    if n.size == 0:
        return n.copy(), n.copy()
    lo, hi = poisson_conf_interval(n, interval="frequentist-confidence")
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


def _bootstrap(table, compute, columns, options: Options, n_events) -> dict:
    """Standard deviation per bin of ``compute(resampled table)[column]`` over
    ``options.n_bootstrap`` resamplings (NaN for bins of fewer than two events)."""
    n_bins = len(n_events)
    out = {c: np.full(n_bins, np.nan) for c in columns}
    m = len(table)
    if m < 2 or options.n_bootstrap < 2:
        return out
    rng = np.random.default_rng(options.seed)
    values = {c: np.empty((options.n_bootstrap, n_bins)) for c in columns}
    for k in range(options.n_bootstrap):
        resampled = compute(table[rng.integers(0, m, m)])
        for c in columns:
            col = resampled[c]
            values[c][k] = getattr(col, "value", np.asarray(col))
    with np.errstate(invalid="ignore"), _quiet():
        for c in columns:
            std = np.nanstd(values[c], axis=0, ddof=1)
            out[c] = np.where(np.asarray(n_events) >= 2, std, np.nan)
    return out


@contextlib.contextmanager
def _quiet():
    """No RuntimeWarnings (empty bins: NaN quantiles, 0/0 areas) from pyirf and numpy."""
    with isolated_warnings(action="ignore", category=RuntimeWarning):
        yield


def angular_resolution_table(events, edges_tev, energy_type: str, options: Options):
    from astropy import units as u
    from pyirf.benchmarks import angular_resolution

    def compute(t):
        with _quiet():
            return angular_resolution(t, edges_tev * u.TeV, energy_type=energy_type)

    result = compute(events)
    err = _bootstrap(events, compute, ["angular_resolution_68"], options, result["n_events"])
    result["angular_resolution_68_err"] = err["angular_resolution_68"] * u.deg
    return result


def energy_bias_resolution_table(events, edges_tev, energy_type: str, options: Options):
    from astropy import units as u
    from pyirf.benchmarks import energy_bias_resolution

    def compute(t):
        with _quiet():
            return energy_bias_resolution(t, edges_tev * u.TeV, energy_type=energy_type)

    result = compute(events)
    err = _bootstrap(events, compute, ["bias", "resolution"], options, result["n_events"])
    result["bias_err"] = err["bias"]
    result["resolution_err"] = err["resolution"]
    return result


def effective_area_table(sample: Sample, selected: np.ndarray, setups: list[Setup],
                         edges_tev):
    """Effective area after cuts per simulation set-up (rows of every set-up, ``setup``
    column), with the selected and simulated counts and Poisson errors."""
    from astropy import units as u
    from astropy.table import QTable, vstack
    from pyirf.irf import effective_area, effective_area_per_energy

    bins = edges_tev * u.TeV
    parts = []
    for setup in setups:
        rows = np.flatnonzero(selected & sample.is_gamma & np.isin(sample.file_index,
                                                                   setup.files))
        events = gamma_table(sample, rows)
        n_sel, _ = np.histogram(events["true_energy"].to_value(u.TeV), edges_tev)
        info = setup.simulation_info
        if setup.monoenergetic:  # every shower in the bin that holds the one energy
            e0 = info.energy_min.to_value(u.TeV)
            n_sim = np.where((edges_tev[:-1] <= e0) & (e0 < edges_tev[1:]),
                             float(info.n_showers), 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                area = effective_area(n_sel, n_sim, np.pi * info.max_impact**2)
        else:
            with np.errstate(invalid="ignore", divide="ignore"), _quiet():
                area = effective_area_per_energy(events, info, bins)
            n_sim = info.calculate_n_showers_per_energy(bins)
        per_event = np.divide(np.pi * setup.simulation_info.max_impact.to_value(u.m) ** 2,
                              n_sim, out=np.full(len(n_sim), np.nan), where=n_sim > 0)
        lo, hi = _poisson(n_sel)
        t = QTable()
        t["setup"] = np.full(len(n_sel), setup.index)
        t["true_energy_low"] = bins[:-1]
        t["true_energy_high"] = bins[1:]
        t["true_energy_center"] = 0.5 * (bins[:-1] + bins[1:])
        t["n_events"] = n_sel
        t["n_simulated"] = n_sim
        t["effective_area"] = area.to(u.m**2)
        t["effective_area_err_low"] = (n_sel - lo) * per_event * u.m**2
        t["effective_area_err_high"] = (hi - n_sel) * per_event * u.m**2
        parts.append(t)
    if not parts:
        t = QTable(names=("setup", "true_energy_low", "true_energy_high",
                          "true_energy_center", "n_events", "n_simulated", "effective_area",
                          "effective_area_err_low", "effective_area_err_high"),
                   dtype=(int, float, float, float, int, float, float, float, float))
        for c in ("true_energy_low", "true_energy_high", "true_energy_center"):
            t[c].unit = u.TeV
        for c in ("effective_area", "effective_area_err_low", "effective_area_err_high"):
            t[c].unit = u.m**2
        return t
    return vstack(parts) if len(parts) > 1 else parts[0]


def _over_thrown_notes(aeff, setups: list[Setup], sample: Sample) -> list[str]:
    """A note per set-up with bins holding more selected gammas than showers expected to
    have been thrown there (their area exceeds the thrown area: too few showers simulated
    in that bin, or a file cut short)."""
    notes = []
    for setup in setups:
        rows = aeff[np.asarray(aeff["setup"]) == setup.index]
        over = int((np.asarray(rows["n_events"]) > np.asarray(rows["n_simulated"])).sum())
        if over:
            names = ", ".join(sample.files[i].path.rsplit("/", 1)[-1] for i in setup.files)
            notes.append(f"{names}: {over} effective-area "
                         f"{'bins hold' if over > 1 else 'bin holds'} "
                         f"more selected gammas than showers expected to be thrown there "
                         f"(too few showers simulated, or a file cut short): the area there "
                         f"exceeds the thrown area")
    return notes


def histogram_table(values, edges, key: str, unit=None, **counts):
    """Counts of ``values`` in ``edges`` (pyirf's ``create_histogram_table``) with Poisson
    errors; ``counts``: further name -> values histogrammed into the same table."""
    from astropy.table import QTable
    from pyirf.binning import create_histogram_table

    def hist(v):
        t = QTable()
        t[key] = v if unit is None else v * unit
        return create_histogram_table(t, edges if unit is None else edges * unit, key=key)

    series = {"n_events": values, **counts}
    out = None
    for name, v in series.items():
        h = hist(np.asarray(v, dtype=np.float64))
        if out is None:
            out = h[[f"{key}_low", f"{key}_high", f"{key}_center"]]
        lo, hi = _poisson(h["n"])
        out[name] = h["n"]
        out[f"{name}_err_low"] = h["n"] - lo
        out[f"{name}_err_high"] = hi - h["n"]
    return out


def migration_table(events, edges_tev):
    """Counts (numpy.histogram2d) and probability along reconstructed energy
    (``pyirf.irf.energy_migration_matrix``) per (true, reconstructed) energy bin."""
    from astropy import units as u
    from astropy.table import QTable
    from pyirf.irf.energy_dispersion import energy_migration_matrix

    bins = edges_tev * u.TeV
    counts, _, _ = np.histogram2d(events["true_energy"].to_value(u.TeV),
                                  events["reco_energy"].to_value(u.TeV),
                                  bins=[edges_tev, edges_tev])
    with _quiet():
        prob = energy_migration_matrix(events, bins, bins, [0.0, 180.0] * u.deg)[:, :, 0]
    n = len(edges_tev) - 1
    ti, ri = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    t = QTable()
    t["true_energy_low"] = bins[:-1][ti.ravel()]
    t["true_energy_high"] = bins[1:][ti.ravel()]
    t["reco_energy_low"] = bins[:-1][ri.ravel()]
    t["reco_energy_high"] = bins[1:][ri.ravel()]
    t["n_events"] = counts.astype(np.int64).ravel()
    t["probability"] = prob.ravel()
    return t


def theta2_edges(theta_deg: np.ndarray, cuts: Cuts, n_bins: int) -> np.ndarray:
    """θ² edges (deg²) from 0 to beyond the θ cut and most of the events."""
    top = 0.05
    if cuts.theta_max_deg is not None:
        top = max(top, 2.0 * cuts.theta_max_deg**2)
    finite = theta_deg[np.isfinite(theta_deg)]
    if len(finite):
        top = max(top, float(np.percentile(finite**2, 90)))
    step = 10 ** np.floor(np.log10(top / n_bins))
    top = np.ceil(top / n_bins / step) * step * n_bins
    return np.linspace(0.0, top, n_bins + 1)


def compute(sample: Sample, cuts: Cuts, options: Options = Options(),
            should_stop=None) -> PerformanceResult:
    """Every performance table of ``sample`` after ``cuts``."""
    from astropy import units as u

    stop = should_stop or (lambda: False)
    edges = energy_edges(sample, options.bins_per_decade)
    selected = sample.select(cuts)
    gammas, protons = sample.is_gamma, sample.is_proton
    counts = {"gammas": int(gammas.sum()), "protons": int(protons.sum()),
              "gammas_selected": int((selected & gammas).sum()),
              "protons_selected": int((selected & protons).sum()),
              "files": len(sample.files)}
    notes = []
    for f in sample.files:
        if not f.has_gammaness and cuts.gammaness_min is not None:
            notes.append(f"{f.path}: no gammaness (no classifier output): not cut on it")
        if not f.has_intensity and cuts.intensity_min > 0:
            notes.append(f"{f.path}: no image parameters: cut on multiplicity only")
        if not f.has_energy:
            notes.append(f"{f.path}: no reconstructed energy: not in the energy plots")
    setups, setup_notes = simulation_setups(sample)
    notes += setup_notes

    rows = np.flatnonzero(selected & gammas)
    g = gamma_table(sample, rows)
    energy_ok = np.isfinite(g["reco_energy"].value) & (g["reco_energy"].value > 0)
    ge = g[energy_ok]
    tables = {}
    for energy_type, events in (("true", g), ("reco", ge)):
        if stop():
            return None
        tables[f"angular_resolution_{energy_type}_energy"] = angular_resolution_table(
            events, edges, energy_type, options)
    for energy_type in ("true", "reco"):
        if stop():
            return None
        tables[f"energy_bias_resolution_{energy_type}_energy"] = \
            energy_bias_resolution_table(ge, edges, energy_type, options)
    tables["effective_area"] = effective_area_table(sample, selected, setups, edges)
    notes += _over_thrown_notes(tables["effective_area"], setups, sample)
    tables["migration"] = migration_table(ge, edges)
    # the distributions of the cut quantities, with every other cut applied
    no_g = sample.select(cuts.without("gammaness"))
    counts["without_gammaness"] = {
        "gammas": int((no_g & gammas & ~np.isfinite(sample.gammaness)).sum()),
        "protons": int((no_g & protons & ~np.isfinite(sample.gammaness)).sum())}
    no_g &= np.isfinite(sample.gammaness)
    tables["gammaness"] = histogram_table(
        sample.gammaness[no_g & gammas], np.linspace(0, 1, options.gammaness_bins + 1),
        "gammaness", n_gammas=sample.gammaness[no_g & gammas],
        n_protons=sample.gammaness[no_g & protons])
    tables["gammaness"].remove_columns(["n_events", "n_events_err_low", "n_events_err_high"])
    no_t = sample.select(cuts.without("theta")) & gammas
    theta = sample.theta[no_t]
    tables["theta2"] = histogram_table(theta**2, theta2_edges(theta, cuts, options.theta2_bins),
                                       "theta2", unit=u.deg**2)
    meta = {"cuts": cuts.as_meta(), "files": [f.path for f in sample.files],
            "counts": counts, "setups": [s.description for s in setups],
            "error_bars": "bootstrap (angular resolution, bias, resolution), Poisson "
                          "frequentist 1 sigma (counts, effective area)",
            "n_bootstrap": options.n_bootstrap}
    for name, table in tables.items():
        table.meta.update(meta)
        table.meta["computed_by"] = COMPUTED_BY[name]
    return PerformanceResult(cuts, tables, notes, counts, edges, sample, selected, setups,
                             options.n_bootstrap)


COMPUTED_BY = {
    "angular_resolution_true_energy": "pyirf.benchmarks.angular_resolution",
    "angular_resolution_reco_energy": "pyirf.benchmarks.angular_resolution",
    "energy_bias_resolution_true_energy": "pyirf.benchmarks.energy_bias_resolution",
    "energy_bias_resolution_reco_energy": "pyirf.benchmarks.energy_bias_resolution",
    "effective_area": "pyirf.irf.effective_area_per_energy",
    "migration": "probability: pyirf.irf.energy_migration_matrix; counts: numpy.histogram2d",
    "gammaness": "pyirf.binning.create_histogram_table",
    "theta2": "pyirf.binning.create_histogram_table",
}
