"""DL2 event lists, read from our or ctapipe's DL2 HDF5 files: the one reader of DL2 events
(IRFs and DL3 here, the performance plots above build on it).

The reconstruction, energy and classification groups are found by what the file holds
(``/dl2/event/subarray/geometry/<Algorithm>`` and the same for ``energy`` and
``particle_type``; our own algorithm names first where present; ctapipe 0.28 prefixes every
column with the algorithm's name), so files of ctapipe-process and ctapipe-apply-models
open as ours do. Angles and energies are converted to deg and TeV from the columns' UNIT
attributes. Rows of the other tables (shower truth, trigger, energy, classifier, and any
per-telescope table a caller reads) are matched to the geometry table's events by their
(obs_id, event_id) keys, vectorised (``EventIndex``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import h5py
import numpy as np

from ..coords import angular_separation
from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.records import read_run_config, read_shower_distribution
from ..datamodel.table import FilterMissingError, column_attrs, read_table
from ..datamodel.times import mjd_from_tai, tai_seconds
from ..errors import InputFileError, MissingFileError
from ..event import ShowerDistribution, SimulationConfig

_IDX = cols.names(cols.SUBARRAY_INDEX)
_TRIG = cols.names(cols.trigger_columns(1))
_POINT = cols.names(cols.POINTING)
_SHOWER = cols.names(cols.SHOWER)
_ENERGY_GROUP = paths.DL2_ENERGY.rsplit("/", 1)[0]
_PARTICLE_GROUP = paths.DL2_PARTICLE_TYPE.rsplit("/", 1)[0]
#: energy units a DL2 column may carry, in TeV
_TEV_PER_UNIT = {"GeV": 1e-3, "MeV": 1e-6, "PeV": 1e3}


class EventIndex:
    """Finds the rows of one event table (the geometry table) by their (obs_id, event_id),
    vectorised: each key is one int64, obs_id × 2³² + event_id, searched in sorted order."""

    def __init__(self, obs_id, event_id):
        self.keys = event_keys(obs_id, event_id)
        self.order = np.argsort(self.keys, kind="stable")
        self.sorted_keys = self.keys[self.order]

    def __len__(self) -> int:
        return len(self.keys)

    def rows_of(self, obs_id, event_id) -> tuple[np.ndarray, np.ndarray]:
        """For the rows of another table with these keys: (its rows whose event is in the
        indexed table, the rows of those events in the indexed table)."""
        k = event_keys(obs_id, event_id)
        n = len(self.keys)
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.sorted_keys, k), n - 1)
        ok = np.flatnonzero(self.sorted_keys[pos] == k)
        return ok, self.order[pos[ok]]

    def aligned(self, table, values, fill=np.nan) -> np.ndarray:
        """``values`` (one per row of ``table``) at the rows of their events, ``fill`` where
        an event has no row in ``table``."""
        out = np.full(len(self.keys), fill, dtype=np.float64)
        src, dst = self.rows_of(table[_IDX.obs_id], table[_IDX.event_id])
        out[dst] = np.asarray(values, dtype=np.float64)[src]
        return out


def event_keys(obs_id, event_id) -> np.ndarray:
    """One int64 per (obs_id, event_id): obs_id × 2³² + event_id (ValueError outside
    0 ≤ obs_id < 2³¹, 0 ≤ event_id < 2³²)."""
    o = np.asarray(obs_id, dtype=np.int64)
    e = np.asarray(event_id, dtype=np.int64)
    if len(o) and (o.min() < 0 or e.min() < 0 or o.max() >= 2**31 or e.max() >= 2**32):
        raise ValueError("obs_id or event_id out of range")
    return o * 2**32 + e


@dataclass
class DL2Events:
    """Per-event arrays of one DL2 file (TeV, deg), its pointing and simulation header."""

    path: str
    obs_id: np.ndarray  # per event
    event_id: np.ndarray
    time_mjd: np.ndarray  # MJD (TAI); NaN without a trigger table
    true_energy: np.ndarray
    true_alt: np.ndarray
    true_az: np.ndarray
    primary_id: np.ndarray  # -1 where the file has no simulation truth for the event
    reco_energy: np.ndarray  # NaN without an energy table
    reco_alt: np.ndarray
    reco_az: np.ndarray
    gammaness: np.ndarray  # NaN without a classifier table
    multiplicity: np.ndarray
    valid: np.ndarray
    pointing_alt: float  # NaN where the file has neither a pointing table nor a run header
    pointing_az: float
    simulation: SimulationConfig | None
    #: histogram of every simulated shower (energy × core distance), where the file has it
    shower_distribution: ShowerDistribution | None = None
    #: simulation runs in the file, and their showers thrown (n_showers × reuse summed)
    n_runs: int = 0
    n_thrown: int = 0
    #: "geometry" (always), "energy", "classifier" -> the algorithm read
    algorithms: dict = field(default_factory=dict)
    #: (event, telescope) mask of the telescopes used in the reconstruction, columns in the
    #: order of the geometry table; only where asked for (``read_dl2(telescope_mask=True)``)
    telescope_mask: np.ndarray | None = field(default=None, repr=False)
    index: EventIndex | None = field(default=None, repr=False, compare=False)

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
    def theta(self) -> np.ndarray:
        """Angle between reconstructed and true direction (deg)."""
        return angular_separation(self.reco_alt, self.reco_az, self.true_alt, self.true_az)

    @property
    def true_offset(self) -> np.ndarray:
        return angular_separation(self.true_alt, self.true_az, self.pointing_alt, self.pointing_az)

    @property
    def reco_offset(self) -> np.ndarray:
        return angular_separation(self.reco_alt, self.reco_az, self.pointing_alt, self.pointing_az)

    def rows_of(self, obs_id, event_id) -> tuple[np.ndarray, np.ndarray]:
        """``EventIndex.rows_of`` over these events (rows of another table -> event rows)."""
        if self.index is None:
            self.index = EventIndex(self.obs_id, self.event_id)
        return self.index.rows_of(obs_id, event_id)


@contextmanager
def open_dl2(path) -> Iterator[h5py.File]:
    """The DL2 file ``path`` open for reading; what goes wrong while it is read (no such file,
    not HDF5, a compression filter missing, tables not as DL2 has them) is an
    ``InputFileError`` naming the file and the cause."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise MissingFileError(path, "no such file")
    try:
        h5 = h5py.File(path, "r")
    except OSError as exc:
        raise InputFileError(path, f"not a DL2 HDF5 file (not HDF5: {exc})") from None
    try:
        with h5:
            yield h5
    except FilterMissingError as exc:
        raise InputFileError(path, f"{exc} (pip install hdf5plugin)") from None
    except (KeyError, ValueError) as exc:
        raise InputFileError(path, f"not a readable DL2 file ({exc})") from None


def load_dl2(path) -> DL2Events:
    """Read the events of a DL2 file (``read_dl2``); InputFileError naming it and the cause
    for anything else."""
    path = os.fspath(path)
    with open_dl2(path) as h5:
        return read_dl2(h5, path)


def algorithm(h5, group: str, preferred: str) -> str | None:
    """The algorithm whose table ``group`` holds: ``preferred`` if there, else the first."""
    if group not in h5 or not isinstance(h5[group], h5py.Group):
        return None
    names = sorted(k for k, v in h5[group].items() if isinstance(v, h5py.Dataset))
    if not names:
        return None
    return preferred if preferred in names else names[0]


def require_columns(table, path: str, table_path: str, names) -> None:
    """InputFileError naming the file, the table and the first of its event index columns
    (obs_id, event_id) or ``names`` it lacks."""
    have = table.dtype.names or ()
    for name in (_IDX.obs_id, _IDX.event_id, *names):
        if name not in have:
            raise InputFileError(path, f"{table_path} has no column {name}")


def _degrees(table, name: str, attrs: dict) -> np.ndarray:
    values = np.asarray(table[name], dtype=np.float64)
    return np.degrees(values) if attrs.get(name, {}).get("UNIT") == "rad" else values


def _tev(table, name: str, attrs: dict) -> np.ndarray:
    values = np.asarray(table[name], dtype=np.float64)
    return values * _TEV_PER_UNIT.get(attrs.get(name, {}).get("UNIT", "TeV"), 1.0)


def read_dl2(h5, path: str, *, telescope_mask: bool = False) -> DL2Events:
    """The events of the open DL2 file ``h5`` (named ``path`` in errors): geometry, energy,
    gammaness, simulation truth, trigger times, pointing, run header and shower
    distribution. With ``telescope_mask`` the mask of the telescopes used is kept."""
    g = algorithm(h5, paths.DL2_GEOMETRY_GROUP, paths.GEOMETRY_ALGORITHM)
    if g is None:
        raise InputFileError(path, f"not a DL2 file: no reconstructed geometry "
                                   f"({paths.DL2_GEOMETRY_GROUP}/<algorithm>); process it "
                                   f"with --levels dl1,dl2 (ctapipe-process --write-showers)")
    algorithms = {"geometry": g}
    e = algorithm(h5, _ENERGY_GROUP, paths.ENERGY_ALGORITHM)
    c = algorithm(h5, _PARTICLE_GROUP, paths.CLASSIFIER_ALGORITHM)
    if e is not None:
        algorithms["energy"] = e
    if c is not None:
        algorithms["classifier"] = c
    col = cols.algorithm_column
    geo_path = paths.DL2_GEOMETRY.format(g)
    geo = read_table(h5, geo_path)
    geo_attrs = column_attrs(h5[geo_path])
    n = len(geo)
    require_columns(geo, path, geo_path, (col(g, "alt"), col(g, "az"), col(g, "is_valid"),
                                          col(g, "telescopes")))
    obs = np.asarray(geo[_IDX.obs_id], dtype=np.int64)
    event_id = np.asarray(geo[_IDX.event_id], dtype=np.int64)
    index = EventIndex(obs, event_id)

    tables: dict[str, tuple] = {}  # each table read and matched to the events once

    def aligned(table_path: str, name: str, convert=None, fill=np.nan,
                required: bool = False) -> np.ndarray:
        """Column ``name`` of ``table_path`` per event; ``fill`` where the table or (unless
        ``required``) the column is missing."""
        out = np.full(n, fill, dtype=np.float64)
        if table_path not in h5:
            return out
        if table_path not in tables:
            table = read_table(h5, table_path)
            require_columns(table, path, table_path, ())
            rows = index.rows_of(table[_IDX.obs_id], table[_IDX.event_id])
            tables[table_path] = table, rows
        table, (src, dst) = tables[table_path]
        require_columns(table, path, table_path, (name,) if required else ())
        if name not in (table.dtype.names or ()):
            return out
        values = convert(table, name, column_attrs(h5[table_path])) if convert else table[name]
        out[dst] = np.asarray(values, dtype=np.float64)[src]
        return out

    shower = paths.SIMULATION_SHOWER
    mask = np.asarray(geo[col(g, "telescopes")], dtype=bool)
    mask = mask.reshape(n, int(np.prod(mask.shape[1:], dtype=np.int64)))  # also 0 events
    sim = read_run_config(h5)
    p_alt, p_az = _pointing(h5, path, sim)
    n_runs, n_thrown = _thrown(h5)
    return DL2Events(
        path=path,
        obs_id=obs,
        event_id=event_id,
        time_mjd=_trigger_times(h5, path, index),
        true_energy=aligned(shower, _SHOWER.true_energy, _tev),
        true_alt=aligned(shower, _SHOWER.true_alt, _degrees),
        true_az=aligned(shower, _SHOWER.true_az, _degrees),
        primary_id=aligned(shower, _SHOWER.true_shower_primary_id, fill=-1).astype(np.int64),
        reco_energy=(aligned(paths.DL2_ENERGY.format(e), col(e, "energy"), _tev,
                             required=True) if e else np.full(n, np.nan)),
        reco_alt=_degrees(geo, col(g, "alt"), geo_attrs),
        reco_az=_degrees(geo, col(g, "az"), geo_attrs),
        gammaness=(aligned(paths.DL2_PARTICLE_TYPE.format(c), col(c, "prediction"),
                           required=True) if c else np.full(n, np.nan)),
        multiplicity=mask.sum(axis=1).astype(np.int64),
        valid=np.asarray(geo[col(g, "is_valid")], dtype=bool),
        pointing_alt=p_alt,
        pointing_az=p_az,
        simulation=sim,
        shower_distribution=read_shower_distribution(h5),
        n_runs=n_runs,
        n_thrown=n_thrown,
        algorithms=algorithms,
        telescope_mask=mask if telescope_mask else None,
        index=index,
    )


def _trigger_times(h5, path: str, index: EventIndex) -> np.ndarray:
    """Trigger times (MJD, TAI) of the events: either time format of the trigger table."""
    if paths.DL1_TRIGGER not in h5:
        return np.full(len(index), np.nan)
    trigger = read_table(h5, paths.DL1_TRIGGER)
    require_columns(trigger, path, paths.DL1_TRIGGER, ())
    if _TRIG.time not in trigger.dtype.names:
        return np.full(len(index), np.nan)
    fmt = column_attrs(h5[paths.DL1_TRIGGER]).get(_TRIG.time, {}).get("TIME_FORMAT", "mjd")
    return index.aligned(trigger, mjd_from_tai(tai_seconds(trigger[_TRIG.time], fmt)))


def _pointing(h5, path: str, sim: SimulationConfig | None) -> tuple[float, float]:
    """(alt, az) in deg of the first telescope's fixed pointing, else the run header's."""
    pointing = sorted(h5.get(paths.FIXED_POINTING_GROUP, {}))
    if pointing:
        p_path = f"{paths.FIXED_POINTING_GROUP}/{pointing[0]}"
        p = read_table(h5, p_path)
        if len(p) == 0:
            raise InputFileError(path, f"{p_path} has no row")
        attrs = column_attrs(h5[p_path])
        # stored in rad (ctapipe's data model); deg only where the column says so. Converted
        # in the column's own precision (float32 rad gives float32 deg, as astropy converts a
        # ctapipe column): the pointing written to DL3 is the one it has always been
        in_deg = attrs.get(_POINT.telescope_pointing_altitude, {}).get("UNIT") == "deg"
        p_alt, p_az = (p[k][0] for k in (_POINT.telescope_pointing_altitude,
                                          _POINT.telescope_pointing_azimuth))
        if not in_deg:
            p_alt, p_az = np.degrees(p_alt), np.degrees(p_az)
        return float(p_alt), float(p_az)
    if sim is not None:
        return float(sim.max_alt), float(sim.max_az)
    return math.nan, math.nan


def _thrown(h5) -> tuple[int, int]:
    """(simulation runs, showers thrown over them: n_showers × shower_reuse summed)."""
    if paths.SIMULATION_RUN not in h5:
        return 0, 0
    runs = read_table(h5, paths.SIMULATION_RUN)
    if not {"n_showers", "shower_reuse"} <= set(runs.dtype.names or ()):
        return len(runs), 0
    return len(runs), int(np.sum(runs["n_showers"].astype(np.int64)
                                 * runs["shower_reuse"].astype(np.int64)))
