"""Event ranges of one file, processed in a worker: the worker side of a split file.

A large file processed with several workers is split into event ranges (``ChunkSpec``): the
process that writes the output indexes the file once and saves what a worker needs to read
it without parsing anything again (``SplitState``: the run headers, the offset index, the
job) to a file; each worker loads that state once (``ChunkCache``), reads its events by
random access, runs the chain, and sends back the events and results reduced to what the
writer uses (``for_writer``), in event order. The writer then writes one output, the same as
one process would.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..errors import Cancelled
from ..warning_capture import collect_warnings
from .job import JobResult, JobSpec, name_input, result_from_exception


@dataclass(frozen=True)
class SplitState:
    """What a worker needs to read and process events of ``spec.input`` by random access."""

    spec: JobSpec
    headers: object  # io.simtel.SimTelHeaders
    index: object  # io.simtel_index.SimTelIndex, without ownership of the temporary copy

    def save(self, path: str) -> str:
        with open(path, "wb") as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)
        return path


@dataclass(frozen=True)
class ChunkSpec:
    """Events ``start`` to ``stop`` (source positions) of ``input``, whose split state is
    saved at ``state``."""

    input: str
    state: str
    start: int
    stop: int


@dataclass
class ChunkResult(JobResult):
    """A chunk's events and results, as ``(event, result)`` pairs reduced by ``for_writer``."""

    items: list = field(default_factory=list)


class ChunkCache:
    """The split state a worker process has loaded: the source reopened from the saved
    headers and index, the pipeline and the estimators; a new state replaces the old one
    (and closes its source)."""

    def __init__(self):
        self.path: str | None = None
        self.state: SplitState | None = None
        self.source = None
        self.pipeline = None
        self.model = None

    def load(self, path: str):
        if path == self.path:
            return self
        self.close()
        from ..config import ProcessingConfig
        from ..io.simtel import SimTelSource
        from ..pipeline import Pipeline

        with open(path, "rb") as f:
            state: SplitState = pickle.load(f)
        spec = state.spec
        source = SimTelSource.from_headers(spec.input, state.headers, state.index,
                                           max_events=spec.max_events)
        source.release_header_stream()
        config = spec.config if spec.config is not None else ProcessingConfig.default()
        self.pipeline = Pipeline(source.subarray, config)
        if spec.dl2 and spec.estimators:
            from ..estimators.model import LookupModel

            self.model = LookupModel.load(spec.estimators)
        self.path, self.state, self.source = path, state, source
        return self

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
        self.path = self.state = self.source = self.pipeline = self.model = None


def for_writer(event, result, spec: JobSpec):
    """``event`` and ``result`` without what the output does not hold (waveforms, sums,
    calibration constants; images unless they are written), so sending them is cheap."""
    tel = {}
    for tel_id, data in event.tel.items():
        tel[tel_id] = replace(data, waveform=None, sums=None, pedestal_per_sample=None,
                              dc_to_pe=None, peak_time_ns=None, time_shift_ns=None,
                              pixel_status=None)
    event = replace(event, tel=tel)
    tel_results = {}
    for tel_id, tr in result.tel.items():
        keep = {"waveform": None, "window_start": None, "selected_gain": None}
        if not spec.write_images:
            keep.update(image=None, peak_time=None, mask=None)
        tel_results[tel_id] = replace(tr, **keep)
    return event, replace(result, tel=tel_results)


def run_chunk(chunk: ChunkSpec, cache: ChunkCache,
              emit: Callable[[int, int | None], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> ChunkResult:
    """Process the chunk's events (raises like ``run_job``)."""
    t0 = time.perf_counter()
    cache.load(chunk.state)
    source, pipeline, model = cache.source, cache.pipeline, cache.model
    spec = cache.state.spec
    items = []
    for i in range(chunk.start, chunk.stop):
        if should_stop is not None and should_stop():
            raise Cancelled(chunk.input)
        event = source[i]
        result = pipeline.process(event)
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


def chunk_ranges(n_events: int, n_workers: int, *, per_worker: int = 8, smallest: int = 4,
                 largest: int = 64) -> list[tuple[int, int]]:
    """Event ranges covering ``0..n_events``: about ``per_worker`` per worker (so a slow
    worker is caught up by the others), each of ``smallest`` to ``largest`` events."""
    if n_events <= 0:
        return []
    size = -(-n_events // max(1, n_workers * per_worker))
    size = max(smallest, min(largest, size))
    return [(a, min(a + size, n_events)) for a in range(0, n_events, size)]


def state_file(folder: str) -> str:
    return os.path.join(folder, "split-state.pickle")
