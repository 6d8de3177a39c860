"""The whole-file event table of the open file: made in the background, cached, shown.

``FileTableModel`` follows the session: when a file is opened it looks for the file's table
made with the settings in use in the cache (``service.file_table.TableRequest.cached``)
and, if there is one, reads it in a worker thread and shows it at once. Otherwise the table
is made when asked for (``start``: Events ▸ Process whole file, or the event list's button)
by a ``table_runner.TableJob``: the batch machinery in processes of its own, with progress
(``progress``: fraction of the events) and ``cancel``. It is not started by itself: a
physicist opening a 500 MB file to look at a few events should not find both cores busy
for minutes; a cached table costs nothing and is always shown.

When the processing settings change, the table shown is marked ``stale`` (its values were
made with the others) unless the cache holds one for the new settings, which is shown
instead; starting again makes the new one. A run that fails (a damaged file, a full
disk) leaves the event list as it was (each event's values as processed one by one) and
says what failed, naming the file and the cause, in ``status``.
"""

from __future__ import annotations

from ...errors import CtaviewerError, InputFileError
from ...service.file_table import TableRequest, read_table_file
from .. import workers
from ..qt import QtCore
from .table_runner import TableJob

POLL_MS = 100


class FileTableModel(QtCore.QObject):
    """The whole-file table of the session's open file."""

    #: the table shown changed (``table``: a FileTable, or None)
    table_changed = QtCore.Signal()
    #: running, stale, status or the possibility to start changed
    changed = QtCore.Signal()
    #: fraction of the events processed (while ``running``)
    progress = QtCore.Signal(float)
    #: a run failed: (title, message)
    failed = QtCore.Signal(str, str)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        app = QtCore.QCoreApplication.instance()
        if app is not None:  # a run must not keep the application from ending
            app.aboutToQuit.connect(self.cancel)
        self.session = session
        self.table = None  # service.file_table.FileTable
        self.request: TableRequest | None = None  # what ``table`` was made of
        self.stale = False
        self.status = ""
        #: an estimators file (``ctaviewer train``) the table applies (None: none)
        self.estimators: str | None = None
        #: worker processes of a run (None: the cores but one)
        self.n_workers: int | None = None
        #: the cache folder (None: ``service.file_table.cache_folder()``)
        self.folder: str | None = None
        self._job: TableJob | None = None
        self._draining: list[TableJob] = []  # cancelled runs still ending
        self._reading = None  # the worker-thread task reading a cached table
        self._timer = QtCore.QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._poll)
        session.source_changed.connect(self._source_changed)
        session.config_changed.connect(self._config_changed)
        session.rows_changed.connect(self._rows_changed)

    # ---------------------------------------------------------------- state
    @property
    def running(self) -> bool:
        return self._job is not None

    @property
    def can_start(self) -> bool:
        """Whether a file is open that the batch chain can process (a file, settings)."""
        s = self.session
        return s.path is not None and s.config is not None and s.source is not None

    def current_request(self) -> TableRequest | None:
        """The request of the open file with the settings in use (None: none possible)."""
        if not self.can_start:
            return None
        s = self.session
        try:
            return TableRequest.for_file(s.path, s.config, getattr(s.source, "selection", None),
                                         self.estimators)
        except InputFileError:
            return None

    def summary(self) -> str:
        """One line for the event list's status."""
        return self.status

    def _set_status(self, text: str) -> None:
        self.status = text
        self.changed.emit()

    def _show(self, table, request, stale: bool = False) -> None:
        self.table, self.request, self.stale = table, request, stale
        self.table_changed.emit()

    # ---------------------------------------------------------------- following the session
    def _source_changed(self) -> None:
        self.cancel(wait=False)
        self._reading = None
        had = self.table is not None
        self.table, self.request, self.stale, self.status = None, None, False, ""
        if had:
            self.table_changed.emit()
        self.changed.emit()
        self.load_cached()

    def _rows_changed(self) -> None:
        if self.session.source is None and self.table is not None:  # closed
            self._source_changed()

    def _config_changed(self) -> None:
        if self.table is None:
            self.load_cached()
            return
        request = self.current_request()
        stale = request is None or request.key != self.request.key
        if stale and request is not None and self.load_cached():
            return  # the new settings' table is in the cache
        if stale != self.stale:
            self.stale = stale
            self._set_status("whole-file table made with other settings: Reprocess"
                             if stale else self._done_text(self.table))

    def set_estimators(self, path: str | None) -> None:
        """Apply the estimators file ``path`` (None: none) to the tables made from now on;
        the table shown becomes stale unless the cache holds the one with them."""
        self.estimators = path or None
        self._config_changed()

    def load_cached(self) -> bool:
        """Show the open file's cached table for the settings in use, if there is one (read
        in a worker thread); whether there is."""
        request = self.current_request()
        path = request.cached(self.folder) if request is not None else None
        if path is None:
            return False
        source = self.session.source
        self._set_status("reading the whole-file table from the cache…")

        def read(progress, should_stop):
            return read_table_file(path)

        def done(table):
            if self._reading is not task or self.session.source is not source:
                return
            self._reading = None
            self._show(table, request)
            self._set_status(self._done_text(table, cached=True))

        def failed(exc):
            if self._reading is task:
                self._reading = None
                self._set_status(f"cached table unreadable ({exc}): process the whole file "
                                 "again")

        task = workers.submit(read, done, failed)
        self._reading = task
        return True

    # ---------------------------------------------------------------- running
    def start(self) -> bool:
        """Make the open file's table in the background (a cached one is shown instead);
        False when none can be made (no file, no settings) or one is being made."""
        if self.running:
            return False
        request = self.current_request()
        if request is None:
            self._set_status("nothing to process: open a file" if self.session.path is None
                             else "the processing chain is not available")
            return False
        if request.cached(self.folder) is not None:
            return self.load_cached()
        try:
            self._job = TableJob(request, self.session.config,
                                 request.cache_path(self.folder), self.n_workers)
        except (OSError, CtaviewerError) as exc:
            self._set_status(f"cannot start: {exc}")
            return False
        self._source = self.session.source
        self._total = max(self.session.n_events, 1)
        self._set_status("processing the whole file…")
        self.progress.emit(0.0)
        self._timer.start()
        return True

    def cancel(self, wait: bool = True) -> None:
        """Stop a run (nothing is kept of it: no partial file in the cache). ``wait``: until
        its process has ended (else it ends in the background, its result ignored)."""
        job = self._job
        if job is None:
            return
        self._job = None
        job.cancel()
        if wait:
            deadline = QtCore.QDeadlineTimer(int(1000 * 10))
            while not job.finished and not deadline.hasExpired():
                job.poll()
                if not job.finished:
                    job.wait(0.05)
            if not job.finished:
                job.kill()
        else:
            self._draining.append(job)
            self._timer.start()
        self._finish("whole-file processing cancelled")

    def _finish(self, status: str) -> None:
        if not self._draining:
            self._timer.stop()
        self._job = None
        self._set_status(status)

    def _poll(self) -> None:
        for old in list(self._draining):
            old.poll()
            if old.finished:
                self._draining.remove(old)
        job = self._job
        if job is None:
            if not self._draining:
                self._timer.stop()
            return
        for msg in job.poll():
            tag = msg[0]
            if tag == "progress":
                total = msg[2] or max(self.session.n_events, self._total)
                self.progress.emit(min(1.0, msg[1] / max(total, 1)))
            elif tag == "done":
                table = msg[1]
                self._job = None
                if self.session.source is self._source:
                    self._show(table, job.request)
                self._finish(self._done_text(table))
            elif tag == "cancelled":
                self._finish("whole-file processing cancelled")
            elif tag in ("failed", "error"):
                message = msg[1]
                self._finish(f"whole-file processing failed: {message}")
                self.failed.emit("Whole-file processing failed",
                                 f"{message}\n\nThe event list keeps the values of the "
                                 "events processed one by one.")

    @staticmethod
    def _done_text(table, cached: bool = False) -> str:
        """What the table holds; the first of the run's warnings (a file truncated or
        damaged: the events before the damage were processed), without the file's name."""
        if table is None:
            return ""
        more = " (from the cache)" if cached else ""
        text = f"whole file: {len(table)} events processed{more}"
        if table.warnings:
            first = table.warnings[0]
            prefix = f"{table.input}: " if getattr(table, "input", "") else ""
            first = first[len(prefix):] if prefix and first.startswith(prefix) else first
            extra = f" (+{len(table.warnings) - 1} more)" if len(table.warnings) > 1 else ""
            text += f"; warning: {first}{extra}"
        return text


__all__ = ["FileTableModel"]
