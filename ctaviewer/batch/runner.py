"""Run many jobs in parallel worker processes, or on a Dask cluster.

The same runner serves the ``process`` command and the GUI's batch panel:

    runner = BatchRunner(specs, n_workers=4, on_progress=callback)
    results = runner.run(should_stop=lambda: cancelled)

The runner hands one job at a time to each worker process (``batch.worker``) over a pipe of
its own, as ``procmsg`` messages. A bad input fails alone (its error is reported, the others
go on). A worker that dies (a crash, a kill, the out-of-memory killer) is noticed at once:
its file is reported failed with the cause ("killed by SIGSEGV"), its partial output is
removed, a new worker takes its place and the queued jobs go on; a job a worker cannot read
fails alone too. Workers end with the runner (parent-death signal and watchdog, see
``batch.worker``). Cancelling asks the workers to stop (they remove their partial output),
then terminates those that do not stop within a grace period and removes what they left; a
``KeyboardInterrupt`` in ``run`` does the same before it propagates. With
``scheduler="tcp://host:8786"`` the jobs are submitted to an existing Dask distributed
cluster instead (optional dependency).

With fewer files than workers (or than the cluster's threads), a file at a time is split
into event ranges that all the workers process at once, and the runner writes the one
output in event order (``batch.split``): one large file uses every core.

Lines for the user (one per file written or failed, one per warning) go to ``on_log`` when
given, else to this module's logger (INFO, WARNING for warnings, ERROR for failures).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue as _queue
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import procmsg
from ..errors import CtaviewerError
from .job import (
    JobResult,
    JobSpec,
    Throttle,
    duplicate_obs_id_warnings,
    execute_job,
    result_from_exception,
)
from .worker import WorkerHandle, describe_exit, worker_context

logger = logging.getLogger(__name__)

GRACE_SECONDS = 3.0
#: seconds between progress snapshots (a file's end is always reported at once)
SNAPSHOT_S = 0.1
#: inputs smaller than this (bytes) are not split across workers when there are fewer files
#: than workers: the whole file takes about as long as starting the workers (~1 s)
SPLIT_MIN_BYTES = 32 * 1024 * 1024
#: workers that die before taking a job, in a row, after which the run gives up
MAX_START_FAILURES = 3


@dataclass
class BatchProgress:
    """A snapshot for progress displays."""

    n_files: int
    files_done: int = 0
    files_failed: int = 0
    events_done: int = 0
    elapsed_s: float = 0.0
    per_file: dict = field(default_factory=dict)  # input -> (events done, total or None)
    message: str = ""
    pids: dict = field(default_factory=dict)  # input -> pid of the process running it

    @property
    def events_per_s(self) -> float:
        return self.events_done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def fraction(self) -> float:
        done = self.files_done + self.files_failed
        running = sum(
            (d / t) if t else 0.0 for d, t in self.per_file.values()
        )
        return min(1.0, (done + running) / self.n_files) if self.n_files else 1.0

    @property
    def time_left_s(self) -> float | None:
        f = self.fraction
        if f <= 0 or self.elapsed_s <= 0:
            return None
        return self.elapsed_s * (1.0 - f) / f


class BatchRunner:
    """Runs ``specs`` with ``n_workers`` processes (or on ``scheduler``) and reports progress."""

    def __init__(
        self,
        specs: list[JobSpec],
        *,
        n_workers: int = 1,
        scheduler: str | None = None,
        on_progress: Callable[[BatchProgress], None] | None = None,
        on_log: Callable[[str], None] | None = None,
        in_process: bool = False,
        split_min_bytes: int = SPLIT_MIN_BYTES,
    ):
        """``in_process`` runs the jobs one by one in this process (no worker start-up; the
        command line does this for one worker): cancel still works between events, but a
        crash of the interpreter itself would end the whole batch."""
        self.in_process = in_process
        self.split_min_bytes = split_min_bytes
        self.specs = list(specs)
        self.n_workers = max(1, int(n_workers))
        self.scheduler = scheduler
        self.on_progress = on_progress or (lambda p: None)
        self.on_log = on_log

    def _log(self, level: int, text: str) -> None:
        if self.on_log is not None:
            self.on_log(text)
        else:
            logger.log(level, text)

    def run(self, should_stop: Callable[[], bool] | None = None) -> list[JobResult]:
        if not self.specs:
            return []
        if self.scheduler:
            results = self._run_dask(should_stop)
        elif self.in_process:
            results = self._run_here(should_stop)
        elif len(self.specs) < self.n_workers:  # workers would idle: split each file
            results = self._run_split(should_stop)
        else:
            results = self._run_processes(should_stop)
        for line in duplicate_obs_id_warnings(results):
            self._log(logging.WARNING, line)
        return results

    def _account(self, progress: BatchProgress, r: JobResult) -> None:
        """Count a finished job into ``progress`` and log it."""
        progress.per_file.pop(r.input, None)
        progress.pids.pop(r.input, None)
        progress.events_done += r.n_events
        progress.files_done += r.ok
        progress.files_failed += not r.ok and not r.cancelled
        self._log_result(r)

    @staticmethod
    def _snapshot(progress: BatchProgress) -> BatchProgress:
        """A copy for the callback, counting the events of the files still running."""
        snapshot = BatchProgress(**{**progress.__dict__, "per_file": dict(progress.per_file),
                                    "pids": dict(progress.pids)})
        snapshot.events_done += sum(d for d, _ in progress.per_file.values())
        return snapshot

    def _run_here(self, should_stop) -> list[JobResult]:
        return self._one_by_one(should_stop, execute_job)

    def _run_split(self, should_stop) -> list[JobResult]:
        """Each file in turn, split into event ranges across all the workers (``split``);
        a file that cannot be split (not sim_telarray) is processed here, whole."""
        from .split import LocalPool

        pool = LocalPool(self.n_workers, worker_context())
        finished = False
        results: list[JobResult] = []

        try:
            results = self._one_by_one(should_stop, self._splitter(pool))
            finished = True
        finally:
            pool.close(clean=finished)
            self._cleanup(results)
        return results

    def _splitter(self, pool):
        return functools.partial(_split_or_whole, pool, self.split_min_bytes)

    def _one_by_one(self, should_stop, execute) -> list[JobResult]:
        """The jobs one after the other, each by ``execute(spec, emit, should_stop)``."""
        progress = BatchProgress(len(self.specs))
        t0 = time.monotonic()
        report = Throttle(lambda: self.on_progress(self._snapshot(progress)), SNAPSHOT_S)
        results = []
        stop = should_stop or (lambda: False)
        for spec in self.specs:
            if stop():
                results.append(JobResult(spec.input, None, cancelled=True))
                continue
            progress.pids[spec.input] = os.getpid()
            logger.debug("%s: started", spec.input)

            def emit(done, total, spec=spec):
                progress.per_file[spec.input] = (done, total)
                progress.elapsed_s = time.monotonic() - t0
                report()

            r = execute(spec, emit, stop)
            self._account(progress, r)
            progress.elapsed_s = time.monotonic() - t0
            report(force=True)
            results.append(r)
        return results

    # ---------------------------------------------------------------- local processes
    def _log_result(self, r: JobResult) -> None:
        for text in r.warnings:
            self._log(logging.WARNING,
                      f"warning: {text if r.input in text else f'{r.input}: {text}'}")
        if r.ok:
            extra = "".join(f", {k} {v}" for k, v in r.extra.items())
            self._log(logging.INFO,
                      f"wrote {r.output} ({r.n_events} events, {r.seconds:.1f} s{extra})")
        elif r.cancelled:
            self._log(logging.DEBUG, f"cancelled {r.input}: no output written")
        else:
            self._log(logging.ERROR, f"FAILED {r.error}")

    def _run_processes(self, should_stop) -> list[JobResult]:
        ctx = worker_context()
        pending = deque(range(len(self.specs)))
        n_wanted = min(self.n_workers, len(self.specs))
        workers: list[WorkerHandle] = []
        results: dict[int, JobResult] = {}
        progress = BatchProgress(len(self.specs))
        t0 = time.monotonic()
        report = Throttle(lambda: self.on_progress(self._snapshot(progress)), SNAPSHOT_S)
        stop_at = None
        self._start_failures = 0  # workers that died before taking a job, in a row
        finished = False
        try:
            while len(results) < len(self.specs):
                if stop_at is None and should_stop is not None and should_stop():
                    stop_at = time.monotonic()
                    self._log(logging.DEBUG, "cancelling: waiting for workers to stop")
                    for w in workers:
                        if not w.dead and w.index is not None:
                            w.send("stop")
                    while pending:
                        i = pending.popleft()
                        results[i] = JobResult(self.specs[i].input, None, cancelled=True)
                if stop_at is not None and time.monotonic() - stop_at > GRACE_SECONDS:
                    break
                live = [w for w in workers if not w.dead]
                busy = sum(w.index is not None for w in live)
                while pending and len(live) < min(n_wanted, busy + len(pending)):
                    live.append(WorkerHandle(ctx))
                    workers.append(live[-1])
                    logger.debug("worker process %s started", live[-1].pid)
                for w in live:  # one job to each idle worker; the others are told to quit
                    if w.ready and w.index is None and not w.quitting:
                        if pending:
                            w.index = pending.popleft()
                            if not w.send("job", w.index, self.specs[w.index]):
                                pending.appendleft(w.index)
                                w.index = None
                        else:
                            w.quitting = w.send("quit")
                handles = [h for w in live for h in (w.channel, w.process.sentinel)]
                if not handles:
                    break
                procmsg.wait(handles, timeout=0.1)
                changed = False
                for w in live:
                    changed |= self._read_worker(w, progress, results)
                    if not w.dead and w.process.exitcode is not None and w.channel.empty():
                        w.dead = True
                    if w.dead:
                        changed |= self._bury(w, progress, results)
                        if not w.ready and w.process.exitcode != 0:
                            self._start_failures += 1
                if self._start_failures >= MAX_START_FAILURES and pending:
                    cause = describe_exit(workers[-1].process.exitcode)
                    while pending:
                        i = pending.popleft()
                        results[i] = JobResult(
                            self.specs[i].input, None,
                            error=f"{self.specs[i].input}: not processed: worker processes "
                                  f"fail to start ({cause})")
                        self._account(progress, results[i])
                progress.elapsed_s = time.monotonic() - t0
                report(force=changed)
            finished = True
        finally:
            if not finished:  # interrupted (KeyboardInterrupt) or grace over: stop the jobs
                for w in workers:
                    if not w.dead and w.index is not None:
                        w.send("stop")
            self._shut_down(workers, stop_at is None and finished)
            self._cleanup(results)
        for i, spec in enumerate(self.specs):
            if i not in results:
                results[i] = JobResult(spec.input, None, cancelled=True)
        return [results[i] for i in range(len(self.specs))]

    def _read_worker(self, w: WorkerHandle, progress, results) -> bool:
        """Handle the messages ``w`` sent; True when a job ended. Marks ``w`` dead on EOF."""
        ended = False
        for msg in w.messages():
            if msg.tag == "ready":
                w.ready = True
                self._start_failures = 0
                logger.debug("worker %s ready", w.pid)
            elif msg.tag == "log":
                self._log(logging.WARNING, msg.args[0])
            elif msg.tag in ("start", "progress"):
                spec = self.specs[msg.args[0]]
                done = tuple(msg.args[1:3]) if msg.tag == "progress" else (0, None)
                progress.per_file[spec.input] = done
                progress.pids[spec.input] = w.pid
                if msg.tag == "start":
                    logger.debug("%s: started in worker process %s", spec.input, w.pid)
            elif msg.tag == "done":
                index, r = msg.args
                results[index] = r
                w.index = None
                self._account(progress, r)
                ended = True
            elif msg.tag == procmsg.ERROR:  # a job it could not read: that job fails
                exc = msg.error()
                if w.index is None:
                    self._log(logging.ERROR, f"error: worker process {w.pid}: {exc}")
                    continue
                spec = self.specs[w.index]
                r = JobResult(spec.input, None, error=" ".join(
                    f"{spec.input}: the worker process could not take the job: {exc}".split()))
                results[w.index] = r
                w.index = None
                self._account(progress, r)
                ended = True
        return ended

    def _bury(self, w: WorkerHandle, progress, results) -> bool:
        """A worker died: fail the job it ran (naming the cause), remove its partial output.
        Returns True when a job was lost with it."""
        cause = w.exit_cause()
        logger.debug("worker process %s ended (%s)", w.pid, cause)
        if w.index is None:
            return False
        index, w.index = w.index, None
        spec = self.specs[index]
        r = JobResult(spec.input, None, error=f"{spec.input}: the worker process died "
                                              f"({cause}); no output written")
        results[index] = r
        self._account(progress, r)
        from ..writers.atomic import remove_stale_temps

        with contextlib.suppress(OSError):
            remove_stale_temps(spec.output)
        return True

    def _shut_down(self, workers, clean: bool) -> None:
        """Tell idle workers to quit; give the others the grace period, then end them."""
        for w in workers:
            if not w.dead and w.process.is_alive():
                w.send("quit")
        deadline = time.monotonic() + (0.5 if clean else GRACE_SECONDS)
        for w in workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
        for w in workers:
            if w.process.is_alive():
                w.process.terminate()  # SIGTERM: the job stops at its next event
        for w in workers:
            w.process.join(GRACE_SECONDS if w.process.is_alive() else 0)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            with contextlib.suppress(OSError):
                w.channel.close()

    def _cleanup(self, results) -> None:
        """Remove temporaries that terminated workers left behind."""
        from ..writers.atomic import remove_stale_temps

        for spec in self.specs:
            with contextlib.suppress(OSError):
                for tmp in remove_stale_temps(spec.output):
                    self._log(logging.INFO, f"removed partial output {tmp}")

    # ---------------------------------------------------------------- dask
    def _run_dask(self, should_stop) -> list[JobResult]:
        """Submit every job to the cluster; progress comes back as Dask events.

        Each task logs ``("start" | "progress", index, done, total)`` on a topic of this run
        (``Worker.log_event``: batched, no round trip) and the client's handler queues them
        here, so the snapshots count events of running files as with local processes. A
        cancel sets a Dask ``Event`` that running tasks poll between events (they stop and
        remove their partial output) and cancels the tasks that have not started.
        """
        try:
            from dask.distributed import Client, Event
        except ImportError:
            raise CtaviewerError(
                "a scheduler address needs dask.distributed: pip install 'ctaviewer[dask]'"
            ) from None
        progress = BatchProgress(len(self.specs))
        t0 = time.monotonic()
        results: dict[int, JobResult] = {}
        updates: _queue.SimpleQueue = _queue.SimpleQueue()
        run_id = uuid.uuid4().hex
        topic = f"ctaviewer-progress-{run_id}"
        stop_name = f"ctaviewer-stop-{run_id}"
        started: set[int] = set()
        with Client(self.scheduler) as client:
            n_threads = sum(client.nthreads().values())
            if len(self.specs) < n_threads:  # threads would idle: split each file
                from .dask_pool import DaskPool

                pool = DaskPool(client, n_threads, run_id)
                return self._one_by_one(should_stop, self._splitter(pool))
            client.subscribe_topic(topic, lambda event: updates.put(event[1]))
            stop_event = Event(stop_name, client=client)
            futures = {
                i: client.submit(_dask_job, s, i, topic, stop_name, pure=False,
                                 key=f"ctaviewer-job-{run_id}-{i}")
                for i, s in enumerate(self.specs)
            }
            stop_at = None
            try:
                while len(results) < len(self.specs):
                    if stop_at is None and should_stop is not None and should_stop():
                        stop_at = time.monotonic()
                        self._log(logging.DEBUG, "cancelling: waiting for running jobs to stop")
                        stop_event.set()
                        waiting = [f for i, f in futures.items()
                                   if i not in started and i not in results]
                        client.cancel(waiting)
                        for i in futures:
                            if i not in started:
                                results.setdefault(
                                    i, JobResult(self.specs[i].input, None, cancelled=True))
                    if stop_at is not None and time.monotonic() - stop_at > GRACE_SECONDS:
                        break
                    try:
                        msg = updates.get(timeout=0.1)
                    except _queue.Empty:
                        msg = None
                    while msg is not None:
                        kind, i = msg[0], int(msg[1])
                        if i not in results and 0 <= i < len(self.specs):
                            started.add(i)
                            done = int(msg[2]) if kind == "progress" else 0
                            total = msg[3] if kind == "progress" else None
                            progress.per_file[self.specs[i].input] = (done, total)
                        try:
                            msg = updates.get_nowait()
                        except _queue.Empty:
                            msg = None
                    for i, future in futures.items():
                        if i in results or not future.done():
                            continue
                        try:
                            r = future.result()
                        except Exception as exc:  # the task itself failed (worker lost, ...)
                            r = result_from_exception(self.specs[i], exc)
                        results[i] = r
                        self._account(progress, r)
                    progress.elapsed_s = time.monotonic() - t0
                    self.on_progress(self._snapshot(progress))
            finally:
                pending = [f for i, f in futures.items() if i not in results]
                with contextlib.suppress(Exception):  # the cluster may be gone by now
                    if pending:
                        stop_event.set()
                        client.cancel(pending)
                    client.unsubscribe_topic(topic)
        for i, spec in enumerate(self.specs):
            results.setdefault(i, JobResult(spec.input, None, cancelled=True))
        return [results[i] for i in range(len(self.specs))]


def _split_or_whole(pool, min_bytes: int, spec: JobSpec, emit, should_stop) -> JobResult:
    """``spec`` split across ``pool``, or processed here when it is smaller than
    ``min_bytes`` (starting workers would cost more than they save) or cannot be split."""
    from .split import execute_split

    try:
        small = os.path.getsize(spec.input) < min_bytes
    except OSError:  # missing, unreadable: the job says so
        small = True
    r = None if small else execute_split(spec, pool, emit, should_stop)
    return r if r is not None else execute_job(spec, emit, should_stop)


#: seconds between a Dask task's progress events, and between its checks of the stop event
DASK_PROGRESS_S = 0.2


def _dask_job(spec: JobSpec, index: int = -1, topic: str | None = None,
              stop_name: str | None = None) -> JobResult:
    """A job on a Dask worker: progress to ``topic``, stop when event ``stop_name`` is set."""
    emit = should_stop = None
    if topic is not None:
        emit, should_stop = _dask_callbacks(index, topic, stop_name)
        emit(None, None)
    return execute_job(spec, emit=emit, should_stop=should_stop)


def _dask_callbacks(index: int, topic: str, stop_name: str | None):
    """(emit, should_stop) for a job running on a Dask worker, both rate-limited."""
    from dask.distributed import Event, get_worker

    worker = get_worker()
    progress = Throttle(
        lambda done, total: worker.log_event(
            topic, ("progress", index, int(done), None if total is None else int(total))),
        DASK_PROGRESS_S,
    )

    def emit(done, total):
        if done is None:
            worker.log_event(topic, ("start", index))
        else:
            progress(done, total)

    if stop_name is None:
        return emit, None
    state = {"event": None, "checked": time.monotonic(), "stop": False}

    def should_stop():
        now = time.monotonic()
        if state["stop"] or now - state["checked"] < DASK_PROGRESS_S:
            return state["stop"]
        state["checked"] = now
        try:
            if state["event"] is None:
                state["event"] = Event(stop_name)
            state["stop"] = bool(state["event"].is_set())
        except Exception:  # no client on this worker: the job runs to its end
            return False
        return state["stop"]

    return emit, should_stop
