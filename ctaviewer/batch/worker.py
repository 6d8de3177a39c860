"""The worker process of the local batch pool (``BatchRunner`` with processes).

Each worker talks to the runner over a pipe of its own, so a worker that dies in the middle
of a message garbles nothing but its own pipe, and no lock or shared memory is held that a
killed worker could leave taken. Both ends are ``procmsg`` channels (``TAGS``). The runner
sends

    "job" (index, spec)                 a job, only to an idle worker: a whole file
                                        (``JobSpec``) or an event range of a file split
                                        across workers (``chunks.ChunkSpec``)
    "stop"                              stop the running job (it removes its partial output)
    "quit"                              end the process (after stopping a running job)
    "warm"                              load the chain's compiled kernels now (while the
                                        runner prepares work: a file to split)

and the worker sends

    "ready" (pid)                       once, when it can take jobs
    "start" (index)                     a job begins
    "progress" (index, done, total)     at most every PROGRESS_S seconds
    "done" (index, JobResult)           a job ended (processed, failed or cancelled)
    "log" (text)                        a warning raised outside any job
    "error" (exception)                 a command it could not read (``MessageError``)

A worker never outlives the runner. On Linux the kernel sends it SIGTERM when the thread
that started it ends (``PR_SET_PDEATHSIG``); everywhere a watchdog thread waits on the
parent's sentinel (and, on POSIX, checks the parent pid). Either asks the running job to
stop (it removes its partial output) and ends the process after ``GRACE_S`` if the job has
not stopped by then. Ctrl-C in a terminal goes to the whole process group: workers ignore
SIGINT and stop when the runner asks them to.

Warnings: ctaviewer's warnings about the input are collected by ``execute_job``; any other
warning (from a library) becomes one line naming the input in ``JobResult.warnings``,
never Python's format with source lines on the worker's stderr.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import warnings

from ..errors import MessageError
from ..procmsg import Channel

logger = logging.getLogger(__name__)

#: seconds between a worker's progress messages
PROGRESS_S = 0.1
#: seconds a worker whose parent is gone gives its job to stop before it exits
GRACE_S = 3.0
#: seconds between the watchdog's checks of the parent pid
WATCH_S = 0.5

_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15
#: what ``ps`` shows for a worker process
PROCESS_NAME = "ctaviewer-work"

#: the runner's commands and the worker's reports (see the module's docstring)
COMMANDS = ("job", "stop", "quit", "warm")
REPORTS = ("ready", "start", "progress", "done", "log")
TAGS = COMMANDS + REPORTS


def _prctl(option: int, arg) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, arg, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def set_parent_death_signal(sig: int = signal.SIGTERM) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent ends (Linux only)."""
    return _prctl(_PR_SET_PDEATHSIG, int(sig))


def set_process_name(name: str) -> bool:
    """The name ``ps``, ``top`` and /proc/PID/comm show for this process (Linux only; the
    kernel keeps 15 bytes)."""
    return _prctl(_PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]))


def _parent_gone(parent_pid: int) -> bool:
    """Whether the runner has ended. A worker forked by the forkserver has that server, not
    the runner, as its parent: there the runner's pid is asked whether it still lives."""
    if os.name != "posix" or os.getppid() == parent_pid:
        return False
    try:
        os.kill(parent_pid, 0)
    except OSError:  # no such process, or one of someone else's: not the runner
        return True
    return False


def _watchdog(parent_pid: int, gone: threading.Event) -> None:
    """Wait until the parent ends (or ``gone`` is set), then stop this process."""
    import multiprocessing as mp
    from multiprocessing.connection import wait

    parent = mp.parent_process()
    sentinel = parent.sentinel if parent is not None else None
    while not gone.is_set():
        if sentinel is not None:
            try:
                if wait([sentinel], timeout=WATCH_S):
                    break
            except OSError:
                sentinel = None
        else:
            gone.wait(WATCH_S)
        if _parent_gone(parent_pid):
            break
    gone.set()  # the running job sees it at its next event: it stops, removes its output
    threading.Event().wait(GRACE_S)
    os._exit(1)  # the job did not stop in time (a long read): go anyway


class WarningLines:
    """A ``warnings.showwarning`` for worker processes: each warning becomes one line (its
    class and message, never the source line). During a job (``begin(input)`` ...
    ``end()``) the distinct lines are kept for the job's result, named by its input;
    outside a job each is passed to ``log(line)`` at once."""

    def __init__(self, log):
        self.log = log
        self.input: str | None = None
        self.lines: list[str] = []

    def show(self, message, category, filename, lineno, file=None, line=None) -> None:
        text = " ".join(f"{getattr(category, '__name__', 'Warning')}: {message}".split())
        if self.input is None:
            self.log(f"warning: {text}")
        elif f"{self.input}: {text}" not in self.lines:
            self.lines.append(f"{self.input}: {text}")

    def begin(self, path: str) -> None:
        self.input, self.lines = path, []

    def end(self) -> list[str]:
        lines, self.input, self.lines = self.lines, None, []
        return lines


def worker_main(conn, parent_pid: int) -> None:
    """Entry point of a worker process: run jobs from ``conn`` until "quit", EOF or the
    parent's death."""
    from ..gc_policy import batch_gc
    from .chunks import ChunkCache, ChunkSpec, execute_chunk
    from .job import JobResult, Throttle, execute_job

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle
    set_process_name(PROCESS_NAME)
    gone = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: gone.set())
    set_parent_death_signal(signal.SIGTERM)
    if _parent_gone(parent_pid):  # the parent ended before the death signal was armed
        return
    threading.Thread(target=_watchdog, args=(parent_pid, gone), daemon=True,
                     name="ctaviewer-parent-watchdog").start()
    channel = Channel(conn, TAGS)

    def send(tag: str, *args) -> None:
        """Report to the runner; a runner that is gone marks it gone."""
        if not gone.is_set() and not channel.try_send(tag, *args):
            gone.set()

    lines = WarningLines(lambda text: send("log", text))
    warnings.showwarning = lines.show
    asked = {"stop": False, "quit": False}
    chunks = ChunkCache()  # the split file whose event ranges this worker processes

    def should_stop() -> bool:
        """Whether the runner asked the running job to stop (or to quit), or is gone."""
        while not (asked["stop"] or gone.is_set()):
            try:
                command = channel.receive(timeout=0)
            except (EOFError, OSError):
                gone.set()
                break
            except MessageError:  # only "stop" and "quit" come during a job
                command = None
                asked["stop"] = True
            if command is None:
                break
            asked["stop"] = True  # "stop", or "quit": quit once this job has stopped
            asked["quit"] |= command.tag == "quit"
        return asked["stop"] or gone.is_set()

    with batch_gc():
        send("ready", os.getpid())
        while not gone.is_set() and not asked["quit"]:
            try:
                command = channel.receive()
            except (EOFError, OSError):
                return
            except MessageError as exc:  # a job that does not unpickle here: said, not lost
                try:
                    channel.send_error(exc)
                except (OSError, EOFError):
                    return
                continue
            if command.tag == "quit":
                return
            if command.tag == "warm":
                from ..pipeline import warm_up

                warm_up()
                continue
            if command.tag != "job":  # a "stop" that came after its job ended
                continue
            index, spec = command.args
            asked["stop"] = False
            send("start", index)
            emit = Throttle(
                lambda done, total, index=index: send("progress", index, done, total),
                PROGRESS_S,
            )
            lines.begin(spec.input)
            if isinstance(spec, ChunkSpec):
                result = execute_chunk(spec, chunks, emit=emit, should_stop=should_stop)
            else:
                chunks.close()
                result = execute_job(spec, emit=emit, should_stop=should_stop)
            result.warnings += [t for t in lines.end() if t not in result.warnings]
            if result.cancelled and not asked["stop"] and not _parent_gone(parent_pid):
                # SIGTERM from someone else: the job did not end by the runner's choice
                result = JobResult(spec.input, None, error=f"{spec.input}: the worker process "
                                   "was stopped (SIGTERM); no output written")
            send("done", index, result)


def worker_context():
    """The multiprocessing context workers start in: forked from a forkserver that has
    imported the chain and loaded its kernels (``warm_fork``) where the platform has one,
    else spawned. A forkserver is a fresh process, so it never inherits the runner's threads
    (or a window's Qt state). A frozen bundle spawns (its executable is not a Python that
    runs the forkserver's command line)."""
    if "forkserver" in mp.get_all_start_methods() and not getattr(sys, "frozen", False):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["ctaviewer.batch.warm_fork"])
        return ctx
    return mp.get_context("spawn")


def start_worker_server() -> None:
    """Start the forkserver of ``worker_context`` now (where workers fork from one): it
    imports the chain and loads its kernels (~1.3 s of CPU) while the caller does its own
    start-up and indexes the file, instead of after it, when the first worker is asked for."""
    if worker_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def describe_exit(exitcode: int | None) -> str:
    """How a worker process ended, in words: "killed by SIGSEGV", "exit code 3"."""
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = ", perhaps out of memory" if -exitcode == getattr(signal, "SIGKILL", 9) else ""
        return f"killed by {name}{hint}"
    return f"exit code {exitcode}"


class WorkerHandle:
    """The runner's handle on one worker process (started at once)."""

    def __init__(self, ctx):
        conn, child = ctx.Pipe(duplex=True)
        self.channel = Channel(conn, TAGS)
        self.process = ctx.Process(target=worker_main, args=(child, os.getpid()),
                                   daemon=True, name="ctaviewer-batch-worker")
        self.process.start()
        child.close()
        self.ready = False  # said it can take jobs
        self.quitting = False  # was told to quit
        self.index: int | None = None  # the job it runs
        self.dead = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, tag: str, *args) -> bool:
        """Send a command; False when the worker's end is gone."""
        return self.channel.try_send(tag, *args)

    def messages(self):
        """The messages the worker has sent, without waiting; a broken pipe (the worker gone,
        or dead in the middle of a message) marks it dead and ends them."""
        while not self.dead:
            try:
                msg = self.channel.receive(timeout=0)
            except (EOFError, OSError, MessageError) as exc:
                logger.debug("worker %s: pipe closed (%s)", self.pid, exc)
                self.dead = True
                return
            if msg is None:
                return
            yield msg

    def exit_cause(self) -> str:
        """How the process ended (it is ended first if its pipe broke but it lives on)."""
        self.process.join(1.0)
        if self.process.exitcode is None:  # its pipe broke but it lives on: end it
            self.process.kill()
            self.process.join()
        return describe_exit(self.process.exitcode)
