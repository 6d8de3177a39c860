"""DL2 event lists for IRFs and DL3, read from our (or ctapipe's) DL2 HDF5 files."""

from __future__ import annotations

import os
from dataclasses import dataclass

import h5py
import numpy as np

from ..coords import angular_separation
from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.records import read_run_config, read_shower_distribution
from ..datamodel.table import FilterMissingError, column_attrs, read_table
from ..datamodel.times import mjd_from_tai, tai_seconds
from ..errors import InputFileError
from ..event import ShowerDistribution, SimulationConfig

_IDX = cols.names(cols.SUBARRAY_INDEX)
_TRIG = cols.names(cols.trigger_columns(1))
_POINT = cols.names(cols.POINTING)
_SHOWER = cols.names(cols.SHOWER)


@dataclass
class DL2Events:
    """Per-event arrays of one DL2 file, in TeV and deg, plus its simulation header."""

    path: str
    obs_id: int
    event_id: np.ndarray
    time_mjd: np.ndarray  # MJD (TAI)
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
    #: histogram of every simulated shower (energy × core distance), where the file has it
    shower_distribution: ShowerDistribution | None = None

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
    try:
        h5 = h5py.File(path, "r")
    except OSError as exc:
        raise InputFileError(path, f"not an HDF5 file ({exc})") from None
    try:
        with h5:
            return _load(h5, path)
    except FilterMissingError as exc:
        raise InputFileError(path, f"{exc} (pip install hdf5plugin)") from None


def _optional(h5, path):
    return read_table(h5, path) if path in h5 else None


def _load(h5, path: str) -> DL2Events:
    g, e, c = paths.GEOMETRY_ALGORITHM, paths.ENERGY_ALGORITHM, paths.CLASSIFIER_ALGORITHM
    col = cols.algorithm_column
    geo_path = paths.DL2_GEOMETRY.format(g)
    if geo_path not in h5:
        raise InputFileError(path, f"no DL2 geometry table ({geo_path}): process with dl2")
    geo = read_table(h5, geo_path)
    n = len(geo)
    energy = _optional(h5, paths.DL2_ENERGY.format(e))
    particle = _optional(h5, paths.DL2_PARTICLE_TYPE.format(c))
    trigger = _optional(h5, paths.DL1_TRIGGER)
    time_mjd = None
    if trigger is not None:
        fmt = column_attrs(h5[paths.DL1_TRIGGER]).get(_TRIG.time, {}).get("TIME_FORMAT", "mjd")
        time_mjd = mjd_from_tai(tai_seconds(trigger[_TRIG.time], fmt))
    shower = _optional(h5, paths.SIMULATION_SHOWER)
    sim = read_run_config(h5)
    pointing = list(h5.get(paths.FIXED_POINTING_GROUP, {}))
    if pointing:
        p = read_table(h5, f"{paths.FIXED_POINTING_GROUP}/{pointing[0]}")[0]
        p_alt = float(np.degrees(p[_POINT.telescope_pointing_altitude]))
        p_az = float(np.degrees(p[_POINT.telescope_pointing_azimuth]))
    elif sim is not None:
        p_alt, p_az = float(sim.max_alt), float(sim.max_az)
    else:
        raise InputFileError(path, "no pointing table")
    key = geo[_IDX.event_id]

    def aligned_values(table, values, fill=np.nan):
        """``values`` (one per row of ``table``) in the order of the geometry table."""
        if table is None or values is None:
            return np.full(n, fill)
        order = {int(k): i for i, k in enumerate(table[_IDX.event_id])}
        idx = np.array([order.get(int(k), -1) for k in key], dtype=np.int64)
        out = np.full(n, fill, dtype=np.float64)
        ok = idx >= 0
        out[ok] = values[idx[ok]]
        return out

    def aligned(table, name, fill=np.nan):
        has = table is not None and name in table.dtype.names
        return aligned_values(table, table[name] if has else None, fill)

    return DL2Events(
        path=path,
        obs_id=int(geo[_IDX.obs_id][0]) if n else 0,
        event_id=np.asarray(key, dtype=np.int64),
        time_mjd=aligned_values(trigger, time_mjd),
        true_energy=aligned(shower, _SHOWER.true_energy),
        true_alt=aligned(shower, _SHOWER.true_alt),
        true_az=aligned(shower, _SHOWER.true_az),
        primary_id=aligned(shower, _SHOWER.true_shower_primary_id, -1).astype(np.int64),
        reco_energy=aligned(energy, col(e, "energy")),
        reco_alt=np.asarray(geo[col(g, "alt")], dtype=np.float64),
        reco_az=np.asarray(geo[col(g, "az")], dtype=np.float64),
        gammaness=aligned(particle, col(c, "prediction")),
        multiplicity=np.asarray(geo[col(g, "telescopes")]).sum(axis=1).astype(np.int64),
        valid=np.asarray(geo[col(g, "is_valid")], dtype=bool),
        pointing_alt=p_alt,
        pointing_az=p_az,
        simulation=sim,
        shower_distribution=read_shower_distribution(h5),
    )
