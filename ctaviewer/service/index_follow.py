"""Follow a file's index while the reading helper builds it, in a thread of its own.

A source opened with ``open_file(..., progressive=True)`` is returned still being indexed
(``source.indexing``). ``IndexFollower`` asks it every ``interval`` seconds what is new
(``source.poll_index``) and hands on event-list rows, progress and the end, from its
thread: whoever shows them moves them to its own thread (the window: through Qt signals)::

    follower = IndexFollower(source, len(rows), on_rows, on_progress, on_end)
    # on_rows(source, start, rows)       rows of events start, start + 1, ...
    # on_progress(source, fraction)
    # on_end(source, warnings, error)    once; warnings as text, error or None
    follower.stop()                      # the file was closed: nothing more is said

Making the rows (a dict per event) happens here too, not in the thread that shows them.

Rows are handed on at most every ``rows_interval`` seconds (the first ones at once, and at
once whenever ``urgent()`` says someone waits for an event not listed yet): each batch
makes the window's event list insert rows and repaint (~10-20 ms), and a batch every
``interval`` (20 a second) made the list repaint in the turns that drew a file's first
event too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .session import index_rows

#: seconds between polls while ``urgent()`` (someone waits for an event not listed yet)
URGENT_INTERVAL = 0.01


class IndexFollower:
    """Reports the growth of ``source``'s index from event ``start`` on (see module)."""

    def __init__(self, source, start: int, on_rows: Callable, on_progress: Callable,
                 on_end: Callable, interval: float = 0.05, rows_interval: float = 0.25,
                 urgent: Callable[[], bool] | None = None):
        self.source = source
        self.next = start  # the first event whose row is not made yet
        self.on_rows, self.on_progress, self.on_end = on_rows, on_progress, on_end
        self.interval, self.rows_interval = interval, rows_interval
        self.urgent = urgent or (lambda: False)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ctaviewer-index-follow",
                                        daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float | None = None) -> None:
        """Say nothing more; wait up to ``timeout`` s for the thread (None: do not wait)."""
        self._stop.set()
        if timeout is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        source = self.source
        fraction = -1.0
        held: list = []  # rows found, not handed on yet (events self.next - len(held) ...)
        said_at = None  # when rows were last handed on (None: never)
        while not self._stop.is_set():
            try:
                news = source.poll_index(self.interval)
                index = source.index
                rows = index_rows(index, self.next, news.stop) if (
                    index is not None and news.stop > self.next) else []
            except Exception as exc:  # noqa: BLE001 - the source failed: said as the end
                if not self._stop.is_set():
                    if held:  # the events found before the failure are listed all the same
                        self.on_rows(source, self.next - len(held), held)
                    self.on_end(source, [], exc)
                return
            if self._stop.is_set():
                return
            held += rows
            self.next += len(rows)
            now = time.monotonic()
            if held and (said_at is None or news.done or now - said_at >= self.rows_interval
                         or self.urgent()):
                self.on_rows(source, self.next - len(held), held)
                held, said_at = [], now
            if news.fraction != fraction:
                fraction = news.fraction
                self.on_progress(source, fraction)
            if news.done:
                self.on_end(source, list(news.warnings), news.error)
                return
            # someone waits for an event not listed yet: asked again sooner
            self._stop.wait(URGENT_INTERVAL if self.urgent() else self.interval)


__all__ = ["IndexFollower"]
