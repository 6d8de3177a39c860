"""The session: the open source, the current event and its result, and the selection."""

from __future__ import annotations

import gc
import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from ...errors import InputFileError
from ...io import check_input_path
from ...io import open_indexed as open_here
from ...warning_capture import collect_warnings
from .. import workers
from ..qt import QtCore
from . import processing


def open_indexed(path, progress=None, should_stop=None, in_helper: bool = True,
                 first: int | None = None):
    """``path`` (None: the simulated array) opened and ready for random access.

    sim_telarray files are parsed and indexed in a helper process (``in_helper``), which
    also reads event ``first`` and later reads ahead (``read_ahead``): that work holds the
    GIL for long stretches and would freeze the GUI thread if done in a worker thread.
    Other sources index here.
    """
    if in_helper:
        from ...io import simtel_helper

        if simtel_helper.serves(path):
            return simtel_helper.open_indexed(path, progress, should_stop, first=first)
    return open_here(path, progress, should_stop)


def start_helper() -> None:
    """Start the file-indexing helper process ahead of the first open (never blocks)."""
    from ...io.simtel_helper import start_helper as start

    start()


def describe_path(path) -> str:
    """How the status bar and messages name ``path`` (None: the built-in array)."""
    return "the built-in simulated array" if path is None else str(path)


def initial_rows(source) -> list[dict]:
    """The event list of ``source``: index, id, true energy and telescope count per event
    (from the index where the source has one; else by reading the events: cheap sources)."""
    n = len(source)
    index = getattr(source, "index", None)
    rows = []
    if index is not None:
        for i in range(n):
            rows.append({
                "index": i,
                "event_id": int(index.event_id[i]),
                "energy": float(index.true_energy[i]),
                "n_tel": len(index.tels_with_data[i]),
            })
    else:
        for i in range(n):
            ev = source[i]
            e = ev.simulation.energy if ev.simulation else math.nan
            rows.append({"index": i, "event_id": ev.event_id, "energy": e,
                         "n_tel": ev.n_tels})
    return rows


@dataclass
class _Opened:
    """What the opening task hands to the GUI thread."""

    generation: int
    path: str | None
    event_index: int
    synchronous: bool
    source: object
    rows: list
    warnings: list


_FROZEN = False


def _freeze_startup_objects() -> None:
    """Once the first file is shown: what exists then (modules, classes, widgets — ~150k
    objects) lives as long as the application. Keep it out of the cyclic garbage
    collector's full passes, which otherwise take ~100 ms holding the GIL. Only once: a
    later file's objects must stay collectable when it is closed."""
    global _FROZEN
    if not _FROZEN:
        _FROZEN = True
        gc.freeze()


class SessionModel(QtCore.QObject):
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

    def __init__(self):
        super().__init__()
        self.source = None
        self.path: str | None = None
        self.rows: list[dict] = []
        #: the warnings (text) about the open file: damage, truncation, unknown cameras
        self.warnings: list[str] = []
        self.event_index = -1
        self.array_event = None
        self.result = None
        self.results: dict[int, object] = {}  # event index -> EventResult (this config)
        self.selected_tel: int | None = None
        self.selected_pixels: list[int] = []
        self.config = processing.default_config()
        self._pipeline = None
        self._pipeline_lock = threading.Lock()
        self._index_task = None
        self._process_task = None
        self._read_ahead_task = None
        self._read_ahead_local = False
        self._direction = 1  # of the last move, for reading ahead
        self._generation = 0
        self._open_generation = 0
        self._config_generation = 0
        self._pending_index: int | None = None
        self.timing: dict[str, float] = {}
        self._synchronous = False
        #: callables(source) run in the background after indexing (e.g. building pixel paths)
        self.prepare_hooks: list = []
        # the helper process that parses files starts its interpreter while the window is
        # being built, so that it is ready when the first file is opened
        start_helper()

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
        self._open_generation += 1
        generation = self._open_generation
        path = None if path is None else str(path)
        hooks = list(self.prepare_hooks)

        def prepare(progress=None, stop=None):
            with collect_warnings(echo=True) as caught:
                source = open_indexed(path, progress, stop, in_helper=not synchronous,
                                      first=max(event_index or 0, 0))
                try:
                    for hook in hooks:
                        hook(source)
                    rows = initial_rows(source)
                except BaseException:
                    source.close()
                    raise
            return _Opened(generation, path, event_index, synchronous, source, rows,
                           caught.messages)

        if synchronous:
            self._source_ready(prepare())
            return
        self.busy.emit(f"Opening {describe_path(path)}")
        self._index_task = workers.submit(prepare, self._source_ready,
                                          lambda exc: self._open_failed(generation, path, exc),
                                          self.index_progress)

    def _open_failed(self, generation: int, path, exc):
        if generation != self._open_generation:
            return  # an open abandoned for a later one
        self._index_task = None
        self.busy.emit("")
        if self.source is not None and getattr(self.source, "_helper", None) is not None:
            # the helper process let the open file go for the failed one: its events are
            # read and processed here from now on (kernels loaded in the background)
            processing.start_warm_up()
        if isinstance(exc, InputFileError):
            self.error.emit("Cannot open file", f"{exc.path}\n\n{exc.cause}")
        else:
            self.error.emit("Cannot open file",
                            f"{describe_path(path)}\n\n{type(exc).__name__}: {exc}")

    def _source_ready(self, opened: _Opened):
        if opened.generation != self._open_generation:
            opened.source.close()  # finished just as a later open abandoned it
            return
        self._index_task = None
        self.busy.emit("")
        # the file open until now goes without telling the views: they hear of the new
        # one below, in one go
        self._release()
        self.source = opened.source
        self.path = opened.path
        self.rows = opened.rows
        self._synchronous = opened.synchronous
        self._pending_index = opened.event_index
        if not self._synchronous and getattr(self.source, "_helper", None) is None:
            # processing happens here: numba's kernels load while the event is shown
            processing.start_warm_up()
        self.source_changed.emit()
        self.rows_changed.emit()
        _freeze_startup_objects()
        self._add_warnings(opened.warnings)
        if self.rows:
            first = min(max(self._pending_index or 0, 0), len(self.rows) - 1)
            if self._synchronous:
                self.go_to(first)
            else:  # let the window repaint between the file's and the event's updates
                QtCore.QTimer.singleShot(0, lambda: self.go_to(first))

    def _add_warnings(self, messages) -> None:
        """Warnings about the open file: kept (``warnings``) and announced (``warned``)."""
        new = [m for m in messages if m not in self.warnings]
        if new:
            self.warnings.extend(new)
            self.warned.emit(self.path or "", new)

    def _release(self) -> None:
        """Stop the open file's tasks and close it: the state of no file (no signal: the
        caller announces what comes next)."""
        for task in (self._process_task, self._read_ahead_task):
            if task is not None:
                task.cancel()
        # a local read-ahead must not go on reading the source closed below (one in the
        # helper process can: it only fills this source's cache)
        if self._read_ahead_task is not None and self._read_ahead_local:
            self._read_ahead_task.done.wait(5.0)
        self._process_task = self._read_ahead_task = None
        if self.source is not None:
            self.source.close()
        self.source = None
        self.path = None
        self.rows = []
        self.results = {}
        self.warnings = []
        self.array_event = self.result = None
        self.event_index = -1
        self.selected_tel = None
        self.selected_pixels = []
        self._pipeline = None

    def close(self) -> None:
        """Close the file (and abandon an open in progress): an empty session."""
        if self._index_task is not None:
            self._index_task.cancel()
            self._index_task.done.wait(5.0)
            self._index_task = None
        self._open_generation += 1
        had_rows = bool(self.rows)
        self._release()
        if had_rows:
            self.rows_changed.emit()

    def _task_failed(self, exc):
        self.busy.emit("")
        self.error.emit(type(exc).__name__, str(exc))

    # ---------------------------------------------------------------- events
    @property
    def n_events(self) -> int:
        return len(self.rows)

    def go_to(self, index: int) -> None:
        if self.source is None or not self.rows:
            return
        index = int(np.clip(index, 0, len(self.rows) - 1))
        if index != self.event_index and self.event_index >= 0:
            self._direction = 1 if index > self.event_index else -1
        t0 = time.perf_counter()
        try:
            with collect_warnings(echo=True) as caught:
                event = self.source[index]
        except Exception as exc:
            self.error.emit("Cannot read event", f"event {index}: {exc}")
            return
        finally:
            self._add_warnings(caught.messages)
        self.timing = {"read_ms": 1e3 * (time.perf_counter() - t0)}
        self.event_index = index
        self.array_event = event
        self.result = self.results.get(index)
        tels = list(event.tel)
        if self.selected_tel not in tels:
            self.selected_tel = self._brightest(event) if tels else None
            self.selected_pixels = []
        self.event_changed.emit()
        if self.result is None:
            if self._synchronous:
                self.process()
            else:  # start processing after the raw event has been painted
                QtCore.QTimer.singleShot(30, self.process)
        else:
            self._look_ahead()

    def _look_ahead(self) -> None:
        """Read, and process, the event the user will probably go to next (the next one in
        the direction of the last move), so that going there costs only the GUI's own work.

        With a helper process (sim_telarray files) both happen there and this process only
        receives the event and its result; otherwise the event is read in the worker thread
        (the source keeps recent events).
        """
        src = self.source
        nxt = self.event_index + self._direction
        if (src is None or self._synchronous or not 0 <= nxt < len(self.rows)
                or not hasattr(src, "is_cached")):
            return
        if self._read_ahead_task is not None and not self._read_ahead_task.done.is_set():
            return
        in_helper = getattr(src, "_helper", None) is not None
        want_result = in_helper and self.can_process and nxt not in self.results
        if src.is_cached(nxt) and not want_result:
            return
        config, config_generation = self.config, self._config_generation

        def run(progress, should_stop):
            if should_stop():
                return None
            if not in_helper:
                src[nxt]
                return None
            from ...io import simtel_helper

            simtel_helper.read_ahead(src, nxt)
            if want_result and not should_stop():
                result = simtel_helper.process(src, nxt, config)
                if result is not None:
                    return -1, config_generation, nxt, result, src
            return None

        self._read_ahead_local = not in_helper
        self._read_ahead_task = workers.submit(
            run, lambda payload: payload is not None and self._processed(payload),
            lambda exc: None)

    def next(self) -> None:
        self.go_to(self.event_index + 1)

    def previous(self) -> None:
        self.go_to(self.event_index - 1)

    @staticmethod
    def _brightest(event) -> int:
        return max(event.tel, key=lambda t: float(np.nansum(event.tel[t].raw_sum)))

    # ---------------------------------------------------------------- processing
    @property
    def can_process(self) -> bool:
        return self.config is not None and self.source is not None

    def pipeline(self):
        """The pipeline of the current source and settings (made when first needed)."""
        if not self.can_process:
            return None
        return self._pipeline_for(self.source, self.config)

    def _pipeline_for(self, source, config):
        """Thread-safe: the worker makes the pipeline, after the chain is warm."""
        processing.wait_warm()
        with self._pipeline_lock:
            p = self._pipeline
            if p is None or p.subarray is not source.subarray:
                p = processing.make_pipeline(source.subarray, config)
            elif p.config is not config:
                p = p.with_config(config)  # shares the geometry caches
            self._pipeline = p
            return p

    def set_config(self, config) -> None:
        """New processing settings: results are dropped and the current event re-processed."""
        self.config = config
        self._config_generation += 1
        self.results = {}
        self.config_changed.emit()
        self.process()

    def process(self, synchronous: bool = False) -> None:
        """Process the current event in the background (results of older requests dropped)."""
        if not self.can_process or self.array_event is None:
            return
        event = self.array_event
        source, config = self.source, self.config
        self._generation += 1
        generation, config_generation = self._generation, self._config_generation
        if synchronous:
            result = self._pipeline_for(source, config).process(event)
            self._processed((generation, config_generation, event.index, result, source))
            return
        if self._process_task is not None:
            self._process_task.cancel()
        results = self.results

        def run(progress, should_stop):
            result = results.get(event.index)  # processed ahead meanwhile
            if result is None:
                result = self._compute(source, config, event)
            return generation, config_generation, event.index, result, source

        self._process_task = workers.submit(run, self._processed, self._task_failed)

    def _compute(self, source, config, event):
        """The result of ``event`` (worker thread): in the helper process when the source
        has one (this process's GIL stays free for the GUI), else with the local pipeline."""
        if getattr(source, "_helper", None) is not None:
            from ...io.simtel_helper import process as process_in_helper

            result = process_in_helper(source, event.index, config)
            if result is not None:
                return result
        return self._pipeline_for(source, config).process(event)

    def _processed(self, payload):
        generation, config_generation, index, result, source = payload
        if config_generation != self._config_generation or source is not self.source:
            return  # made with settings changed since, or for the file open before
        self.results[index] = result
        self._update_row(index, result)
        if index != self.event_index:
            return
        if generation == self._generation:
            self._process_task = None
        elif self.result is not None:
            return  # an older request's (or a look-ahead's) result: already shown
        self.result = result
        self.result_changed.emit()
        self._look_ahead()

    def _update_row(self, index: int, result) -> None:
        if not 0 <= index < len(self.rows):
            return
        g = result.geometry
        self.rows[index].update({
            "n_tel_reco": len(g.tel_ids),
            "reco_alt": g.alt,
            "reco_az": g.az,
            "reco_energy": result.energy,
            "reco_invalid": "" if g.is_valid else (g.invalid_reason or "invalid"),
        })
        self.row_changed.emit(index)

    # ---------------------------------------------------------------- selection
    def select_tel(self, tel_id: int) -> None:
        ev = self.array_event
        if tel_id != self.selected_tel and (ev is None or tel_id in ev.tel):
            self.selected_tel = int(tel_id)
            self.selected_pixels = []
            self.tel_selected.emit(self.selected_tel)
            self.pixels_selected.emit()

    def select_pixels(self, pixels, add: bool = False) -> None:
        pixels = [int(p) for p in pixels]
        if add:
            pixels = self.selected_pixels + [p for p in pixels if p not in self.selected_pixels]
        self.selected_pixels = pixels
        self.pixels_selected.emit()

    def add_neighbors(self) -> None:
        """Add the neighbours of the selected pixels to the selection."""
        if self.selected_tel is None or not self.selected_pixels:
            return
        geom = self.source.subarray.tels[self.selected_tel].camera.geometry
        extra = [int(n) for p in self.selected_pixels for n in geom.neighbors_of(p)]
        self.select_pixels(extra, add=True)

    def tel_result(self, tel_id):
        if self.result is None:
            return None
        return self.result.tel.get(tel_id)
