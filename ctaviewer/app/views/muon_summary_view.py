"""The Muon summary dock: the muon rings of the whole open file, per telescope.

"Analyse file" runs the chain with the muon analysis on every event of the open file in a
process of its own (``service.muon_summary``), off the GUI thread, with progress and
cancel; then the optical efficiency and ring width of the rings are histogrammed for the
telescope chosen (or all), the event list's muon column is filled for every event, and the
histograms export as PNG and the rings as CSV.
"""

from __future__ import annotations

import numpy as np

from ...errors import Cancelled
from ...service.muon_summary import MuonSummary, analyse_file, describe
from .. import workers
from ..qt import QtCore, QtWidgets, pg
from .quiet_progress import QuietProgressBar

ALL = "all telescopes"
#: (ring field, plot title, axis label) of the histograms
HISTOGRAMS = (("optical_efficiency", "Optical efficiency", "optical efficiency"),
              ("width_deg", "Ring width", "ring width (deg)"))


class MuonSummaryView(QtWidgets.QWidget):
    """Histograms of the rings of the open file (after "Analyse file")."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.summary: MuonSummary | None = None
        self._task = None
        self.run_button = QtWidgets.QPushButton("Analyse file")
        self.run_button.setToolTip("Run the muon-ring analysis (the Processing panel's "
                                   "settings, muon section) on every event of the open file, "
                                   "in the background")
        self.run_button.clicked.connect(lambda: self.run())
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the analysis of the file")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.tel_box = QtWidgets.QComboBox()
        self.tel_box.addItem(ALL)
        self.tel_box.setToolTip("The telescope whose rings the histograms show")
        self.tel_box.currentTextChanged.connect(lambda _: self._draw())
        self.png_button = QtWidgets.QPushButton("Export PNG…")
        self.png_button.setToolTip("Save the two histograms as a PNG image")
        self.png_button.clicked.connect(lambda: self.export_png())
        self.csv_button = QtWidgets.QPushButton("Export CSV…")
        self.csv_button.setToolTip("Save every ring of the file (event, telescope, radius, "
                                   "centre, width, optical efficiency, ...) as CSV")
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.progress = QuietProgressBar(maximum=1000)
        self.progress.hide()
        self.label = QtWidgets.QLabel("Open a file and press Analyse file.", wordWrap=True)
        top = QtWidgets.QHBoxLayout()
        for w in (self.run_button, self.cancel_button, QtWidgets.QLabel("Telescope"),
                  self.tel_box, self.png_button, self.csv_button):
            top.addWidget(w)
        top.addWidget(self.progress, 1)
        top.addStretch(0)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground("w")
        self.hist_plots = {}
        self.hist_items = {}
        for col, (name, title, label) in enumerate(HISTOGRAMS):
            plot = self.plots.addPlot(row=0, col=col, title=title)
            plot.setLabel("bottom", label)
            plot.setLabel("left", "rings")
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            item = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                   brush=(60, 120, 200, 150), pen=pg.mkPen((30, 60, 150)))
            plot.addItem(item)
            self.hist_plots[name] = plot
            self.hist_items[name] = item
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.label)
        layout.addWidget(self.plots, 1)
        session.source_changed.connect(self._source_changed)
        self._update_buttons()

    # ---------------------------------------------------------------- running
    def _update_buttons(self) -> None:
        running = self._task is not None
        path = getattr(self.session, "path", None)
        self.run_button.setEnabled(not running and bool(path))
        self.cancel_button.setEnabled(running)
        have = self.summary is not None and bool(self.summary.rings)
        self.png_button.setEnabled(have)
        self.csv_button.setEnabled(have)

    def _source_changed(self) -> None:
        self.cancel()
        self.summary = None
        self._fill_tels()
        self._draw()
        self.label.setText("Press Analyse file for the muon rings of the whole file."
                           if getattr(self.session, "path", None)
                           else "The built-in array has no muon file: open a file.")
        self._update_buttons()

    def run(self, synchronous: bool = False) -> None:
        """Analyse the open file (``synchronous``: here and now, for scripts and tests)."""
        path = getattr(self.session, "path", None)
        if not path or self._task is not None:
            return
        source = self.session.source
        config = self.session.config
        if synchronous:
            self._done(source, analyse_file(path, config, in_process=True))
            return

        def job(progress, should_stop):
            return analyse_file(path, config,
                                lambda done, total: progress(done / total if total else 0.0),
                                should_stop)

        self.progress.setValue(0)
        self.progress.show()
        self.label.setText(f"Analysing {path} …")
        self._task = workers.submit(job, finished=lambda s: self._done(source, s),
                                    failed=self._failed,
                                    progress=lambda f: self.progress.setValue(int(1000 * f)))
        self._update_buttons()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
            self.progress.hide()
            self.label.setText("Analysis cancelled.")
        self._update_buttons()

    def _failed(self, exc) -> None:
        self._task = None
        self.progress.hide()
        if not isinstance(exc, Cancelled):
            self.label.setText(f"The muon analysis failed: {exc}")
        self._update_buttons()

    def _done(self, source, summary: MuonSummary) -> None:
        self._task = None
        self.progress.hide()
        if source is not self.session.source:  # another file was opened meanwhile
            self._update_buttons()
            return
        self.set_summary(summary)
        self.session.state.set_muon_counts(source, summary.rings_per_event)

    # ---------------------------------------------------------------- showing
    def set_summary(self, summary: MuonSummary | None) -> None:
        self.summary = summary
        self._fill_tels()
        self._draw()
        self._update_buttons()

    def _fill_tels(self) -> None:
        current = self.tel_box.currentText()
        self.tel_box.blockSignals(True)
        self.tel_box.clear()
        self.tel_box.addItem(ALL)
        for tel in (self.summary.tel_ids() if self.summary is not None else []):
            self.tel_box.addItem(f"tel {tel}")
        index = self.tel_box.findText(current)
        self.tel_box.setCurrentIndex(max(index, 0))
        self.tel_box.blockSignals(False)

    def selected_tel(self) -> int | None:
        text = self.tel_box.currentText()
        return int(text.split()[1]) if text.startswith("tel ") else None

    def _draw(self) -> None:
        tel = self.selected_tel()
        for name, _, _ in HISTOGRAMS:
            item = self.hist_items[name]
            counts, edges = (self.summary.histogram(name, tel) if self.summary is not None
                             else (np.zeros(0), np.zeros(0)))
            if len(counts):
                item.setData(edges, counts)
            else:
                item.setData([], [])
        if self.summary is not None:
            self.label.setText(describe(self.summary, tel))

    def histogram_counts(self, name: str) -> np.ndarray:
        """The counts drawn in histogram ``name`` (for scripts and tests)."""
        y = self.hist_items[name].yData
        return np.zeros(0) if y is None else np.asarray(y)

    # ---------------------------------------------------------------- export
    def export_png(self, path=None) -> str | None:
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, "Export muon histograms", "muon_summary.png", "PNG image (*.png)")
            if not path:
                return None
        if not self.plots.grab().save(str(path), "PNG"):
            QtWidgets.QMessageBox.warning(self, "Export failed", f"Cannot write {path}")
            return None
        return str(path)

    def export_csv(self, path=None) -> str | None:
        if self.summary is None:
            return None
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, "Export muon rings", "muon_rings.csv", "CSV (*.csv)")
            if not path:
                return None
        try:
            self.summary.to_csv(path)
        except Exception as exc:
            QtWidgets.QMessageBox.warning(self, "Export failed", str(exc))
            return None
        return str(path)

    def sizeHint(self):
        return QtCore.QSize(700, 300)
