"""The batch panel: process many files to DL1/DL2 with the same runner as ``ctaviewer process``.

``BatchPanel(QWidget)`` is self-contained (dock it anywhere): a file list (add, remove, drag
and drop, glob patterns), output folder and naming pattern, levels, a config TOML (or the
current processing config through ``set_config``), estimators, workers and an optional
Dask scheduler address, per-file and total progress with events/s and time left, cancel,
and a log of what was written, what the readers warned about each file (truncated, unknown
camera: one "warning:" line each) and what failed and why. The runner works in a Python
thread; its callbacks reach the widgets through queued Qt signals.
"""

from __future__ import annotations

import glob
import os
import threading

from .qt import QtCore, QtWidgets


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
        self.muons = W.QCheckBox("muon rings")
        self.overwrite = W.QCheckBox("overwrite")
        for w, tip in ((self.dl1, "Write DL1: image parameters, trigger, pointing and "
                        "simulation truth"),
                       (self.dl2, "Write DL2: stereo direction and core, and with estimators "
                        "energy and gammaness"),
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

        self.file_progress = W.QProgressBar()
        self.total_progress = W.QProgressBar()
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
        if config is not None:  # the window's settings run the muon analysis for the view:
            # in a batch run only when its table is written
            config = config.replace(muon__enabled=self.muons.isChecked())
        return make_specs(
            self.input_files(), out, pattern=self.pattern.text().strip() or "{stem}.{levels}.h5",
            levels=levels, write_images=self.images.isChecked(),
            write_true_images=self.true_images.isChecked(), config=config,
            estimators=self.estimators.text().strip() or None,
            overwrite=self.overwrite.isChecked(), write_muons=self.muons.isChecked(),
        )

    def start(self) -> bool:
        if self.running:
            return False
        try:
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

        def work():
            try:
                results = runner.run(should_stop=self._stop.is_set)
            except Exception as exc:
                self._bridge.log.emit(f"batch failed: {exc}")
                results = []
            self._bridge.finished.emit(results)

        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.warning.hide()
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
        self.status.setText(text)
        self._append_log(text)
        from ..batch.job import duplicate_obs_id_warnings

        clashes = duplicate_obs_id_warnings(results)  # the runner logged each in full
        if clashes:
            self.warning.setText(f"{len(clashes)} obs_id(s) used by more than one output: "
                                 "they cannot be merged, and DL3 renumbers them (see the log)")
            self.warning.setToolTip("\n".join(clashes))
            self.warning.show()
