"""One file across several workers: the writing side of a split file.

When there are fewer files than workers, each file is split into event ranges
(``chunks.chunk_ranges``) that the workers process at the same time, while this process
indexes the file, hands out the ranges and writes what comes back in event order: one
output with the same tables and values as one worker would write (``execute_split``).

The workers come from a pool: ``LocalPool`` (the batch worker processes of ``batch.worker``)
or ``dask_pool.DaskPool`` (tasks on a Dask cluster); both offer

    size                        how many chunks can run at once
    free()                      how many more chunks can be submitted now
    submit(key, chunk)          run ``chunk`` (a ``ChunkSpec``)
    poll(timeout)               the (key, result) pairs of chunks that ended; raises
                                ``WorkerLost`` when a worker died running one
    stop()                      ask running chunks to stop
    shared_folder(spec)         where the split state (and a decompressed copy) must live
                                for the workers to read it (None: a local temporary folder)
"""

from __future__ import annotations

import contextlib
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace

from ..config import ProcessingConfig
from ..errors import Cancelled, CtaviewerError
from ..warning_capture import collect_warnings
from .chunks import ChunkSpec, SplitState, chunk_ranges, state_file
from .job import (
    JobResult,
    JobSpec,
    job_result,
    name_input,
    open_writer,
    result_from_exception,
)
from .worker import WorkerHandle


class WorkerLost(CtaviewerError):
    """A worker died while it processed a chunk (``cause``: how it ended)."""


class _ChunkFailed(Exception):
    def __init__(self, result: JobResult):
        super().__init__(result.error)
        self.result = result


def execute_split(spec: JobSpec, pool, emit: Callable | None = None,
                  should_stop: Callable[[], bool] | None = None) -> JobResult | None:
    """Process ``spec`` split across ``pool``; failures and cancels come back as a
    ``JobResult`` (as ``execute_job``). None when the input cannot be split (not an indexed
    sim_telarray file): the caller processes it whole."""
    with collect_warnings() as caught:
        try:
            result = _run_split(spec, pool, emit, should_stop or (lambda: False))
        except _ChunkFailed as exc:
            result = exc.result
        except Exception as exc:
            result = result_from_exception(spec, exc)
    if result is None:
        return None
    lines = name_input(spec.input, caught.messages)
    result.warnings = lines + [w for w in result.warnings if w not in lines]
    return result


def _run_split(spec: JobSpec, pool, emit, should_stop) -> JobResult | None:
    from ..io import open_source
    from ..io.simtel import SimTelSource

    t0 = time.perf_counter()
    config = spec.config if spec.config is not None else ProcessingConfig.default()
    folder = pool.shared_folder(spec)
    with open_source(spec.input, max_events=spec.max_events) as source:
        if not isinstance(source, SimTelSource):
            return None
        source.release_header_stream()
        if folder is None:
            index = source.build_index(should_stop=should_stop)
        else:  # the decompressed copy where the workers can read it
            index = _index_in(source, folder, should_stop)
        n_events = source.n_events_known or 0
        own = index.temporary_dir is None
        work = tempfile.mkdtemp(prefix="ctaviewer-split-", dir=folder) if own \
            else index.temporary_dir
        try:
            state = SplitState(replace(spec, config=config), source.headers,
                               replace(index, temporary_dir=None))
            path = state.save(state_file(work))
            model = _Flags(spec)
            writer = open_writer(spec, source, config, model if model else None)
            warnings: list[str] = []
            with writer:
                for items, lines in _results_in_order(spec, pool, path, n_events,
                                                      should_stop):
                    for event, result in items:
                        writer.write(event, result)
                        model.count(result)
                    warnings += [w for w in lines if w not in warnings]
                    if emit is not None:
                        emit(writer.n_events, n_events)
                writer.write_shower_distribution(_shower_distribution(source, index, n_events))
        finally:
            if own:
                shutil.rmtree(work, ignore_errors=True)
    result = job_result(spec, writer, model if model else None, source, t0)
    result.warnings = warnings
    return result


def _results_in_order(spec, pool, state_path, n_events, should_stop):
    """Yield (items, warning lines) of every chunk in event order, keeping ``pool`` busy."""
    ranges = chunk_ranges(n_events, pool.size)
    next_submit = next_yield = 0
    done: dict[int, JobResult] = {}
    try:
        while next_yield < len(ranges):
            if should_stop():
                raise Cancelled(spec.input)
            while next_submit < len(ranges) and pool.free() > 0:
                a, b = ranges[next_submit]
                pool.submit(next_submit, ChunkSpec(spec.input, state_path, a, b))
                next_submit += 1
            for key, r in pool.poll(0.05):
                if r.cancelled:
                    raise Cancelled(spec.input)
                if not r.ok:
                    raise _ChunkFailed(JobResult(spec.input, None, error=r.error,
                                                 warnings=r.warnings))
                done[key] = r
            while next_yield in done:
                r = done.pop(next_yield)
                next_yield += 1
                yield r.items, r.warnings
    except BaseException:
        pool.stop()
        raise


class _Flags:
    """What the writer and the job's result need to know of the estimators the workers
    apply: whether there are any, and how many events got no estimate."""

    def __init__(self, spec: JobSpec):
        self.active = bool(spec.dl2 and spec.estimators)
        self.n_no_energy = 0
        self.n_no_gammaness = 0

    def __bool__(self) -> bool:
        return self.active

    def count(self, result) -> None:
        if self.active:
            self.n_no_energy += not math.isfinite(result.energy)
            self.n_no_gammaness += not math.isfinite(result.gammaness)


def _shower_distribution(source, index, n_events: int):
    """The simulated-shower histogram, as iteration gives it: only when the events were
    read to the end of the run."""
    from ..io.simtel_convert import shower_distribution
    from ..io.simtel_histograms import run_histograms

    if n_events < len(index):  # max_events stopped before the end
        return None
    return shower_distribution(run_histograms(index), source.obs_id)


def _index_in(source, parent: str, should_stop):
    """Index ``source`` with its decompressed copy (if it needs one) in a new folder of
    ``parent``; the folder goes with the source (or at once, when no copy was made)."""
    tmp = tempfile.mkdtemp(prefix=".ctaviewer-raw-", dir=parent)
    index = None
    try:
        index = source.scan_index(should_stop=should_stop, tmpdir=tmp)
        source.attach_index(index)
    finally:
        if index is None or index.temporary_dir is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return index


class LocalPool:
    """Batch worker processes (``batch.worker``) that take chunks; started at once, and
    asked to load the chain's kernels while this process indexes the file."""

    def __init__(self, n_workers: int, ctx):
        self.ctx = ctx
        self.size = max(1, int(n_workers))
        self.workers: list[WorkerHandle] = []
        self.running: dict[WorkerHandle, int] = {}
        self._ended: list[tuple[int, JobResult]] = []  # read, not yet returned by poll()
        self._refill()

    def _refill(self) -> None:
        self.workers = [w for w in self.workers if not w.dead]
        while len(self.workers) < self.size:
            w = WorkerHandle(self.ctx)
            w.send("warm")
            self.workers.append(w)

    def shared_folder(self, spec) -> None:
        return None

    def _idle(self) -> list[WorkerHandle]:
        return [w for w in self.workers if w.ready and not w.dead and w not in self.running]

    def free(self) -> int:
        self._read()
        return len(self._idle())

    def submit(self, key: int, chunk: ChunkSpec) -> None:
        idle = self._idle()
        if not idle:
            raise RuntimeError("no idle worker")  # free() said there was one
        w = idle[0]
        self.running[w] = key
        if not w.send("job", key, chunk):
            w.dead = True
            self._lost(w)

    def poll(self, timeout: float) -> list[tuple[int, JobResult]]:
        from .. import procmsg

        handles = [h for w in self.workers if not w.dead
                   for h in (w.channel, w.process.sentinel)]
        if handles and not self._ended:
            procmsg.wait(handles, timeout=timeout)
        self._read()
        out, self._ended = self._ended, []
        return out

    def _read(self) -> None:
        """Take the messages the workers sent (ended chunks go to ``_ended``)."""
        from ..errors import MessageError

        for w in list(self.workers):
            while not w.dead:
                try:
                    msg = w.channel.receive(timeout=0)
                except (EOFError, OSError, MessageError):
                    w.dead = True
                    break
                if msg is None:
                    break
                if msg.tag == "ready":
                    w.ready = True
                elif msg.tag == "done":
                    key, r = msg.args
                    self.running.pop(w, None)
                    self._ended.append((key, r))
            if not w.dead and w.process.exitcode is not None and w.channel.empty():
                w.dead = True
            if w.dead:
                self._lost(w)

    def _lost(self, w: WorkerHandle) -> None:
        key = self.running.pop(w, None)
        cause = w.exit_cause()
        self.workers.remove(w)
        self._refill()
        if key is not None:
            raise WorkerLost(f"a worker process died while processing events of the file "
                             f"({cause}); no output written")

    def stop(self) -> None:
        for w in self.running:
            w.send("stop")
        deadline = time.monotonic() + 3.0
        while self.running and time.monotonic() < deadline:
            with contextlib.suppress(WorkerLost):
                self.poll(0.1)

    def close(self, clean: bool = True) -> None:
        for w in self.workers:
            if not w.dead and w.process.is_alive():
                w.send("quit")
        deadline = time.monotonic() + (0.5 if clean else 3.0)
        for w in self.workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.terminate()
                w.process.join(3.0)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            with contextlib.suppress(OSError):
                w.channel.close()
        self.workers = []

