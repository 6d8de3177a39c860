"""Ctrl+C (SIGINT) and SIGTERM (``kill``, a batch system ending a job) during a command.

Either unwinds the command as an interrupt does, so that temporary outputs are removed and
workers stopped: SIGTERM's default would end the process at once and leave them behind.
``process`` first asks its jobs to stop (``StopRequests``), a second signal interrupts at
once.
"""

from __future__ import annotations

import signal
import threading

from ..errors import Terminated


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def terminate_as_interrupt() -> None:
    """From now on SIGTERM raises ``Terminated`` in the main thread."""

    def raise_terminated(signum, frame):
        raise Terminated()

    if _in_main_thread() and signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN:
        signal.signal(signal.SIGTERM, raise_terminated)


class StopRequests:
    """SIGINT or SIGTERM as a stop request: the first one asks the jobs to stop (they
    remove their partial outputs; ``requested`` is then true), a second one raises at once
    (``KeyboardInterrupt``, or ``Terminated`` for SIGTERM). ``raise_if_requested`` raises
    after the jobs stopped. Only in the main thread (elsewhere signals cannot be handled),
    and not for a signal that is ignored (a job started in the background by a shell
    ignores SIGINT)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.requested = False
        self.signal: int | None = None
        self._previous: dict[int, object] = {}

    def __call__(self) -> bool:
        return self.requested

    def _exception(self, signum):
        return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    def _handle(self, signum, frame):
        if self.requested:
            raise self._exception(signum)
        self.requested, self.signal = True, signum

    def raise_if_requested(self) -> None:
        if self.requested:
            raise self._exception(self.signal)

    def __enter__(self):
        if _in_main_thread():
            for signum in self.SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()
        return False
