"""The thrown showers of simulation runs: which runs add up, and how many fell in a bin.

An effective area is (showers selected in a bin) / (showers thrown in that bin) × (area the
cores were thrown over). pyirf's ``SimulatedEventsInfo`` (and ctapipe-make-irf, which builds
one from the run table) describes the thrown showers with one power law, one energy range, one
viewcone and one scatter radius, and adds up ``n_showers``; runs are therefore combined only
when all of these agree. Runs that differ are refused with a message naming them: merging
them into one description (the smallest energy minimum, the widest viewcone, the largest
radius) puts the showers of a narrow run into the bins of a wide one and gave effective areas
of a hundred times the thrown area.

Counts are in closed form: CORSIKA draws energies from a power law between the run's limits
(one energy when both are equal), directions uniform per solid angle within the viewcone
around the simulated direction (that direction itself for a zero viewcone), and cores uniform
over the annulus between the minimum and maximum scatter radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..coords import angular_separation
from ..errors import CtaviewerError

#: relative tolerance for "the same" simulation parameter (headers hold float32)
SAME_REL = 1e-5
#: the simulated direction must be the pointing within this (deg) for a diffuse run: the
#: viewcone is then centred on the field of view, as the offset axis of an IRF assumes
CENTRED_DEG = 0.05

#: (SimulationConfig field, label, unit): the parameters that must agree to add runs
PARAMETERS = (
    ("spectral_index", "spectral index", ""),
    ("energy_min", "energy min", "TeV"),
    ("energy_max", "energy max", "TeV"),
    ("viewcone_min", "viewcone min", "deg"),
    ("viewcone_max", "viewcone max", "deg"),
    ("min_scatter_range", "scatter min", "m"),
    ("max_scatter_range", "scatter max", "m"),
    ("core_pos_mode", "core mode", ""),
)


@dataclass(frozen=True)
class ThrownShowers:
    """The showers thrown by one or more identical simulation runs (TeV, deg, m).

    ``offset_deg`` is the angle between the simulated direction and the pointing: 0 for a
    diffuse run (its viewcone is centred on the pointing), the source offset for a point-like
    run (zero viewcone).
    """

    n_showers: int
    energy_min: float
    energy_max: float
    spectral_index: float
    viewcone_min: float
    viewcone_max: float
    scatter_min: float
    scatter_max: float
    offset_deg: float = 0.0

    @property
    def area_m2(self) -> float:
        """The area the cores were thrown over: the annulus between the scatter radii."""
        return math.pi * (self.scatter_max**2 - self.scatter_min**2)

    @property
    def monoenergetic(self) -> bool:
        return self.energy_max <= self.energy_min * (1 + SAME_REL)

    @property
    def diffuse(self) -> bool:
        return self.viewcone_max > self.viewcone_min

    @property
    def solid_angle_sr(self) -> float:
        """Solid angle of the viewcone (0 for a point-like run)."""
        return 2 * math.pi * (math.cos(math.radians(self.viewcone_min))
                              - math.cos(math.radians(self.viewcone_max)))

    def energy_fraction(self, edges_tev) -> np.ndarray:
        """Share of the thrown showers in each energy bin (edges in TeV)."""
        e = np.asarray(edges_tev, dtype=np.float64)
        lo, hi = np.clip(e[:-1], self.energy_min, self.energy_max), np.clip(
            e[1:], self.energy_min, self.energy_max)
        if self.monoenergetic:  # all showers at one energy: the bin that holds it
            e0 = self.energy_min
            return ((e[:-1] <= e0) & (e0 < e[1:])).astype(np.float64)
        g = self.spectral_index + 1.0
        if abs(g) < 1e-12:  # E^-1: logarithmic
            return np.log(hi / lo) / math.log(self.energy_max / self.energy_min)
        return (hi**g - lo**g) / (self.energy_max**g - self.energy_min**g)

    def offset_fraction(self, edges_deg) -> np.ndarray:
        """Share of the thrown showers in each field-of-view offset bin (edges in deg)."""
        t = np.asarray(edges_deg, dtype=np.float64)
        if not self.diffuse:  # one direction: the bin that holds its offset
            return ((t[:-1] <= self.offset_deg) & (self.offset_deg < t[1:])).astype(np.float64)
        lo = np.radians(np.clip(t[:-1], self.viewcone_min, self.viewcone_max))
        hi = np.radians(np.clip(t[1:], self.viewcone_min, self.viewcone_max))
        norm = math.cos(math.radians(self.viewcone_min)) - math.cos(
            math.radians(self.viewcone_max))
        return (np.cos(lo) - np.cos(hi)) / norm

    def expected(self, energy_edges_tev, offset_edges_deg) -> np.ndarray:
        """Expected number of thrown showers per (energy, offset) bin."""
        return self.n_showers * np.outer(self.energy_fraction(energy_edges_tev),
                                         self.offset_fraction(offset_edges_deg))

    def effective_area(self, n_selected, energy_edges_tev, offset_edges_deg) -> np.ndarray:
        """A_eff (m²) per (energy, offset) bin from the selected-event counts of that binning.

        Each bin holds the maximum-likelihood estimate of the selection efficiency within its
        physical range, min(selected / expected thrown, 1), times the thrown area: the
        selected showers of a bin are a subset of the thrown ones, so the area cannot exceed
        the thrown area, but where only a fraction of a shower is expected to have been thrown
        (the steep spectrum's top bins, a handful of showers) one selected event would give
        several times the thrown area. Bins where nothing was thrown get 0.
        """
        n_thrown = self.expected(energy_edges_tev, offset_edges_deg)
        n_selected = np.asarray(n_selected, dtype=np.float64)
        ratio = np.divide(n_selected, n_thrown, out=np.zeros_like(n_selected),
                          where=n_thrown > 0)
        return np.minimum(ratio, 1.0) * self.area_m2

    def flux_per_tev_m2_s_sr(self, energy_tev, obstime_s: float) -> np.ndarray:
        """The differential flux the run corresponds to over ``obstime_s`` (diffuse runs):
        showers per TeV, m², s and sr at ``energy_tev``."""
        if not self.diffuse:
            raise CtaviewerError("a point-like run has no flux per solid angle")
        if self.monoenergetic:
            raise CtaviewerError("a run at one energy has no flux per unit energy")
        e = np.asarray(energy_tev, dtype=np.float64)
        g = self.spectral_index + 1.0
        if abs(g) < 1e-12:
            integral = math.log(self.energy_max / self.energy_min)
        else:
            integral = (self.energy_max**g - self.energy_min**g) / g
        inside = (e >= self.energy_min) & (e <= self.energy_max)
        pdf = np.where(inside, e**self.spectral_index / integral, 0.0)
        return self.n_showers * pdf / (self.area_m2 * self.solid_angle_sr * obstime_s)


def describe(sim) -> str:
    """The run's thrown-shower parameters in one line."""
    return (f"E {sim.energy_min:.4g}-{sim.energy_max:.4g} TeV, index {sim.spectral_index:g}, "
            f"viewcone {sim.viewcone_min:g}-{sim.viewcone_max:g} deg, "
            f"scatter {sim.min_scatter_range:g}-{sim.max_scatter_range:g} m, "
            f"core mode {sim.core_pos_mode}")


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= SAME_REL * max(abs(a), abs(b), 1e-9)


def same_simulation(a, b) -> bool:
    """Whether two run headers throw showers from the same distribution."""
    return all(_same(float(getattr(a, f)), float(getattr(b, f))) for f, _, _ in PARAMETERS)


def combine_runs(particle: str, runs) -> ThrownShowers:
    """One thrown-shower description of ``runs`` ((label, SimulationConfig, (pointing alt,
    az) in deg) triples of one particle and instrument): their showers × reuse added up.

    Raises CtaviewerError naming the runs when their distributions differ, or when a run's
    direction does not fit its pointing (a diffuse cone off the pointing, a range of
    directions, point sources at different offsets), as the offset axis of an IRF is measured
    from the pointing.
    """
    if not runs:
        raise CtaviewerError(f"no {particle} simulation run")
    groups: list[list] = []
    for label, sim, _ in runs:
        for group in groups:
            if same_simulation(group[0][1], sim):
                group.append((label, sim))
                break
        else:
            groups.append([(label, sim)])
    if len(groups) > 1:
        lines = "\n".join(
            f"  {', '.join(label for label, _ in group)}: {describe(group[0][1])}"
            for group in groups)
        raise CtaviewerError(
            f"the {particle} runs of one instrument were simulated differently and cannot be "
            f"added up into one IRF normalisation (pyirf needs one spectral index, energy "
            f"range, viewcone and scatter range):\n{lines}\n"
            f"give only runs of one simulation set-up (for example point-like or diffuse "
            f"gammas, not both)")
    sims = [sim for _, sim, _ in runs]
    first = sims[0]
    offsets = []
    for label, sim, pointing in runs:
        if not (_same(sim.min_alt, sim.max_alt) and _same(sim.min_az % 360, sim.max_az % 360)):
            raise CtaviewerError(
                f"{label}: showers come from a range of directions (alt {sim.min_alt:g}-"
                f"{sim.max_alt:g}, az {sim.min_az:g}-{sim.max_az:g} deg): IRFs need one "
                f"simulated direction per run")
        offsets.append(float(angular_separation(sim.max_alt, sim.max_az, *pointing)))
    labels = [label for label, _, _ in runs]
    if first.viewcone_max > first.viewcone_min:
        off = [(label, o) for label, o in zip(labels, offsets) if o > CENTRED_DEG]
        if off:
            raise CtaviewerError(
                "the viewcone of a diffuse run must be centred on the pointing (the IRF offset "
                "axis is measured from it); these are not: "
                + ", ".join(f"{label} ({o:.3g} deg off)" for label, o in off))
        offset = 0.0
    else:
        if max(offsets) - min(offsets) > CENTRED_DEG:
            raise CtaviewerError(
                f"the point-like {particle} runs come from different offsets: "
                + ", ".join(f"{label} {o:.3g} deg" for label, o in zip(labels, offsets)))
        offset = float(np.mean(offsets))
    if first.max_scatter_range <= first.min_scatter_range:
        raise CtaviewerError(
            f"{labels[0]}: scatter range {first.min_scatter_range:g}-"
            f"{first.max_scatter_range:g} m has no area: cannot normalise an IRF")
    return ThrownShowers(
        n_showers=int(sum(s.n_thrown for s in sims)),
        energy_min=float(first.energy_min),
        energy_max=float(first.energy_max),
        spectral_index=float(first.spectral_index),
        viewcone_min=float(first.viewcone_min),
        viewcone_max=float(first.viewcone_max),
        scatter_min=float(first.min_scatter_range),
        scatter_max=float(first.max_scatter_range),
        offset_deg=offset,
    )
