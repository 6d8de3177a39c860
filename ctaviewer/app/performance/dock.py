"""The Performance dock: pyirf performance plots of DL2 files, with cuts and event links.

Files are added with "Add DL2 files…" (or "Add the open file" when the window shows a DL2
HDF5 file); they are read, and every table computed, in the application's worker thread
(``workers.submit``), never on the GUI thread. A cut change recomputes after a short pause;
a result that a newer request has overtaken is dropped. Clicking a point of an energy plot
lists the selected gammas of its bin; double-clicking one opens its file in the window (if
not open already: the sim_telarray file the DL2 file was made from when that is at hand,
else the DL2 file) and goes to the event by its id.
"""

from __future__ import annotations

import html
import os
from dataclasses import replace

from ...dl3.links import event_file_of
from ...errors import CtaviewerError
from ...performance.benchmarks import Options, PerformanceResult, compute
from ...performance.cuts import Cuts
from ...performance.plots import make_plots
from ...performance.report import write_tables
from ...performance.sample import Sample
from .. import workers
from ..export import export_widget
from ..qt import QtCore, QtWidgets
from ..show_event import show_event_in
from .plot_view import PerformancePlot

#: the event list's columns: (header, tooltip)
EVENT_COLUMNS = (
    ("file", "DL2 file the event comes from"),
    ("obs_id", "observation (run) id"),
    ("event_id", "event id: double-click to open the event in the camera and array views"),
    ("E_true / TeV", "simulated energy"),
    ("E_reco / TeV", "reconstructed energy"),
    ("θ / deg", "angle between reconstructed and true direction"),
    ("gammaness", "classifier output"),
    ("n_tel", "telescopes in the reconstruction"),
)
DL2_SUFFIXES = (".h5", ".hdf5", ".hdf")


class PerformancePanel(QtWidgets.QWidget):
    """The dock's widget. ``window``: the main window whose views open clicked events."""

    #: a new result is shown (tests and the screenshot script wait for it)
    updated = QtCore.Signal()

    def __init__(self, window=None, parent=None, options: Options | None = None):
        super().__init__(parent)
        self.main_window = window
        self.options = options or Options()
        self.paths: list[str] = []
        self.sample: Sample | None = None
        self.result: PerformanceResult | None = None
        self.plots: dict[str, PerformancePlot] = {}
        self._generation = 0
        self._task = None
        self._timer = QtCore.QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.recompute)
        self._build()
        if window is not None:
            window.session.source_changed.connect(self._source_changed)
            self._source_changed()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        top = QtWidgets.QHBoxLayout()
        self.add_button = QtWidgets.QPushButton("Add DL2 files…")
        self.add_button.setToolTip("Add DL2 HDF5 files of simulated gammas and protons "
                                   "(ctaviewer process --levels dl1,dl2, or ctapipe-process)")
        self.add_button.clicked.connect(self.add_dialog)
        self.open_file_button = QtWidgets.QPushButton("Add the open file")
        self.open_file_button.setToolTip("Add the DL2 file shown in the window")
        self.open_file_button.clicked.connect(self.add_open_file)
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.clear_button.setToolTip("Remove every file from the performance plots")
        self.clear_button.clicked.connect(self.clear)
        self.export_plot_button = QtWidgets.QPushButton("Export plot…")
        self.export_plot_button.setToolTip("Save the plot shown as PNG or SVG")
        self.export_plot_button.clicked.connect(self.export_plot_dialog)
        self.export_tables_button = QtWidgets.QPushButton("Export tables…")
        self.export_tables_button.setToolTip("Save every table behind the plots as ECSV "
                                             "files in a folder")
        self.export_tables_button.clicked.connect(self.export_tables_dialog)
        for w in (self.add_button, self.open_file_button, self.clear_button):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.export_plot_button)
        top.addWidget(self.export_tables_button)

        cuts = QtWidgets.QHBoxLayout()
        self.gammaness = QtWidgets.QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05,
                                                  decimals=2)
        self.gammaness.setSpecialValueText("no cut")
        self.gammaness.setToolTip("Keep events of gammaness at least this (0: no cut)")
        self.theta = QtWidgets.QDoubleSpinBox(minimum=0.0, maximum=10.0, singleStep=0.05,
                                              decimals=2, suffix="°")
        self.theta.setSpecialValueText("no cut")
        self.theta.setToolTip("Keep events whose reconstructed direction is within this "
                              "angle of the true one (0: no cut)")
        self.multiplicity = QtWidgets.QSpinBox(minimum=1, maximum=200, value=2)
        self.multiplicity.setToolTip("At least this many telescopes in the reconstruction")
        self.intensity = QtWidgets.QDoubleSpinBox(minimum=0.0, maximum=1e6, singleStep=50,
                                                  decimals=0, suffix=" p.e.")
        self.intensity.setToolTip("Count only telescopes whose image has at least this "
                                  "intensity (hillas_intensity) toward the multiplicity")
        for label, w in (("gammaness ≥", self.gammaness), ("θ ≤", self.theta),
                         ("telescopes ≥", self.multiplicity),
                         ("with intensity ≥", self.intensity)):
            cuts.addWidget(QtWidgets.QLabel(label))
            cuts.addWidget(w)
            w.valueChanged.connect(self._cuts_changed)
            w.setKeyboardTracking(False)
        cuts.addStretch(1)

        self.files_label = QtWidgets.QLabel("No files: add DL2 files of simulated gammas "
                                            "(and protons).")
        self.files_label.setWordWrap(True)
        self.status = QtWidgets.QLabel("")
        self.status.setObjectName("performance_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(QtCore.Qt.RichText)

        self.tabs = QtWidgets.QTabWidget()
        self.events = QtWidgets.QTableWidget(0, len(EVENT_COLUMNS))
        self.events.setHorizontalHeaderLabels([c for c, _ in EVENT_COLUMNS])
        for k, (_, tip) in enumerate(EVENT_COLUMNS):
            self.events.horizontalHeaderItem(k).setToolTip(tip)
        self.events.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.events.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.events.verticalHeader().hide()
        self.events.horizontalHeader().setStretchLastSection(True)
        self.events.setToolTip("The events of the clicked bin; double-click one to open it "
                               "in the camera and array views")
        self.events.cellDoubleClicked.connect(self._event_double_clicked)
        self.events_label = QtWidgets.QLabel("Click a point of an energy plot to list the "
                                             "events of its bin.")
        below = QtWidgets.QWidget()
        bl = QtWidgets.QVBoxLayout(below)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.events_label)
        bl.addWidget(self.events)
        split = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        split.addWidget(self.tabs)
        split.addWidget(below)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([600, 140])

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(cuts)
        layout.addWidget(self.files_label)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.result is not None
        self.export_plot_button.setEnabled(has)
        self.export_tables_button.setEnabled(has)
        self.clear_button.setEnabled(bool(self.paths))

    # ------------------------------------------------------------------ files
    def _source_changed(self) -> None:
        path = self._open_path()
        self.open_file_button.setEnabled(path is not None and path not in self.paths)
        if not self.paths:
            text = "No files: add DL2 files of simulated gammas (and protons)."
            if path is not None:
                text += (f" The window shows {os.path.basename(path)}: "
                         f"<b>Add the open file</b> adds it.")
            self.files_label.setText(text)

    def _open_path(self) -> str | None:
        """The window's open file when it may be a DL2 HDF5 file."""
        if self.main_window is None:
            return None
        path = self.main_window.session.path
        return path if path and path.lower().endswith(DL2_SUFFIXES) else None

    def add_dialog(self) -> None:
        start = os.path.dirname(self.paths[-1]) if self.paths else ""
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self, "Add DL2 files", start, "DL2 HDF5 (*.h5 *.hdf5 *.hdf);;All files (*)")
        if paths:
            self.add_files(paths)

    def add_open_file(self) -> None:
        path = self._open_path()
        if path is not None:
            self.add_files([path])

    def add_files(self, paths) -> None:
        """Add ``paths`` and recompute (in the worker thread)."""
        new = [os.fspath(p) for p in paths if os.fspath(p) not in self.paths]
        if new:
            self.paths += new
            self.sample = None
            self.recompute()

    def clear(self) -> None:
        self._generation += 1
        self.paths, self.sample, self.result = [], None, None
        self.tabs.clear()
        self.plots.clear()
        self.events.setRowCount(0)
        self.status.setText("")
        self._source_changed()
        self._update_buttons()

    # ------------------------------------------------------------------ computing
    def cuts(self) -> Cuts:
        g, t = self.gammaness.value(), self.theta.value()
        return Cuts(gammaness_min=g if g > 0 else None, theta_max_deg=t if t > 0 else None,
                    multiplicity_min=self.multiplicity.value(),
                    intensity_min=self.intensity.value())

    def set_cuts(self, cuts: Cuts) -> None:
        """Set the controls to ``cuts`` (one recomputation)."""
        for w, v in ((self.gammaness, cuts.gammaness_min or 0.0),
                     (self.theta, cuts.theta_max_deg or 0.0),
                     (self.multiplicity, cuts.multiplicity_min),
                     (self.intensity, cuts.intensity_min)):
            w.blockSignals(True)
            w.setValue(v)
            w.blockSignals(False)
        self._cuts_changed()

    def _cuts_changed(self, *_) -> None:
        if self.paths:
            self._timer.start()

    @property
    def computing(self) -> bool:
        return self._task is not None

    def recompute(self) -> None:
        """Compute the tables of the files for the cuts shown, in the worker thread: first
        without the bootstrap error bars (quick, shown at once), then with them."""
        self._timer.stop()
        if not self.paths:
            return
        self._generation += 1
        paths, sample, cuts = list(self.paths), self.sample, self.cuts()
        self.status.setText(f"computing ({cuts.describe()})…")
        self._submit(self._generation, paths, sample, cuts,
                     replace(self.options, n_bootstrap=0))

    def _submit(self, generation: int, paths, sample, cuts: Cuts, options: Options) -> None:
        if self._task is not None:
            self._task.cancel()

        def run(progress, should_stop):
            try:
                s = sample if sample is not None else Sample.load(paths)
                if should_stop():
                    return generation, s, None
                return generation, s, compute(s, cuts, options, should_stop)
            except Exception as exc:
                exc.generation = generation  # a stale request's failure is not shown
                raise

        self._task = workers.submit(run, finished=self._computed, failed=self._failed)

    def _computed(self, payload) -> None:
        generation, sample, result = payload
        if generation != self._generation:
            return  # overtaken by a newer request
        self._task = None
        self.sample = sample
        if result is None:
            return
        self.result = result
        if self.options.n_bootstrap > 0 and result.n_bootstrap == 0:  # the error bars next
            self._submit(generation, list(self.paths), sample, result.cuts, self.options)
        self._show(result)

    def _failed(self, exc) -> None:
        if getattr(exc, "generation", self._generation) != self._generation:
            return
        self._task = None
        if isinstance(exc, CtaviewerError):
            message = str(exc)
        else:
            message = f"{type(exc).__name__}: {exc}"
        # a file that cannot be read leaves the list: the others are kept
        bad = getattr(exc, "path", None)
        if bad in self.paths:
            self.paths.remove(bad)
            self.sample = None
        self.status.setText(f"<span style='color:#b00000'>{html.escape(message)}</span>")
        self._update_buttons()
        self._source_changed()
        if self.main_window is not None:
            self.main_window.show_error("Performance plots", message)
        if bad is not None and self.paths:
            self.recompute()

    def _show(self, result: PerformanceResult) -> None:
        plots = make_plots(result)
        current = self.tabs.currentIndex()
        if [p.name for p in plots] != list(self.plots):
            self.tabs.clear()
            self.plots = {}
            for p in plots:
                view = PerformancePlot()
                view.bin_clicked.connect(self.show_bin)
                self.plots[p.name] = view
                self.tabs.addTab(view, TAB_TITLES.get(p.name, p.name))
            self.tabs.setCurrentIndex(max(current, 0))
        for p in plots:
            self.plots[p.name].show_plot(p)
        names = [f"{html.escape(os.path.basename(f.path))} ({f.particle}, {f.n_events} "
                 f"event{'s' if f.n_events != 1 else ''})"
                 for f in result.sample.files]
        self.files_label.setText("Files: " + "; ".join(names))
        color = "#b00000" if result.few_events else "#000"
        text = (f"<span style='color:{color}'>{html.escape(result.statistics_note())}</span>"
                f" — cuts: {html.escape(result.cuts.describe())}")
        if self.computing:
            text += " — bootstrap error bars: computing…"
        if result.notes:
            text += "<br>" + "<br>".join(html.escape(n) for n in result.notes)
        self.status.setText(text)
        self.events.setRowCount(0)
        self._update_buttons()
        self._source_changed()
        self.updated.emit()

    # ------------------------------------------------------------------ events of a bin
    def show_bin(self, energy_type: str, bin_index: int, label: str = "") -> None:
        """List the selected gammas of energy bin ``bin_index`` (true or reco energy)."""
        r = self.result
        if r is None:
            return
        rows = r.rows_in_bin(energy_type, bin_index)
        s = r.sample
        lo, hi = r.energy_edges[bin_index], r.energy_edges[bin_index + 1]
        self.events_label.setText(
            f"{len(rows)} selected gamma{'s' if len(rows) != 1 else ''} with {energy_type} "
            f"energy {lo:.3g}–{hi:.3g} TeV"
            f"{' (' + label + ')' if label else ''}: double-click one to open it")
        self.events.setRowCount(len(rows))
        n_tel = s.n_images_above(r.cuts.intensity_min)
        for i, row in enumerate(rows):
            f = s.files[s.file_index[row]]
            values = (os.path.basename(f.path), str(s.obs_id[row]), str(s.event_id[row]),
                      f"{s.true_energy[row]:.4g}", f"{s.reco_energy[row]:.4g}",
                      f"{s.theta[row]:.4g}", f"{s.gammaness[row]:.3g}", str(n_tel[row]))
            for k, v in enumerate(values):
                item = QtWidgets.QTableWidgetItem(v)
                item.setData(QtCore.Qt.UserRole, int(row))
                self.events.setItem(i, k, item)
        self.events.resizeColumnsToContents()

    def _event_double_clicked(self, table_row: int, _column: int = 0) -> None:
        item = self.events.item(table_row, 0)
        if item is None or self.result is None:
            return
        row = int(item.data(QtCore.Qt.UserRole))
        s = self.result.sample
        self.open_event(s.files[s.file_index[row]].path, int(s.event_id[row]))

    @staticmethod
    def event_file(dl2_path: str) -> str:
        """The file to show an event of ``dl2_path`` from (``dl3.links.event_file_of``)."""
        return event_file_of(dl2_path).path

    def open_event(self, dl2_path: str, event_id: int) -> None:
        """Show event ``event_id`` of ``dl2_path`` in the window (its file opened first,
        see ``event_file``)."""
        if self.main_window is not None:
            show_event_in(self.main_window, self.event_file(dl2_path), event_id)

    # ------------------------------------------------------------------ export
    def current_plot(self) -> PerformancePlot | None:
        w = self.tabs.currentWidget()
        return w if isinstance(w, PerformancePlot) else None

    def export_plot(self, path: str) -> str:
        view = self.current_plot()
        if view is None:
            raise OSError("no plot to export")
        return export_widget(view, path)

    def export_plot_dialog(self) -> None:
        view = self.current_plot()
        if view is None:
            return
        name = view.plot_spec.name if view.plot_spec else "performance"
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export plot", f"{name}.png", "PNG (*.png);;SVG (*.svg)")
        if path:
            try:
                self.export_plot(path)
            except (OSError, ValueError) as exc:
                self._report("Cannot export the plot", str(exc))

    def export_tables(self, folder: str) -> list[str]:
        if self.result is None:
            return []
        return write_tables(self.result, folder)

    def export_tables_dialog(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Export tables (ECSV)")
        if folder:
            try:
                written = self.export_tables(folder)
            except CtaviewerError as exc:
                self._report("Cannot export the tables", str(exc))
            else:
                self.status.setText(self.status.text() + f"<br>wrote {len(written)} ECSV "
                                    f"tables to {html.escape(folder)}")

    def _report(self, title: str, message: str) -> None:
        if self.main_window is not None:
            self.main_window.show_error(title, message)
        else:
            self.status.setText(f"<span style='color:#b00000'>{html.escape(message)}</span>")


TAB_TITLES = {
    "angular_resolution": "Angular resolution", "energy_resolution": "Energy resolution",
    "energy_bias": "Energy bias", "effective_area": "Effective area",
    "gammaness": "Gammaness", "theta2": "θ²", "migration": "Migration",
}

