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
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .session import index_rows


class IndexFollower:
    """Reports the growth of ``source``'s index from event ``start`` on (see module)."""

    def __init__(self, source, start: int, on_rows: Callable, on_progress: Callable,
                 on_end: Callable, interval: float = 0.05):
        self.source = source
        self.next = start  # the first event not reported yet
        self.on_rows, self.on_progress, self.on_end = on_rows, on_progress, on_end
        self.interval = interval
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
        while not self._stop.is_set():
            try:
                news = source.poll_index(self.interval)
                index = source.index
                rows = index_rows(index, self.next, news.stop) if (
                    index is not None and news.stop > self.next) else []
            except Exception as exc:  # noqa: BLE001 - the source failed: said as the end
                if not self._stop.is_set():
                    self.on_end(source, [], exc)
                return
            if self._stop.is_set():
                return
            if rows:
                self.on_rows(source, self.next, rows)
                self.next += len(rows)
            if news.fraction != fraction:
                fraction = news.fraction
                self.on_progress(source, fraction)
            if news.done:
                self.on_end(source, list(news.warnings), news.error)
                return
            self._stop.wait(self.interval)


__all__ = ["IndexFollower"]
