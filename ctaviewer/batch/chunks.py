"""Event ranges of one file, processed in a worker: the worker side of a split file.

A large file processed with several workers is split into event ranges (``ChunkSpec``): the
process that writes the output opens the file, saves what a worker needs besides the events
(``SplitState``: the run headers and the job) to a file, and indexes the file; each range
it hands out carries the index rows of its events (offsets in the decompressed copy, ids;
their monitoring data in a file of its own, ``MonitoringFiles``), so workers start on the
first events while the rest of the file is still being indexed.
A worker loads the state once (``ChunkCache``), places each range's rows at their positions
in the file, reads the events by random access, runs the chain, and sends back the events
and results reduced to what the writer uses (``for_writer``). The writer then writes one
output in event order, the same as one process would.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import Cancelled
from ..warning_capture import collect_warnings
from .job import JobResult, JobSpec, load_model, name_input, result_from_exception
from .page_release import file_resident_kb, release_if_grown


@dataclass(frozen=True)
class SplitState:
    """What a worker needs, besides the index rows, to process events of ``spec.input``."""

    spec: JobSpec
    headers: object  # io.simtel.SimTelHeaders

    def save(self, path: str) -> str:
        with open(path, "wb") as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)
        return path


@dataclass(frozen=True)
class ChunkSpec:
    """Events ``start`` to ``start + len(rows)`` (positions in the file) of ``input``:
    ``rows`` is their part of the file's index (a ``SimTelIndex``, no temporary copy of its
    own); the split state is saved at ``state``."""

    input: str
    state: str
    start: int
    rows: object
    #: where the rows' monitoring dictionaries were saved (``MonitoringFiles``; None: the
    #: rows hold theirs)
    monitoring: str | None = None

    @property
    def stop(self) -> int:
        return self.start + len(self.rows)


class MonitoringFiles:
    """The camera-monitoring and laser-calibration dictionaries of the index rows handed
    out, saved in ``folder`` once per state of them. They hold per-pixel arrays of every
    telescope (~1.5 MB for 70 telescopes) and change rarely (usually never after the run
    headers): sent with each range, they were pickled, piped and unpickled ~40 times per
    1240-event file."""

    def __init__(self, folder: str):
        self.folder = folder
        self._saved: dict[int, str] = {}  # the rows' monitoring_count -> file

    def apart(self, rows):
        """(``rows`` without their monitoring dictionaries, the file that holds them), or
        (``rows``, None) when they hold none."""
        camera, laser = rows.camera_monitoring, rows.laser_calibration
        if not camera and not laser:
            return rows, None
        path = self._saved.get(rows.monitoring_count)
        if path is None:
            path = os.path.join(self.folder, f"monitoring-{rows.monitoring_count}.pickle")
            with open(path, "wb") as f:
                pickle.dump((camera, laser), f, protocol=pickle.HIGHEST_PROTOCOL)
            self._saved[rows.monitoring_count] = path
        return replace(rows, camera_monitoring={}, laser_calibration={}), path


@dataclass
class ChunkResult(JobResult):
    """A chunk's events and results, as ``(event, result)`` pairs reduced by ``for_writer``."""

    items: list = field(default_factory=list)


class ChunkCache:
    """What a worker process keeps of the split file it works on: the state (loaded once),
    the pipeline and estimators, and a source whose index holds the rows of every range
    the worker was given, at their positions in the file (the others are placeholders it
    never reads). A new state replaces the old one and closes its source."""

    def __init__(self):
        self.path: str | None = None
        self.state: SplitState | None = None
        self.source = None
        self.known = None  # the index the source reads
        self.pipeline = None
        self.model = None
        self._monitoring_path: str | None = None  # the monitoring file loaded last
        self._monitoring = None
        #: the resident file pages when this state was loaded, until its first event has
        #: been processed (``page_release.release_if_grown`` after it); None after
        self.pages_at_load: int | None = None

    def load(self, path: str) -> ChunkCache:
        if path == self.path:
            return self
        self.close()
        from ..pipeline import Pipeline

        with open(path, "rb") as f:
            state: SplitState = pickle.load(f)
        from ..io.selection import select_subarray

        subarray, _ = select_subarray(state.headers.subarray, state.spec.allowed_tels,
                                      state.spec.input)
        self.pipeline = Pipeline(subarray, state.spec.processing_config())
        self.model = load_model(state.spec)
        self.path, self.state = path, state
        self.pages_at_load = file_resident_kb()
        return self

    def place(self, chunk: ChunkSpec):
        """The source, reading the chunk's events at their positions in the file."""
        from ..io.simtel import SimTelSource

        rows = chunk.rows
        if chunk.monitoring is not None:
            if chunk.monitoring != self._monitoring_path:
                with open(chunk.monitoring, "rb") as f:
                    self._monitoring = pickle.load(f)
                self._monitoring_path = chunk.monitoring
            camera, laser = self._monitoring
            rows = replace(rows, camera_monitoring=camera, laser_calibration=laser)
        self.known = placed(self.known, rows, chunk.start)
        if self.source is None:
            self.source = SimTelSource.from_headers(chunk.input, self.state.headers,
                                                    self.known,
                                                    allowed_tels=self.state.spec.allowed_tels)
        else:
            self.source.attach_index(self.known)
        return self.source

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
        self.path = self.state = self.source = self.known = self.pipeline = self.model = None
        self._monitoring_path = self._monitoring = None


def placed(known, rows, start: int):
    """``known`` (an index, or None) with ``rows`` at positions ``start...``; positions
    neither holds are placeholders (offset -1, no telescopes)."""
    stop = start + len(rows)
    n = max(stop, len(known) if known is not None else 0)

    def column(name, fill, dtype):
        out = np.full(n, fill, dtype=dtype)
        if known is not None:
            old = getattr(known, name)
            out[:len(old)] = old
        out[start:stop] = getattr(rows, name)
        return out

    tels = list(known.tels_with_data) if known is not None else []
    tels += [np.zeros(0, dtype=np.int16)] * (n - len(tels))
    tels[start:stop] = list(rows.tels_with_data)
    return replace(
        rows,
        event_offset=column("event_offset", -1, np.int64),
        shower_offset=column("shower_offset", -1, np.int64),
        kind=column("kind", 0, np.int8),
        event_id=column("event_id", 0, np.int64),
        true_energy=column("true_energy", np.nan, np.float64),
        primary_id=column("primary_id", -1, np.int32),
        tels_with_data=tels,
        temporary_dir=None,
    )


def for_writer(event, result, spec: JobSpec):
    """``event`` and ``result`` without what the output does not hold (waveforms, sums,
    calibration constants; images and true images unless they are written: the writer
    takes the true photo-electron sums from the simulation record), so sending them is
    cheap."""
    drop_tel = ("waveform", "sums", "pedestal_per_sample", "dc_to_pe", "peak_time_ns",
                "time_shift_ns", "pixel_status", "pedestal_noise", "flat_field")
    if not (spec.write_true_images or (spec.dl1 and spec.write_images)):
        drop_tel += ("true_image",)  # (~2/3 of what was sent per event)
    tel = {tel_id: _without(data, drop_tel) for tel_id, data in event.tel.items()}
    drop = ("waveform", "window_start", "selected_gain")
    if not spec.write_images:
        drop += ("image", "peak_time", "mask")
    tel_results = {tel_id: _without(tr, drop) for tel_id, tr in result.tel.items()}
    return _without(event, (), tel=tel), _without(result, (), tel=tel_results)


def _without(record, fields, **values):
    """A shallow copy of a (frozen) dataclass record with ``fields`` set to None and
    ``values`` set: ``dataclasses.replace`` without its ~40 µs of validation per call, for
    records that stay as they were made."""
    copy = object.__new__(type(record))
    state = dict(record.__dict__)
    state.update(dict.fromkeys(fields), **values)
    copy.__dict__.update(state)
    return copy


def run_chunk(chunk: ChunkSpec, cache: ChunkCache,
              emit: Callable[[int, int | None], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> ChunkResult:
    """Process the chunk's events (raises like ``run_job``)."""
    t0 = time.perf_counter()
    cache.load(chunk.state)
    source = cache.place(chunk)
    pipeline, model, spec = cache.pipeline, cache.model, cache.state.spec
    items = []
    for i in range(chunk.start, chunk.stop):
        if should_stop is not None and should_stop():
            raise Cancelled(chunk.input)
        event = source[i]
        result = pipeline.process(event)
        if cache.pages_at_load is not None:  # the kernels are loaded: LLVM's pages go
            release_if_grown(cache.pages_at_load)
            cache.pages_at_load = None
        if model is not None:
            result = model.apply(result, source.subarray)
        items.append(for_writer(event, result, spec))
        if emit is not None:
            emit(len(items), chunk.stop - chunk.start)
    return ChunkResult(chunk.input, None, len(items), time.perf_counter() - t0, items=items)


def execute_chunk(chunk: ChunkSpec, cache: ChunkCache,
                  emit: Callable[[int, int | None], None] | None = None,
                  should_stop: Callable[[], bool] | None = None) -> JobResult:
    """``run_chunk`` returning failures and cancels as a ``JobResult`` (as ``execute_job``),
    with the warnings the chunk raised about its input."""
    with collect_warnings() as caught:
        try:
            result = run_chunk(chunk, cache, emit, should_stop)
        except Exception as exc:
            result = result_from_exception(chunk, exc)
    result.warnings = name_input(chunk.input, caught.messages)
    return result


def chunk_size(n_handed_out: int, n_workers: int, *, first: int = 8, then: int = 32) -> int:
    """Events in the next range: small ones while every worker gets its first (the workers
    start as soon as the start of the file is indexed), larger ones after."""
    return first if n_handed_out < n_workers else then


def state_file(folder: str) -> str:
    return os.path.join(folder, "split-state.pickle")
