"""The session: the open source, the current event and its result, and the selection."""

from __future__ import annotations

import math
import time

import numpy as np

from ...errors import InputFileError
from ...io import check_input_path, open_source
from .. import workers
from ..qt import QtCore
from . import processing


class SessionModel(QtCore.QObject):
    source_changed = QtCore.Signal()
    index_progress = QtCore.Signal(float)
    rows_changed = QtCore.Signal()  # event table content (rows added or reco columns)
    event_changed = QtCore.Signal()
    result_changed = QtCore.Signal()
    tel_selected = QtCore.Signal(int)
    pixels_selected = QtCore.Signal()
    config_changed = QtCore.Signal()
    busy = QtCore.Signal(str)  # "" when idle
    error = QtCore.Signal(str, str)  # title, message

    def __init__(self):
        super().__init__()
        self.source = None
        self.path: str | None = None
        self.rows: list[dict] = []
        self.event_index = -1
        self.array_event = None
        self.result = None
        self.results: dict[int, object] = {}  # event index -> EventResult (this config)
        self.selected_tel: int | None = None
        self.selected_pixels: list[int] = []
        self.config = processing.default_config()
        self._pipeline = None
        self._index_task = None
        self._process_task = None
        self._generation = 0
        self._pending_index: int | None = None
        self.timing: dict[str, float] = {}
        self._synchronous = False
        #: callables(source) run in the background after indexing (e.g. building pixel paths)
        self.prepare_hooks: list = []

    # ---------------------------------------------------------------- file
    def open(self, path=None, event_index: int = 0, synchronous: bool = False) -> None:
        """Open a file (None: the built-in simulated array) in the background.

        A missing or unreadable path raises InputFileError at once; what the reader finds
        later (bad headers, damaged data) is reported through ``error``. With
        ``synchronous`` everything happens before returning and errors raise.
        """
        if path is not None:
            check_input_path(path)
        self.close()
        self.path = None if path is None else str(path)
        self._pending_index = event_index
        hooks = list(self.prepare_hooks)

        def prepare(progress=None, stop=None):
            source = open_source(path)
            try:
                source.build_index(progress, stop)
                for hook in hooks:
                    hook(source)
            except BaseException:
                source.close()
                raise
            return source

        self._synchronous = synchronous
        if synchronous:
            self._source_ready(prepare())
            return
        self.busy.emit(f"Opening {path}")
        self._index_task = workers.submit(prepare, self._source_ready, self._open_failed,
                                          self.index_progress)

    def _open_failed(self, exc):
        self._index_task = None
        self.busy.emit("")
        if isinstance(exc, InputFileError):
            self.error.emit("Cannot open file", f"{exc.path}\n\n{exc.cause}")
        else:
            self.error.emit("Cannot open file", f"{self.path}\n\n{type(exc).__name__}: {exc}")

    def _source_ready(self, source):
        self._index_task = None
        self.busy.emit("")
        self.source = source
        self._pipeline = None
        self.source_changed.emit()
        self.rows = self._initial_rows()
        self.rows_changed.emit()
        if self.rows:
            first = min(max(self._pending_index or 0, 0), len(self.rows) - 1)
            if self._synchronous:
                self.go_to(first)
            else:  # let the window repaint between the file's and the event's updates
                QtCore.QTimer.singleShot(0, lambda: self.go_to(first))

    def close(self) -> None:
        for task in (self._index_task, self._process_task):
            if task is not None:
                task.cancel()
        if self._index_task is not None:
            self._index_task.done.wait(5.0)
        self._index_task = self._process_task = None
        if self.source is not None:
            self.source.close()
        self.source = None
        self.rows = []
        self.results = {}
        self.array_event = self.result = None
        self.event_index = -1
        self.selected_tel = None
        self.selected_pixels = []

    def _initial_rows(self) -> list[dict]:
        src = self.source
        n = len(src)
        index = getattr(src, "index", None)
        rows = []
        if index is not None:
            for i in range(n):
                rows.append({
                    "index": i,
                    "event_id": int(index.event_id[i]),
                    "energy": float(index.true_energy[i]),
                    "n_tel": len(index.tels_with_data[i]),
                })
        else:  # cheap sources (the simulated array): read events for their ids
            for i in range(n):
                ev = src[i]
                e = ev.simulation.energy if ev.simulation else math.nan
                rows.append({"index": i, "event_id": ev.event_id, "energy": e,
                             "n_tel": ev.n_tels})
        return rows

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
        t0 = time.perf_counter()
        try:
            event = self.source[index]
        except Exception as exc:
            self.error.emit("Cannot read event", f"event {index}: {exc}")
            return
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
        if self._pipeline is None and self.can_process:
            self._pipeline = processing.make_pipeline(self.source.subarray, self.config)
        return self._pipeline

    def set_config(self, config) -> None:
        """New processing settings: results are dropped and the current event re-processed."""
        self.config = config
        if self._pipeline is not None:
            self._pipeline = self._pipeline.with_config(config)
        self.results = {}
        self.config_changed.emit()
        self.process()

    def process(self, synchronous: bool = False) -> None:
        """Process the current event in the background (results of older requests dropped)."""
        if not self.can_process or self.array_event is None:
            return
        pipeline = self.pipeline()
        event = self.array_event
        self._generation += 1
        generation = self._generation
        if synchronous:
            self._processed((generation, event.index, pipeline.process(event)))
            return
        if self._process_task is not None:
            self._process_task.cancel()

        def run(progress, should_stop):
            return generation, event.index, pipeline.process(event)

        self._process_task = workers.submit(run, self._processed, self._task_failed)

    def _processed(self, payload):
        generation, index, result = payload
        self.results[index] = result
        self._update_row(index, result)
        if generation != self._generation or index != self.event_index:
            return
        self._process_task = None
        self.result = result
        self.result_changed.emit()

    def _update_row(self, index: int, result) -> None:
        if not 0 <= index < len(self.rows):
            return
        g = result.geometry
        self.rows[index].update({
            "n_tel_reco": len(g.tel_ids),
            "reco_alt": g.alt,
            "reco_az": g.az,
            "reco_energy": result.energy,
        })
        self.rows_changed.emit()

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
