"""One file across several workers: the writing side of a split file.

When there are fewer files than workers, each file is split into event ranges that the
workers process at the same time (``execute_split``). This process opens the file, indexes
it in a thread of its own, hands out each range as soon as the index covers it (so the
workers start on the first events while the rest is still being decompressed and indexed),
and writes what comes back in event order: one output with the same tables and values as
one worker would write.

The workers come from a pool: ``LocalPool`` (the batch worker processes of ``batch.worker``)
or ``dask_pool.DaskPool`` (tasks on a Dask cluster); both offer

    size                        how many chunks can run at once
    start()                     make ready to take chunks (start the workers)
    free()                      how many more chunks can be submitted now
    running_count()             how many chunks run now
    submit(key, chunk)          run ``chunk`` (a ``ChunkSpec``)
    poll(timeout)               the (key, result) pairs of chunks that ended; raises
                                ``WorkerDiedError`` when a worker died running one
    stop()                      ask running chunks to stop
    shared_folder(spec)         where the split state (and a decompressed copy) must live
                                for the workers to read it (None: a local temporary folder)
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ..errors import Cancelled, PartFailedError, WorkerDiedError
from ..warning_capture import collect_warnings
from .chunks import ChunkSpec, MonitoringFiles, SplitState, chunk_size, state_file
from .job import (
    JobResult,
    JobSpec,
    job_result,
    name_input,
    open_writer,
    raise_if_cut,
    result_from_exception,
    warn_unused_overrides,
)
from .worker import WorkerHandle

logger = logging.getLogger(__name__)


def execute_split(spec: JobSpec, pool, emit: Callable | None = None,
                  should_stop: Callable[[], bool] | None = None) -> JobResult | None:
    """Process ``spec`` split across ``pool``; failures and cancels come back as a
    ``JobResult`` (as ``execute_job``). None when the input cannot be split (not an indexed
    sim_telarray file): the caller processes it whole."""
    with collect_warnings() as caught:
        try:
            result = _run_split(spec, pool, emit, should_stop or (lambda: False))
        except PartFailedError as exc:  # the worker's own line, and its warnings
            result = JobResult(spec.input, None, error=str(exc), warnings=exc.warnings)
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
    from ..io.simtel_index import index_warnings

    t0 = time.perf_counter()
    config = spec.processing_config()
    folder = pool.shared_folder(spec)
    with open_source(spec.input, **spec.source_options()) as source:
        if not isinstance(source, SimTelSource):
            return None
        warn_unused_overrides(config, source.subarray)
        source.release_header_stream()
        work = tempfile.mkdtemp(prefix=".ctaviewer-split-" if folder else "ctaviewer-split-",
                                dir=folder)
        scan = _Scan(source, folder, spec.max_events)
        try:
            state = SplitState(replace(spec, config=config), source.headers)
            path = state.save(state_file(work))
            scan.start()
            # the workers start while the file is being indexed: the first start waits for
            # their forkserver to load the chain (~1 s), the scan runs meanwhile
            pool.start()
            model = _Flags(spec)
            writer = open_writer(spec, source, config, model if model else None)
            said: list[str] = []  # the workers' warnings, each once
            with writer:
                for items, lines in _results_in_order(spec, pool, path, scan, should_stop):
                    for event, result in items:
                        writer.write(event, result)
                        model.count(result)
                    said += [w for w in lines if w not in said]
                    if emit is not None:
                        emit(writer.n_events, scan.total)
                index = scan.finish(source)  # the source owns the copy from now on
                if writer.n_events == 0 and (index.truncated or index.error is not None):
                    raise_if_cut(spec.input, [
                        (type(w), str(w)) for w in index_warnings(
                            spec.input, 0, index.truncated, index.error, None, 0)])
                logger.debug("%s: %d events indexed %.2f s after the start", spec.input,
                             len(index), scan.done_at - t0)
                n_read = writer.n_events
                writer.write_shower_distribution(_shower_distribution(source, index, n_read))
                logger.debug("%s: %d events processed and written %.2f s after the start",
                             spec.input, writer.n_events, time.perf_counter() - t0)
        finally:
            scan.abandon()
            shutil.rmtree(work, ignore_errors=True)
    result = job_result(spec, writer, model if model else None, source, t0)
    result.warnings = said
    return result


class _Scan:
    """The file's index, built in a thread: its rows come in batches (``take``), and the
    whole index at the end (``finish``). The decompressed copy is made in ``folder`` (None:
    the system's temporary folder); ``max_events`` rows at most are handed out."""

    def __init__(self, source, folder: str | None, max_events: int | None):
        self.source, self.folder = source, folder
        self.limit = max_events if max_events is not None else math.inf
        self.batches: queue.SimpleQueue = queue.SimpleQueue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ctaviewer-split-index",
                                       daemon=True)
        self.rows = None  # rows received, not handed out yet
        self.handed_out = 0
        self.index = None  # the whole index, once the scan ended
        self.done_at = math.nan
        self._monitoring = None  # (monitoring_count, camera, laser) of the last copy

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        tmp = None
        try:
            if self.folder is not None:  # where the workers can read the copy
                tmp = tempfile.mkdtemp(prefix=".ctaviewer-raw-", dir=self.folder)
            index = self.source.scan_index(should_stop=self.stop.is_set, tmpdir=tmp,
                                           on_rows=self.batches.put)
            if tmp is not None and index.temporary_dir is None:  # no copy was needed
                shutil.rmtree(tmp, ignore_errors=True)
            self.batches.put(("done", index))
        except BaseException as exc:  # given to the thread that writes
            self.batches.put(("error", exc))

    @property
    def ended(self) -> bool:
        return self.index is not None

    @property
    def total(self) -> int | None:
        """Events the file holds (as far as they are handed out), once known."""
        return min(len(self.index), self.limit) if self.index is not None else None

    def take(self, timeout: float = 0.0) -> None:
        """Receive the batches the scan found meanwhile (waiting up to ``timeout`` for one);
        raises what the scan raised."""
        while True:
            try:
                item = self.batches.get(timeout=timeout) if timeout else self.batches.get_nowait()
            except queue.Empty:
                return
            timeout = 0.0
            if isinstance(item, tuple):
                kind, value = item
                self.done_at = time.perf_counter()
                if kind == "error":
                    raise value
                self.index = value
                continue
            rows = self._detached(item)
            self.rows = rows if self.rows is None else self.rows.extend(rows)

    def next_rows(self, size: int):
        """(start, rows) of the next ``size`` events (fewer at the end of the file), or None
        while the index does not cover them yet."""
        have = len(self.rows) if self.rows is not None else 0
        room = self.limit - self.handed_out
        size = int(min(size, room))
        if size <= 0 or have == 0 or (have < size and not self.ended):
            return None
        size = min(size, have)
        keep = np.zeros(have, dtype=bool)
        keep[:size] = True
        rows, rest = self.rows.select(keep), self.rows.select(~keep)
        self.rows = rest if size < have else None
        start, self.handed_out = self.handed_out, self.handed_out + size
        return start, rows

    @property
    def exhausted(self) -> bool:
        """The scan ended and every row (up to the limit) was handed out."""
        return self.ended and (self.rows is None or self.handed_out >= self.limit)

    def _detached(self, rows):
        """A batch of index rows that owns no temporary copy and shares no dictionary with
        the scan that goes on: its monitoring dictionaries are copied, once per state of
        them (batches with the same ``monitoring_count`` share one copy)."""
        def copy(d):
            d = dict(d)
            return {k: dict(v) for k, v in d.items()}

        if self._monitoring is None or self._monitoring[0] != rows.monitoring_count:
            self._monitoring = (rows.monitoring_count, copy(rows.camera_monitoring),
                                copy(rows.laser_calibration))
        _, camera, laser = self._monitoring
        return replace(rows, temporary_dir=None, camera_monitoring=camera,
                       laser_calibration=laser)

    def finish(self, source):
        """The whole index, attached to ``source`` (which removes its copy on close)."""
        index, self.index = self.index, None
        source.attach_index(index)
        return index

    def abandon(self) -> None:
        """Stop the scan if it still runs; remove the copy of an index nobody took."""
        self.stop.set()
        if self.thread.ident is not None:  # started
            self.thread.join()
        while True:
            try:
                item = self.batches.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, tuple) and item[0] == "done":
                self.index = item[1]
        if self.index is not None:
            self.index.cleanup()
            self.index = None


def _results_in_order(spec, pool, state_path, scan: _Scan, should_stop):
    """Yield (items, warning lines) of every range in event order, handing out ranges as
    the index covers them and keeping ``pool`` busy."""
    ranges: list[ChunkSpec] = []  # made, not yet submitted
    monitoring = MonitoringFiles(os.path.dirname(state_path))
    next_submit = next_yield = 0
    done: dict[int, JobResult] = {}
    try:
        while True:
            if should_stop():
                raise Cancelled(spec.input)
            waiting = next_submit == len(ranges) and not scan.exhausted
            scan.take(timeout=0.02 if waiting and not pool.running_count() else 0.0)
            while True:
                cut = scan.next_rows(chunk_size(len(ranges), pool.size))
                if cut is None:
                    break
                rows, path = monitoring.apart(cut[1])
                ranges.append(ChunkSpec(spec.input, state_path, cut[0], rows, path))
            while next_submit < len(ranges) and pool.free() > 0:
                pool.submit(next_submit, ranges[next_submit])
                next_submit += 1
            if scan.exhausted and next_yield == len(ranges):
                return
            for key, r in pool.poll(0.02 if pool.running_count() else 0.0):
                if r.cancelled:
                    raise Cancelled(spec.input)
                if not r.ok:
                    raise PartFailedError(r.error, r.warnings)
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


class LocalPool:
    """Batch worker processes (``batch.worker``) that take chunks: started by ``start()``
    (the first file to split calls it), and asked at once to load the chain's kernels
    while this process indexes the file."""

    def __init__(self, n_workers: int, ctx):
        self.ctx = ctx
        self.size = max(1, int(n_workers))
        self.workers: list[WorkerHandle] = []
        self.running: dict[WorkerHandle, int] = {}
        self._ended: list[tuple[int, JobResult]] = []  # read, not yet returned by poll()

    def start(self) -> None:
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

    def running_count(self) -> int:
        return len(self.running)

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
        for w in list(self.workers):
            for msg in w.messages():
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
            raise WorkerDiedError(f"a worker process died while processing events of the "
                                  f"file ({cause}); no output written")

    def stop(self) -> None:
        for w in self.running:
            w.send("stop")
        deadline = time.monotonic() + 3.0
        while self.running and time.monotonic() < deadline:
            with contextlib.suppress(WorkerDiedError):
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

