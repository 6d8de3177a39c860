"""The session's Qt side: threads, timers and the reading helper around ``SessionState``.

``SessionModel`` owns a Qt-free ``service.session.SessionState`` (the open file, its
events, the current event and its result, the selection) and forwards each of its events
to a Qt signal of the same name, for the views. It runs what takes time off the GUI thread:
opening and indexing a file, processing an event and reading the next one ahead (in the
worker pool, or in the helper process for sim_telarray files), and hands the outcome back
to the state on the GUI thread.

A sim_telarray file is shown as soon as its first event is read, while the helper goes on
indexing it: an ``IndexFollower`` thread brings the new rows, which reach the state on
the GUI thread in batches (``rows_added``). Going to an event not read yet reads it in the
background first (the GUI thread never parses one); going beyond the events indexed so far
waits until the index reaches it.
"""

from __future__ import annotations

import math
import time

from ...gc_policy import FIRST_FILE_SHOWN, freeze_once
from ...io import check_input_path
from ...service import processing, simtel_helper
from ...service.goto import GoToRequest, GoToTarget, resolve_go_to
from ...service.index_follow import IndexFollower
from ...service.session import Opened, SessionState, initial_rows, open_file
from ...service.simtel_helper import HelperSource
from ...warning_capture import collect_warnings
from .. import workers
from ..qt import QtCore
from .comparison import ComparisonModel


def _while_alive(signal):
    """``signal.emit`` for a thread that may outlive this model: once Qt has deleted the
    model (the application ends while a file still indexes), the news is dropped instead of
    raising "Signal source has been deleted" in that thread."""
    def emit(*args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            pass

    return emit

__all__ = ["SessionModel"]


#: the shortest time between two updates of the indexing progress (seconds)
PROGRESS_INTERVAL_S = 0.2

#: the state's signals, forwarded to the Qt signals of the same name
_FORWARDED = ("source_changed", "rows_changed", "rows_added", "indexing_changed",
              "row_changed", "event_changed", "result_changed", "tel_selected",
              "pixels_selected", "config_changed", "busy", "error", "warned")


class SessionModel(QtCore.QObject):
    """The session the window shows: ``state`` (read its attributes here too) and the
    background work that changes it."""

    source_changed = QtCore.Signal()
    index_progress = QtCore.Signal(float)
    rows_changed = QtCore.Signal()  # event table content: all rows (a new file)
    rows_added = QtCore.Signal(int)  # rows from this one on were appended (indexing)
    indexing_changed = QtCore.Signal(bool)  # the open file is being indexed
    row_changed = QtCore.Signal(int)  # one row's reco columns (its event was processed)
    event_changed = QtCore.Signal()
    result_changed = QtCore.Signal()
    tel_selected = QtCore.Signal(int)
    pixels_selected = QtCore.Signal()
    config_changed = QtCore.Signal()
    busy = QtCore.Signal(str)  # "" when idle
    error = QtCore.Signal(str, str)  # title, message
    warned = QtCore.Signal(str, list)  # path ("" for the built-in array), new warnings
    # the index follower's news, from its thread to the GUI thread: (source, ...)
    _index_rows = QtCore.Signal(object, int, object)
    _index_progress = QtCore.Signal(object, float)
    _index_end = QtCore.Signal(object, object, object)

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
        self._fetch_task = None  # reading an event to show, in the background
        self._wanted: int | None = None  # the event to show once read
        self._follower: IndexFollower | None = None
        self._ended_meanwhile = None  # the open file's index news while another opens
        self._shown_fraction = 0.0
        self._shown_at = -math.inf
        self._index_rows.connect(self._rows_found)
        self._index_progress.connect(self._indexed_fraction)
        self._index_end.connect(self._index_ended)
        self._generation = 0  # of processing requests: only the newest one's result shows
        self._synchronous = False
        #: callables(source) run in the background after indexing (e.g. building pixel paths)
        self.prepare_hooks: list = []
        #: how files are opened (``service.session.open_file``'s options, e.g. whole_below)
        self.open_options: dict = {}
        # the helper process that parses files starts its interpreter while the window is
        # being built, so that it is ready when the first file is opened
        simtel_helper.start_helper()
        #: the comparison with a second configuration (B), which follows this session
        self.comparison = ComparisonModel(self)

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
    indexing = property(lambda self: self.state.indexing)
    waiting_for = property(lambda self: self.state.waiting_for)

    @property
    def going_to(self) -> int:
        """The event being gone to (read or waited for), else the current one: where
        "next" steps from."""
        for index in (self._wanted, self.state.waiting_for):
            if index is not None:
                return index
        return self.state.event_index

    @property
    def opening(self) -> bool:
        """Whether a file is being opened in the background."""
        return self._index_task is not None

    # ---------------------------------------------------------------- file
    def open(self, path=None, event_index: int = 0, synchronous: bool = False,
             selection=None) -> None:
        """Open a file (None: the built-in simulated array) in the background.

        The new file is opened, indexed and its event list made before anything of the
        file open now changes: if opening fails, that file stays open, whole, and the error
        is reported (never a window half of one file and half of none). A large file the
        helper reads becomes the open file as soon as its first event is read: its list
        grows while the helper indexes the rest (``indexing``, ``rows_added``), and damage
        found meanwhile is said through ``warned`` or ``error`` when the scan ends. A
        missing or unreadable path raises InputFileError at once; what the reader finds
        later (bad headers, damaged data) is reported through ``error``, its warnings
        through ``warned``. With ``synchronous`` everything happens before returning and
        errors raise (the open file unchanged). ``selection`` (an
        ``io.selection.SourceSelection``; None: everything) chooses the telescopes and the
        number of events read; the open source tells it back (``source.selection``).
        """
        if path is not None:
            check_input_path(path)
        if self._index_task is not None:  # an open still running is abandoned
            self._index_task.cancel()
            self._index_task = None
        path = None if path is None else str(path)
        hooks = list(self.prepare_hooks)
        options = dict(self.open_options)
        generation = self.state.begin_open(path, announce=not synchronous)

        def prepare(progress=None, stop=None):
            with collect_warnings(echo=True) as caught:
                source = open_file(path, progress, stop, in_helper=not synchronous,
                                   first=max(event_index or 0, 0),
                                   progressive=not synchronous, selection=selection,
                                   **options)
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
        ended, self._ended_meanwhile = self._ended_meanwhile, None
        if ended is not None:
            QtCore.QTimer.singleShot(0, lambda: self._index_ended(*ended))
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
        self._ended_meanwhile = None
        self._stop_tasks()
        self._synchronous = synchronous
        if not synchronous and not isinstance(opened.source, HelperSource):
            # processing happens here: numba's kernels load while the event is shown
            processing.start_warm_up()
        self.state.open_finished(opened)
        freeze_once(FIRST_FILE_SHOWN)  # start-up objects live as long as the application
        source = opened.source
        if getattr(source, "indexing", False):
            self._shown_fraction, self._shown_at = 0.0, -math.inf
            self.state.begin_indexing()
            state = self.state
            self._follower = IndexFollower(
                source, len(opened.rows), _while_alive(self._index_rows),
                _while_alive(self._index_progress), _while_alive(self._index_end),
                urgent=lambda: (state.waiting_for is not None
                                or state.waiting_for_id is not None))
        first = self.state.first_event(opened.event_index)
        if self.state.indexing and (opened.event_index or 0) >= self.state.n_events:
            first = opened.event_index  # waits for the index to reach it
        if first is not None:
            if self._synchronous:
                self.go_to(first)
            else:  # let the window repaint between the file's and the event's updates
                QtCore.QTimer.singleShot(0, lambda: self.go_to(first))

    def _stop_tasks(self) -> None:
        """Stop the work on the open file (before it is closed)."""
        if self._follower is not None:
            self._follower.stop()  # its last news, if any, is dropped (another source)
            self._follower = None
        for task in (self._process_task, self._read_ahead_task, self._fetch_task):
            if task is not None:
                task.cancel()
        self._fetch_task = self._wanted = None
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

    # ---------------------------------------------------------------- indexing
    def _rows_found(self, source, start: int, rows: list) -> None:
        if self.state.add_rows(source, start, rows):
            self.go_to(self.state.waiting_for)

    def _indexed_fraction(self, source, fraction: float) -> None:
        # a step of 1 % at least, a few times a second at most: each asks the status bar's
        # progress bar for a paint (``QuietProgressBar``: with the window's next one)
        now = time.monotonic()
        if source is self.state.source and self.state.indexing and (
                abs(fraction - self._shown_fraction) >= 0.01
                and now - self._shown_at >= PROGRESS_INTERVAL_S):
            self._shown_fraction, self._shown_at = fraction, now
            self.index_progress.emit(fraction)

    def _index_ended(self, source, warnings, error) -> None:
        if source is not self.state.source:
            return
        if self._index_task is not None:  # the helper stopped for another file: said
            self._ended_meanwhile = (source, warnings, error)  # if that one fails to open
            return
        self._follower = None
        waiting = self.state.waiting_for
        self.state.indexing_finished(source, warnings, error)
        if waiting is not None:  # beyond the last event: the last one
            self.go_to(min(waiting, self.state.n_events - 1))

    # ---------------------------------------------------------------- events
    def go_to(self, index: int) -> None:
        """Make event ``index`` the current one: at once when it is in memory or cheap to
        read, else (a large file the helper reads) once it is read in the background, not
        parsed in the GUI thread; beyond the events indexed so far, once the index reaches
        it."""
        s = self.state
        src = s.source
        if src is None:
            return
        if s.indexing and index >= s.n_events:
            s.wait_for(index)
            return
        s.stop_waiting()
        if not s.rows:
            return
        index = min(max(int(index), 0), s.n_events - 1)
        if (self._synchronous or not isinstance(src, HelperSource)
                or not src.read_in_background or src.is_cached(index)):
            self._wanted = None
            self._show(index)
            return
        self._wanted = index
        if self._fetch_task is None:
            self._fetch(src, index)

    def go_to_request(self, request: GoToRequest) -> GoToTarget:
        """Go to an event id or a position (Event ▸ Go to event): where it leads and what
        to tell the user (``service.goto.resolve_go_to``). An id or a position the file
        does not have leaves the current event shown; one the index has not reached yet
        is shown once it does (an id the whole index lacks is then said as an error)."""
        s = self.state
        target = resolve_go_to(request, s.rows, self.going_to, s.indexing)
        if target.found:
            self.go_to(target.index)
        elif target.wait and request.kind == "index":
            self.go_to(target.index)  # waits for the index
        elif target.wait:
            self._wanted = None
            s.wait_for_id(request.value)
        return target

    def _show(self, index: int) -> None:
        if self.state.go_to(index) and self.state.result is not None:
            self._look_ahead()

    def _fetch(self, src, index: int) -> None:
        """Read event ``index`` in the helper, then show the event wanted by then."""
        def run(progress, should_stop):
            if not should_stop():
                src.read_ahead(index)

        def done(_=None):
            self._fetch_task = None
            wanted = self._wanted
            if src is not self.state.source or wanted is None:
                return
            if wanted == index or src.is_cached(wanted):
                self._wanted = None
                self._show(wanted)  # read here if the helper could not (it says why)
            else:
                self._fetch(src, wanted)

        self._fetch_task = workers.submit(run, done, done)

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
        if not s.can_process or s.array_event is None or s.waiting_for is not None:
            return  # (waiting for another event: this one is left)
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
