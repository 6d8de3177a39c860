"""What each performance plot shows, as data (Qt-free): the application and the command
line draw these with the same pyqtgraph code (``app.performance.plot_view``).

A point of an energy plot stands for one energy bin: ``Series.bins`` gives its bin index and
``Series.energy_type`` whether the bins are of true or reconstructed energy, so that a click
on it can list the events of that bin (``PerformanceResult.rows_in_bin``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .benchmarks import PerformanceResult


@dataclass
class Series:
    label: str
    x: np.ndarray
    y: np.ndarray
    y_err_low: np.ndarray | None = None
    y_err_high: np.ndarray | None = None
    x_low: np.ndarray | None = None  # bin edges: horizontal bars / histogram steps
    x_high: np.ndarray | None = None
    counts: np.ndarray | None = None  # events behind each point, written beside it
    bins: np.ndarray | None = None  # energy bin index of each point
    energy_type: str | None = None  # "true" / "reco": the bins' energy
    step: bool = False  # a histogram drawn as steps
    color: int = 0


@dataclass
class Image:
    """A 2-D histogram: ``values[i, j]`` over x bin i and y bin j (edges in plot units)."""

    values: np.ndarray
    x_edges: np.ndarray
    y_edges: np.ndarray
    counts: np.ndarray
    label: str = ""


@dataclass
class Plot:
    name: str
    title: str
    x_label: str
    y_label: str
    log_x: bool = False
    log_y: bool = False
    series: list[Series] = field(default_factory=list)
    vlines: list[tuple[float, str]] = field(default_factory=list)
    hlines: list[tuple[float, str]] = field(default_factory=list)
    image: Image | None = None
    note: str = ""
    #: the ECSV tables the plot's numbers come from
    tables: tuple[str, ...] = ()
    #: where the legend goes: "top right" or "bottom right"
    legend_corner: str = "top right"


def _centre(t, key):
    """Geometric bin centres (the middle on a log axis)."""
    return np.sqrt(t[f"{key}_low"].value * t[f"{key}_high"].value)


def _with_events(t, *columns):
    """Rows with events and finite values in ``columns``."""
    ok = np.asarray(t["n_events"]) > 0
    for c in columns:
        ok &= np.isfinite(np.asarray(getattr(t[c], "value", t[c]), dtype=np.float64))
    return ok


def _value(col):
    return np.asarray(getattr(col, "value", col), dtype=np.float64)


def _energy_series(t, column: str, err: str, energy_type: str, label: str, color: int,
                   scale: float = 1.0) -> Series:
    key = f"{energy_type}_energy"
    ok = _with_events(t, column)
    e = _value(t[err])[ok] * scale
    e = np.where(np.isfinite(e), e, 0.0)
    return Series(label, _centre(t, key)[ok], _value(t[column])[ok] * scale, e, e,
                  _value(t[f"{key}_low"])[ok], _value(t[f"{key}_high"])[ok],
                  np.asarray(t["n_events"])[ok], np.flatnonzero(ok), energy_type,
                  color=color)


def make_plots(result: PerformanceResult) -> list[Plot]:
    t = result.tables
    note = result.statistics_note()
    cuts = result.cuts.describe()
    plots = []
    ang = Plot("angular_resolution", "Angular resolution (θ68)", "energy / TeV",
               "θ68 / deg", log_x=True, note=note, tables=(
                   "angular_resolution_true_energy", "angular_resolution_reco_energy"))
    for color, energy_type in enumerate(("true", "reco")):
        ang.series.append(_energy_series(
            t[f"angular_resolution_{energy_type}_energy"], "angular_resolution_68",
            "angular_resolution_68_err", energy_type, f"vs {energy_type} energy", color))
    plots.append(ang)
    for what, title in (("resolution", "Energy resolution"), ("bias", "Energy bias")):
        measure = "68% half-width" if what == "resolution" else "median"
        p = Plot(f"energy_{what}", title, "energy / TeV",
                 f"{what} (reco/true − 1: {measure})",
                 log_x=True, note=note, tables=("energy_bias_resolution_true_energy",
                                                "energy_bias_resolution_reco_energy"))
        if what == "bias":
            p.hlines.append((0.0, ""))
        for color, energy_type in enumerate(("true", "reco")):
            p.series.append(_energy_series(
                t[f"energy_bias_resolution_{energy_type}_energy"], what, f"{what}_err",
                energy_type, f"vs {energy_type} energy", color))
        plots.append(p)
    aeff = Plot("effective_area", f"Effective area after cuts ({cuts})", "true energy / TeV",
                "effective area / m²", log_x=True, log_y=True, note=note,
                tables=("effective_area",), legend_corner="bottom right")
    a = t["effective_area"]
    for setup in result.setups:
        rows = a[np.asarray(a["setup"]) == setup.index]
        ok = _with_events(rows, "effective_area")
        names = ", ".join(result.sample.files[i].path.rsplit("/", 1)[-1] for i in setup.files)
        aeff.series.append(Series(
            f"set-up {setup.index}: {names}" if len(result.setups) > 1 else names,
            _centre(rows, "true_energy")[ok], _value(rows["effective_area"])[ok],
            _value(rows["effective_area_err_low"])[ok],
            _value(rows["effective_area_err_high"])[ok],
            _value(rows["true_energy_low"])[ok], _value(rows["true_energy_high"])[ok],
            np.asarray(rows["n_events"])[ok], np.flatnonzero(ok), "true",
            color=setup.index))
    if not result.setups:
        aeff.note = note + "; no gamma file with a simulation run header"
    plots.append(aeff)
    g = t["gammaness"]
    gp = Plot("gammaness", "Gammaness (every other cut applied)", "gammaness",
              "events", note=note, tables=("gammaness",))
    missing = result.counts.get("without_gammaness", {})
    if any(missing.values()):
        gp.note += (f"; not shown, without a gammaness: {missing.get('gammas', 0)} gammas, "
                    f"{missing.get('protons', 0)} protons")
    for color, (particle, column) in enumerate((("gammas", "n_gammas"),
                                                ("protons", "n_protons"))):
        gp.series.append(Series(
            particle, _value(g["gammaness_center"]), _value(g[column]),
            _value(g[f"{column}_err_low"]), _value(g[f"{column}_err_high"]),
            _value(g["gammaness_low"]), _value(g["gammaness_high"]),
            np.asarray(g[column]), step=True, color=color))
    if result.cuts.gammaness_min is not None:
        gp.vlines.append((result.cuts.gammaness_min, "cut"))
    plots.append(gp)
    th = t["theta2"]
    tp = Plot("theta2", "θ² of gammas (every other cut applied)", "θ² / deg²", "events",
              note=note, tables=("theta2",))
    tp.series.append(Series(
        "gammas", _value(th["theta2_center"]), _value(th["n_events"]),
        _value(th["n_events_err_low"]), _value(th["n_events_err_high"]),
        _value(th["theta2_low"]), _value(th["theta2_high"]), np.asarray(th["n_events"]),
        step=True))
    if result.cuts.theta_max_deg is not None:
        tp.vlines.append((result.cuts.theta_max_deg**2, "cut"))
    plots.append(tp)
    m = t["migration"]
    n = len(result.energy_edges) - 1
    log_edges = np.log10(result.energy_edges)
    plots.append(Plot(
        "migration", "Energy migration (probability along reconstructed energy)",
        "log10(true energy / TeV)", "log10(reconstructed energy / TeV)", note=note,
        image=Image(np.asarray(m["probability"]).reshape(n, n), log_edges, log_edges,
                    np.asarray(m["n_events"]).reshape(n, n), "probability"),
        tables=("migration",)))
    return plots
