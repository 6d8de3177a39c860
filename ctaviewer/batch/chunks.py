"""Event ranges of one file, processed in a worker: the worker side of a split file.

A large file processed with several workers is split into event ranges (``ChunkSpec``): the
process that writes the output opens the file, saves what a worker needs besides the events
(``SplitState``: the run headers and the job) to a file, and indexes the file; each range
it hands out carries the index rows of its events (offsets in the decompressed copy, ids),
so workers start on the first events while the rest of the file is still being indexed.
A worker loads the state once (``ChunkCache``), places each range's rows at their positions
in the file, reads the events by random access, runs the chain, and writes them into a
partial file of its own (one per worker and split file, an ``EventFileWriter`` file in the
state's folder) kept open across its ranges; each range's result says which rows of the
partial file it appended (``writers.concat.Part``). When every range is done the process
that writes the output asks the workers to close their partial files (``ChunkCache.finish``)
and concatenates them in event order (``writers.concat``): one output, the same as one
process would write.
"""

from __future__ import annotations

import math
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import Cancelled
from ..warning_capture import collect_warnings
from .job import JobResult, JobSpec, load_model, name_input, open_writer, result_from_exception


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

    @property
    def stop(self) -> int:
        return self.start + len(self.rows)


@dataclass
class ChunkResult(JobResult):
    """A processed chunk: the rows it appended to its worker's partial file
    (``writers.concat.Part``); ``extra`` counts its events without an estimate."""

    part: object = None


@dataclass(frozen=True)
class PartialFile:
    """A worker's closed partial file: its path and the layout of each of its tables."""

    path: str
    layouts: dict = field(default_factory=dict)


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
        self.writer = None  # the partial file (an EventFileWriter), open across ranges
        self.counts: dict[str, int] = {}  # its tables' rows at the end of the last range

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
        return self

    def place(self, chunk: ChunkSpec):
        """The source, reading the chunk's events at their positions in the file."""
        from ..io.simtel import SimTelSource

        self.known = placed(self.known, chunk.rows, chunk.start)
        if self.source is None:
            self.source = SimTelSource.from_headers(chunk.input, self.state.headers,
                                                    self.known,
                                                    allowed_tels=self.state.spec.allowed_tels)
        else:
            self.source.attach_index(self.known)
        return self.source

    def partial_writer(self, source):
        """The partial file this worker writes the state's ranges into (opened at the
        first range, in the state's folder, named for this process and thread)."""
        if self.writer is None:
            spec = self.state.spec
            name = f"part-{os.getpid()}-{threading.get_ident()}.h5"
            self.writer = open_writer(spec, source, spec.processing_config(), self.model,
                                      path=os.path.join(os.path.dirname(self.path), name))
            self.counts = {}
        return self.writer

    def drop_writer(self) -> None:
        """Remove the partial file (a range failed or was cancelled in the middle)."""
        if self.writer is not None:
            self.writer.abort()
        self.writer, self.counts = None, {}

    def finish(self, state_path: str) -> PartialFile | None:
        """Close the partial file of the split file saved at ``state_path`` (None when
        this worker wrote none) and forget the state."""
        if state_path != self.path or self.writer is None:
            return None
        writer = self.writer
        layouts = {path: t.layout for path, t in writer.tables().items()}
        self.writer = None
        try:
            writer.close()
        finally:
            self.close()
        return PartialFile(writer.path, layouts)

    def close(self) -> None:
        self.drop_writer()
        if self.source is not None:
            self.source.close()
        self.path = self.state = self.source = self.known = self.pipeline = self.model = None


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


def run_chunk(chunk: ChunkSpec, cache: ChunkCache,
              emit: Callable[[int, int | None], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> ChunkResult:
    """Process the chunk's events into the worker's partial file (raises like
    ``run_job``; a failed or cancelled chunk removes the partial file)."""
    from ..writers.concat import Part, row_counts, spans

    t0 = time.perf_counter()
    cache.load(chunk.state)
    source = cache.place(chunk)
    pipeline, model = cache.pipeline, cache.model
    writer = cache.partial_writer(source)
    no_energy = no_gammaness = n = 0
    try:
        for i in range(chunk.start, chunk.stop):
            if should_stop is not None and should_stop():
                raise Cancelled(chunk.input)
            event = source[i]
            result = pipeline.process(event)
            if model is not None:
                result = model.apply(result, source.subarray)
                no_energy += not math.isfinite(result.energy)
                no_gammaness += not math.isfinite(result.gammaness)
            writer.write(event, result)
            n += 1
            if emit is not None:
                emit(n, chunk.stop - chunk.start)
        counts = row_counts(writer)
    except BaseException:
        cache.drop_writer()
        raise
    part = Part(writer.path, spans(cache.counts, counts), n)
    cache.counts = counts
    extra = {"no_energy": no_energy, "no_gammaness": no_gammaness} if model is not None else {}
    return ChunkResult(chunk.input, None, n, time.perf_counter() - t0, extra=extra, part=part)


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
