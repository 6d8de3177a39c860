"""The DL3 browser: a window of its own for a GADF data set (a folder, an index or a run file).

Top: the observation table (OBS_ID, object, pointing, livetime, events, start). Below, for
the selected observation, tabs: its event list (sortable; filtered by expressions such as
``energy > 1 and offset < 1``), the counts map around the pointing, θ² around a position
over every observation with ON/OFF regions, and the IRF plots. Files are read in the
application's worker thread; a file that cannot be read is a dialog naming it and the cause.
Double-clicking an event opens it in the main window when its file (the sim_telarray input
its DL2 file records, or the DL2 file) is at hand.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ...dl3 import events as dl3_events
from ...dl3 import irfs as dl3_irfs
from ...dl3 import skymap, theta2
from ...dl3.index import open_dl3
from ...dl3.links import find_event_file
from ...errors import CtaviewerError, InputFileError
from .. import workers
from ..qt import QtCore, QtGui, QtWidgets
from .event_model import DL3EventModel
from .irf_view import IRFView
from .sky_view import SkyMapView
from .theta2_view import Theta2View

OBS_HEADERS = ("OBS_ID", "object", "RA pnt (°)", "Dec pnt (°)", "livetime (s)", "events",
               "TSTART (s)", "IRFs")


SORT_ROLE = int(QtCore.Qt.UserRole) + 1


class NumberItem(QtWidgets.QTableWidgetItem):
    """A cell that sorts by its number (the text of a number does not sort as it)."""

    def __lt__(self, other):
        a, b = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if a is not None and b is not None:
            return a < b
        return super().__lt__(other)


def _number(value: float, fmt: str) -> str:
    return "—" if not math.isfinite(value) else fmt.format(value)


class DL3Browser(QtWidgets.QMainWindow):
    """``open(path)`` reads ``path`` in the worker thread; ``loaded`` is emitted with the
    index, ``run_shown`` with the OBS_ID once a run's events and IRFs are shown."""

    loaded = QtCore.Signal(object)
    run_shown = QtCore.Signal(int)
    theta2_done = QtCore.Signal()

    def __init__(self, main_window=None):
        super().__init__(main_window)
        self.setWindowFlag(QtCore.Qt.Window, True)
        self.setObjectName("dl3_browser")
        self.setWindowTitle("DL3 browser")
        self.setAcceptDrops(True)
        self.main_window = main_window
        self.index = None
        self.events_cache: dict[int, object] = {}
        self.current = None  # (Run, EventList, irfs, errors)
        self.last_error = None
        self.busy = False
        self._generation = 0

        self.obs_table = QtWidgets.QTableWidget(0, len(OBS_HEADERS))
        self.obs_table.setObjectName("dl3_obs_table")
        self.obs_table.setHorizontalHeaderLabels(OBS_HEADERS)
        self.obs_table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.obs_table.setSelectionMode(QtWidgets.QAbstractItemView.SingleSelection)
        self.obs_table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.obs_table.setSortingEnabled(True)
        self.obs_table.verticalHeader().hide()
        self.obs_table.horizontalHeader().setStretchLastSection(True)
        self.obs_table.setToolTip("The observations of the data set: select one to see its "
                                  "events, counts map and IRFs")
        self.obs_table.itemSelectionChanged.connect(self._selection_changed)

        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setObjectName("dl3_tabs")
        self.tabs.addTab(self._events_tab(), "Events")
        self.tabs.addTab(self._map_tab(), "Counts map")
        self.tabs.addTab(self._theta2_tab(), "θ²")
        self.irf_view = IRFView()
        self.tabs.addTab(self.irf_view, "IRFs")

        split = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        split.addWidget(self.obs_table)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setSizes([170, 690])
        self.setCentralWidget(split)
        self.summary = QtWidgets.QLabel()
        self.summary.setObjectName("dl3_summary")
        self.statusBar().addPermanentWidget(self.summary)
        menu = self.menuBar().addMenu("&File")
        act = menu.addAction("&Open DL3…", self.open_dialog)
        act.setShortcut(QtGui.QKeySequence("Ctrl+O"))
        act.setToolTip("Open a GADF DL3 folder, index or run file")
        menu.addAction("&Close", self.close).setShortcut(QtGui.QKeySequence("Ctrl+W"))
        self.resize(1200, 860)

    # ---------------------------------------------------------------- tabs
    def _events_tab(self):
        w = QtWidgets.QWidget()
        self.filter_edit = QtWidgets.QLineEdit(placeholderText="filter, e.g. energy > 1 and "
                                                               "offset < 1.5")
        self.filter_edit.setObjectName("dl3_event_filter")
        self.filter_edit.setToolTip("An expression over the columns (lower case): event_id, "
                                    "time, ra, dec, energy, offset, ...; Enter applies it")
        self.filter_edit.returnPressed.connect(self.apply_filter)
        self.filter_message = QtWidgets.QLabel()
        self.event_model = DL3EventModel()
        self.event_view = QtWidgets.QTableView()
        self.event_view.setObjectName("dl3_event_table")
        self.event_view.setModel(self.event_model)
        self.event_view.setSortingEnabled(True)
        self.event_view.sortByColumn(-1, QtCore.Qt.AscendingOrder)
        self.event_view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.event_view.verticalHeader().setDefaultSectionSize(20)
        self.event_view.setToolTip("Click a header to sort; double-click an event to open it "
                                   "in the main window (when its file is at hand)")
        self.event_view.doubleClicked.connect(lambda ix: self.open_event(ix.row()))
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Filter:"))
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.filter_message)
        layout = QtWidgets.QVBoxLayout(w)
        layout.addLayout(top)
        layout.addWidget(self.event_view, 1)
        return w

    def _map_tab(self):
        w = QtWidgets.QWidget()
        self.map_width = QtWidgets.QDoubleSpinBox(minimum=0.5, maximum=20.0, value=5.0,
                                                  singleStep=0.5, suffix="°")
        self.map_width.setToolTip("Width of the counts map around the pointing")
        self.map_binsz = QtWidgets.QDoubleSpinBox(decimals=3, minimum=0.005, maximum=0.5,
                                                  singleStep=0.005, suffix="°")
        self.map_binsz.setValue(0.04)
        self.map_binsz.setToolTip("Pixel size of the counts map")
        for box in (self.map_width, self.map_binsz):
            box.valueChanged.connect(lambda *_: self.update_map())
        self.sky_view = SkyMapView()
        self.sky_view.position_clicked.connect(self._map_clicked)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Width"))
        top.addWidget(self.map_width)
        top.addWidget(QtWidgets.QLabel("Pixel"))
        top.addWidget(self.map_binsz)
        top.addStretch(1)
        layout = QtWidgets.QVBoxLayout(w)
        layout.addLayout(top)
        layout.addWidget(self.sky_view, 1)
        return w

    def _theta2_tab(self):
        w = QtWidgets.QWidget()
        self.t2_ra = QtWidgets.QDoubleSpinBox(minimum=0.0, maximum=360.0, decimals=4,
                                              suffix="°")
        self.t2_dec = QtWidgets.QDoubleSpinBox(minimum=-90.0, maximum=90.0, decimals=4,
                                               suffix="°")
        self.t2_ra.setToolTip("RA of the θ² position (the target of the run by default; a "
                              "click on the counts map sets it)")
        self.t2_dec.setToolTip("Dec of the θ² position")
        self.t2_cut = QtWidgets.QDoubleSpinBox(decimals=4, minimum=0.001, maximum=1.0,
                                               singleStep=0.005, suffix=" deg²")
        self.t2_cut.setValue(0.0125)
        self.t2_cut.setToolTip("θ² cut: the ON and OFF regions are circles of this squared "
                               "radius")
        self.t2_mode = QtWidgets.QComboBox()
        self.t2_mode.addItems(theta2.MODES)
        self.t2_mode.setToolTip("reflected: as many OFF regions as fit on the ring around "
                                "the pointing; wobble: the one opposite the target")
        go = QtWidgets.QPushButton("Compute")
        go.setToolTip("Count ON and OFF events of every observation")
        go.clicked.connect(self.update_theta2)
        top = QtWidgets.QHBoxLayout()
        for label, box in (("RA", self.t2_ra), ("Dec", self.t2_dec), ("θ² cut", self.t2_cut),
                           ("OFF", self.t2_mode)):
            top.addWidget(QtWidgets.QLabel(label))
            top.addWidget(box)
        top.addWidget(go)
        top.addStretch(1)
        self.theta2_view = Theta2View()
        layout = QtWidgets.QVBoxLayout(w)
        layout.addLayout(top)
        layout.addWidget(self.theta2_view, 1)
        return w

    # ---------------------------------------------------------------- opening
    def open_dialog(self):
        start = os.path.dirname(self.index.path) if self.index else ""
        path = QtWidgets.QFileDialog.getExistingDirectory(self, "Open DL3 folder", start)
        if path:
            self.open(path)

    def dragEnterEvent(self, ev):  # noqa: N802 (Qt API)
        if ev.mimeData().hasUrls():
            ev.acceptProposedAction()

    def dropEvent(self, ev):  # noqa: N802 (Qt API)
        urls = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open(urls[0])

    def open(self, path, synchronous: bool = False) -> None:
        """Read the index of ``path`` (in the worker thread unless ``synchronous``)."""
        self._generation += 1
        gen = self._generation
        self._set_busy(f"Reading {path}…")
        if synchronous:
            try:
                index = open_dl3(path)
            except Exception as exc:  # noqa: BLE001 (shown, whatever it is)
                self._failed(gen, path, exc)
                return
            self._index_loaded(gen, index, synchronous=True)
            return
        workers.submit(lambda progress, stop: open_dl3(path),
                       finished=lambda index: self._index_loaded(gen, index),
                       failed=lambda exc: self._failed(gen, path, exc))

    def _set_busy(self, text: str) -> None:
        self.busy = bool(text)
        self.statusBar().showMessage(text)

    def _failed(self, gen, path, exc) -> None:
        if gen != self._generation:
            return
        self._set_busy("")
        if isinstance(exc, InputFileError):
            message = f"{exc.path}\n\n{exc.cause}"
        elif isinstance(exc, CtaviewerError):
            message = str(exc)
        else:
            message = f"{path}\n\n{type(exc).__name__}: {exc}"
        self.show_error("Cannot open DL3 data", message)

    def show_error(self, title: str, message: str) -> None:
        self.last_error = (title, message)
        self.statusBar().showMessage(message.replace("\n\n", ": "), 10000)
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, title, message,
                                    QtWidgets.QMessageBox.Ok, self)
        box.setObjectName("error_dialog")
        if QtGui.QGuiApplication.platformName() == "offscreen":
            box.deleteLater()  # no one can click: kept in last_error
            return
        box.open()

    def _index_loaded(self, gen, index, synchronous: bool = False) -> None:
        if gen != self._generation:
            return
        self.index = index
        self.events_cache = {}
        self.current = None
        self._set_busy("")
        self.setWindowTitle(f"DL3 browser — {index.path}")
        self._fill_obs_table()
        runs = [r for r in index.runs if r.has_events]
        self.summary.setText(f"{len(index.runs)} observation(s), {index.total_events} events, "
                             f"livetime {index.total_livetime_s / 3600:.2f} h")
        self.loaded.emit(index)
        if index.runs:
            # the first run with events (a run with none shows an empty list first)
            first = next((r for r in index.runs if r.has_events and r.n_events > 0),
                         index.runs[0])
            self.show_run(first.obs_id, synchronous=synchronous)
        self.tabs.setTabEnabled(1, bool(runs))
        self.tabs.setTabEnabled(2, bool(runs))

    def _fill_obs_table(self) -> None:
        t = self.obs_table
        t.setSortingEnabled(False)
        t.setRowCount(len(self.index.runs))
        for row, r in enumerate(self.index.runs):
            values = (r.obs_id, r.object_name or "—", r.ra_pnt, r.dec_pnt, r.livetime_s,
                      r.n_events, r.tstart_s, ", ".join(r.irf_types) or "none")
            texts = (str(r.obs_id), values[1], _number(r.ra_pnt, "{:.3f}"),
                     _number(r.dec_pnt, "{:+.3f}"), _number(r.livetime_s, "{:.1f}"),
                     str(r.n_events) if r.has_events else "no EVENTS",
                     _number(r.tstart_s, "{:.0f}"), values[7])
            for col, (v, text) in enumerate(zip(values, texts)):
                item = NumberItem(text)
                if isinstance(v, int | float):
                    item.setData(SORT_ROLE, float(v) if math.isfinite(v) else -math.inf)
                    item.setTextAlignment(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
                item.setData(QtCore.Qt.UserRole, r.obs_id)
                if r.notes:
                    item.setToolTip("\n".join(r.notes))
                t.setItem(row, col, item)
        t.setSortingEnabled(True)
        t.sortByColumn(0, QtCore.Qt.AscendingOrder)
        t.resizeColumnsToContents()

    def obs_table_rows(self) -> list[dict]:
        """What the observation table shows, row by row (header -> text)."""
        t = self.obs_table
        return [{OBS_HEADERS[c]: t.item(r, c).text() for c in range(t.columnCount())}
                for r in range(t.rowCount())]

    def _selection_changed(self) -> None:
        rows = self.obs_table.selectionModel().selectedRows()
        if not rows:
            return
        obs_id = self.obs_table.item(rows[0].row(), 0).data(QtCore.Qt.UserRole)
        if self.current is None or self.current[0].obs_id != obs_id:
            self.show_run(int(obs_id))

    # ---------------------------------------------------------------- one run
    def show_run(self, obs_id: int, synchronous: bool = False) -> None:
        """Read the run's events and IRFs (worker thread) and show them."""
        run = self.index.run(obs_id)
        self._select_row(obs_id)
        self._generation += 1
        gen = self._generation
        self._set_busy(f"Reading observation {obs_id}…")

        def load(progress=None, stop=None):
            ev = dl3_events.read_events(run) if run.has_events else None
            irfs, errors = dl3_irfs.load_irfs(run)
            return run, ev, irfs, errors

        if synchronous:
            try:
                loaded = load()
            except Exception as exc:  # noqa: BLE001 (shown, whatever it is)
                self._failed(gen, obs_id, exc)
                return
            self._run_loaded(gen, loaded)
            return
        workers.submit(load, finished=lambda res: self._run_loaded(gen, res),
                       failed=lambda exc: self._failed(gen, obs_id, exc))

    def _select_row(self, obs_id: int) -> None:
        t = self.obs_table
        for row in range(t.rowCount()):
            if t.item(row, 0).data(QtCore.Qt.UserRole) == obs_id:
                if t.currentRow() != row:
                    t.blockSignals(True)
                    t.selectRow(row)
                    t.blockSignals(False)
                return

    def _run_loaded(self, gen, loaded) -> None:
        if gen != self._generation:
            return
        run, ev, irfs, errors = loaded
        self.current = loaded
        if ev is not None:
            self.events_cache[run.obs_id] = ev
        self._set_busy("")
        self.event_model.set_events(ev)
        self.event_view.resizeColumnsToContents()
        self._filter_count()
        self.irf_view.show_irfs(irfs, errors, run.obs_id)
        if ev is not None:
            target = ev.target
            if target is None:  # no target given: 0.5° north of the pointing
                target = tuple(float(v) for v in theta2.offset_by(ev.ra_pnt, ev.dec_pnt, 0.0,
                                                                   0.5))
            self.t2_ra.setValue(target[0])
            self.t2_dec.setValue(target[1])
            self.update_map()
        else:
            self.tabs.setCurrentWidget(self.irf_view)
        self.run_shown.emit(run.obs_id)

    def apply_filter(self) -> None:
        problem = self.event_model.set_filter(self.filter_edit.text())
        if problem:
            self.filter_message.setText(problem)
            self.filter_message.setStyleSheet("color: #b00000")
            return
        self.filter_message.setStyleSheet("")
        self._filter_count()

    def _filter_count(self) -> None:
        m = self.event_model
        total = len(m.columns.get("event_id", ()))
        self.filter_message.setText(f"{len(m.rows)} of {total} events")

    def update_map(self) -> None:
        if self.current is None or self.current[1] is None:
            return
        ev = self.current[1]
        cmap = skymap.counts_map(ev.ra, ev.dec, ev.ra_pnt, ev.dec_pnt,
                                 self.map_width.value(), self.map_binsz.value())
        self.counts_map = cmap
        regions = None
        result = self.theta2_view.result
        if result is not None:
            run_regions = next((r for r in result.runs if r.obs_id == ev.obs_id), None)
            if run_regions is not None:
                regions = (run_regions, self._theta2_target,
                           float(np.sqrt(result.theta2_cut)))
        self.sky_view.show_map(cmap, f"Observation {ev.obs_id} — {ev.object_name}",
                               (ev.ra_pnt, ev.dec_pnt), regions)

    def _map_clicked(self, ra: float, dec: float) -> None:
        self.t2_ra.setValue(ra)
        self.t2_dec.setValue(dec)
        self.statusBar().showMessage(f"θ² position set to RA {ra:.3f}°, Dec {dec:+.3f}° "
                                     "(θ² tab: Compute)", 6000)

    # ---------------------------------------------------------------- θ²
    def update_theta2(self, synchronous: bool = False) -> None:
        """θ² of every observation with events around the position of the fields."""
        if self.index is None:
            return
        target = (self.t2_ra.value(), self.t2_dec.value())
        cut, mode = self.t2_cut.value(), self.t2_mode.currentText()
        runs = [r for r in self.index.runs if r.has_events]
        cache = self.events_cache

        def compute(progress=None, stop=None):
            lists = []
            for r in runs:
                if r.obs_id not in cache:
                    cache[r.obs_id] = dl3_events.read_events(r)
                lists.append(cache[r.obs_id])
            return theta2.theta2(lists, target, cut, mode=mode)

        self._set_busy("Counting ON and OFF events…")
        if synchronous:
            try:
                result = compute()
            except Exception as exc:  # noqa: BLE001 (shown in the θ² tab)
                self._theta2_failed(exc)
                return
            self._theta2_done(result, target, mode)
            return
        workers.submit(compute, finished=lambda res: self._theta2_done(res, target, mode),
                       failed=self._theta2_failed)

    def _theta2_done(self, result, target, mode) -> None:
        self._set_busy("")
        self._theta2_target = target
        self.theta2_view.show_result(result, target, mode)
        self.update_map()
        self.theta2_done.emit()

    def _theta2_failed(self, exc) -> None:
        self._set_busy("")
        self.theta2_view.show_message(f"<span style='color:#b00000'>{exc}</span>")
        self.statusBar().showMessage(str(exc), 8000)
        self.theta2_done.emit()

    # ---------------------------------------------------------------- links
    def open_event(self, row: int) -> bool:
        """Open the event at ``row`` of the event table in the main window, when its file
        (``dl3.links.find_event_file``) is at hand; otherwise say why not in the status
        bar."""
        if self.current is None or self.current[1] is None:
            return False
        ev = self.current[1]
        event_id = int(self.event_model.event_at(row)["event_id"])
        link = find_event_file(ev)
        if link.path is None:
            self.statusBar().showMessage(f"Event {event_id}: {link.reason}", 12000)
            return False
        if self.main_window is None:
            self.statusBar().showMessage(f"Event {event_id}: no main window to show it in",
                                         8000)
            return False
        from ..show_event import show_event_in

        show_event_in(self.main_window, link.path, event_id)
        self.statusBar().showMessage(f"Event {event_id} of observation {ev.obs_id}: "
                                     f"opening {os.path.basename(link.path)} ({link.kind}) "
                                     "in the main window", 8000)
        return True


def render_dl3_png(path, out: str, tab: int = 0, size=(1200, 860)) -> str:
    """The DL3 browser with ``path`` open (read synchronously), ``tab`` shown, saved as a
    PNG at ``out`` (the command line without a display); an InputFileError if it cannot be
    read."""
    from ..main import make_application

    make_application()
    browser = DL3Browser()
    browser.resize(*size)
    browser.open(path, synchronous=True)
    if browser.last_error is not None:
        raise InputFileError(path, browser.last_error[1].split("\n\n")[-1])
    browser.tabs.setCurrentIndex(tab)
    browser.show()
    QtWidgets.QApplication.processEvents()
    if not browser.grab().save(out):
        raise OSError(f"{out}: the PNG could not be written")
    browser.close()
    return out
