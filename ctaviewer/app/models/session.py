"""The session's Qt side: threads, timers and the reading helper around ``SessionState``.

``SessionModel`` owns a Qt-free ``service.session.SessionState`` (the open file, its
events, the current event and its result, the selection) and forwards each of its events
to a Qt signal of the same name, for the views. It runs what takes time off the GUI thread:
opening and indexing a file, processing an event and reading the next one ahead (in the
worker pool, or in the helper process for sim_telarray files), and hands the outcome back
to the state on the GUI thread.
"""

from __future__ import annotations

from ...gc_policy import FIRST_FILE_SHOWN, freeze_once
from ...io import check_input_path
from ...service import processing, simtel_helper
from ...service.session import Opened, SessionState, initial_rows, open_file
from ...service.simtel_helper import HelperSource
from ...warning_capture import collect_warnings
from .. import workers
from ..qt import QtCore

__all__ = ["SessionModel"]


#: the state's signals, forwarded to the Qt signals of the same name
_FORWARDED = ("source_changed", "rows_changed", "row_changed", "event_changed",
              "result_changed", "tel_selected", "pixels_selected", "config_changed", "busy",
              "error", "warned")


class SessionModel(QtCore.QObject):
    """The session the window shows: ``state`` (read its attributes here too) and the
    background work that changes it."""

    source_changed = QtCore.Signal()
    index_progress = QtCore.Signal(float)
    rows_changed = QtCore.Signal()  # event table content: all rows (a new file)
    row_changed = QtCore.Signal(int)  # one row's reco columns (its event was processed)
    event_changed = QtCore.Signal()
    result_changed = QtCore.Signal()
    tel_selected = QtCore.Signal(int)
    pixels_selected = QtCore.Signal()
    config_changed = QtCore.Signal()
    busy = QtCore.Signal(str)  # "" when idle
    error = QtCore.Signal(str, str)  # title, message
    warned = QtCore.Signal(str, list)  # path ("" for the built-in array), new warnings

    def __init__(self, state: SessionState | None = None):
        super().__init__()
        self.state = state or SessionState(processing.default_config())
        for name in _FORWARDED:
            getattr(self.state, name).connect(getattr(self, name).emit)
        self.state.process_requested.connect(self._process_requested)
        self.processor = processing.Processor()
        self._index_task = None
        self._process_task = None
        self._read_ahead_task = None
        self._read_ahead_local = False
        self._generation = 0  # of processing requests: only the newest one's result shows
        self._synchronous = False
        #: callables(source) run in the background after indexing (e.g. building pixel paths)
        self.prepare_hooks: list = []
        # the helper process that parses files starts its interpreter while the window is
        # being built, so that it is ready when the first file is opened
        simtel_helper.start_helper()

    # ---------------------------------------------------------------- the state, read-only
    source = property(lambda self: self.state.source)
    path = property(lambda self: self.state.path)
    rows = property(lambda self: self.state.rows)
    warnings = property(lambda self: self.state.warnings)
    event_index = property(lambda self: self.state.event_index)
    array_event = property(lambda self: self.state.array_event)
    result = property(lambda self: self.state.result)
    results = property(lambda self: self.state.results)
    selected_tel = property(lambda self: self.state.selected_tel)
    selected_pixels = property(lambda self: self.state.selected_pixels)
    config = property(lambda self: self.state.config)
    timing = property(lambda self: self.state.timing)
    n_events = property(lambda self: self.state.n_events)
    can_process = property(lambda self: self.state.can_process)

    @property
    def opening(self) -> bool:
        """Whether a file is being opened in the background."""
        return self._index_task is not None

    # ---------------------------------------------------------------- file
    def open(self, path=None, event_index: int = 0, synchronous: bool = False) -> None:
        """Open a file (None: the built-in simulated array) in the background.

        The new file is opened, indexed and its event list made before anything of the
        file open now changes: if opening fails, that file stays open, whole, and the error
        is reported (never a window half of one file and half of none). A missing or
        unreadable path raises InputFileError at once; what the reader finds later (bad
        headers, damaged data) is reported through ``error``, its warnings through
        ``warned``. With ``synchronous`` everything happens before returning and errors
        raise (the open file unchanged).
        """
        if path is not None:
            check_input_path(path)
        if self._index_task is not None:  # an open still running is abandoned
            self._index_task.cancel()
            self._index_task = None
        path = None if path is None else str(path)
        hooks = list(self.prepare_hooks)
        generation = self.state.begin_open(path, announce=not synchronous)

        def prepare(progress=None, stop=None):
            with collect_warnings(echo=True) as caught:
                source = open_file(path, progress, stop, in_helper=not synchronous,
                                   first=max(event_index or 0, 0))
                try:
                    for hook in hooks:
                        hook(source)
                    rows = initial_rows(source)
                except BaseException:
                    source.close()
                    raise
            return Opened(generation, path, event_index, source, rows, caught.messages)

        if synchronous:
            self._source_ready(prepare(), synchronous=True)
            return
        self._index_task = workers.submit(prepare, self._source_ready,
                                          lambda exc: self._open_failed(generation, path, exc),
                                          self.index_progress)

    def _open_failed(self, generation: int, path, exc):
        if not self.state.is_current_open(generation):
            return  # an open abandoned for a later one
        self._index_task = None
        if isinstance(self.state.source, HelperSource):
            # the helper process let the open file go for the failed one: its events are
            # read and processed here from now on (kernels loaded in the background)
            processing.start_warm_up()
        self.state.open_failed(generation, path, exc)

    def _source_ready(self, opened: Opened, synchronous: bool = False):
        if not self.state.is_current_open(opened.generation):
            opened.source.close()  # finished just as a later open abandoned it
            return
        self._index_task = None
        self._stop_tasks()
        self._synchronous = synchronous
        if not synchronous and not isinstance(opened.source, HelperSource):
            # processing happens here: numba's kernels load while the event is shown
            processing.start_warm_up()
        self.state.open_finished(opened)
        freeze_once(FIRST_FILE_SHOWN)  # start-up objects live as long as the application
        first = self.state.first_event(opened.event_index)
        if first is not None:
            if self._synchronous:
                self.go_to(first)
            else:  # let the window repaint between the file's and the event's updates
                QtCore.QTimer.singleShot(0, lambda: self.go_to(first))

    def _stop_tasks(self) -> None:
        """Stop the work on the open file (before it is closed)."""
        for task in (self._process_task, self._read_ahead_task):
            if task is not None:
                task.cancel()
        # a local read-ahead must not go on reading the source closed next (one in the
        # helper process can: it only fills this source's cache)
        if self._read_ahead_task is not None and self._read_ahead_local:
            self._read_ahead_task.done.wait(5.0)
        self._process_task = self._read_ahead_task = None
        self.processor.clear()

    def close(self) -> None:
        """Close the file (and abandon an open in progress): an empty session."""
        if self._index_task is not None:
            self._index_task.cancel()
            self._index_task.done.wait(5.0)
            self._index_task = None
        self._stop_tasks()
        self.state.close()

    def _task_failed(self, exc):
        self.state.set_busy("")
        self.state.report_error(type(exc).__name__, str(exc))

    # ---------------------------------------------------------------- events
    def go_to(self, index: int) -> None:
        if self.state.go_to(index) and self.state.result is not None:
            self._look_ahead()

    def _look_ahead(self) -> None:
        """Read, and process, the event the user will probably go to next (the next one in
        the direction of the last move), so that going there costs only the GUI's own work.

        With a helper process (sim_telarray files) both happen there and this process only
        receives the event and its result; otherwise the event is read in the worker thread
        (the source keeps recent events).
        """
        s = self.state
        src = s.source
        nxt = s.event_index + s.direction
        if src is None or self._synchronous or not 0 <= nxt < len(s.rows):
            return
        if self._read_ahead_task is not None and not self._read_ahead_task.done.is_set():
            return
        in_helper = isinstance(src, HelperSource)
        want_result = in_helper and s.can_process and nxt not in s.results
        if src.is_cached(nxt) and not want_result:
            return
        config, config_generation = s.config, s.config_generation

        def run(progress, should_stop):
            if should_stop():
                return None
            if not in_helper:
                src[nxt]
                return None
            src.read_ahead(nxt)
            if want_result and not should_stop():
                result = src.process(nxt, config)
                if result is not None:
                    return -1, config_generation, nxt, result, src
            return None

        self._read_ahead_local = not in_helper
        self._read_ahead_task = workers.submit(
            run, lambda payload: payload is not None and self._processed(payload),
            lambda exc: None)

    # ---------------------------------------------------------------- processing
    def set_config(self, config) -> None:
        """New processing settings: results are dropped and the current event re-processed."""
        self.state.set_config(config)

    def _process_requested(self) -> None:
        """The current event has no result: process it, after its raw data has been
        painted (at once when synchronous)."""
        if self._synchronous:
            self.process()
        else:
            QtCore.QTimer.singleShot(30, self.process)

    def process(self, synchronous: bool = False) -> None:
        """Process the current event in the background (results of older requests dropped)."""
        s = self.state
        if not s.can_process or s.array_event is None:
            return
        event, source, config = s.array_event, s.source, s.config
        self._generation += 1
        generation, config_generation = self._generation, s.config_generation
        if synchronous:
            result = self.processor.pipeline(source, config).process(event)
            self._processed((generation, config_generation, event.index, result, source))
            return
        if self._process_task is not None:
            self._process_task.cancel()
        results, processor = s.results, self.processor

        def run(progress, should_stop):
            result = results.get(event.index)  # processed ahead meanwhile
            if result is None:
                result = processor.process(source, config, event)
            return generation, config_generation, event.index, result, source

        self._process_task = workers.submit(run, self._processed, self._task_failed)

    def _processed(self, payload):
        generation, config_generation, index, result, source = payload
        latest = generation == self._generation
        if self.state.add_result(index, result, config_generation, source, latest=latest):
            if latest:
                self._process_task = None
            self._look_ahead()

    # ---------------------------------------------------------------- selection
    def select_tel(self, tel_id: int) -> None:
        self.state.select_tel(tel_id)

    def select_pixels(self, pixels, add: bool = False) -> None:
        self.state.select_pixels(pixels, add=add)

    def add_neighbors(self) -> None:
        """Add the neighbours of the selected pixels to the selection."""
        self.state.add_neighbors()

    def tel_result(self, tel_id):
        return self.state.tel_result(tel_id)
