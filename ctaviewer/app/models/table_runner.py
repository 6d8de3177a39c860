"""The whole-file table's background run (no Qt: it is what a spawned process imports).

``TableJob(request, config, output)`` starts a process ("spawn") that runs the batch
machinery (``batch.runner.BatchRunner``: a large file split over worker processes, a small
one processed in that process) over the file of ``request`` with a job that writes DL1
parameters (no images) and DL2, the estimators applied when the request names them, to
``output`` (under a temporary name renamed when complete), then reads the table back
(``service.file_table.read_table_file``) and sends it. The window never runs the chain,
the writer or the reading in its own interpreter. The process, and the workers it starts,
end with the window (parent-death signal); ``cancel`` asks the run to stop (the runner
removes the partial output), and ends the process if it does not within a grace period.

``poll()`` gives the messages that came: ("progress", events done, events in all or 0
when not known yet), ("done", FileTable),
("failed", error line, warnings), ("cancelled",), ("error", text).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import time

from ...procmsg import ERROR, Channel
from ...service.file_table import TableRequest, keep_warnings, prune_cache, read_table_file

#: the table process's messages (see the module's docstring)
TAGS = ("progress", "done", "failed", "cancelled")
#: seconds a cancelled run may take to stop before its process is terminated
GRACE_SECONDS = 5.0
#: seconds between progress messages
PROGRESS_S = 0.2


def default_workers() -> int:
    """Worker processes for a whole-file table: the cores but one (the window's)."""
    return max(1, (os.cpu_count() or 2) - 1)


def job_spec(request: TableRequest, config, output: str):
    """The batch job of ``request``: DL1 parameters (for the summed intensity) and DL2 of
    every event, estimators applied when given, overwriting a stale output."""
    from ...batch.job import JobSpec

    return JobSpec(input=request.path, output=output, dl1=True, dl2=True, config=config,
                   estimators=request.estimators, overwrite=True,
                   max_events=request.max_events, allowed_tels=request.allowed_tels)


def run_table(request: TableRequest, config, output: str, n_workers: int, out: Channel,
              should_stop) -> None:
    """Make the table of ``request`` into ``output`` and send it through ``out``."""
    from ...batch.runner import BatchRunner

    os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
    last = [0.0]

    def progress(p) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_S:
            last[0] = now
            totals = [t for _, t in p.per_file.values() if t]
            out.try_send("progress", int(p.events_done), int(totals[0]) if totals else 0)

    runner = BatchRunner([job_spec(request, config, output)], n_workers=n_workers,
                         in_process=n_workers <= 1, on_progress=progress,
                         on_log=lambda line: None)
    [result] = runner.run(should_stop=should_stop)
    if result.cancelled:
        out.send("cancelled")
    elif not result.ok:
        out.send("failed", result.error, list(result.warnings))
    else:
        if result.warnings:
            keep_warnings(output, result.warnings)
        prune_cache(os.path.dirname(output))
        out.send("done", read_table_file(output))


def _child(request, config, output, n_workers, conn, stop) -> None:
    from ...batch.worker import set_parent_death_signal, set_process_name

    set_parent_death_signal()  # the window is gone: SIGTERM, handled below as a stop
    set_process_name("ctaviewer-table")
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal: the window decides
    out = Channel(conn, TAGS)
    try:
        run_table(request, config, output, n_workers, out, stop.is_set)
    except BaseException as exc:  # reported by the window, never a traceback
        with contextlib.suppress(OSError, EOFError):
            out.send_error(exc)
    finally:
        with contextlib.suppress(OSError):
            conn.close()


class TableJob:
    """One whole-file table being made in a process of its own."""

    def __init__(self, request: TableRequest, config, output: str,
                 n_workers: int | None = None):
        self.request, self.output = request, output
        ctx = mp.get_context("spawn")
        receive, send = ctx.Pipe(duplex=False)
        self._stop = ctx.Event()
        # not a daemon: it starts the batch workers (a daemon process may not have
        # children); it ends with the window through its parent-death signal
        self._process = ctx.Process(
            target=_child, name="ctaviewer-table",
            args=(request, config, output, n_workers or default_workers(), send, self._stop))
        self._process.start()
        send.close()
        self._inbox = Channel(receive, TAGS)
        self._stopped_at: float | None = None
        self.finished = False

    def poll(self) -> list[tuple]:
        """The messages that came since the last call (see the module's docstring)."""
        out = []
        while not self.finished:
            try:
                msg = self._inbox.receive(timeout=0)
            except (EOFError, OSError):  # the process ended
                self.finished = True
                if not out or out[-1][0] not in ("done", "failed", "cancelled", ERROR):
                    self._process.join(1.0)
                    code = self._process.exitcode
                    out.append(("cancelled",) if self._stopped_at is not None else (
                        ERROR, f"{self.request.path}: the table process ended without a "
                               f"result (exit code {code})"))
                break
            except Exception as exc:  # a message that could not be read
                out.append((ERROR, f"{self.request.path}: {exc}"))
                continue
            if msg is None:
                break
            if msg.tag == ERROR:
                exc = msg.error()
                out.append((ERROR, str(exc) if self.request.path in str(exc)
                            else f"{self.request.path}: {type(exc).__name__}: {exc}"))
            else:
                out.append((msg.tag, *msg.args))
            if out[-1][0] in ("done", "failed", "cancelled", ERROR):
                self.finished = True
        if self.finished:
            self._process.join(0.5)
        elif (self._stopped_at is not None
              and time.monotonic() - self._stopped_at > GRACE_SECONDS):
            self.kill()
        return out

    def cancel(self) -> None:
        """Ask the run to stop; its partial output is removed."""
        if self._stopped_at is None:
            self._stopped_at = time.monotonic()
            self._stop.set()

    def kill(self) -> None:
        """End the process now (and its workers, with their parent-death signal); a
        partial output it leaves is removed."""
        from ...writers.atomic import remove_stale_temps

        if self._process.is_alive():
            self._process.terminate()
            self._process.join(GRACE_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        with contextlib.suppress(OSError):
            remove_stale_temps(self.output)
        self.finished = True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the process to end; whether it has."""
        self._process.join(timeout)
        return not self._process.is_alive()

    @property
    def running(self) -> bool:
        return self._process.is_alive()


__all__ = ["TableJob", "default_workers", "job_spec", "run_table"]
