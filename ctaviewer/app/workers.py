"""Background tasks on a thread pool: indexing a file and processing an event.

A task reports through Qt signals (delivered on the GUI thread); ``cancel()`` asks it to stop
at the next opportunity. Results of stale tasks are dropped by the session (generation ids).
"""

from __future__ import annotations

import atexit
import threading
import traceback
import weakref

from .qt import QtCore


class TaskSignals(QtCore.QObject):
    progress = QtCore.Signal(float)
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(object)


class Task:
    """Runs ``fn(progress, should_stop)`` in the pool; emits finished(result) or failed(exc).

    Not a QRunnable itself: the pool runs its ``run`` through a runnable it deletes when
    done (PySide keeps a QRunnable the pool does not delete alive for ever)."""

    def __init__(self, fn):
        self.fn = fn
        self.signals = TaskSignals()
        self._stop = threading.Event()
        self.done = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    def run(self):
        if self.cancelled:  # cancelled while queued: nothing to do
            self.done.set()
            _RUNNING.discard(self)
            return
        try:
            result = self.fn(self.signals.progress.emit, self._stop.is_set)
        except Exception as exc:  # reported to the GUI, shown in a dialog
            exc.formatted_traceback = traceback.format_exc()
            if not self.cancelled:
                self.signals.failed.emit(exc)
        else:
            if not self.cancelled:
                self.signals.finished.emit(result)
        finally:
            self.fn = None  # what its closure holds (events, sources) goes now
            self.done.set()
            if self.cancelled:
                _RUNNING.discard(self)


_POOL: QtCore.QThreadPool | None = None
_RUNNING: set = set()  # strong references until each task has finished


def pool() -> QtCore.QThreadPool:
    """One worker thread: tasks run in order. Two threads importing and JIT-compiling the
    processing chain at once can deadlock (import lock vs numba's compiler lock)."""
    global _POOL
    if _POOL is None:
        _POOL = QtCore.QThreadPool()
        _POOL.setMaxThreadCount(1)
    return _POOL


def submit(fn, finished=None, failed=None, progress=None) -> Task:
    """Run ``fn(progress, should_stop)`` in the pool; slots are connected before it starts."""
    task = Task(fn)
    for signal, slot in ((task.signals.finished, finished), (task.signals.failed, failed),
                         (task.signals.progress, progress)):
        if slot is not None:
            signal.connect(slot)
    _RUNNING.add(task)
    # a weak reference: a slot that held the task would keep it, its signals and the
    # connection alive for ever (a cycle through Qt that the collector cannot see)
    ref = weakref.ref(task)

    def release(_, ref=ref):
        task = ref()
        if task is not None:
            _RUNNING.discard(task)

    task.signals.finished.connect(release)
    task.signals.failed.connect(release)
    pool().start(task.run)
    return task


def shutdown(timeout_ms: int = 10000) -> None:
    """Drop queued tasks, ask running ones to stop and wait for them.

    Runs at exit: the pool's threads are not Python's, and an interpreter finalised under a
    task still running Python code crashes.
    """
    for task in list(_RUNNING):
        task.cancel()
    if _POOL is not None:
        _POOL.clear()
        _POOL.waitForDone(timeout_ms)


atexit.register(shutdown)
