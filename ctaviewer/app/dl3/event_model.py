"""The DL3 event table: numpy columns behind a Qt table model, sorted by argsort, filtered by
the application's expression language (``energy > 1 and offset < 1.5``)."""

from __future__ import annotations

import numpy as np

from ...errors import ExpressionError
from ...expressions import compile_expression
from ..qt import QtCore

#: (column, header, format) shown first; every other column of the file follows
FIRST = (("event_id", "EVENT_ID", "{:d}"), ("time", "TIME (s)", "{:.3f}"),
         ("ra", "RA (°)", "{:.4f}"), ("dec", "Dec (°)", "{:.4f}"),
         ("energy", "ENERGY (TeV)", "{:.4g}"), ("offset", "offset (°)", "{:.3f}"))
_DISPLAY, _ALIGN = int(QtCore.Qt.DisplayRole), int(QtCore.Qt.TextAlignmentRole)
_RIGHT = int(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
_ROOT = QtCore.QModelIndex()


class DL3EventModel(QtCore.QAbstractTableModel):
    def __init__(self):
        super().__init__()
        self.columns: dict[str, np.ndarray] = {}
        self.headers: list[tuple[str, str, str]] = []
        self.rows = np.zeros(0, dtype=np.int64)  # shown rows (indexes into the columns)
        self.filter_text = ""
        self._sort = None

    # ---------------------------------------------------------------- content
    def set_events(self, events) -> None:
        """Show an ``EventList`` (None: nothing); the filter and sort are kept."""
        self.beginResetModel()
        if events is None:
            self.columns, self.headers = {}, []
        else:
            self.columns = dict(events.columns)
            self.columns["offset"] = events.offset_deg()
            self.headers = [h for h in FIRST if h[0] in self.columns]
            known = {h[0] for h in self.headers}
            for name, values in self.columns.items():
                if name not in known:
                    fmt = "{:d}" if values.dtype.kind in "iub" else "{:.4g}"
                    self.headers.append((name, name.upper(), fmt))
        self._apply()
        self.endResetModel()

    def set_filter(self, text: str) -> str:
        """Filter with an expression over the column names; "" when applied, else the
        reason (the previous filter stays)."""
        text = text.strip()
        if text and self.columns:
            try:
                compile_expression(text, list(self.columns), what="column")
            except ExpressionError as exc:
                return str(exc)
        self.beginResetModel()
        self.filter_text = text
        self._apply()
        self.endResetModel()
        return ""

    def _apply(self) -> None:
        if not self.columns:
            self.rows = np.zeros(0, dtype=np.int64)
            return
        n = len(self.columns["event_id"])
        mask = np.ones(n, dtype=bool)
        if self.filter_text:
            expr = compile_expression(self.filter_text, list(self.columns), what="column")
            mask = np.asarray(expr.evaluate(self.columns), dtype=bool)
        rows = np.flatnonzero(mask)
        if self._sort is not None and self._sort[0] < len(self.headers):
            col, order = self._sort
            values = self.columns[self.headers[col][0]][rows]
            rows = rows[np.argsort(values, kind="stable")]
            if order == QtCore.Qt.DescendingOrder:
                rows = rows[::-1]
        self.rows = rows

    def sort(self, column: int, order=QtCore.Qt.AscendingOrder) -> None:  # Qt API
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._apply()
        self.layoutChanged.emit()

    def event_at(self, row: int) -> dict:
        """Every column's value of the event shown at ``row``."""
        i = int(self.rows[row])
        return {name: values[i].item() for name, values in self.columns.items()}

    # ---------------------------------------------------------------- Qt model
    def rowCount(self, parent=_ROOT):  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=_ROOT):  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=_DISPLAY):
        role = int(role)
        if role == _ALIGN:
            return _RIGHT
        if role != _DISPLAY or not index.isValid():
            return None
        name, _, fmt = self.headers[index.column()]
        value = self.columns[name][self.rows[index.row()]]
        try:
            return fmt.format(value.item())
        except (ValueError, TypeError):
            return str(value)

    def headerData(self, section, orientation, role=_DISPLAY):  # noqa: N802 (Qt API)
        if int(role) != _DISPLAY:
            return None
        if orientation == QtCore.Qt.Horizontal and section < len(self.headers):
            return self.headers[section][1]
        return str(section)
