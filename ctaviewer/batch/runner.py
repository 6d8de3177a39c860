"""Run many jobs in parallel worker processes, or on a Dask cluster.

The same runner serves the ``process`` command and the GUI's batch panel:

    runner = BatchRunner(specs, n_workers=4, on_progress=callback)
    results = runner.run(should_stop=lambda: cancelled)

Each worker process takes jobs from a queue; a bad input fails alone (its error is
reported, the others go on); a worker that dies is replaced. Cancelling asks the workers to
stop (they remove their partial output), then terminates those that do not stop within a
grace period and removes what they left. With ``scheduler="tcp://host:8786"`` the jobs are
submitted to an existing Dask distributed cluster instead (optional dependency).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import multiprocessing as mp
import os
import queue as _queue
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import CtaviewerError
from ..procmsg import Channel
from .job import Cancelled, JobResult, JobSpec, duplicate_obs_id_warnings, run_job

GRACE_SECONDS = 3.0
#: a worker's messages: a job started (index, pid), its progress (index, done, total), its
#: result (index, JobResult)
WORKER_TAGS = ("start", "progress", "done")


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


#: cyclic-GC thresholds while batch jobs run (see ``batch_gc``)
BATCH_GC_THRESHOLD = (10_000, 20, 20)
_FREEZE_AT_EXIT = []


@contextlib.contextmanager
def batch_gc():
    """Garbage-collector settings for running batch jobs (workers, the command line).

    Reading, importing and writing allocate many short-lived containers: with Python's
    default thresholds (700, 10, 10) the cyclic collector ran ~900 times per four files and
    took 10-15 % of the run; these thresholds keep it under 3 %. Memory is still freed by
    reference counting as before; only the search for reference cycles runs less often.
    The previous thresholds come back on exit. It also registers ``gc.freeze`` to run at
    interpreter exit: shutdown then skips a last collection over every object left (0.1-0.4
    s after a job has loaded numba, h5py and the instruments); nothing else changes.
    """
    old = gc.get_threshold()
    gc.set_threshold(*BATCH_GC_THRESHOLD)
    if not _FREEZE_AT_EXIT:
        atexit.register(gc.freeze)
        _FREEZE_AT_EXIT.append(True)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _worker(tasks, messages, stop):
    """Worker process loop: run jobs until the None sentinel."""
    with batch_gc():
        _worker_loop(tasks, messages, stop)


def _worker_loop(tasks, messages, stop):
    pid = os.getpid()
    out = Channel(messages, WORKER_TAGS)
    while True:
        item = tasks.get()
        if item is None:
            return
        index, spec = item
        out.send("start", index, pid)
        last = [0.0]

        def emit(done, total, index=index, last=last):
            now = time.monotonic()
            if now - last[0] > 0.1:
                last[0] = now
                out.send("progress", index, done, total)

        try:
            result = run_job(spec, emit=emit, should_stop=stop.is_set)
            out.send("done", index, result)
        except Cancelled:
            out.send("done", index, JobResult(spec.input, None, cancelled=True))
        except CtaviewerError as exc:
            out.send("done", index, JobResult(spec.input, None, error=str(exc)))
        except Exception as exc:  # anything else: the job fails, the worker lives on
            error = f"{spec.input}: {type(exc).__name__}: {exc}"
            out.send("done", index, JobResult(spec.input, None, error=error))


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
    ):
        """``in_process`` runs the jobs one by one in this process (no worker start-up; the
        command line does this for one worker): cancel still works between events, but a
        crash of the interpreter itself would end the whole batch."""
        self.in_process = in_process
        self.specs = list(specs)
        self.n_workers = max(1, int(n_workers))
        self.scheduler = scheduler
        self.on_progress = on_progress or (lambda p: None)
        self.on_log = on_log or (lambda s: None)

    def run(self, should_stop: Callable[[], bool] | None = None) -> list[JobResult]:
        if not self.specs:
            return []
        if self.scheduler:
            results = self._run_dask(should_stop)
        elif self.in_process:
            results = self._run_here(should_stop)
        else:
            results = self._run_processes(should_stop)
        for line in duplicate_obs_id_warnings(results):
            self.on_log(line)
        return results

    def _run_here(self, should_stop) -> list[JobResult]:
        progress = BatchProgress(len(self.specs))
        t0 = time.monotonic()
        results = []
        stop = should_stop or (lambda: False)
        for spec in self.specs:
            if stop():
                results.append(JobResult(spec.input, None, cancelled=True))
                continue

            def emit(done, total, spec=spec):
                progress.per_file[spec.input] = (done, total)
                progress.elapsed_s = time.monotonic() - t0
                self.on_progress(progress)

            try:
                r = run_job(spec, emit=emit, should_stop=stop)
            except Cancelled:
                r = JobResult(spec.input, None, cancelled=True)
            except CtaviewerError as exc:
                r = JobResult(spec.input, None, error=str(exc))
            except Exception as exc:
                r = JobResult(spec.input, None, error=f"{spec.input}: {type(exc).__name__}: {exc}")
            progress.per_file.pop(spec.input, None)
            progress.events_done += r.n_events
            progress.files_done += r.ok
            progress.files_failed += not r.ok and not r.cancelled
            progress.elapsed_s = time.monotonic() - t0
            self._log_result(r)
            self.on_progress(progress)
            results.append(r)
        return results

    # ---------------------------------------------------------------- local processes
    def _log_result(self, r: JobResult) -> None:
        for text in r.warnings:
            self.on_log(f"warning: {text if r.input in text else f'{r.input}: {text}'}")
        if r.ok:
            extra = "".join(f", {k} {v}" for k, v in r.extra.items())
            self.on_log(f"wrote {r.output} ({r.n_events} events, {r.seconds:.1f} s{extra})")
        elif r.cancelled:
            self.on_log(f"cancelled {r.input}: no output written")
        else:
            self.on_log(f"FAILED {r.error}")

    def _run_processes(self, should_stop) -> list[JobResult]:
        ctx = mp.get_context("spawn")
        tasks, messages, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
        inbox = Channel(messages, WORKER_TAGS)
        for i, spec in enumerate(self.specs):
            tasks.put((i, spec))
        n = min(self.n_workers, len(self.specs))
        for _ in range(n):
            tasks.put(None)
        workers = [ctx.Process(target=_worker, args=(tasks, messages, stop), daemon=True)
                   for _ in range(n)]
        for w in workers:
            w.start()
        results: dict[int, JobResult] = {}
        running: dict[int, int] = {}  # job index -> pid
        progress = BatchProgress(len(self.specs))
        t0 = time.monotonic()
        stop_at = None
        try:
            while len(results) < len(self.specs):
                if stop_at is None and should_stop is not None and should_stop():
                    stop.set()
                    stop_at = time.monotonic()
                    self.on_log("cancelling: waiting for workers to stop")
                if stop_at is not None and time.monotonic() - stop_at > GRACE_SECONDS:
                    break
                msg = inbox.receive(timeout=0.1)
                if msg is None:
                    if not any(w.is_alive() for w in workers):
                        break
                    self._check_dead(workers, running, results)
                else:
                    index, *rest = msg.args
                    spec = self.specs[index]
                    if msg.tag == "start":
                        running[index] = rest[0]
                        progress.per_file[spec.input] = (0, None)
                    elif msg.tag == "progress":
                        progress.per_file[spec.input] = (rest[0], rest[1])
                    elif msg.tag == "done":
                        r = rest[0]
                        results[index] = r
                        running.pop(index, None)
                        progress.per_file.pop(spec.input, None)
                        progress.events_done += r.n_events
                        if r.ok:
                            progress.files_done += 1
                        else:
                            progress.files_failed += 1
                        self._log_result(r)
                progress.elapsed_s = time.monotonic() - t0
                live = sum(d for d, _ in progress.per_file.values())
                snapshot = BatchProgress(**{**progress.__dict__,
                                            "per_file": dict(progress.per_file)})
                snapshot.events_done += live
                self.on_progress(snapshot)
        finally:
            for w in workers:
                w.join(timeout=0.5 if stop_at is None else GRACE_SECONDS)
                if w.is_alive():
                    w.terminate()
                    w.join()
            self._cleanup(results)
        for i, spec in enumerate(self.specs):
            if i not in results:
                results[i] = JobResult(spec.input, None, cancelled=True)
        return [results[i] for i in range(len(self.specs))]

    def _check_dead(self, workers, running, results) -> None:
        alive = {w.pid for w in workers if w.is_alive()}
        for index, pid in list(running.items()):
            if pid not in alive:
                spec = self.specs[index]
                r = JobResult(spec.input, None, error=f"{spec.input}: worker process died")
                results[index] = r
                running.pop(index)
                self._log_result(r)

    def _cleanup(self, results) -> None:
        """Remove temporaries that terminated workers left behind."""
        from ..writers.atomic import remove_stale_temps

        for spec in self.specs:
            with contextlib.suppress(OSError):
                for tmp in remove_stale_temps(spec.output):
                    self.on_log(f"removed partial output {tmp}")

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
                        self.on_log("cancelling: waiting for running jobs to stop")
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
                            spec = self.specs[i]
                            r = JobResult(spec.input, None,
                                          error=f"{spec.input}: {type(exc).__name__}: {exc}")
                        results[i] = r
                        progress.per_file.pop(self.specs[i].input, None)
                        progress.events_done += r.n_events
                        progress.files_done += r.ok
                        progress.files_failed += not r.ok and not r.cancelled
                        self._log_result(r)
                    progress.elapsed_s = time.monotonic() - t0
                    snapshot = BatchProgress(**{**progress.__dict__,
                                                "per_file": dict(progress.per_file)})
                    snapshot.events_done += sum(d for d, _ in progress.per_file.values())
                    self.on_progress(snapshot)
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


#: seconds between a Dask task's progress events, and between its checks of the stop event
DASK_PROGRESS_S = 0.2


def _dask_job(spec: JobSpec, index: int = -1, topic: str | None = None,
              stop_name: str | None = None) -> JobResult:
    """A job on a Dask worker: progress to ``topic``, stop when event ``stop_name`` is set."""
    emit = should_stop = None
    if topic is not None:
        emit, should_stop = _dask_callbacks(index, topic, stop_name)
        emit(None, None)
    try:
        return run_job(spec, emit=emit, should_stop=should_stop)
    except Cancelled:
        return JobResult(spec.input, None, cancelled=True)
    except CtaviewerError as exc:
        return JobResult(spec.input, None, error=str(exc))
    except Exception as exc:
        return JobResult(spec.input, None, error=f"{spec.input}: {type(exc).__name__}: {exc}")


def _dask_callbacks(index: int, topic: str, stop_name: str | None):
    """(emit, should_stop) for a job running on a Dask worker, both rate-limited."""
    from dask.distributed import Event, get_worker

    worker = get_worker()
    last_emit = [-1.0]

    def emit(done, total):
        now = time.monotonic()
        if done is None:
            worker.log_event(topic, ("start", index))
        elif now - last_emit[0] >= DASK_PROGRESS_S:
            last_emit[0] = now
            worker.log_event(topic, ("progress", index, int(done),
                                     None if total is None else int(total)))

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
