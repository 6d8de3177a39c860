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

import contextlib
import multiprocessing as mp
import os
import queue as _queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import CtaviewerError
from .job import Cancelled, JobResult, JobSpec, run_job

GRACE_SECONDS = 3.0


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


def _worker(tasks, messages, stop):
    """Worker process loop: run jobs until the None sentinel."""
    pid = os.getpid()
    while True:
        item = tasks.get()
        if item is None:
            return
        index, spec = item
        messages.put(("start", index, pid))
        last = [0.0]

        def emit(done, total, index=index, last=last):
            now = time.monotonic()
            if now - last[0] > 0.1:
                last[0] = now
                messages.put(("progress", index, done, total))

        try:
            result = run_job(spec, emit=emit, should_stop=stop.is_set)
            messages.put(("done", index, result))
        except Cancelled:
            messages.put(("done", index, JobResult(spec.input, None, cancelled=True)))
        except CtaviewerError as exc:
            messages.put(("done", index, JobResult(spec.input, None, error=str(exc))))
        except Exception as exc:  # anything else: the job fails, the worker lives on
            error = f"{spec.input}: {type(exc).__name__}: {exc}"
            messages.put(("done", index, JobResult(spec.input, None, error=error)))


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
            return self._run_dask(should_stop)
        if self.in_process:
            return self._run_here(should_stop)
        return self._run_processes(should_stop)

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
                try:
                    msg = messages.get(timeout=0.1)
                except _queue.Empty:
                    msg = None
                    if not any(w.is_alive() for w in workers):
                        break
                    self._check_dead(workers, running, results)
                if msg is not None:
                    kind, index = msg[0], msg[1]
                    spec = self.specs[index]
                    if kind == "start":
                        running[index] = msg[2]
                        progress.per_file[spec.input] = (0, None)
                    elif kind == "progress":
                        progress.per_file[spec.input] = (msg[2], msg[3])
                    elif kind == "done":
                        r = msg[2]
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
        try:
            from dask.distributed import Client, as_completed
        except ImportError:
            raise CtaviewerError(
                "a scheduler address needs dask.distributed: pip install 'ctaviewer[dask]'"
            ) from None
        progress = BatchProgress(len(self.specs))
        t0 = time.monotonic()
        results: dict[int, JobResult] = {}
        with Client(self.scheduler) as client:
            futures = {client.submit(_dask_job, s, pure=False): i
                       for i, s in enumerate(self.specs)}
            pending = as_completed(list(futures))
            for future in pending:
                i = futures[future]
                r = future.result()
                results[i] = r
                progress.events_done += r.n_events
                progress.files_done += r.ok
                progress.files_failed += not r.ok
                progress.elapsed_s = time.monotonic() - t0
                self._log_result(r)
                self.on_progress(progress)
                if should_stop is not None and should_stop():
                    client.cancel(list(futures))
                    break
        for i, spec in enumerate(self.specs):
            results.setdefault(i, JobResult(spec.input, None, cancelled=True))
        return [results[i] for i in range(len(self.specs))]


def _dask_job(spec: JobSpec) -> JobResult:
    try:
        return run_job(spec)
    except CtaviewerError as exc:
        return JobResult(spec.input, None, error=str(exc))
    except Exception as exc:
        return JobResult(spec.input, None, error=f"{spec.input}: {type(exc).__name__}: {exc}")
