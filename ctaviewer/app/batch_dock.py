"""The batch panel: process many files to DL1/DL2 with the same runner as ``ctaviewer process``.

``BatchPanel(QWidget)`` is self-contained (dock it anywhere): a file list (add, remove, drag
and drop, glob patterns), output folder and naming pattern, levels, a config TOML (or the
current processing config through ``set_config``), estimators, workers and an optional
Dask scheduler address, the telescopes and events to read, DL3 (a GADF folder from the DL2
outputs, as ``ctaviewer process --levels dl1,dl2,dl3`` with its site, start, livetime and cut
options), per-file and total progress with events/s and time left, cancel, a log of what
was written and what failed and why, and a warnings list: every warning of the run (an
input truncated or damaged, an unknown camera, an input that failed and was skipped, one
without events, obs_ids shared by several outputs, runs DL3 left out) on one line each. The
runner works in a Python thread; its callbacks reach the widgets through queued Qt signals.
"""

from __future__ import annotations

import glob
import os
import threading

from .qt import QtCore, QtGui, QtWidgets
from .views.quiet_progress import QuietProgressBar


class _Bridge(QtCore.QObject):
    progress = QtCore.Signal(object)
    log = QtCore.Signal(str)
    finished = QtCore.Signal(object)


def _fmt_time(seconds) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class BatchPanel(QtWidgets.QWidget):
    """Batch processing of many input files in parallel worker processes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._config = None  # the application's processing config (None: the defaults)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.dl3_result: dict | None = None  # what the last run's DL3 step wrote
        self._bridge = _Bridge()
        self._bridge.progress.connect(self._on_progress)
        self._bridge.log.connect(self._append_log)
        self._bridge.finished.connect(self._on_finished)
        self._build()

    # ---------------------------------------------------------------- layout
    def _build(self) -> None:
        W = QtWidgets
        layout = W.QVBoxLayout(self)
        self.files = W.QListWidget()
        self.files.setSelectionMode(W.QAbstractItemView.ExtendedSelection)
        layout.addWidget(W.QLabel("Input files (drop files here, or add a glob pattern)"))
        layout.addWidget(self.files)
        row = W.QHBoxLayout()
        self.glob_edit = W.QLineEdit()
        self.glob_edit.setPlaceholderText("/data/prod/*.simtel.zst")
        add_glob = W.QPushButton("Add pattern")
        add_glob.clicked.connect(lambda: self.add_pattern(self.glob_edit.text()))
        add = W.QPushButton("Add files…")
        add.clicked.connect(self._choose_files)
        remove = W.QPushButton("Remove")
        remove.clicked.connect(self.remove_selected)
        for w, tip in ((self.glob_edit, "A glob pattern of input files, e.g. "
                        "/data/prod/gamma_*.simtel.zst (then Add pattern)"),
                       (add_glob, "Add every file matching the pattern to the list"),
                       (add, "Choose input files (or drop files or folders on this panel)"),
                       (remove, "Remove the selected files from the list")):
            w.setToolTip(tip)
            row.addWidget(w)
        layout.addLayout(row)

        form = W.QFormLayout()
        out_row = W.QHBoxLayout()
        self.output = W.QLineEdit()
        browse = W.QPushButton("…")
        browse.clicked.connect(self._choose_output)
        self.output.setToolTip("Folder the output files are written to (created if missing)")
        browse.setToolTip("Choose the output folder")
        out_row.addWidget(self.output)
        out_row.addWidget(browse)
        form.addRow("Output folder", out_row)
        self.pattern = W.QLineEdit("{stem}.{levels}.h5")
        self.pattern.setToolTip("Output file name: {stem} is the input name without its "
                                "extensions, {name} the full input name, {levels} e.g. dl1")
        form.addRow("Name pattern", self.pattern)
        levels = W.QHBoxLayout()
        self.dl1 = W.QCheckBox("DL1")
        self.dl1.setChecked(True)
        self.dl2 = W.QCheckBox("DL2")
        self.images = W.QCheckBox("images")
        self.true_images = W.QCheckBox("true images")
        self.dl3 = W.QCheckBox("DL3")
        self.muons = W.QCheckBox("muon rings")
        self.overwrite = W.QCheckBox("overwrite")
        for w, tip in ((self.dl1, "Write DL1: image parameters, trigger, pointing and "
                        "simulation truth"),
                       (self.dl2, "Write DL2: stereo direction and core, and with estimators "
                        "energy and gammaness"),
                       (self.dl3, "Also write a GADF DL3 folder (output folder/dl3: events, "
                        "GTI, pointing and IRFs per observation, the index files gammapy "
                        "reads) from the DL2 outputs, as ctaviewer process --levels "
                        "dl1,dl2,dl3; DL2 is written too"),
                       (self.images, "Also write the DL1 images: charge, peak time and "
                        "cleaning mask of every pixel (larger files)"),
                       (self.true_images, "Also write the simulated true p.e. images"),
                       (self.muons, "Run the muon-ring analysis and write its table "
                        "(/dl1/event/telescope/muon, as ctaviewer process --muons)"),
                       (self.overwrite, "Replace existing output files (otherwise they are "
                        "kept and that input fails with 'file exists')")):
            w.setToolTip(tip)
            levels.addWidget(w)
        form.addRow("Write", levels)
        self.dl3.toggled.connect(self._dl3_toggled)
        select = W.QHBoxLayout()
        self.allowed_tels = W.QLineEdit()
        self.allowed_tels.setPlaceholderText("all telescopes (e.g. 1-4, LST_LST_LSTCam)")
        self.allowed_tels.setToolTip(
            "Telescopes to process: ids, id ranges and type names (as ctapipe writes them, "
            "or the optics or camera name); the outputs hold the selected subarray, events "
            "with none of them are skipped (ctaviewer process --allowed-tels)")
        self.max_events = W.QLineEdit()
        self.max_events.setPlaceholderText("all events")
        self.max_events.setMaximumWidth(110)
        self.max_events.setToolTip("Events per file at most, at least 1; empty: all "
                                   "(ctaviewer process --max-events)")
        select.addWidget(self.allowed_tels, 1)
        select.addWidget(W.QLabel("at most"))
        select.addWidget(self.max_events)
        form.addRow("Telescopes", select)
        form.addRow(self._dl3_box())
        self.config_path = W.QLineEdit()
        self.config_path.setPlaceholderText("current processing config")
        self.config_path.setToolTip("Processing settings (TOML, from Save TOML… of the "
                                    "Processing panel); empty: the settings in use now")
        form.addRow("Config TOML", self.config_path)
        self.estimators = W.QLineEdit()
        self.estimators.setPlaceholderText("lookup tables from `ctaviewer train` (DL2)")
        self.estimators.setToolTip("Energy and gammaness lookup tables written by ctaviewer "
                                   "train (needed for DL2 energy and gammaness)")
        form.addRow("Estimators", self.estimators)
        self.workers = W.QSpinBox()
        self.workers.setRange(1, max(1, os.cpu_count() or 1) * 4)
        self.workers.setValue(max(1, (os.cpu_count() or 2) - 1))
        self.workers.setToolTip("Files processed at the same time, each in its own process")
        form.addRow("Workers", self.workers)
        self.scheduler = W.QLineEdit()
        self.scheduler.setPlaceholderText("optional Dask scheduler, tcp://host:8786")
        self.scheduler.setToolTip("Address of a Dask distributed scheduler to run the files "
                                  "on a cluster instead of local processes (optional)")
        form.addRow("Scheduler", self.scheduler)
        layout.addLayout(form)

        self.warnings_title = W.QLabel()
        self.warnings_title.setStyleSheet("color: #b35900; font-weight: bold")
        self.warnings_list = W.QListWidget()
        self.warnings_list.setObjectName("batch_warnings")
        self.warnings_list.setToolTip("Every warning of the run, one line each (the log "
                                      "below has them in context)")
        self.warnings_list.setWordWrap(True)
        self.warnings_list.setMaximumHeight(110)
        self.warnings_title.hide()
        self.warnings_list.hide()
        self.file_progress = QuietProgressBar()
        self.total_progress = QuietProgressBar()
        self.status = W.QLabel("idle")
        # shown after a batch whose outputs share obs_ids (the details are in the log)
        self.warning = W.QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b35900; font-weight: bold")
        self.warning.hide()
        layout.addWidget(self.file_progress)
        layout.addWidget(self.total_progress)
        layout.addWidget(self.status)
        layout.addWidget(self.warning)
        layout.addWidget(self.warnings_title)
        layout.addWidget(self.warnings_list)
        buttons = W.QHBoxLayout()
        self.start_button = W.QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = W.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.start_button.setToolTip("Process every listed file with these settings")
        self.cancel_button.setToolTip("Stop the batch: files not finished leave no output")
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.log = W.QPlainTextEdit()
        self.log.setReadOnly(True)
        layout.addWidget(self.log)

    def _dl3_box(self):
        """The DL3 options of ``ctaviewer process`` (shown while DL3 is ticked)."""
        W = QtWidgets
        from ..batch.dl3 import DL3Options

        d = DL3Options()
        box = self.dl3_box = W.QGroupBox("DL3 (from the DL2 outputs)")
        form = W.QFormLayout(box)
        self.site = W.QComboBox()
        self.site.setEditable(True)
        self.site.addItems(["CTAO-South", "CTAO-North"])
        self.site.setCurrentText(d.site)
        self.site.setToolTip("Where the simulated observations are placed: CTAO-South, "
                             "CTAO-North or 'lat,lon,height' (deg, deg, m) (--site)")
        self.obs_start = W.QLineEdit(d.obs_start)
        self.obs_start.setToolTip("UTC start of the first observation, ISO (--obs-start)")
        self.livetime = W.QDoubleSpinBox()
        self.livetime.setRange(1.0, 1e7)
        self.livetime.setDecimals(0)
        self.livetime.setSuffix(" s")
        self.livetime.setValue(d.livetime_s)
        self.livetime.setToolTip("Livetime of each observation (--livetime)")
        self.gammaness_cut = W.QDoubleSpinBox()
        self.gammaness_cut.setRange(0.0, 1.0)
        self.gammaness_cut.setSingleStep(0.05)
        self.gammaness_cut.setValue(d.gammaness_cut)
        self.gammaness_cut.setToolTip("Events with gammaness at least this go to DL3 and the "
                                      "IRFs (--gammaness-cut)")
        self.point_like = W.QCheckBox("point-like, θ cut")
        self.point_like.setToolTip("Point-like IRFs with RAD_MAX instead of a PSF "
                                   "(--point-like)")
        self.theta_cut = W.QDoubleSpinBox()
        self.theta_cut.setRange(0.01, 10.0)
        self.theta_cut.setSingleStep(0.05)
        self.theta_cut.setSuffix(" deg")
        self.theta_cut.setValue(d.theta_cut_deg)
        self.theta_cut.setToolTip("The point-like IRFs' θ cut (--theta-cut)")
        self.observer = W.QLineEdit(d.observer)
        self.observer.setToolTip("OBSERVER keyword of the EVENTS headers (--observer)")
        row = W.QHBoxLayout()
        for w in (self.obs_start, W.QLabel("livetime"), self.livetime):
            row.addWidget(w)
        form.addRow("Site", self.site)
        form.addRow("Start (UTC)", row)
        cuts = W.QHBoxLayout()
        for w in (self.gammaness_cut, self.point_like, self.theta_cut):
            cuts.addWidget(w)
        form.addRow("Gammaness cut", cuts)
        form.addRow("Observer", self.observer)
        box.setVisible(False)
        return box

    def _dl3_toggled(self, on: bool) -> None:
        self.dl3_box.setVisible(on)
        if on:
            self.dl2.setChecked(True)

    def dl3_options(self):
        """The DL3 options of the form (``errors.ConfigError`` for a bad value), or None
        when DL3 is not ticked."""
        if not self.dl3.isChecked():
            return None
        from ..batch.dl3 import DL3Options

        return DL3Options(self.site.currentText().strip(), self.obs_start.text().strip(),
                          self.livetime.value(), self.gammaness_cut.value(),
                          self.point_like.isChecked(), self.theta_cut.value(),
                          self.observer.text().strip() or DL3Options.observer)

    def selection(self):
        """The telescopes and events per file of the form (``io.selection``)."""
        from ..io.selection import SourceSelection

        text = self.max_events.text().strip()
        count = None
        if text:
            try:
                count = int(text)
            except ValueError:
                raise ValueError(f"events at most: {text!r} is not a whole number") from None
        return SourceSelection.parse(self.allowed_tels.text(), count,
                                     tels_field="telescopes", max_events_field="events at most")

    # ---------------------------------------------------------------- files
    def input_files(self) -> list[str]:
        return [self.files.item(i).text() for i in range(self.files.count())]

    def add_files(self, paths) -> None:
        known = set(self.input_files())
        for p in paths:
            if p not in known:
                self.files.addItem(p)
                known.add(p)

    def add_pattern(self, pattern: str) -> int:
        matches = sorted(glob.glob(os.path.expanduser(pattern.strip()))) if pattern.strip() else []
        self.add_files([m for m in matches if os.path.isfile(m)])
        if pattern.strip() and not matches:
            self._append_log(f"no file matches {pattern}")
        return len(matches)

    def remove_selected(self) -> None:
        for item in self.files.selectedItems():
            self.files.takeItem(self.files.row(item))

    def _choose_files(self) -> None:
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(self, "Add input files")
        self.add_files(paths)

    def _choose_output(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Output folder")
        if folder:
            self.output.setText(folder)

    def dragEnterEvent(self, event):  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802 (Qt API)
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        files = []
        for p in paths:
            if os.path.isdir(p):
                files += sorted(os.path.join(p, n) for n in os.listdir(p)
                                if os.path.isfile(os.path.join(p, n)))
            else:
                files.append(p)
        self.add_files(files)

    def set_config(self, config) -> None:
        """The application's current processing configuration (a ProcessingConfig, used
        without a TOML file)."""
        self._config = config

    # ---------------------------------------------------------------- running
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def specs(self):
        from ..batch.job import make_specs
        from ..config import ProcessingConfig

        out = self.output.text().strip()
        if not out:
            raise ValueError("choose an output folder")
        os.makedirs(out, exist_ok=True)
        config = self._config
        if self.config_path.text().strip():
            config = ProcessingConfig.from_toml(self.config_path.text().strip())
        levels = [n for n, box in (("dl1", self.dl1), ("dl2", self.dl2)) if box.isChecked()]
        if self.dl3.isChecked() and "dl2" not in levels:
            levels.append("dl2")  # DL3 is made from the DL2 outputs
        selection = self.selection()
        if config is not None:  # the window's settings run the muon analysis for the view:
            # in a batch run only when its table is written
            config = config.replace(muon__enabled=self.muons.isChecked())
        return make_specs(
            self.input_files(), out, pattern=self.pattern.text().strip() or "{stem}.{levels}.h5",
            levels=levels, write_images=self.images.isChecked(),
            write_true_images=self.true_images.isChecked(), config=config,
            estimators=self.estimators.text().strip() or None,
            overwrite=self.overwrite.isChecked(), write_muons=self.muons.isChecked(),
            allowed_tels=selection.allowed_tels, max_events=selection.max_events,
        )

    def start(self) -> bool:
        if self.running:
            return False
        try:
            dl3 = self.dl3_options()
            specs = self.specs()
        except Exception as exc:  # a bad value in the form: say it, do not start
            self._append_log(f"cannot start: {exc}")
            return False
        if not specs:
            self._append_log("cannot start: no input files")
            return False
        from ..batch.runner import BatchRunner

        self._stop.clear()
        runner = BatchRunner(
            specs, n_workers=self.workers.value(),
            scheduler=self.scheduler.text().strip() or None,
            on_progress=self._bridge.progress.emit, on_log=self._bridge.log.emit,
        )

        output = self.output.text().strip()
        overwrite = self.overwrite.isChecked()

        from ..batch.job import empty_output_warnings

        def work():
            try:
                results = runner.run(should_stop=self._stop.is_set)
            except Exception as exc:
                self._bridge.log.emit(f"batch failed: {exc}")
                results = []
            for line in empty_output_warnings(results):  # as ctaviewer process says
                self._bridge.log.emit(line)
            self.dl3_result = None
            if dl3 is not None and not self._stop.is_set():
                from ..batch.dl3 import write_dl3

                self._bridge.log.emit("writing DL3 …")
                try:
                    self.dl3_result = write_dl3(dl3, [r.output for r in results if r.ok],
                                                output, overwrite=overwrite,
                                                log=self._bridge.log.emit)
                except Exception as exc:  # one line in the log and the warnings
                    self._bridge.log.emit(f"FAILED DL3: {exc}")
            self._bridge.finished.emit(results)

        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.warning.hide()
        self.warnings_list.clear()
        self.warnings_list.hide()
        self.warnings_title.hide()
        self.total_progress.setValue(0)
        self._append_log(f"processing {len(specs)} file(s) with {self.workers.value()} worker(s)")
        self._thread = threading.Thread(target=work, name="ctaviewer-batch", daemon=True)
        self._thread.start()
        return True

    def cancel(self) -> None:
        self._stop.set()
        self.cancel_button.setEnabled(False)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the batch ends (tests); True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    # ---------------------------------------------------------------- feedback
    def _on_progress(self, p) -> None:
        self.total_progress.setValue(int(100 * p.fraction))
        if p.per_file:
            done, total = next(iter(p.per_file.values()))
            if total:
                self.file_progress.setRange(0, 100)
                self.file_progress.setValue(int(100 * done / total))
            else:
                self.file_progress.setRange(0, 0)  # busy: length unknown while streaming
        self.status.setText(
            f"{p.files_done}/{p.n_files} files done, {p.files_failed} failed, "
            f"{p.events_done} events, {p.events_per_s:.1f} events/s, "
            f"time left {_fmt_time(p.time_left_s)}"
        )

    def _append_log(self, line: str) -> None:
        self.log.appendPlainText(line)
        if line.startswith(("warning", "FAILED")):
            self._add_warning(line)

    def _add_warning(self, line: str) -> None:
        """A line of the warnings list: a warning, or an input skipped because it failed."""
        failed = line.startswith("FAILED")
        text = line.removeprefix("warning:").strip() if not failed else (
            "skipped: " + line.removeprefix("FAILED").strip())
        item = QtWidgets.QListWidgetItem(text if failed else "⚠ " + text)
        item.setToolTip(line)
        if failed:
            item.setForeground(QtGui.QBrush(QtGui.QColor(180, 0, 0)))
        self.warnings_list.addItem(item)
        n = self.warnings_list.count()
        self.warnings_title.setText(f"{n} warning{'s' if n != 1 else ''}")
        self.warnings_title.show()
        self.warnings_list.show()

    @property
    def warning_lines(self) -> list[str]:
        """The warnings list, as shown (tests)."""
        return [self.warnings_list.item(i).text() for i in range(self.warnings_list.count())]

    def _on_finished(self, results) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.file_progress.setRange(0, 100)
        self.file_progress.setValue(100 if results and all(r.ok for r in results) else 0)
        ok = sum(r.ok for r in results)
        warned = sum(bool(r.warnings) for r in results)
        text = f"finished: {ok}/{len(results)} files written"
        if warned:  # each warning is in the log above, on a "warning:" line
            text += f", {warned} with warnings (see the log)"
        dl3 = self.dl3_result
        if dl3 is not None:
            text += f"; DL3: {len(dl3['observations'])} observation(s) in {dl3['folder']}"
        self.status.setText(text)
        self._append_log(text)
        from ..batch.job import duplicate_obs_id_warnings

        clashes = duplicate_obs_id_warnings(results)  # the runner logged each in full
        if clashes:
            self.warning.setText(f"{len(clashes)} obs_id(s) used by more than one output: "
                                 "they cannot be merged, and DL3 renumbers them (see the log)")
            self.warning.setToolTip("\n".join(clashes))
            self.warning.show()
