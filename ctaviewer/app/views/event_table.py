"""The event list: all events, sortable, filterable by expression; double-click jumps.

Its values are numpy columns (``models.table_columns.EventColumns``): the index's for every
event, the reconstruction's for each event processed, and, once the whole file has been
processed (``models.file_table.FileTableModel``: Events ▸ Process whole file), the
simulation's and the reconstruction's of every event. Sorting and filtering are array
operations (``models.table_proxy``), fast on 100,000 rows.
"""

from __future__ import annotations

import math

import numpy as np

from ...service.file_table import COLUMNS as TABLE_COLUMNS
from ...service.file_table import EXPORT_FORMATS, export_table, primary_name
from ..models.event_filter import COLUMNS, TYPE_CHOICES, FilterError, FilterMask, combined_filter
from ..models.table_columns import EVENT_KEYS, EventColumns
from ..models.table_proxy import ColumnSortFilterProxy
from ..qt import QtCore, QtGui, QtWidgets

#: (key, header, format) of each column, in order (``service.file_table.COLUMNS``)
HEADERS = tuple((c.key, c.label, c.fmt) for c in TABLE_COLUMNS)
#: the columns shown until the user chooses others (the header's context menu)
SHOWN = ("index", "event_id", "type", "n_tel", "n_tel_reco", "energy", "reco_alt", "reco_az",
         "ang_error", "reco_energy", "muon")

#: a value as wide as most in each column: the table's width before a file is open
TYPICAL = {"index": "9999", "event_id": "9999999", "type": "shower", "energy": "0.123",
           "n_tel": "99",
           "n_tel_reco": "99", "reco_alt": "88.88", "reco_az": "359.99", "reco_energy": "0.123",
           "ang_error": "0.123", "muon": "9"}

# roles as plain ints (Qt passes them so; comparing with PySide's enum members, or even
# looking them up, costs microseconds: ``data`` is called for every cell and sort step)
_DISPLAY, _SORT, _ALIGN, _TIP, _FOREGROUND = (
    int(r) for r in (QtCore.Qt.DisplayRole, QtCore.Qt.UserRole, QtCore.Qt.TextAlignmentRole,
                     QtCore.Qt.ToolTipRole, QtCore.Qt.ForegroundRole))
_ROLES = frozenset((_DISPLAY, _SORT, _ALIGN, _TIP, _FOREGROUND))
_RIGHT = int(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
#: columns of the reconstructed direction: "invalid" where the reconstruction is (the
#: reason, when the event was processed one by one, says why)
_RECO = frozenset(("reco_alt", "reco_az"))
_INVALID = QtGui.QColor(200, 0, 0)
#: the whole-file table's values made with other settings than those in use
_STALE = QtGui.QColor(140, 140, 140)
_STALE_KEYS = frozenset((*EVENT_KEYS, "ang_error"))
#: the type column's words for the event model's types (ctapipe's names)
TYPE_LABELS = {"subarray": "shower", "sky_pedestal": "pedestal (sky)",
               "dark_pedestal": "pedestal (dark)", "pedestal": "pedestal",
               "electronic_pedestal": "pedestal (electronic)", "flatfield": "flat-field",
               "single_pe": "single p.e.", "other_calibration": "calibration"}
_CALIBRATION_COLOR = QtGui.QColor(30, 90, 180)
#: the column whose sort key stands for a text column
_SORT_KEYS = {"type": "event_type", "primary": "primary_id"}


_COLUMNS_KEY = "events/columns"


def shown_columns() -> tuple[str, ...]:
    """The columns the user chose to show (the header's context menu), else ``SHOWN``."""
    from .. import settings as app_settings

    value = app_settings.settings().value(_COLUMNS_KEY)
    if isinstance(value, str):
        value = [value]
    keys = {key for key, _, _ in HEADERS}
    chosen = tuple(k for k in (value or ()) if k in keys)
    return chosen or SHOWN


def keep_shown_columns(keys) -> None:
    from .. import settings as app_settings

    app_settings.settings().setValue(_COLUMNS_KEY, list(keys))


class EventTableModel(QtCore.QAbstractTableModel):
    """A thin adapter over the session's rows and their columns (``columns``). While a
    file is being indexed, rows come in batches at the end (``rows_added``): they are
    inserted, never the whole table reset, and only they are filtered."""

    #: the roles ``data`` answers (the proxy gives None for the others without asking)
    roles = _ROLES

    def __init__(self, session):
        super().__init__()
        self.session = session
        self._keys = tuple(key for key, _, _ in HEADERS)
        self._formats = tuple(fmt for _, _, fmt in HEADERS)
        #: the values of every row, as arrays
        self.columns = EventColumns()
        self.columns.reset(session.rows)
        #: the whole-file table's values were made with other settings than those in use
        self.stale = False
        #: the filter's verdict on every row, updated here before the views hear of a change
        self.filter_mask = FilterMask()
        self.filter_mask.reset(self.columns)
        self._n = len(session.rows)  # the rows the views know of
        self._rows = session.rows  # the session's list (a new one for a new file)
        session.rows_changed.connect(self._reset)
        session.rows_added.connect(self._rows_added)
        session.row_changed.connect(self._row_changed)

    def _reset(self):
        self.beginResetModel()
        self._rows = self.session.rows
        self._n = len(self._rows)
        self.columns.reset(self._rows)
        self.filter_mask.reset(self.columns)
        self.endResetModel()

    def set_table(self, table, stale: bool = False) -> None:
        """Show the whole-file ``table`` (a ``service.file_table.FileTable``; None: none);
        ``stale``: made with other settings than those in use."""
        self.beginResetModel()
        self.stale = bool(stale)
        self._rows = self.session.rows
        self._n = len(self._rows)
        self.columns.set_table(table, self._rows)
        self.filter_mask.reset(self.columns)
        self.endResetModel()

    def set_stale(self, stale: bool) -> None:
        if stale != self.stale:
            self.stale = stale
            if self._n:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(self._n - 1, len(HEADERS) - 1))

    def _rows_added(self, start: int):
        rows = self.session.rows
        if start != self._n or rows is not self._rows:  # not the rows the views know of
            self._reset()
            return
        if len(rows) > self._n:
            self.beginInsertRows(QtCore.QModelIndex(), self._n, len(rows) - 1)
            self.columns.extend(rows, self._n)
            self.filter_mask.extend(self.columns, self._n)
            self._n = len(rows)
            self.endInsertRows()

    def _row_changed(self, row: int):
        """One row's values changed: the views re-read that row only (a reset would make
        them re-read, re-sort and re-filter every row)."""
        if 0 <= row < self._n:
            self.columns.update(self.session.rows, row)
            self.filter_mask.update(self.columns, row)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def rowCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else self._n

    def columnCount(self, parent=None):
        return len(HEADERS)

    def headerData(self, section, orientation, role=QtCore.Qt.DisplayRole):
        if orientation != QtCore.Qt.Horizontal:
            return None
        if role == QtCore.Qt.DisplayRole:
            return HEADERS[section][1]
        if role == QtCore.Qt.ToolTipRole:
            spec = TABLE_COLUMNS[section]
            where = {"index": "from the file's index",
                     "event": "for the events processed, or every event once the whole "
                              "file is processed (Events ▸ Process whole file)",
                     "table": "once the whole file is processed (Events ▸ Process whole "
                              "file)"}[spec.source]
            name = "" if spec.text else f" (filter: {_SORT_KEYS.get(spec.key, spec.key)})"
            return f"{spec.description}{name}; {where}"
        return None

    def sort_key(self, column: int) -> np.ndarray:
        """The values column ``column`` sorts by, one per row (NaN: unknown)."""
        key = self._keys[column]
        return self.columns[_SORT_KEYS.get(key, key)]

    def data(self, index, role=QtCore.Qt.DisplayRole):
        if role not in _ROLES:  # the view asks for a dozen roles per cell: answer fast
            return None
        column, i = index.column(), index.row()
        key = self._keys[column]
        if key == "type":
            row = self._rows[i]
            return self._type_data(row, row.get("type") or "subarray", role)
        columns = self.columns
        if role == _SORT:  # sort key
            value = columns.value(_SORT_KEYS.get(key, key), i)
            return -math.inf if value != value else value
        if role == _ALIGN:
            return _RIGHT
        if key in _RECO:
            invalid = columns.invalid_reason(i)
            if invalid:
                if role == _DISPLAY:
                    return "invalid"
                if role == _TIP:
                    return f"reconstruction invalid: {invalid}"
                if role == _FOREGROUND:
                    return _INVALID
        if self.stale and key in _STALE_KEYS and columns.from_table(i):
            if role == _FOREGROUND:
                return _STALE
            if role == _TIP:
                return ("whole-file table made with other processing settings: process the "
                        "whole file again (Events ▸ Process whole file)")
        if role == _DISPLAY:
            if key == "primary":
                return primary_name(columns.value("primary_id", i))
            value = columns.value(key, i)
            if not math.isfinite(value):
                return ""
            return self._formats[column].format(value)
        return None

    def export_columns(self, rows) -> dict:
        """Every column's values of ``rows`` (row numbers, in that order), for export:
        numbers as float arrays, the type and the primary as names."""
        rows = np.asarray(rows, dtype=np.int64)
        out = {}
        for key in self._keys:
            if key == "type":
                out[key] = np.array([TYPE_LABELS.get(self._rows[i].get("type") or "subarray",
                                                     self._rows[i].get("type"))
                                     for i in rows.tolist()], dtype=str)
            elif key == "primary":
                out[key] = np.array([primary_name(v) for v in
                                     self.columns["primary_id"][rows].tolist()], dtype=str)
            else:
                out[key] = self.columns[key][rows].copy()
        return out

    @staticmethod
    def _type_data(row, value: str, role):
        if role == _DISPLAY:
            return TYPE_LABELS.get(value, value)
        if role == _SORT:
            return float(row.get("event_type", 255))
        if role == _TIP:
            return (f"event type {value} (ctapipe code {row.get('event_type', '?')})"
                    + ("; calibration data: not cleaned nor reconstructed"
                       if row.get("is_calibration") else ""))
        if role == _FOREGROUND and row.get("is_calibration"):
            return _CALIBRATION_COLOR
        return None


class EventFilterProxy(ColumnSortFilterProxy):
    """Rows kept by the source model's filter mask (evaluated over all rows with numpy),
    sorted by one column (numpy's argsort over the column's array)."""

    def sort(self, column, order=QtCore.Qt.AscendingOrder):
        """Sorting by event index, ascending, is the rows' own order: no sorting at all
        then (rows appended while a file is indexed take their place without comparing)."""
        if column == 0 and order == QtCore.Qt.AscendingOrder:
            column = -1
        super().sort(column, order)

    def set_expression(self, text: str, type_condition: str = "") -> None:
        flt = combined_filter(text, type_condition)  # raises FilterError
        model = self.sourceModel()
        model.filter_mask.set_filter(flt, model.columns)
        self.refilter()


class _Header(QtWidgets.QHeaderView):
    """Column headers that keep room for the sort arrow in the sorted column only (Qt keeps
    it in every column: ~16 px each, which pushes the last headers out of a narrow dock)."""

    def __init__(self, parent=None):
        super().__init__(QtCore.Qt.Horizontal, parent)
        self.setSectionsClickable(True)
        self.setHighlightSections(True)
        self.sortIndicatorChanged.connect(self._sorted)

    def sectionSizeFromContents(self, logical):
        size = super().sectionSizeFromContents(logical)
        if self.isSortIndicatorShown() and logical != self.sortIndicatorSection():
            mark = self.style().pixelMetric(QtWidgets.QStyle.PM_HeaderMarkSize, None, self)
            size.setWidth(max(size.width() - mark, 0))
        return size

    def _sorted(self, section, _order):
        if self.sectionSize(section) < self.sectionSizeHint(section):
            self.resizeSection(section, self.sectionSizeHint(section))


class EventTable(QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.model = EventTableModel(session)
        self.proxy = EventFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QtWidgets.QLineEdit(
            placeholderText="filter, e.g. n_tel >= 4 and energy > 1")
        self.filter_edit.editingFinished.connect(self.apply_filter)
        self.type_box = QtWidgets.QComboBox()
        self.type_box.addItems([label for label, _ in TYPE_CHOICES])
        self.type_box.setToolTip(
            "Show only events of one type: showers, pedestal events, flat-field events, "
            "every calibration event, or events with a muon ring (the filter expression "
            "applies as well)")
        self.type_box.currentIndexChanged.connect(lambda _: self.apply_filter())
        self.filter_edit.setToolTip(
            "Show only the events for which this expression is true (press Enter).\n"
            f"Columns: {', '.join(COLUMNS)} (energy: true, TeV; reco_*: after processing; "
            "event_type: ctapipe's code, 32 shower, 5 sky pedestal, 0 flat field; is_*: 0 "
            "or 1; muon: telescopes with a fitted muon ring, once processed or after the Muon "
            "summary's analysis of the file; true_*, primary_id (0 gamma, 101 proton), "
            "ang_error (deg), intensity (p.e.): once the whole file is processed)\n"
            "Operators: < <= > >= == != and or not + - * / % ** abs() ( ); "
            "e.g. n_tel >= 4 and energy > 1")
        self.status = QtWidgets.QLabel(wordWrap=True)  # a filter's error can be long
        self.view = QtWidgets.QTableView()
        self.view.setHorizontalHeader(_Header(self.view))
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, QtCore.Qt.AscendingOrder)
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SingleSelection)
        self.view.verticalHeader().hide()
        # columns fit their contents once per file (rows_changed), not on every change of
        # a row: ResizeToContents re-measures up to a thousand rows each time one row's
        # reco columns are filled in
        self.view.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.Interactive)
        self.view.horizontalHeader().setResizeContentsPrecision(30)
        self.view.doubleClicked.connect(self._activated)
        self.view.horizontalHeader().setContextMenuPolicy(QtCore.Qt.CustomContextMenu)
        self.view.horizontalHeader().customContextMenuRequested.connect(self._column_menu)
        self.whole_button = QtWidgets.QToolButton()
        self.whole_button.setObjectName("process_whole_file")
        self.whole_button.setText("Whole file")
        self.whole_button.setToolTip(
            "Process every event of the file in the background (worker processes), so that "
            "every row gets its reconstruction, simulation and intensity columns; the result "
            "is kept in a cache for these settings (Events ▸ Process whole file)")
        self.whole_button.clicked.connect(self._whole_clicked)
        self.whole_button.setEnabled(False)
        self.file_table = None  # the whole-file table's model (``attach``)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.type_box)
        top.addWidget(self.whole_button)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        shown = shown_columns()
        for c, (key, _, _) in enumerate(HEADERS):
            self.view.setColumnHidden(c, key not in shown)
        self._type_column_for_new_file()
        self.fit_columns()
        session.event_changed.connect(self._select_current)
        self._width_hint: int | None = None
        header = self.view.horizontalHeader()
        header.sectionResized.connect(self._columns_changed)
        header.sortIndicatorChanged.connect(self._columns_changed)
        session.rows_changed.connect(self._update_status)
        session.rows_changed.connect(self._type_column_for_new_file)
        session.rows_changed.connect(self.fit_columns)
        session.rows_added.connect(self._type_column_for_new_rows)
        session.rows_added.connect(self._update_status)
        session.indexing_changed.connect(self._update_status)
        session.row_changed.connect(self._update_status)

    # the type column is shown once the file has an event that is not a shower (a column
    # of "shower" only would take the room of the others)
    _TYPE_COLUMN = next(c for c, (key, _, _) in enumerate(HEADERS) if key == "type")

    def _type_column_for_new_file(self) -> None:
        self._has_calibration = False
        self._type_column_for_new_rows(0)

    def _type_column_for_new_rows(self, start: int) -> None:
        rows = self.session.rows
        found = self._has_calibration or any(
            row.get("is_calibration") for row in rows[start:])
        self._has_calibration = found
        if self.view.isColumnHidden(self._TYPE_COLUMN) == found:
            self.view.setColumnHidden(self._TYPE_COLUMN, not found)
            self._width_hint = None
            self.updateGeometry()

    def fit_columns(self) -> None:
        """Columns as wide as their contents and headers (once per file), and at least as
        wide as a typical value (``TYPICAL``): the table's width hint holds before a file."""
        self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        metrics = self.view.fontMetrics()
        pad = 2 * self.view.style().pixelMetric(QtWidgets.QStyle.PM_FocusFrameHMargin) + 10
        for c, (key, _, _) in enumerate(HEADERS):
            typical = metrics.horizontalAdvance(TYPICAL.get(key, "")) + pad
            if header.sectionSize(c) < typical:
                header.resizeSection(c, typical)
        self._width_hint = None
        self.updateGeometry()

    def columns_width(self) -> int:
        """Pixels the table needs to show every column whole (frame and scroll bar included)."""
        header = self.view.horizontalHeader()
        width = sum(max(header.sectionSize(c), header.sectionSizeHint(c))
                    for c in range(header.count()) if not header.isSectionHidden(c))
        return (width + 2 * self.view.frameWidth()
                + self.view.verticalScrollBar().sizeHint().width()
                + self.layout().contentsMargins().left() + self.layout().contentsMargins().right())

    def sizeHint(self):
        """Wide enough for every column, so that no header is cut at the dock's edge
        (measured again only when a column's width may have changed: the dock asks on
        every change of the status line, i.e. with each batch of rows while indexing)."""
        if self._width_hint is None:
            self._width_hint = self.columns_width()
        return QtCore.QSize(self._width_hint, super().sizeHint().height())

    def _columns_changed(self, *_):
        self._width_hint = None

    def apply_filter(self, text: str | None = None):
        """Filter by ``text`` (None: the one typed) and the type choice."""
        if text is not None:
            self.filter_edit.setText(text)
        try:
            self.proxy.set_expression(self.filter_edit.text(),
                                      TYPE_CHOICES[self.type_box.currentIndex()][1])
        except FilterError as exc:
            self.filter_edit.setStyleSheet("background: #fdd")
            self.status.setText(f"Filter: {exc.message}")
            return
        self.filter_edit.setStyleSheet("")
        self._update_status()

    def _update_status(self, *_):
        more = " (indexing…)" if self.session.indexing else ""
        whole = self.file_table.summary() if self.file_table is not None else ""
        self.status.setText(
            f"{self.proxy.rowCount()} of {self.model.rowCount()} events shown{more}"
            + (f" · {whole}" if whole else ""))

    # ---------------------------------------------------------------- the whole file
    def attach(self, file_table) -> None:
        """Show the whole-file table of ``file_table`` (a ``FileTableModel``) and offer to
        make it (the button next to the filter)."""
        self.file_table = file_table
        file_table.table_changed.connect(self._table_changed)
        file_table.changed.connect(self._whole_state)
        self._whole_state()

    def _table_changed(self) -> None:
        ft = self.file_table
        self.model.set_table(ft.table, ft.stale)
        self._type_column_for_new_file()
        self.fit_columns()
        self._update_status()
        self._select_current()

    def _whole_state(self) -> None:
        ft = self.file_table
        self.model.set_stale(ft.stale)
        self.whole_button.setEnabled(ft.can_start or ft.running)
        self.whole_button.setText("Cancel" if ft.running else (
            "Reprocess" if ft.stale else "Whole file"))
        self._update_status()

    def _whole_clicked(self) -> None:
        ft = self.file_table
        if ft is None:
            return
        if ft.running:
            ft.cancel()
        else:
            ft.start()

    # ---------------------------------------------------------------- columns
    def _column_menu(self, pos) -> None:
        menu = self.column_menu()
        menu.exec(self.view.horizontalHeader().mapToGlobal(pos))

    def column_menu(self) -> QtWidgets.QMenu:
        """The header's context menu: a check box per column (shown or hidden)."""
        menu = QtWidgets.QMenu(self)
        for c, spec in enumerate(TABLE_COLUMNS):
            action = menu.addAction(spec.label.replace("\n", " "))
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(c))
            action.setToolTip(spec.description)
            action.toggled.connect(lambda on, c=c: self.show_column(c, on))
        menu.setToolTipsVisible(True)
        return menu

    def show_column(self, column, on: bool = True) -> None:
        """Show (or hide) ``column`` (its number, or its key)."""
        if isinstance(column, str):
            column = [key for key, _, _ in HEADERS].index(column)
        self.view.setColumnHidden(column, not on)
        if on:
            self.view.resizeColumnToContents(column)
        self._width_hint = None
        self.updateGeometry()
        keep_shown_columns([key for c, (key, _, _) in enumerate(HEADERS)
                            if key == "type" or not self.view.isColumnHidden(c)])

    # ---------------------------------------------------------------- export
    def export(self, path: str) -> str:
        """Write the events the list shows (its filter and order), every column, as CSV or
        ECSV (by the name's extension; ECSV carries the units). CtaviewerError when it
        cannot be written."""
        return export_table(path, self.model.export_columns(self.proxy.source_rows()))

    def export_dialog(self) -> str | None:
        """Ask for a file name and export (File ▸ Export table…); errors in a dialog."""
        from ...errors import CtaviewerError

        name = "events.ecsv"
        if self.session.path:
            import os

            name = os.path.basename(self.session.path).split(".")[0] + "_events.ecsv"
        path, chosen = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export table", name, ";;".join(
                (EXPORT_FORMATS["ecsv"], EXPORT_FORMATS["csv"])))
        if not path:
            return None
        if not path.lower().endswith((".csv", ".ecsv")):
            path += ".csv" if chosen == EXPORT_FORMATS["csv"] else ".ecsv"
        try:
            return self.export(path)
        except CtaviewerError as exc:
            QtWidgets.QMessageBox.warning(self, "Export failed", str(exc))
            return None

    def next_visible(self, current: int, direction: int) -> int | None:
        """The event after ``current`` (``direction`` +1) or before it (-1) that the list
        shows (its filter applies), None if there is none; fast on long lists."""
        return self.model.filter_mask.next_kept(current, direction)

    def visible_indices(self) -> list[int]:
        """The events shown, in the list's order."""
        return self.proxy.source_rows().tolist()

    def _activated(self, proxy_index):
        self.session.go_to(self.proxy.mapToSource(proxy_index).row())

    def _select_current(self):
        src = self.model.index(self.session.event_index, 0)
        idx = self.proxy.mapFromSource(src)
        if idx.isValid():
            self.view.selectRow(idx.row())
