"""The muon table of a DL1 file: ``/dl1/event/telescope/muon/tel_NNN``, as ctapipe 0.28's
``--write-muon-parameters`` writes it.

One row per telescope event (as ctapipe: images that failed the muon image query get a
row of unset values, NaN / -1 / False), with the ring fit, the ring parameters and the
intensity fit (``EventResult.muon``). Column names, dtypes, units and descriptions come
from ``datamodel.columns.muon_columns``.
"""

from __future__ import annotations

from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.table import TableWriter
from ..event import ArrayEvent
from ..results import MUON_PARAMETER_NAMES, EventResult, empty_muon_values
from .rows import check_order

#: the data level ctapipe names in its root attributes for muon tables
LEVEL = "DL1_MUON"


class MuonTables:
    """Appends the muon rows of one event at a time to an open HDF5 file."""

    def __init__(self, h5, subarray):
        self.h5 = h5
        self.subarray = subarray
        self._tables: dict[int, TableWriter] = {}
        self._empty = tuple(empty_muon_values()[n] for n in MUON_PARAMETER_NAMES)

    def _table(self, tel_id: int) -> TableWriter:
        table = self._tables.get(tel_id)
        if table is None:
            table = self._tables[tel_id] = TableWriter(
                self.h5, paths.DL1_MUON.format(tel_id), cols.muon_columns(),
                title=cols.MUON_TITLE,
            )
            check_order(table, ("obs_id", "event_id", "tel_id", *MUON_PARAMETER_NAMES))
        return table

    def write(self, event: ArrayEvent, result: EventResult) -> None:
        muons = getattr(result, "muon", None) or {}
        for tel_id in result.tel:
            muon = muons.get(tel_id)
            values = (tuple(muon.values[n] for n in MUON_PARAMETER_NAMES)
                      if muon is not None else self._empty)
            self._table(tel_id).append_row((event.obs_id, event.event_id, tel_id, *values))

    def close(self) -> None:
        for table in self._tables.values():
            table.close()

    @property
    def levels(self) -> list[str]:
        return [LEVEL]
