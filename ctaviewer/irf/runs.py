"""DL2 files as simulation runs: particle, instrument (telescopes and zenith), identity.

IRFs describe one instrument: the same telescopes (ids, cameras, optics, positions) at the
same pointing altitude. Runs are grouped by that and only runs of one group are combined.
Runs at several azimuths of one altitude give azimuth-averaged IRFs, as CTA's published
"AverageAz" IRFs are (the log says which azimuths went in).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..datamodel.paths import LAYOUT
from ..datamodel.table import decode, read_table
from ..errors import InputFileError
from ..event import PRIMARY_NAMES
from .events import DL2Events, load_dl2, open_dl2

#: CORSIKA particle ids (sim_telarray's shower primary id) of the particles IRFs use
PARTICLES = {code: PRIMARY_NAMES[code] for code in (0, 1, 101)}
#: pointing altitudes equal after rounding to this many decimals (deg) are one set-up
POINTING_DECIMALS = 2


@dataclass(frozen=True, order=True)
class Telescope:
    tel_id: int
    camera: str
    optics: str
    position_m: tuple[float, float, float]


@dataclass
class SimRun:
    """One DL2 file: its events, what was simulated, and on which instrument."""

    events: DL2Events
    particle: str  # gamma, proton, electron, other, or unknown (no events, no header name)
    telescopes: tuple[Telescope, ...]

    @property
    def path(self) -> str:
        return self.events.path

    @property
    def simulation(self):
        return self.events.simulation

    @property
    def obs_id(self) -> int:
        """The file's observation id (its run number when it holds no event)."""
        if len(self.events.event_id) == 0 and self.simulation is not None:
            return int(self.simulation.run_number)
        return int(self.events.obs_id[0])

    @property
    def label(self) -> str:
        return f"run {self.obs_id} ({os.path.basename(self.path)})"

    @property
    def pointing(self) -> tuple[float, float]:
        return float(self.events.pointing_alt), float(self.events.pointing_az)

    @property
    def instrument_key(self) -> tuple:
        """Same key: same telescopes and the same pointing altitude (to 0.01 deg)."""
        return self.telescopes, round(self.pointing[0], POINTING_DECIMALS)

    @property
    def azimuth(self) -> float:
        """Pointing azimuth in [0, 360) deg, to 0.01 deg."""
        return round(self.pointing[1] % 360.0, POINTING_DECIMALS) % 360.0

    @property
    def tel_ids(self) -> list[int]:
        return [t.tel_id for t in self.telescopes]

    def cut_short(self) -> str | None:
        """A warning when the events cannot come from the whole run the header announces.

        sim_telarray numbers events shower × 100 + reuse, showers from 1 to n_showers. In a
        complete run the triggered showers spread over all n; if the k distinct ones all lie
        within the first ``last``, the chance of that is (last / n)^k. Below 1e-6 the file was
        cut short (truncated, or processed with a maximum event count): the header's showers
        were not all thrown into this file, and its effective area comes out too small.
        """
        sim = self.simulation
        if sim is None or sim.shower_reuse >= 100 or len(self.events.event_id) == 0:
            return None
        showers = np.unique(np.asarray(self.events.event_id) // 100)
        last, n = int(showers.max()), int(sim.n_showers)
        if n <= 0 or last >= n:
            return None
        chance = (last / n) ** len(showers)
        if chance >= 1e-6:
            return None
        return (f"{self.label}: its {len(showers)} triggered showers all come from the first "
                f"{last} of the {n} showers its run header announces (chance {chance:.1g} for "
                f"a complete run): the file was cut short (truncated, or processed with a "
                f"maximum event count), so the effective area of its IRFs is too small, by up "
                f"to {n / last:.0f}x")

    def describe_telescopes(self) -> str:
        cams = Counter(t.camera for t in self.telescopes)
        return (f"{len(self.telescopes)} telescopes ("
                + ", ".join(f"{n} {c}" for c, n in sorted(cams.items())) + ")")

    def describe_instrument(self) -> str:
        return f"{self.describe_telescopes()}, pointing alt {self.instrument_key[1]:.2f} deg"


def particle_of(events: DL2Events) -> str:
    """The simulated particle: the run header's name, else the primary id of the events."""
    sim = events.simulation
    if sim is not None and sim.primary:
        name = sim.primary.lower()
        return next((p for p in PARTICLES.values() if p in name), "other")
    ids = events.primary_id[events.primary_id >= 0]
    if len(ids) == 0:
        return "unknown"
    values, counts = np.unique(ids, return_counts=True)
    return PARTICLES.get(int(values[counts.argmax()]), "other")


def _telescopes(h5, path) -> tuple[Telescope, ...]:
    if LAYOUT not in h5:
        raise InputFileError(path, f"no telescope layout ({LAYOUT}): cannot tell which "
                                   f"instrument its IRFs describe")
    t = read_table(h5, LAYOUT)
    names = t.dtype.names

    def text(row, name):
        return decode(row[name]) if name in names else ""

    return tuple(sorted(
        Telescope(int(row["tel_id"]), text(row, "camera_name"), text(row, "optics_name"),
                  tuple(round(float(row[c]), 2) for c in ("pos_x", "pos_y", "pos_z")))
        for row in t))


def load_run(path) -> SimRun:
    """Read a DL2 file as one simulation run; refuse files without a simulation header or
    with several runs (a merged file: its other runs' showers would be missing)."""
    events = load_dl2(path)
    path = events.path
    with open_dl2(path) as h5:
        telescopes = _telescopes(h5, path)
    n_runs = events.n_runs
    if events.simulation is None or n_runs == 0:
        raise InputFileError(path, "no simulation run header: DL3 needs simulated runs to "
                                   "normalise the IRFs")
    if n_runs > 1:
        raise InputFileError(path, f"holds {n_runs} simulation runs (a merged file): give "
                                   f"the files of each run instead, one run per DL2 file")
    return SimRun(events, particle_of(events), telescopes)
