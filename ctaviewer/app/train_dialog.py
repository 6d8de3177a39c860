"""The "Train estimators…" dialog: energy and gammaness lookup tables, as ``ctaviewer train``.

Choose gamma and proton files (sim_telarray, or DL1 HDF5 written by ``ctaviewer process``;
add files, glob patterns, or drop them on a list), the output file and the processing
settings (a TOML file, or the settings in use in the window). *Train* runs
``estimators.train.run_training`` — the code of ``ctaviewer train`` — in a separate process,
so the window stays responsive (training is CPU-bound Python that would otherwise compete
with the GUI thread for the interpreter lock). Log lines, progress and errors come back as
``procmsg`` messages through a queue that a timer on the GUI thread reads; at the end the
dialog shows the same report as the command line (events, images, filled bins per
telescope type) and the warnings. Errors open a message box. *Cancel* stops the training
between events; nothing is written then.
"""

from __future__ import annotations

import contextlib
import glob
import multiprocessing as mp
import os
import time

from ..errors import Cancelled, CtaviewerError
from ..procmsg import ERROR, Channel
from .qt import QtCore, QtWidgets
from .views.quiet_progress import QuietProgressBar

#: seconds a cancelled training may take to stop before its process is terminated
GRACE_SECONDS = 3.0
POLL_MS = 100
#: the training process's messages: a log line, progress (fraction), the summary with its
#: report lines and warnings, cancelled; and errors
TAGS = ("log", "progress", "done", "cancelled")


def _train_process(gammas, protons, output, config, messages, stop) -> None:
    """Runs in the child process: train with ``config`` (a ProcessingConfig, or None for the
    defaults), save, report through ``messages`` (a queue)."""
    out = Channel(messages, TAGS)
    try:
        from ..estimators.train import format_summary, run_training

        last = [0.0]

        def progress(fraction: float) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.1 or fraction >= 1.0:
                last[0] = now
                out.send("progress", float(fraction))

        summary = run_training(gammas, protons, output, config,
                               log=lambda line: out.send("log", line),
                               should_stop=stop.is_set, progress=progress)
        lines, warnings = format_summary(summary, output)
        out.send("done", summary, lines, warnings)
    except Cancelled:
        out.send("cancelled")
    except BaseException as exc:  # reported in the dialog (see ``error_text``)
        out.send_error(exc)


def error_text(exc: BaseException) -> str:
    """How the dialog reports a training error: ctaviewer's errors name the file and the
    cause; anything else is shown with its type."""
    if isinstance(exc, CtaviewerError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _small_button(text: str) -> QtWidgets.QPushButton:
    button = QtWidgets.QPushButton(text)
    button.setFixedWidth(button.fontMetrics().horizontalAdvance(text) + 24)
    return button


def _path_row(edit: QtWidgets.QLineEdit, placeholder: str, tip: str, browse_tip: str,
              browse) -> QtWidgets.QHBoxLayout:
    """A path field with its "…" button that calls ``browse``."""
    edit.setPlaceholderText(placeholder)
    edit.setToolTip(tip)
    button = _small_button("…")
    button.setToolTip(browse_tip)
    button.clicked.connect(browse)
    row = QtWidgets.QHBoxLayout()
    row.addWidget(edit)
    row.addWidget(button)
    return row


class FileList(QtWidgets.QGroupBox):
    """A titled list of input files: add files or a glob pattern, remove, drag and drop."""

    changed = QtCore.Signal()

    def __init__(self, title: str, kind: str, parent=None):
        super().__init__(title, parent)
        self.kind = kind
        self.setAcceptDrops(True)
        W = QtWidgets
        layout = W.QVBoxLayout(self)
        self.files = W.QListWidget()
        self.files.setSelectionMode(W.QAbstractItemView.ExtendedSelection)
        self.files.setToolTip(f"The {kind} files to train on (sim_telarray or DL1 HDF5); "
                              "drop files or folders here")
        layout.addWidget(self.files)
        row = W.QHBoxLayout()
        self.pattern = W.QLineEdit()
        self.pattern.setPlaceholderText(f"/data/{kind}_*.simtel.zst")
        self.pattern.setToolTip(f"A glob pattern of {kind} files; Add pattern adds every "
                                "file it matches")
        self.pattern.returnPressed.connect(self._add_pattern_clicked)
        add_pattern = W.QPushButton("Add pattern")
        add_pattern.setToolTip("Add every file matching the pattern to the list")
        add_pattern.clicked.connect(self._add_pattern_clicked)
        add = W.QPushButton("Add files…")
        add.setToolTip(f"Choose {kind} files to add")
        add.clicked.connect(self._choose_files)
        remove = W.QPushButton("Remove")
        remove.setToolTip("Remove the selected files from the list")
        remove.clicked.connect(self.remove_selected)
        row.addWidget(self.pattern, 1)
        row.addWidget(add_pattern)
        layout.addLayout(row)
        row = W.QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = ""

    def paths(self) -> list[str]:
        return [self.files.item(i).text() for i in range(self.files.count())]

    def add_files(self, paths) -> int:
        known = set(self.paths())
        added = 0
        for p in paths:
            p = os.fspath(p)
            if p not in known:
                item = QtWidgets.QListWidgetItem(p)
                item.setToolTip(p)
                self.files.addItem(item)
                known.add(p)
                added += 1
        if added:
            self.changed.emit()
        return added

    def add_pattern(self, pattern: str) -> int:
        pattern = os.path.expanduser(pattern.strip())
        if not pattern:
            return 0
        matches = [m for m in sorted(glob.glob(pattern)) if os.path.isfile(m)]
        self.message = "" if matches else f"no file matches {pattern}"
        return self.add_files(matches)

    def _add_pattern_clicked(self) -> None:
        if self.add_pattern(self.pattern.text()):
            self.pattern.clear()

    def remove_selected(self) -> None:
        for item in self.files.selectedItems():
            self.files.takeItem(self.files.row(item))
        self.changed.emit()

    def _choose_files(self) -> None:
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self, f"Add {self.kind} files", "",
            "Simulation and DL1 files (*.simtel *.simtel.gz *.simtel.zst *.h5 *.hdf5);;"
            "All files (*)")
        self.add_files(paths)

    def dragEnterEvent(self, event):  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802 (Qt API)
        files = []
        for u in event.mimeData().urls():
            p = u.toLocalFile()
            if os.path.isdir(p):
                files += sorted(os.path.join(p, n) for n in os.listdir(p)
                                if os.path.isfile(os.path.join(p, n)))
            elif p:
                files.append(p)
        self.add_files(files)


class TrainDialog(QtWidgets.QDialog):
    """Train energy and gammaness lookup tables off the GUI thread (see the module doc)."""

    #: the summary dict of ``LookupModel.summary()`` and the output path, when training ends
    finished = QtCore.Signal(object, str)

    def __init__(self, parent=None, config=None):
        super().__init__(parent)
        self.setObjectName("train_dialog")
        self.setWindowTitle("Train estimators")
        self._config = config  # the window's ProcessingConfig (None: the defaults)
        self._process = None
        self._messages = None
        self._stop = None
        self._stop_at: float | None = None
        self._output = ""
        self.summary: dict | None = None
        self.report_lines: list[str] = []
        self.error: str | None = None
        self.error_box: QtWidgets.QMessageBox | None = None
        self._timer = QtCore.QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._build()
        self._update_buttons()

    # ---------------------------------------------------------------- layout
    def _build(self) -> None:
        W = QtWidgets
        layout = W.QVBoxLayout(self)
        intro = W.QLabel("Lookup tables for energy and gammaness, as <tt>ctaviewer train</tt> "
                         "makes them: gamma files fill the energy, width and length tables; "
                         "gamma and proton files the gammaness histograms.")
        intro.setWordWrap(True)
        intro.setToolTip("The tables are used by Batch (DL2) and ctaviewer process "
                         "--estimators")
        layout.addWidget(intro)
        lists = W.QHBoxLayout()
        self.gammas = FileList("Gamma files", "gamma")
        self.protons = FileList("Proton files", "proton")
        self.gammas.setToolTip("Simulated gamma showers (required)")
        self.protons.setToolTip("Simulated proton showers (needed for gammaness)")
        for box in (self.gammas, self.protons):
            box.changed.connect(self._update_buttons)
            lists.addWidget(box)
        layout.addLayout(lists, 1)

        form = W.QFormLayout()
        self.output = W.QLineEdit()
        self.output.textChanged.connect(self._update_buttons)
        form.addRow("Output file", _path_row(
            self.output, "tables.h5",
            "The lookup-table file to write (HDF5; replaced if it exists)",
            "Choose where to write the lookup tables", self._choose_output))
        self.config_path = W.QLineEdit()
        form.addRow("Config TOML", _path_row(
            self.config_path, "current processing settings",
            "Processing settings (TOML, from Save TOML… of the Processing panel); "
            "empty: the settings in use now",
            "Choose a processing configuration TOML file", self._choose_config))
        layout.addLayout(form)

        self.progress = QuietProgressBar(maximum=1000)
        self.progress.setToolTip("Training progress: pass 1 reads the gammas, pass 2 the "
                                 "gammas and protons again")
        self.status = W.QLabel("Choose gamma (and proton) files and an output file")
        self.status.setToolTip("What the training is doing")
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.log = W.QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMinimumHeight(140)
        self.log.setToolTip("Training log, then the report: events and images per class, "
                            "filled bins per telescope type")
        layout.addWidget(self.log, 1)

        buttons = W.QHBoxLayout()
        buttons.addStretch(1)
        self.train_button = W.QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.setToolTip("Train the tables from the listed files and write them")
        self.train_button.clicked.connect(self.start)
        self.cancel_button = W.QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the training; no tables are written")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = W.QPushButton("Close")
        self.close_button.setToolTip("Close this dialog (a running training is cancelled)")
        self.close_button.clicked.connect(self.close)
        for b in (self.train_button, self.cancel_button, self.close_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.resize(820, 620)

    # ---------------------------------------------------------------- form
    def set_config(self, config) -> None:
        """The window's current processing settings, a ProcessingConfig (used when no TOML
        file is given)."""
        self._config = config

    @property
    def config(self):
        """The processing settings training will use when no TOML file is given."""
        return self._config

    def _choose_output(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Write lookup tables", self.output.text() or "tables.h5", "HDF5 (*.h5 *.hdf5)")
        if path:
            self.output.setText(path)

    def _choose_config(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Processing settings", "",
                                                        "TOML (*.toml);;All files (*)")
        if path:
            self.config_path.setText(path)

    def _append(self, line: str) -> None:
        self.log.appendPlainText(line)

    @property
    def running(self) -> bool:
        return self._process is not None

    def _update_buttons(self) -> None:
        ready = bool(self.gammas.paths()) and bool(self.output.text().strip())
        self.train_button.setEnabled(ready and not self.running)
        self.cancel_button.setEnabled(self.running and self._stop_at is None)
        for w in (self.gammas, self.protons, self.output, self.config_path):
            w.setEnabled(not self.running)

    def _training_config(self):
        """The TOML file's configuration if one is given, else the window's (None: the
        defaults); a bad file raises its ConfigError."""
        path = self.config_path.text().strip()
        if path:
            from ..config import ProcessingConfig

            return ProcessingConfig.from_toml(path)
        return self._config

    # ---------------------------------------------------------------- running
    def start(self) -> bool:
        """Start the training; False (and an error box) when the form is not usable."""
        if self.running:
            return False
        output = os.path.expanduser(self.output.text().strip())
        gammas, protons = self.gammas.paths(), self.protons.paths()
        problem = None
        if not gammas:
            problem = "Add at least one gamma file."
        elif not output:
            problem = "Choose the output file."
        elif os.path.isdir(output):
            problem = f"{output} is a folder: choose a file name."
        elif not os.path.isdir(os.path.dirname(os.path.abspath(output))):
            problem = f"The folder of {output} does not exist."
        else:
            missing = [p for p in gammas + protons if not os.path.isfile(p)]
            if missing:
                problem = "These files do not exist:\n" + "\n".join(missing[:10])
        config = None
        if problem is None:
            try:
                config = self._training_config()
            except Exception as exc:  # a bad TOML file: its message names the problem
                problem = f"Processing settings: {exc}"
        if problem is not None:
            self._show_error("Cannot train", problem)
            return False
        ctx = mp.get_context("spawn")
        queue, self._stop = ctx.Queue(), ctx.Event()
        self._messages = Channel(queue, TAGS)
        self._process = ctx.Process(
            target=_train_process, args=(gammas, protons, output, config, queue, self._stop),
            name="ctaviewer-train", daemon=True)
        self._output = output
        self._stop_at = None
        self.summary, self.report_lines, self.error = None, [], None
        self.log.clear()
        self._append(f"training on {len(gammas)} gamma and {len(protons)} proton file(s) "
                     f"-> {output}")
        self.progress.setValue(0)
        self.status.setText("Starting…")
        self._process.start()
        self._timer.start()
        self._update_buttons()
        return True

    def cancel(self) -> None:
        if not self.running or self._stop_at is not None:
            return
        self._stop.set()
        self._stop_at = time.monotonic()
        self.status.setText("Cancelling…")
        self._update_buttons()

    def _poll(self) -> None:
        """Read the child's messages (GUI thread); notice its end, or that it died."""
        while self._messages is not None:
            msg = self._messages.receive(timeout=0)
            if msg is None:
                break
            if msg.tag == "log":
                line, = msg.args
                self._append(line)
                self.status.setText(line)
            elif msg.tag == "progress":
                fraction, = msg.args
                self.progress.setValue(int(1000 * fraction))
            elif msg.tag == "done":
                summary, lines, warnings = msg.args
                self._finish()
                self.summary, self.report_lines = summary, list(lines)
                self.progress.setValue(1000)
                self.status.setText(f"Done: wrote {self._output}")
                for line in self.report_lines:
                    self._append(line)
                for warning in warnings:
                    self._append(f"warning: {warning}")
                self.finished.emit(self.summary, self._output)
                return
            elif msg.tag == "cancelled":
                self._finish()
                self.status.setText("Cancelled: no tables written")
                self._append("cancelled: no tables written")
                return
            elif msg.tag == ERROR:
                self._finish()
                self.error = error_text(msg.error())
                self.status.setText("Failed")
                self._append(f"FAILED {self.error}")
                self._show_error("Training failed", self.error)
                return
        if self._process is None:
            return
        if self._stop_at is not None and time.monotonic() - self._stop_at > GRACE_SECONDS:
            self._finish(terminate=True)
            self._remove_partial()
            self.status.setText("Cancelled: no tables written")
            self._append("cancelled (stopped the training process): no tables written")
        elif not self._process.is_alive() and self._messages.empty():
            code = self._process.exitcode
            self._finish()
            self._remove_partial()
            self.error = f"the training process ended unexpectedly (exit code {code})"
            self.status.setText("Failed")
            self._append(f"FAILED {self.error}")
            self._show_error("Training failed", self.error)

    def _finish(self, terminate: bool = False) -> None:
        """Forget the child process. After its last message it exits by itself (it is not
        waited for here: the GUI thread never blocks on it); ``terminate`` stops it."""
        self._timer.stop()
        if self._process is not None and terminate:
            self._process.terminate()
            self._process.join(timeout=1.0)
        mp.active_children()  # reaps training processes that have exited
        self._process = None
        self._stop_at = None
        self._update_buttons()

    def _remove_partial(self) -> None:
        from ..writers.atomic import remove_stale_temps

        with contextlib.suppress(OSError):
            remove_stale_temps(self._output)

    def wait(self, timeout: float = 120.0) -> bool:
        """Process events until the training ends (tests, scripts); True when it has."""
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            QtWidgets.QApplication.processEvents(QtCore.QEventLoop.AllEvents, 50)
            time.sleep(0.01)
        return not self.running

    def _show_error(self, title: str, message: str) -> None:
        """A warning box that does not block (the dialog keeps polling behind it)."""
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, title, message,
                                    QtWidgets.QMessageBox.Ok, self)
        box.setObjectName("train_error_dialog")
        box.button(QtWidgets.QMessageBox.Ok).setToolTip("Close this message")
        box.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        self.error_box = box
        box.open()

    def closeEvent(self, event):  # noqa: N802 (Qt API)
        self.cancel()
        super().closeEvent(event)

    def reject(self) -> None:  # Escape: same as Close
        self.cancel()
        super().reject()


def show_train_dialog(window) -> TrainDialog:
    """Open (or raise) the Train dialog of ``window``, with its current processing settings."""
    dialog = window.findChild(TrainDialog)  # the window's own, once made
    if dialog is None:
        dialog = TrainDialog(window)
    config = getattr(getattr(window, "session", None), "config", None)
    if config is not None and not dialog.running:
        dialog.set_config(config)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
