"""The event list's values as numpy columns (Qt-free): what it sorts, filters and exports.

The session's rows (dicts, ``service.session``) stay what they are: the index's columns for
every event, the reconstruction's for the events processed one by one. ``EventColumns``
keeps one float64 array per column (NaN where unknown), made from the rows once per file
(``reset``), for new rows (``extend``, while indexing) and for one row (``update``, an event
processed); a whole-file table (``service.file_table.FileTable``) fills the columns of
every event (``set_table``). Where an event was processed one by one (with the settings in
use) its own values win over the table's. Sorting and filtering 100,000 rows are then a
few array operations.
"""

from __future__ import annotations

import math

import numpy as np

from ...coords import angular_separation

NAN = math.nan
#: columns every row of the index has (the event type: ctapipe's code, 32 shower, 5 sky
#: pedestal, 0 flat field, ..., and 0/1 flags: ``service.session.event_type_columns``)
INDEX_KEYS = ("index", "event_id", "n_tel", "energy", "event_type", "is_shower",
              "is_pedestal", "is_flatfield", "is_calibration")
#: columns a row has once its event was processed (``SessionState._update_row``)
EVENT_KEYS = ("n_tel_reco", "reco_alt", "reco_az", "reco_energy", "reco_core_x",
              "reco_core_y", "h_max", "intensity", "gammaness")
#: columns a whole-file table fills for every event, and the session for the events shown
#: (``ang_error`` is computed here from the others)
TRUE_KEYS = ("primary_id", "true_alt", "true_az", "true_core_x", "true_core_y",
             "true_impact", "true_x_max")
#: every column, also the names an event-list filter may use (``muon``: telescopes with a
#: fitted muon ring, known once the event was processed or the Muon summary analysed the
#: file; ``reco_valid``: 0 or 1; ``ang_error``: deg between the reconstructed and the true
#: direction; CORSIKA's ``primary_id``: 0 gamma, 101 proton)
KEYS = INDEX_KEYS + EVENT_KEYS + TRUE_KEYS + ("muon", "reco_valid", "ang_error")
#: 1 where the row's reconstruction comes from processing its event one by one
_VISITED = "visited"


def _number(value) -> float:
    if value is None:
        return NAN
    try:
        return float(value)
    except (TypeError, ValueError):
        return NAN


class EventColumns:
    """One array per column of ``KEYS`` (``columns[key]``: the ``len(columns)`` values),
    kept in step with the session's rows by the event table model."""

    def __init__(self):
        self.n = 0
        self._data = {k: np.empty(0) for k in (*KEYS, _VISITED)}
        #: the reason of each invalid reconstruction known from processing an event
        self.invalid: dict[int, str] = {}
        self.table = None  # the whole-file table shown (a FileTable), or None
        self._table_ids = None  # (sorted event ids of the table, their order)

    # ---------------------------------------------------------------- reading
    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key: str) -> np.ndarray:
        return self._data[key][:self.n]

    def __contains__(self, key) -> bool:
        return key in self._data

    def value(self, key: str, i: int) -> float:
        return float(self._data[key][i])

    def row(self, i: int) -> dict:
        """Every column's value of row ``i`` (for one row's filter verdict)."""
        return {k: float(v[i]) for k, v in self._data.items()}

    def invalid_reason(self, i: int) -> str:
        """Why the reconstruction of row ``i`` failed ("" if it did not, or is unknown)."""
        reason = self.invalid.get(i)
        if reason is not None:
            return reason
        valid = self._data["reco_valid"][i]
        return "no valid stereo reconstruction (whole-file table)" if valid == 0 else ""

    # ---------------------------------------------------------------- changes
    def _capacity(self, n: int) -> None:
        size = len(self._data["index"])
        if n <= size:
            return
        size = max(n, 2 * size, 1024)
        for k, v in self._data.items():
            grown = np.full(size, NAN)
            grown[:self.n] = v[:self.n]
            self._data[k] = grown

    def reset(self, rows: list[dict]) -> None:
        """Columns of ``rows`` (a new file, or all rows changed); the table shown stays
        when it is that file's."""
        self.n = 0
        self.invalid = {}
        self._capacity(len(rows))
        for k in self._data:
            self._data[k][:len(rows)] = NAN
        self._fill(rows, 0)
        self.n = len(rows)
        self._apply_table(0, self.n)

    def extend(self, rows: list[dict], start: int) -> None:
        """Rows ``start`` on were appended."""
        if start != self.n:
            self.reset(rows)
            return
        self._capacity(len(rows))
        for k in self._data:
            self._data[k][start:len(rows)] = NAN
        self._fill(rows, start)
        self.n = len(rows)
        self._apply_table(start, self.n)

    def update(self, rows: list[dict], i: int) -> None:
        """Row ``i`` changed (its event was processed)."""
        if len(rows) != self.n:
            self.reset(rows)
        elif 0 <= i < self.n:
            self._fill_event(rows[i], i)
            self._derive(i, i + 1)

    def _fill(self, rows: list[dict], start: int) -> None:
        part = rows[start:]
        n = len(part)
        for k in INDEX_KEYS:
            self._data[k][start:start + n] = np.fromiter(
                (_number(r.get(k)) for r in part), dtype=np.float64, count=n)
        for j, r in enumerate(part):
            if "n_tel_reco" in r or "muon" in r or "true_alt" in r:
                self._fill_event(r, start + j)

    def _fill_event(self, row: dict, i: int) -> None:
        data = self._data
        if "n_tel_reco" in row:
            for k in EVENT_KEYS:
                if k in row:
                    data[k][i] = _number(row[k])
            reason = row.get("reco_invalid")
            data["reco_valid"][i] = 0.0 if reason else 1.0
            data[_VISITED][i] = 1.0
            if reason:
                self.invalid[i] = reason
                for k in ("reco_alt", "reco_az"):
                    data[k][i] = NAN
            else:
                self.invalid.pop(i, None)
        if "muon" in row:
            data["muon"][i] = _number(row["muon"])
        if "true_alt" in row:  # the truth of an event shown (the table's, where it has one)
            for k in TRUE_KEYS:
                if k in row:
                    data[k][i] = _number(row[k])

    def _derive(self, lo: int, hi: int) -> None:
        d = self._data
        d["ang_error"][lo:hi] = angular_separation(d["reco_alt"][lo:hi], d["reco_az"][lo:hi],
                                                   d["true_alt"][lo:hi], d["true_az"][lo:hi])

    # ---------------------------------------------------------------- whole-file table
    def set_table(self, table, rows: list[dict]) -> None:
        """Fill every event's columns from ``table`` (None: drop the table's values);
        events processed one by one keep their own values."""
        self.table = table
        self._table_ids = None
        if table is not None and len(table):
            order = np.argsort(table.event_id, kind="stable")
            self._table_ids = (table.event_id[order], order)
        self.reset(rows)

    def _apply_table(self, lo: int, hi: int) -> None:
        table = self.table
        if table is None or self._table_ids is None or hi <= lo:
            self._derive(lo, hi)
            return
        ids = self._data["event_id"][lo:hi].astype(np.int64)
        if hi <= len(table) and np.array_equal(table.event_id[lo:hi], ids):
            rows, picks = np.arange(lo, hi), np.arange(lo, hi)
        else:
            sorted_ids, order = self._table_ids
            where = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
            found = sorted_ids[where] == ids
            rows, picks = lo + np.flatnonzero(found), order[where[found]]
        visited = self._data[_VISITED][rows] == 1.0  # processed one by one
        mine = rows[~visited]
        theirs = picks[~visited]
        for k in TRUE_KEYS + EVENT_KEYS + ("reco_valid",):
            values = table.columns.get(k)
            if values is None:
                continue
            if k in EVENT_KEYS or k == "reco_valid":
                self._data[k][mine] = values[theirs]
            else:
                self._data[k][rows] = values[picks]
        self._derive(lo, hi)

    def from_table(self, i: int) -> bool:
        """Whether row ``i``'s reconstruction comes from the whole-file table (not from
        processing its event one by one)."""
        return self.table is not None and self._data[_VISITED][i] != 1.0


__all__ = ["EVENT_KEYS", "INDEX_KEYS", "KEYS", "TRUE_KEYS", "EventColumns"]
