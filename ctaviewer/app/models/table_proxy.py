"""The event list's sorted and filtered view of its rows, computed with numpy.

``ColumnSortFilterProxy`` shows the rows of a source model that its filter mask keeps, in
the order of one column, without asking the model for a single value: the source gives
its filter mask (``filter_mask.mask``, one boolean per row) and each column as an array
(``sort_key(column)``). Sorting 100,000 rows is one ``argsort`` (Qt's own
``QSortFilterProxyModel`` would call back into Python twice per comparison: 3 million
calls); missing values (NaN) sort last in either order. Rows appended while a file is
being indexed are inserted, and a row whose values changed moves to its place, with Qt's
row and layout signals (the selection and the scroll position stay).
"""

from __future__ import annotations

import numpy as np

from ..qt import QtCore

_ASCENDING = QtCore.Qt.AscendingOrder


class ColumnSortFilterProxy(QtCore.QAbstractProxyModel):
    """Rows of the source kept by its filter mask, sorted by one column (``sort``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._order = np.zeros(0, dtype=np.int64)  # source rows shown, in display order
        self._pos = np.zeros(0, dtype=np.int64)  # source row -> display row, -1 hidden
        self._column = -1  # -1: the source's own order
        self._ascending = True
        self._connections = []

    # ---------------------------------------------------------------- source
    def setSourceModel(self, model):  # noqa: N802 (Qt API)
        old = self.sourceModel()
        if old is not None:
            for signal, slot in self._connections:
                signal.disconnect(slot)
        self._connections = []
        self.beginResetModel()
        super().setSourceModel(model)
        if model is not None:
            for signal, slot in ((model.modelReset, self._source_reset),
                                 (model.rowsInserted, self._source_inserted),
                                 (model.dataChanged, self._source_changed),
                                 (model.headerDataChanged, self.headerDataChanged)):
                signal.connect(slot)
                self._connections.append((signal, slot))
        self._compute()
        self.endResetModel()

    def _kept(self) -> np.ndarray:
        model = self.sourceModel()
        n = model.rowCount()
        mask = model.filter_mask.mask
        if len(mask) != n:  # (never, the model keeps them in step)
            mask = np.array([model.filter_mask[i] for i in range(n)], dtype=bool)
        return mask

    def filterAcceptsRow(self, row, parent=None):  # noqa: N802 (Qt's name)
        """Whether the source row ``row`` is kept by the filter."""
        return self.sourceModel().filter_mask[row]

    def _sorted(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` (source rows) in the order of the sort column."""
        if self._column < 0 or len(rows) < 2:
            return rows if self._ascending or self._column < 0 else rows[::-1]
        key = np.asarray(self.sourceModel().sort_key(self._column), dtype=np.float64)[rows]
        order = np.argsort(key if self._ascending else -key, kind="stable")
        return rows[order]

    def _natural(self) -> bool:
        """Whether the rows are shown in the source's order (no sorting needed)."""
        return self._column < 0

    def _set_order(self, order: np.ndarray) -> None:
        n = self.sourceModel().rowCount() if self.sourceModel() is not None else 0
        self._order = np.asarray(order, dtype=np.int64)
        self._pos = np.full(n, -1, dtype=np.int64)
        self._pos[self._order] = np.arange(len(self._order), dtype=np.int64)

    def _compute(self) -> None:
        if self.sourceModel() is None:
            self._set_order(np.zeros(0, dtype=np.int64))
            return
        self._set_order(self._sorted(np.flatnonzero(self._kept())))

    def _source_reset(self) -> None:
        self.beginResetModel()
        self._compute()
        self.endResetModel()

    def refilter(self) -> None:
        """The source's filter mask changed: show the rows it keeps now."""
        self._source_reset()

    def _source_inserted(self, parent, first: int, last: int) -> None:
        """Rows ``first`` to ``last`` were appended to the source (while indexing)."""
        if first != len(self._pos):  # not appended: (never for the event list)
            self._source_reset()
            return
        mask = self._kept()
        new = first + np.flatnonzero(mask[first:last + 1])
        pos = np.full(self.sourceModel().rowCount(), -1, dtype=np.int64)
        pos[:len(self._pos)] = self._pos
        self._pos = pos
        if not len(new):
            return
        at = len(self._order)
        self.beginInsertRows(QtCore.QModelIndex(), at, at + len(new) - 1)
        self._order = np.concatenate([self._order, new])
        self._pos[new] = np.arange(at, at + len(new))
        self.endInsertRows()
        if not self._natural():
            self._relayout()

    def _source_changed(self, top_left, bottom_right, roles=()) -> None:
        mask = self._kept()
        moved = False
        for row in range(top_left.row(), bottom_right.row() + 1):
            if row >= len(self._pos):
                continue
            was, now = self._pos[row] >= 0, bool(mask[row])
            if was and not now:
                at = int(self._pos[row])
                self.beginRemoveRows(QtCore.QModelIndex(), at, at)
                self._set_order(np.delete(self._order, at))
                self.endRemoveRows()
            elif now and not was:
                rows = np.append(self._order, row)
                at = int(np.searchsorted(self._order, row)) if self._natural() else len(
                    self._order)
                self.beginInsertRows(QtCore.QModelIndex(), at, at)
                self._set_order(np.sort(rows) if self._natural() else rows)
                self.endInsertRows()
                moved = not self._natural()
            elif now:
                moved = moved or not self._natural()
        if moved:
            self._relayout()
        first, last = top_left.row(), bottom_right.row()
        for row in range(first, last + 1):
            if row < len(self._pos) and self._pos[row] >= 0:
                at = int(self._pos[row])
                self.dataChanged.emit(self.index(at, top_left.column()),
                                      self.index(at, bottom_right.column()), roles)

    def _relayout(self) -> None:
        """Sort the rows shown again (a layout change: the selection follows its rows)."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        rows = [int(self._order[p.row()]) if 0 <= p.row() < len(self._order) else -1
                for p in persistent]
        self._set_order(self._sorted(self._order))
        self.changePersistentIndexList(
            persistent,
            [self.index(int(self._pos[r]), p.column()) if r >= 0 and self._pos[r] >= 0
             else QtCore.QModelIndex() for r, p in zip(rows, persistent, strict=True)])
        self.layoutChanged.emit()

    # ---------------------------------------------------------------- sorting
    def sort(self, column: int, order=_ASCENDING) -> None:
        """Sort by ``column`` (-1: the source's order), NaN last."""
        self._column = int(column)
        self._ascending = order == _ASCENDING
        if self.sourceModel() is not None:
            self._relayout()

    def sort_column(self) -> int:
        return self._column

    def source_rows(self) -> np.ndarray:
        """The source rows shown, in display order."""
        return self._order.copy()

    # ---------------------------------------------------------------- the model
    def rowCount(self, parent=QtCore.QModelIndex()):  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent=QtCore.QModelIndex()):  # noqa: N802, B008 (Qt API)
        model = self.sourceModel()
        return 0 if parent.isValid() or model is None else model.columnCount()

    def index(self, row, column, parent=QtCore.QModelIndex()):  # noqa: B008 (Qt API)
        if parent.isValid() or not (0 <= row < len(self._order)
                                    and 0 <= column < self.columnCount()):
            return QtCore.QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index=None):
        if index is None:  # QObject.parent()
            return QtCore.QObject.parent(self)
        return QtCore.QModelIndex()

    def hasChildren(self, parent=QtCore.QModelIndex()):  # noqa: N802, B008 (Qt API)
        return not parent.isValid() and len(self._order) > 0

    def data(self, index, role=QtCore.Qt.DisplayRole):
        """The source's value of the cell. A view asks a dozen roles per cell it paints; a
        source with a ``roles`` set answers only those: the others get None here, without
        an index mapped to the source (a table of 30 rows × 15 columns costs ~3000 of them
        per paint)."""
        model = self.sourceModel()
        if model is None:
            return None
        roles = getattr(model, "roles", None)
        if roles is not None and role not in roles:
            return None
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._order):
            return None
        return model.data(model.index(int(self._order[row]), index.column()), role)

    def mapToSource(self, index):  # noqa: N802 (Qt API)
        if not index.isValid() or not 0 <= index.row() < len(self._order):
            return QtCore.QModelIndex()
        return self.sourceModel().index(int(self._order[index.row()]), index.column())

    def mapFromSource(self, index):  # noqa: N802 (Qt API)
        if not index.isValid() or not 0 <= index.row() < len(self._pos):
            return QtCore.QModelIndex()
        at = int(self._pos[index.row()])
        return self.index(at, index.column()) if at >= 0 else QtCore.QModelIndex()

    def headerData(self, section, orientation, role=QtCore.Qt.DisplayRole):  # noqa: N802
        if orientation == QtCore.Qt.Horizontal:
            return self.sourceModel().headerData(section, orientation, role)
        return None


__all__ = ["ColumnSortFilterProxy"]
