"""DL2 events of simulated runs for performance plots, from our or ctapipe's DL2 HDF5.

The reconstruction, energy and classification groups are found by what the file holds
(``/dl2/event/subarray/geometry/<Algorithm>`` and the same for ``energy`` and
``particle_type``; ctapipe 0.28 prefixes every column with the algorithm's name), so files
of ctapipe-process and ctapipe-apply-models open as ours do. The particle of each event is
its simulated primary (``true_shower_primary_id``: 0 gamma, 101 proton), never the file
name. Per-telescope image intensities (``hillas_intensity`` of the DL1 parameter tables)
of the telescopes used in the reconstruction are kept in long form (event row, intensity)
for the intensity cut.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import h5py
import numpy as np

from ..coords import angular_separation
from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.records import read_run_config
from ..datamodel.table import FilterMissingError, column_attrs, read_table
from ..errors import InputFileError
from ..event import SimulationConfig

_IDX = cols.names(cols.SUBARRAY_INDEX)
_POINT = cols.names(cols.POINTING)
_SHOWER = cols.names(cols.SHOWER)

#: CORSIKA particle ids (sim_telarray's shower primary id)
GAMMA_ID, PROTON_ID = 0, 101
PARTICLE_NAMES = {GAMMA_ID: "gamma", 1: "electron", PROTON_ID: "proton"}
_ENERGY_GROUP = paths.DL2_ENERGY.rsplit("/", 1)[0]
_PARTICLE_GROUP = paths.DL2_PARTICLE_TYPE.rsplit("/", 1)[0]


@dataclass
class FileEvents:
    """The events of one DL2 file (TeV, deg), the algorithms read and the run header."""

    path: str
    obs_id: np.ndarray
    event_id: np.ndarray
    true_energy: np.ndarray
    true_alt: np.ndarray
    true_az: np.ndarray
    primary_id: np.ndarray  # -1 where the file has no simulation truth for the event
    reco_energy: np.ndarray
    reco_alt: np.ndarray
    reco_az: np.ndarray
    gammaness: np.ndarray
    multiplicity: np.ndarray
    valid: np.ndarray
    pointing_alt: float
    pointing_az: float
    #: per telescope image used in the reconstruction: its event row and its intensity (p.e.)
    image_event: np.ndarray
    image_intensity: np.ndarray
    simulation: SimulationConfig | None
    #: showers thrown over every run of the file (n_showers × reuse summed over its runs)
    n_thrown: int = 0
    algorithms: dict = field(default_factory=dict)  # "geometry"/"energy"/"classifier" -> name
    has_intensity: bool = False

    @property
    def n_events(self) -> int:
        return len(self.event_id)

    @property
    def has_energy(self) -> bool:
        return "energy" in self.algorithms

    @property
    def has_gammaness(self) -> bool:
        return "classifier" in self.algorithms

    @property
    def particle(self) -> str:
        """The file's simulated particle: the most common primary of its events, else the
        run header's name, else "unknown"."""
        ids = self.primary_id[self.primary_id >= 0]
        if len(ids):
            values, counts = np.unique(ids, return_counts=True)
            return PARTICLE_NAMES.get(int(values[counts.argmax()]), "other")
        if self.simulation is not None and self.simulation.primary:
            name = self.simulation.primary.lower()
            return next((p for p in PARTICLE_NAMES.values() if p in name), "other")
        return "unknown"

    @property
    def theta(self) -> np.ndarray:
        """Angle between reconstructed and true direction (deg)."""
        return angular_separation(self.reco_alt, self.reco_az, self.true_alt, self.true_az)

    @property
    def true_offset(self) -> np.ndarray:
        return angular_separation(self.true_alt, self.true_az, self.pointing_alt,
                                  self.pointing_az)


def _degrees(table, name: str, attrs: dict) -> np.ndarray:
    values = np.asarray(table[name], dtype=np.float64)
    return np.degrees(values) if attrs.get(name, {}).get("UNIT") == "rad" else values


def _tev(table, name: str, attrs: dict) -> np.ndarray:
    values = np.asarray(table[name], dtype=np.float64)
    unit = attrs.get(name, {}).get("UNIT", "TeV")
    return values * {"GeV": 1e-3, "MeV": 1e-6, "PeV": 1e3}.get(unit, 1.0)


def _event_keys(obs_id, event_id) -> np.ndarray:
    """One int64 per (obs_id, event_id): obs_id × 2³² + event_id (both within 0..2³¹)."""
    o = np.asarray(obs_id, dtype=np.int64)
    e = np.asarray(event_id, dtype=np.int64)
    if len(o) and (o.min() < 0 or e.min() < 0 or o.max() >= 2**31 or e.max() >= 2**32):
        raise ValueError("obs_id or event_id out of range")
    return o * 2**32 + e


def _algorithm(h5, group: str, preferred: str) -> str | None:
    """The algorithm whose table ``group`` holds: ``preferred`` if there, else the first."""
    if group not in h5 or not isinstance(h5[group], h5py.Group):
        return None
    names = sorted(k for k, v in h5[group].items() if isinstance(v, h5py.Dataset))
    if not names:
        return None
    return preferred if preferred in names else names[0]


def load_events(path) -> FileEvents:
    """Read one DL2 file; InputFileError naming it and the cause for anything else."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputFileError(path, "no such file")
    try:
        h5 = h5py.File(path, "r")
    except OSError as exc:
        raise InputFileError(path, f"not a DL2 HDF5 file (not HDF5: {exc})") from None
    try:
        with h5:
            return _load(h5, path)
    except FilterMissingError as exc:
        raise InputFileError(path, f"{exc} (pip install hdf5plugin)") from None
    except (KeyError, ValueError) as exc:
        raise InputFileError(path, f"not a readable DL2 file ({exc})") from None


def _load(h5, path: str) -> FileEvents:
    g = _algorithm(h5, paths.DL2_GEOMETRY_GROUP, paths.GEOMETRY_ALGORITHM)
    if g is None:
        raise InputFileError(path, f"not a DL2 file: no reconstructed geometry "
                                   f"({paths.DL2_GEOMETRY_GROUP}/<algorithm>); process it "
                                   f"with --levels dl1,dl2 (ctapipe-process --write-showers)")
    algorithms = {"geometry": g}
    e = _algorithm(h5, _ENERGY_GROUP, paths.ENERGY_ALGORITHM)
    c = _algorithm(h5, _PARTICLE_GROUP, paths.CLASSIFIER_ALGORITHM)
    if e is not None:
        algorithms["energy"] = e
    if c is not None:
        algorithms["classifier"] = c
    col = cols.algorithm_column
    geo_path = paths.DL2_GEOMETRY.format(g)
    geo = read_table(h5, geo_path)
    geo_attrs = column_attrs(h5[geo_path])
    n = len(geo)
    for name in (col(g, "alt"), col(g, "az"), col(g, "is_valid"), col(g, "telescopes")):
        if name not in (geo.dtype.names or ()):
            raise InputFileError(path, f"{geo_path} has no column {name}")
    keys = np.asarray(geo[_IDX.event_id], dtype=np.int64)
    obs = np.asarray(geo[_IDX.obs_id], dtype=np.int64)
    event_key = _event_keys(obs, keys)
    order = np.argsort(event_key, kind="stable")
    sorted_keys = event_key[order]

    def rows_of(table) -> tuple[np.ndarray, np.ndarray]:
        """(rows of ``table`` with an event in the geometry table, their event rows)."""
        k = _event_keys(table[_IDX.obs_id], table[_IDX.event_id])
        pos = np.minimum(np.searchsorted(sorted_keys, k), max(n - 1, 0))
        ok = np.flatnonzero(sorted_keys[pos] == k) if n else np.zeros(0, dtype=np.int64)
        return ok, order[pos[ok]]

    def aligned(table_path: str, name: str, convert=None, fill=np.nan) -> np.ndarray:
        out = np.full(n, fill, dtype=np.float64)
        if table_path not in h5:
            return out
        table = read_table(h5, table_path)
        if name not in (table.dtype.names or ()):
            return out
        src, dst = rows_of(table)
        values = (convert(table, name, column_attrs(h5[table_path])) if convert
                  else np.asarray(table[name], dtype=np.float64))
        out[dst] = values[src]
        return out

    shower = paths.SIMULATION_SHOWER
    reco_energy = (aligned(paths.DL2_ENERGY.format(e), col(e, "energy"), _tev)
                   if e else np.full(n, np.nan))
    gammaness = (aligned(paths.DL2_PARTICLE_TYPE.format(c), col(c, "prediction"))
                 if c else np.full(n, np.nan))
    mask = np.asarray(geo[col(g, "telescopes")], dtype=bool).reshape(n, -1)
    image_event, image_intensity, has_intensity = _intensities(h5, mask, rows_of)
    sim = read_run_config(h5)
    n_thrown = 0
    if paths.SIMULATION_RUN in h5:
        runs = read_table(h5, paths.SIMULATION_RUN)
        if {"n_showers", "shower_reuse"} <= set(runs.dtype.names or ()):
            n_thrown = int(np.sum(runs["n_showers"].astype(np.int64)
                                  * runs["shower_reuse"].astype(np.int64)))
    pointing = sorted(h5.get(paths.FIXED_POINTING_GROUP, {}))
    if pointing:
        p_path = f"{paths.FIXED_POINTING_GROUP}/{pointing[0]}"
        p = read_table(h5, p_path)
        attrs = column_attrs(h5[p_path])
        # stored in rad (ctapipe's data model); deg only where the column says so
        in_deg = attrs.get(_POINT.telescope_pointing_altitude, {}).get("UNIT") == "deg"
        p_alt, p_az = (float(p[k][0]) for k in (_POINT.telescope_pointing_altitude,
                                                 _POINT.telescope_pointing_azimuth))
        if not in_deg:
            p_alt, p_az = math.degrees(p_alt), math.degrees(p_az)
    elif sim is not None:
        p_alt, p_az = float(sim.max_alt), float(sim.max_az)
    else:
        p_alt = p_az = math.nan
    return FileEvents(
        path=path,
        obs_id=obs,
        event_id=keys,
        true_energy=aligned(shower, _SHOWER.true_energy, _tev),
        true_alt=aligned(shower, _SHOWER.true_alt, _degrees),
        true_az=aligned(shower, _SHOWER.true_az, _degrees),
        primary_id=aligned(shower, _SHOWER.true_shower_primary_id, fill=-1).astype(np.int64),
        reco_energy=reco_energy,
        reco_alt=_degrees(geo, col(g, "alt"), geo_attrs),
        reco_az=_degrees(geo, col(g, "az"), geo_attrs),
        gammaness=gammaness,
        multiplicity=mask.sum(axis=1).astype(np.int64),
        valid=np.asarray(geo[col(g, "is_valid")], dtype=bool),
        pointing_alt=p_alt,
        pointing_az=p_az,
        image_event=image_event,
        image_intensity=image_intensity,
        simulation=sim,
        n_thrown=n_thrown,
        algorithms=algorithms,
        has_intensity=has_intensity,
    )


def _intensities(h5, mask: np.ndarray, rows_of) -> tuple[np.ndarray, np.ndarray, bool]:
    """(event row, hillas_intensity) of every image used in the reconstruction (the
    geometry's telescope mask, over the layout's telescopes in id order)."""
    empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    if paths.DL1_PARAMETERS_GROUP not in h5 or paths.LAYOUT not in h5:
        return (*empty, False)
    tel_ids = np.sort(np.asarray(read_table(h5, paths.LAYOUT)["tel_id"], dtype=np.int64))
    if len(tel_ids) != mask.shape[1]:
        return (*empty, False)
    events, values = [], []
    for name in h5[paths.DL1_PARAMETERS_GROUP]:
        tel_id = paths.tel_id_of(name)
        column = np.searchsorted(tel_ids, tel_id)
        if column >= len(tel_ids) or tel_ids[column] != tel_id:
            continue
        table = read_table(h5, f"{paths.DL1_PARAMETERS_GROUP}/{name}")
        if "hillas_intensity" not in (table.dtype.names or ()):
            continue
        src, dst = rows_of(table)
        used = mask[dst, column]
        events.append(dst[used])
        values.append(np.asarray(table["hillas_intensity"], dtype=np.float64)[src[used]])
    if not events:
        return (*empty, False)
    return np.concatenate(events), np.concatenate(values), True
