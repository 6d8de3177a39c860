"""Background tasks on a thread pool: indexing a file and processing an event.

A task reports through Qt signals (delivered on the GUI thread); ``cancel()`` asks it to stop
at the next opportunity. Results of stale tasks are dropped by the session (generation ids).
"""

from __future__ import annotations

import threading
import traceback

from .qt import QtCore


class TaskSignals(QtCore.QObject):
    progress = QtCore.Signal(float)
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(object)


class Task(QtCore.QRunnable):
    """Runs ``fn(progress, should_stop)`` in the pool; emits finished(result) or failed(exc)."""

    def __init__(self, fn):
        super().__init__()
        self.setAutoDelete(False)
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
            self.done.set()


_POOL: QtCore.QThreadPool | None = None


def pool() -> QtCore.QThreadPool:
    global _POOL
    if _POOL is None:
        _POOL = QtCore.QThreadPool()
        _POOL.setMaxThreadCount(2)
    return _POOL


def submit(fn) -> Task:
    task = Task(fn)
    pool().start(task)
    return task
