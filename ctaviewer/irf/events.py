"""DL2 event lists for IRFs and DL3, read from our (or ctapipe's) DL2 HDF5 files."""

from __future__ import annotations

import os
from dataclasses import dataclass

import h5py
import numpy as np

from ..coords import angular_separation
from ..errors import InputFileError
from ..event import SimulationConfig
from ..writers.dl2 import CLASSIFIER_ALGORITHM, ENERGY_ALGORITHM, GEOMETRY_ALGORITHM
from ..writers.hdf5 import read_table
from ..writers.simulation import read_run_config


@dataclass
class DL2Events:
    """Per-event arrays of one DL2 file, in TeV and deg, plus its simulation header."""

    path: str
    obs_id: int
    event_id: np.ndarray
    time_mjd: np.ndarray
    true_energy: np.ndarray
    true_alt: np.ndarray
    true_az: np.ndarray
    primary_id: np.ndarray
    reco_energy: np.ndarray
    reco_alt: np.ndarray
    reco_az: np.ndarray
    gammaness: np.ndarray
    multiplicity: np.ndarray
    valid: np.ndarray
    pointing_alt: float
    pointing_az: float
    simulation: SimulationConfig | None

    @property
    def theta(self) -> np.ndarray:
        return angular_separation(self.reco_alt, self.reco_az, self.true_alt, self.true_az)

    @property
    def true_offset(self) -> np.ndarray:
        return angular_separation(self.true_alt, self.true_az, self.pointing_alt, self.pointing_az)

    @property
    def reco_offset(self) -> np.ndarray:
        return angular_separation(self.reco_alt, self.reco_az, self.pointing_alt, self.pointing_az)


def _col(table, name, n, fill=np.nan):
    return table[name] if table is not None and name in table.dtype.names else np.full(n, fill)


def load_dl2(path) -> DL2Events:
    """Read the geometry, energy, gammaness, truth and run header of a DL2 file."""
    path = os.fspath(path)
    g, e, c = GEOMETRY_ALGORITHM, ENERGY_ALGORITHM, CLASSIFIER_ALGORITHM
    try:
        h5 = h5py.File(path, "r")
    except OSError as exc:
        raise InputFileError(path, f"not an HDF5 file ({exc})") from None
    with h5:
        geo_path = f"/dl2/event/subarray/geometry/{g}"
        if geo_path not in h5:
            raise InputFileError(path, f"no DL2 geometry table ({geo_path}): process with dl2")
        geo = read_table(h5, geo_path)
        n = len(geo)
        energy = read_table(h5, f"/dl2/event/subarray/energy/{e}") if (
            f"/dl2/event/subarray/energy/{e}" in h5) else None
        particle = read_table(h5, f"/dl2/event/subarray/particle_type/{c}") if (
            f"/dl2/event/subarray/particle_type/{c}" in h5) else None
        trigger = read_table(h5, "/dl1/event/subarray/trigger") if (
            "/dl1/event/subarray/trigger" in h5) else None
        shower = read_table(h5, "/simulation/event/subarray/shower") if (
            "/simulation/event/subarray/shower" in h5) else None
        sim = read_run_config(h5)
        pointing = [k for k in h5.get("/configuration/telescope/pointing", {})]
        if pointing:
            p = read_table(h5, f"/configuration/telescope/pointing/{pointing[0]}")[0]
            p_alt = float(np.degrees(p["telescope_pointing_altitude"]))
            p_az = float(np.degrees(p["telescope_pointing_azimuth"]))
        elif sim is not None:
            p_alt, p_az = float(sim.max_alt), float(sim.max_az)
        else:
            raise InputFileError(path, "no pointing table")
    key = geo["event_id"]

    def aligned(table, name, fill=np.nan):
        if table is None or name not in table.dtype.names:
            return np.full(n, fill)
        order = {int(k): i for i, k in enumerate(table["event_id"])}
        idx = np.array([order.get(int(k), -1) for k in key])
        out = np.full(n, fill, dtype=np.float64)
        ok = idx >= 0
        out[ok] = table[name][idx[ok]]
        return out

    return DL2Events(
        path=path,
        obs_id=int(geo["obs_id"][0]) if n else 0,
        event_id=np.asarray(key, dtype=np.int64),
        time_mjd=aligned(trigger, "time"),
        true_energy=aligned(shower, "true_energy"),
        true_alt=aligned(shower, "true_alt"),
        true_az=aligned(shower, "true_az"),
        primary_id=aligned(shower, "true_shower_primary_id", -1).astype(np.int64),
        reco_energy=aligned(energy, f"{e}_energy"),
        reco_alt=np.asarray(geo[f"{g}_alt"], dtype=np.float64),
        reco_az=np.asarray(geo[f"{g}_az"], dtype=np.float64),
        gammaness=aligned(particle, f"{c}_prediction"),
        multiplicity=np.asarray(geo[f"{g}_telescopes"]).sum(axis=1).astype(np.int64),
        valid=np.asarray(geo[f"{g}_is_valid"], dtype=bool),
        pointing_alt=p_alt,
        pointing_az=p_az,
        simulation=sim,
    )
