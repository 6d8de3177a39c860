"""The session's state: the open file, its events, the current event and its result.

``SessionState`` holds what the application shows and changes it in steps that keep it
whole, announcing each change through a ``Signal``. It does no waiting of its own: opening
a file and processing an event run elsewhere (the application's threads, or the caller), and
their outcome is handed in:

    state = SessionState(config)
    generation = state.begin_open(path)                 # busy("Opening …")
    source = open_file(path)                            # (in a worker thread)
    state.open_finished(Opened(generation, path, 0, source, initial_rows(source), []))
        # or state.open_failed(generation, path, exc): the file open before stays, whole
    state.go_to(0)                                      # event_changed; process_requested
    state.add_result(0, result, state.config_generation, source, latest=True)
    state.set_config(other)                             # config_changed; process_requested
    state.close()

A result is accepted only for the source and settings it was made with (an open or a
settings change made meanwhile drops it); an open is accepted only if no later open or
close was asked for. Reading an event (``go_to``) happens here, in the caller's thread: the
application's sources keep recent events in memory, read ahead in the background.
"""

from __future__ import annotations

import functools
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..datamodel.columns import event_type_code
from ..errors import InputFileError
from ..event import PEDESTAL_EVENT_TYPES, is_calibration_type
from ..io import open_indexed
from ..io.simtel_convert import indexed_event_type
from ..warning_capture import collect_warnings
from . import simtel_helper
from .evented import Signal
from .goto import first_with_id


def describe_path(path) -> str:
    """How the status bar and messages name ``path`` (None: the built-in array)."""
    return "the built-in simulated array" if path is None else str(path)


def open_file(path, progress=None, should_stop=None, in_helper: bool = True,
              first: int | None = None, progressive: bool = False, selection=None,
              **options):
    """``path`` (None: the simulated array) opened and ready for random access.

    sim_telarray files are parsed and indexed in the helper process (``in_helper``), which
    also reads event ``first`` and later reads ahead (``HelperSource.read_ahead``): that
    work holds the GIL for long stretches and would freeze a GUI thread if done in a
    worker thread. Other sources index here. With ``progressive`` a file the helper reads
    is returned as soon as event ``first`` is indexed and read, still being indexed
    (``source.indexing``; ``index_follow.IndexFollower`` follows it); ``options`` go to
    ``simtel_helper.open_indexed`` (``whole_below``). ``selection`` (an
    ``io.selection.SourceSelection``, None: everything) chooses the telescopes and the
    number of events the source delivers.
    """
    source_options = selection.source_options() if selection is not None else {}
    if in_helper and simtel_helper.serves(path):
        return simtel_helper.open_indexed(path, progress, should_stop, first=first,
                                          progressive=progressive, **options,
                                          **source_options)
    return open_indexed(path, progress, should_stop, **source_options)


def index_rows(index, start: int, stop: int) -> list[dict]:
    """Event-list rows ``start`` to ``stop`` (exclusive) from an offset index: index, id,
    true energy and telescope count per event."""
    ids = index.event_id[start:stop].tolist()
    energies = index.true_energy[start:stop].tolist()
    tels = index.tels_with_data[start:stop]
    kinds = getattr(index, "kind", None)
    calib = getattr(index, "calibration_type", None)
    if kinds is not None and calib is not None:
        types = [indexed_event_type(k, c) for k, c in
                 zip(kinds[start:stop].tolist(), calib[start:stop].tolist(), strict=True)]
    else:
        types = ["subarray"] * len(ids)
    return [{"index": start + k, "event_id": ids[k], "energy": energies[k],
             "n_tel": len(tels[k]), **event_type_columns(types[k])} for k in range(len(ids))]


@functools.lru_cache(maxsize=64)
def event_type_columns(event_type: str) -> dict:
    """An event-list row's columns of an event type: its name (``type``), ctapipe's code
    (``event_type``) and 0/1 flags for filters (``is_shower``, ``is_pedestal``,
    ``is_flatfield``, ``is_calibration``). Shared between calls: copy it (``**``) into a
    row, never change it."""
    return {
        "type": event_type,
        "event_type": event_type_code(event_type),
        "is_shower": int(not is_calibration_type(event_type)),
        "is_pedestal": int(event_type in PEDESTAL_EVENT_TYPES),
        "is_flatfield": int(event_type == "flatfield"),
        "is_calibration": int(is_calibration_type(event_type)),
    }


def initial_rows(source) -> list[dict]:
    """The event list of ``source``: index, id, true energy and telescope count per event
    (from the index where the source has one, as far as it goes while the file is being
    indexed; else by reading the events: cheap sources)."""
    n = len(source)
    index = source.index
    rows = []
    if index is not None:
        rows = index_rows(index, 0, n)
    else:
        for i in range(n):
            ev = source[i]
            e = ev.simulation.energy if ev.simulation else math.nan
            rows.append({"index": i, "event_id": ev.event_id, "energy": e,
                         "n_tel": ev.n_tels, **event_type_columns(ev.event_type)})
    return rows


def default_tel(event, result=None) -> int:
    """The telescope to show first for ``event``: the one with the largest cleaned image
    intensity in ``result`` (its processing); the lowest telescope id of a calibration
    event (nothing is cleaned there, every camera sees only noise or calibration light);
    before the result comes, or when no image survived cleaning, ``brightest_tel``."""
    if getattr(event, "is_calibration", False):
        return min(event.tel)
    if result is not None:
        best, best_value = None, 0.0
        for tel_id in event.tel:
            tr = result.tel.get(tel_id)
            value = tr.parameters.get("hillas_intensity", math.nan) if tr is not None else 0
            if value == value and value > best_value:
                best, best_value = tel_id, value
        if best is not None:
            return int(best)
    return brightest_tel(event)


def brightest_tel(event) -> int:
    """The telescope of ``event`` whose 10 brightest pixels hold the most photo-electrons
    (raw sums × dc_to_pe, before any processing): the whole camera's sum is mostly noise.
    The window's default before an event is processed (``default_tel`` then)."""
    def signal(tel_id):
        data = event.tel[tel_id]
        pe = np.nan_to_num(data.raw_sum * data.dc_to_pe[0])
        return float(np.sort(pe)[-10:].sum())

    return max(event.tel, key=signal)


class RecentResults(OrderedDict):
    """Event index -> EventResult, the most recent ``size`` only: stepping through a large
    file keeps memory flat (the event list keeps each event's reconstruction)."""

    def __init__(self, size: int = 32):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


@dataclass
class Opened:
    """A file opened and indexed, with its event list, ready to become the open file."""

    generation: int  # from ``begin_open``
    path: str | None
    event_index: int  # the event to show first (clipped to the events there are)
    source: object  # an EventSource
    rows: list
    warnings: list


class SessionState:
    """The state of one session, and the signals that announce its changes.

    Read its attributes; change it through its methods. ``busy(text)`` says what is being
    done ("" when idle), ``error(title, message)`` what failed, ``warned(path, messages)``
    the new warnings about the open file; ``process_requested`` asks whoever processes
    events to process the current one (it has no result under the current settings).

    While a file is being indexed in the background (``indexing``), its events are added
    to the list as they are found (``add_rows``: ``rows_added``), and going to an event
    beyond them waits (``waiting_for``, said through ``busy``) until they reach it.
    """

    def __init__(self, config=None):
        self.source_changed = Signal(name="source_changed")
        self.rows_changed = Signal(name="rows_changed")  # all rows (a new file, or none)
        self.rows_added = Signal(int, name="rows_added")  # rows from this one on are new
        self.indexing_changed = Signal(bool, name="indexing_changed")
        self.row_changed = Signal(int, name="row_changed")  # one row's reco columns
        self.event_changed = Signal(name="event_changed")
        self.result_changed = Signal(name="result_changed")
        self.tel_selected = Signal(int, name="tel_selected")
        self.pixels_selected = Signal(name="pixels_selected")
        self.config_changed = Signal(name="config_changed")
        self.process_requested = Signal(name="process_requested")
        self.busy = Signal(str, name="busy")
        self.error = Signal(str, str, name="error")
        self.warned = Signal(str, list, name="warned")

        self.source = None
        self.path: str | None = None
        self.rows: list[dict] = []
        #: the warnings (text) about the open file: damage, truncation, unknown cameras
        self.warnings: list[str] = []
        self.event_index = -1
        self.array_event = None
        self.result = None
        self.results = RecentResults()  # event index -> EventResult (this config)
        #: the open file is being indexed: rows are still being added
        self.indexing = False
        #: the event asked for beyond the rows so far, shown once the index reaches it
        self.waiting_for: int | None = None
        #: the event id asked for (Go to) that the index has not found yet: shown once found
        self.waiting_for_id: int | None = None
        self.selected_tel: int | None = None
        #: the telescope shown was picked by the user (kept from event to event while the
        #: event has it); else each event shows its ``default_tel``
        self.tel_picked = False
        self.selected_pixels: list[int] = []
        self.config = config
        #: counts settings changes: a result made under older settings is dropped
        self.config_generation = 0
        #: counts open and close requests: an open that finishes after a later one is dropped
        self.open_generation = 0
        self.busy_text = ""
        self.last_error: tuple[str, str] | None = None
        #: +1 or -1: the direction of the last move (what to read ahead)
        self.direction = 1
        self.timing: dict[str, float] = {}

    # ---------------------------------------------------------------- status
    def set_busy(self, text: str) -> None:
        self.busy_text = text
        self.busy.emit(text)

    def report_error(self, title: str, message: str) -> None:
        self.last_error = (title, message)
        self.error.emit(title, message)

    def add_warnings(self, messages) -> None:
        """Warnings about the open file: kept (``warnings``) and announced (``warned``)."""
        new = [m for m in dict.fromkeys(messages) if m not in self.warnings]
        if new:
            self.warnings.extend(new)
            self.warned.emit(self.path or "", new)

    # ---------------------------------------------------------------- file
    def begin_open(self, path, announce: bool = True) -> int:
        """An open of ``path`` starts (one asked for before is abandoned): its generation,
        to hand to ``open_finished`` or ``open_failed``. ``announce``: say so (``busy``;
        an open that ends before the caller returns need not)."""
        self.open_generation += 1
        if announce:
            self.set_busy(f"Opening {describe_path(path)}")
        return self.open_generation

    def is_current_open(self, generation: int) -> bool:
        """Whether the open of ``generation`` is the one last asked for (not abandoned)."""
        return generation == self.open_generation

    def open_finished(self, opened: Opened) -> bool:
        """The file of ``opened`` becomes the open file, announced in one go; False (its
        source closed) when that open was abandoned meanwhile."""
        if not self.is_current_open(opened.generation):
            opened.source.close()
            return False
        self.set_busy("")
        # the file open until now goes without telling anyone: they hear of the new one
        # below, in one go
        self.release()
        self.source = opened.source
        self.path = opened.path
        self.rows = opened.rows
        self.source_changed.emit()
        self.rows_changed.emit()
        self.add_warnings(opened.warnings)
        return True

    def open_failed(self, generation: int, path, exc: BaseException) -> bool:
        """The open of ``generation`` failed: the file open before stays, whole, and the
        error is announced. False (nothing said) when that open was abandoned."""
        if not self.is_current_open(generation):
            return False
        self.set_busy("")
        if isinstance(exc, InputFileError):
            self.report_error("Cannot open file", f"{exc.path}\n\n{exc.cause}")
        else:
            self.report_error("Cannot open file",
                              f"{describe_path(path)}\n\n{type(exc).__name__}: {exc}")
        return True

    def first_event(self, requested: int | None) -> int | None:
        """The event to show first for ``requested`` (clipped), None without events."""
        if not self.rows:
            return None
        return min(max(requested or 0, 0), len(self.rows) - 1)

    def release(self) -> None:
        """Close the open file: the state of no file (no signal: the caller announces what
        comes next)."""
        if self.source is not None:
            self.source.close()
        self.source = None
        self.path = None
        self.rows = []
        self.results = RecentResults()
        self.indexing = False
        self.waiting_for = None
        self.waiting_for_id = None
        self.warnings = []
        self.array_event = self.result = None
        self.event_index = -1
        self.selected_tel = None
        self.tel_picked = False
        self.selected_pixels = []

    def close(self) -> None:
        """Close the file (an open in progress is abandoned): an empty session."""
        self.open_generation += 1
        had_rows = bool(self.rows)
        self.release()
        if had_rows:
            self.rows_changed.emit()

    # ---------------------------------------------------------------- indexing
    def begin_indexing(self) -> None:
        """The open file goes on being indexed: its rows come with ``add_rows``."""
        self.indexing = True
        self.indexing_changed.emit(True)

    def add_rows(self, source, start: int, rows: list[dict]) -> bool:
        """Rows of events ``start`` on, found by the index of ``source`` (ignored when that
        is no longer the open file; rows known already are skipped). True when the event
        waited for is now in the list (go to it)."""
        if source is not self.source or not self.indexing:
            return False
        rows = rows[max(len(self.rows) - start, 0):]
        new_from = len(self.rows)
        if rows:
            first = len(self.rows)
            self.rows.extend(rows)
            self.rows_added.emit(first)
        if self.waiting_for_id is not None:
            found = first_with_id(self.rows, self.waiting_for_id, new_from)
            if found is None:
                self.wait_for_id(self.waiting_for_id)  # says how far the index has come
                return False
            self.waiting_for_id = None
            self.waiting_for = found
            return True
        if self.waiting_for is None:
            return False
        if self.waiting_for < len(self.rows):
            return True
        self.wait_for(self.waiting_for)  # says how far the index has come
        return False

    def indexing_finished(self, source, warnings=(), error: BaseException | None = None):
        """The index of ``source`` is complete, or stopped by ``error`` (said; the events
        listed stay). Ignored when ``source`` is no longer the open file."""
        if source is not self.source or not self.indexing:
            return
        self.indexing = False
        missing_id = self.waiting_for_id
        if self.waiting_for is not None or missing_id is not None:
            self.waiting_for_id = None
            self.set_busy("")
        self.indexing_changed.emit(False)
        self.add_warnings(warnings)
        if missing_id is not None:
            self.report_error("Event not found",
                              f"Event id {missing_id} is not in {describe_path(self.path)} "
                              f"(all {len(self.rows)} events indexed); the event shown stays")
        if error is not None:
            cause = error.cause if isinstance(error, InputFileError) else (
                f"{type(error).__name__}: {error}")
            self.report_error("Indexing stopped", f"{describe_path(self.path)}\n\n{cause}")

    def wait_for(self, index: int) -> None:
        """Go to event ``index`` once the index reaches it (said through ``busy``)."""
        self.waiting_for_id = None
        self.waiting_for = index
        self.set_busy(f"Waiting for event {index} to be indexed ({len(self.rows)} events "
                      "indexed so far)…")

    def wait_for_id(self, event_id: int) -> None:
        """Go to the first event with ``event_id`` once the index finds it (said through
        ``busy``); said as an error if the index ends without it."""
        self.waiting_for = None
        self.waiting_for_id = int(event_id)
        self.set_busy(f"Waiting for event id {event_id} to be indexed ({len(self.rows)} "
                      "events indexed so far)…")

    def stop_waiting(self) -> None:
        if self.waiting_for is not None or self.waiting_for_id is not None:
            self.waiting_for = None
            self.waiting_for_id = None
            self.set_busy("")

    # ---------------------------------------------------------------- events
    @property
    def n_events(self) -> int:
        return len(self.rows)

    def go_to(self, index: int) -> bool:
        """Make event ``index`` (clipped) the current one; False when there is none or it
        cannot be read (the error is announced and the current event stays)."""
        if self.source is None:
            return False
        if self.indexing and index >= len(self.rows):
            self.wait_for(index)
            return False
        self.stop_waiting()
        if not self.rows:
            return False
        index = int(np.clip(index, 0, len(self.rows) - 1))
        if index != self.event_index and self.event_index >= 0:
            self.direction = 1 if index > self.event_index else -1
        t0 = time.perf_counter()
        try:
            with collect_warnings(echo=True) as caught:
                event = self.source[index]
        except Exception as exc:
            self.report_error("Cannot read event", f"event {index}: {exc}")
            return False
        finally:
            self.add_warnings(caught.messages)
        self.timing = {"read_ms": 1e3 * (time.perf_counter() - t0)}
        self.event_index = index
        self.array_event = event
        self.result = self.results.get(index)
        tels = list(event.tel)
        if self.selected_tel not in tels or not self.tel_picked:
            self.tel_picked = False  # the user's telescope is not in this event
            tel = default_tel(event, self.result) if tels else None
            if tel != self.selected_tel:
                self.selected_tel = tel
                self.selected_pixels = []
        self.event_changed.emit()
        if self._add_truth(index, event):
            self.row_changed.emit(index)
        if self.result is None:
            self.process_requested.emit()
        return True

    # ---------------------------------------------------------------- processing
    @property
    def can_process(self) -> bool:
        return self.config is not None and self.source is not None

    def set_config(self, config) -> None:
        """New processing settings: results are dropped and the current event (if any) is
        to be processed again."""
        self.config = config
        self.config_generation += 1
        self.results = RecentResults()
        self.config_changed.emit()
        if self.array_event is not None:
            self.process_requested.emit()

    def add_result(self, index: int, result, config_generation: int, source,
                   latest: bool = True) -> bool:
        """Keep the result of event ``index`` made with the settings of
        ``config_generation`` for ``source`` (dropped when either changed since) and show
        it if it is the current event's and ``latest`` (the newest request), or none is
        shown yet (one processed ahead). True when it became the shown result."""
        if config_generation != self.config_generation or source is not self.source:
            return False
        self.results[index] = result
        self._update_row(index, result)
        if index != self.event_index or (not latest and self.result is not None):
            return False
        self.result = result
        ev = self.array_event
        if not self.tel_picked and ev is not None and ev.tel:
            tel = default_tel(ev, result)  # the cleaned image's intensity is known now
            if tel != self.selected_tel:
                self.selected_tel = tel
                self.selected_pixels = []
                self.tel_selected.emit(tel)
                self.pixels_selected.emit()
        self.result_changed.emit()
        return True

    def _update_row(self, index: int, result) -> None:
        if not 0 <= index < len(self.rows):
            return
        g = result.geometry
        intensity = [tr.parameters.get("hillas_intensity", math.nan)
                     for tr in result.tel.values()]
        intensity = [v for v in intensity if v == v]
        self.rows[index].update({
            "n_tel_reco": len(g.tel_ids),
            "reco_alt": g.alt,
            "reco_az": g.az,
            "reco_energy": result.energy,
            "reco_invalid": "" if g.is_valid else (g.invalid_reason or "invalid"),
            # the whole-file table's columns, for this event (``app.models.table_columns``)
            "reco_core_x": g.core_x if g.is_valid else math.nan,
            "reco_core_y": g.core_y if g.is_valid else math.nan,
            "h_max": g.h_max if g.is_valid else math.nan,
            "gammaness": getattr(result, "gammaness", math.nan),
            "intensity": sum(intensity) if intensity else math.nan,
        })
        if index == self.event_index:
            self._add_truth(index, self.array_event)
        muons = getattr(result, "muon", None)
        if muons:  # telescopes with a fitted muon ring (unknown without the muon analysis)
            self.rows[index]["muon"] = sum(1 for m in muons.values() if m.passes_ring_query)
        self.row_changed.emit(index)

    def _add_truth(self, index: int, event) -> bool:
        """The simulation truth of event ``index`` (shown: ``event``) in its row, as the
        whole-file table has it; True when the row gained it."""
        sim = getattr(event, "simulation", None)
        if sim is None or not 0 <= index < len(self.rows) or "true_alt" in self.rows[index]:
            return False
        self.rows[index].update({
            "primary_id": sim.primary_id, "true_alt": sim.alt, "true_az": sim.az,
            "true_core_x": sim.core_x, "true_core_y": sim.core_y,
            "true_impact": math.hypot(sim.core_x, sim.core_y), "true_x_max": sim.x_max,
        })
        return True

    def set_muon_counts(self, source, counts: dict) -> None:
        """The muon column of every event of ``source`` (event index -> telescopes with a
        ring), from a muon analysis of the whole file; ignored for another source."""
        if source is not self.source:
            return
        for index, n in counts.items():
            if 0 <= index < len(self.rows):
                self.rows[index]["muon"] = int(n)
        self.rows_changed.emit()

    # ---------------------------------------------------------------- selection
    def select_tel(self, tel_id: int) -> None:
        ev = self.array_event
        if ev is None or tel_id in ev.tel:
            self.tel_picked = True
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


__all__ = ["Opened", "RecentResults", "SessionState", "brightest_tel", "default_tel",
           "describe_path", "event_type_columns",
           "index_rows", "initial_rows", "open_file"]
