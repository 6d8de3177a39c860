"""DL2 events of simulated runs for performance plots, from our or ctapipe's DL2 HDF5.

The events are ``irf.events``'s (``read_dl2``: algorithms found by what the file holds,
units from the columns, rows matched by (obs_id, event_id)); this module adds what only the
plots need. The particle of each event is its simulated primary
(``true_shower_primary_id``: 0 gamma, 101 proton), never the file name. Per-telescope image
intensities (``hillas_intensity`` of the DL1 parameter tables) of the telescopes used in the
reconstruction are kept in long form (event row, intensity) for the intensity cut.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

import numpy as np

from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.table import read_table
from ..irf.events import DL2Events, open_dl2, read_dl2, require_columns
from ..irf.runs import PARTICLES as PARTICLE_NAMES

__all__ = ["GAMMA_ID", "PARTICLE_NAMES", "PROTON_ID", "FileEvents", "load_events"]

_IDX = cols.names(cols.SUBARRAY_INDEX)
#: CORSIKA particle ids (sim_telarray's shower primary id)
GAMMA_ID, PROTON_ID = 0, 101


@dataclass
class FileEvents(DL2Events):
    """The events of one DL2 file (``irf.events.DL2Events``) with the image intensities of
    the telescopes used in their reconstruction."""

    #: per telescope image used in the reconstruction: its event row and its intensity (p.e.)
    image_event: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    image_intensity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    has_intensity: bool = False

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


def load_events(path) -> FileEvents:
    """Read one DL2 file; InputFileError naming it and the cause for anything else."""
    path = os.fspath(path)
    with open_dl2(path) as h5:
        events = read_dl2(h5, path, telescope_mask=True)
        image_event, image_intensity, has_intensity = _intensities(h5, events)
    base = {f.name: getattr(events, f.name) for f in fields(DL2Events)}
    base["telescope_mask"] = None  # used for the intensities only: not kept
    return FileEvents(**base, image_event=image_event, image_intensity=image_intensity,
                      has_intensity=has_intensity)


def _intensities(h5, events: DL2Events) -> tuple[np.ndarray, np.ndarray, bool]:
    """(event row, hillas_intensity) of every image used in the reconstruction (the
    geometry's telescope mask, over the layout's telescopes in id order)."""
    empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    mask = events.telescope_mask
    if paths.DL1_PARAMETERS_GROUP not in h5 or paths.LAYOUT not in h5:
        return (*empty, False)
    tel_ids = np.sort(np.asarray(read_table(h5, paths.LAYOUT)["tel_id"], dtype=np.int64))
    if len(tel_ids) != mask.shape[1]:
        return (*empty, False)
    rows, values = [], []
    for name in h5[paths.DL1_PARAMETERS_GROUP]:
        tel_id = paths.tel_id_of(name)
        column = np.searchsorted(tel_ids, tel_id)
        if column >= len(tel_ids) or tel_ids[column] != tel_id:
            continue
        table_path = f"{paths.DL1_PARAMETERS_GROUP}/{name}"
        table = read_table(h5, table_path)
        require_columns(table, events.path, table_path, ())
        if "hillas_intensity" not in (table.dtype.names or ()):
            continue
        src, dst = events.rows_of(table[_IDX.obs_id], table[_IDX.event_id])
        used = mask[dst, column]
        rows.append(dst[used])
        values.append(np.asarray(table["hillas_intensity"], dtype=np.float64)[src[used]])
    if not rows:
        return (*empty, False)
    return np.concatenate(rows), np.concatenate(values), True
