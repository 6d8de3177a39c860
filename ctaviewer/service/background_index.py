"""A sim_telarray source indexed in a thread, usable while the scan goes on.

The reading helper (``simtel_helper``) opens a file and starts ``BackgroundIndex`` on it: the
scan (``SimTelSource.scan_index``) runs in a thread and attaches each longer index to the
source as it finds events, so events already found can be read at once, and ``wait_for(i)``
waits until event ``i`` is (or the scan has ended). Whoever wants to hear of the new events
``announce``s itself once: it gets the index so far, then every batch after it, in order,
and the end of the scan (``ScanEnd``), each through the callback it gave::

    scan = BackgroundIndex(source, tmpdir)
    scan.wait_for(0)                        # the first event is indexed (or the scan ended)
    scan.announce(answer, on_rows, on_end)  # answer(index so far), then on_rows(chunk,
                                            # fraction) for each later batch, on_end(ScanEnd)
    with scan.paused(): source[i]           # the scan waits meanwhile (it shares the GIL)
    scan.stop()                             # cancel (the source stays as far as indexed)

The scan runs at a lower priority than the rest (``SCAN_NICENESS``). The callbacks run
under the scan's lock (``on_rows`` and ``on_end`` in its thread), so none
is missed and none comes before ``answer``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from ..errors import Cancelled
from ..warning_capture import collect_warnings


class ScanEnd(NamedTuple):
    """How a scan ended: its whole index (None when it failed), the warnings it calls for
    as (category, text), the exception that stopped it (None when it did not fail)."""

    index: object
    warnings: list
    error: BaseException | None


class BackgroundIndex:
    """The index of ``source`` built in a thread (see the module docstring).

    ``tmpdir``: where a compressed file's copy goes (the caller owns it: the attached indexes
    do not remove it). ``progress`` lands in ``fraction``.
    """

    def __init__(self, source, tmpdir: str | None = None, copy=None):
        self.source = source
        self.tmpdir = tmpdir
        self.copy = copy  # the decompressed copy in tmpdir, if started already
        self.fraction = 0.0
        self.end: ScanEnd | None = None  # set once the scan has ended
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._go = threading.Event()  # cleared while paused
        self._go.set()
        self._listener: tuple[Callable, Callable] | None = None
        self._thread = threading.Thread(target=self._run, name="ctaviewer-index", daemon=True)
        self._thread.start()

    @property
    def n_events(self) -> int:
        """Events indexed so far."""
        return self.source.n_events_known or 0

    def wait_for(self, i: int, timeout: float | None = None) -> bool:
        """Wait until event ``i`` is indexed or the scan has ended; whether that is so."""
        with self._cond:
            return self._cond.wait_for(lambda: self.n_events > i or self.end is not None,
                                       timeout)

    def announce(self, answer: Callable, on_rows: Callable, on_end: Callable) -> None:
        """Call ``answer(index so far)``, then, from now on, ``on_rows(chunk, fraction)``
        with each batch of new events and ``on_end(ScanEnd)`` at the end (at once if the
        scan has ended; not after ``stop``). All run with the scan's lock held: none is
        missed, none comes before ``answer``."""
        with self._cond:
            answer(self.source.index)
            self._listener = (on_rows, on_end)
            if self.end is not None and not isinstance(self.end.error, Cancelled):
                on_end(self.end)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The scan waits (at its next object) while the block runs: reading or processing
        an event the user waits for is not slowed by a scan holding the GIL half the time."""
        self._go.clear()
        try:
            yield
        finally:
            self._go.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel the scan and wait for its thread (the source keeps what was indexed)."""
        self._stop.set()
        self._go.set()
        self._thread.join(timeout)

    def _should_stop(self) -> bool:
        self._go.wait()
        return self._stop.is_set()

    # ---------------------------------------------------------------- the scan's thread
    def _progress(self, fraction: float) -> None:
        self.fraction = fraction

    def _rows(self, chunk) -> None:
        with self._cond:
            index = self.source.index
            index = dataclasses.replace(chunk, temporary_dir=None) if index is None \
                else index.extend(chunk)
            self.source.attach_index(index)
            self._cond.notify_all()
            if self._listener is not None:
                self._listener[0](chunk, self.fraction)

    def _run(self) -> None:
        _lower_priority()
        with collect_warnings() as caught:  # the problems are in the index: sent as text
            try:
                index = self.source.scan_index(self._progress, self._should_stop,
                                               self.tmpdir, self._rows, copy=self.copy)
            except BaseException as exc:  # noqa: BLE001 - handed to whoever listens
                end = ScanEnd(None, [], exc)
            else:
                # the caller owns the temporary folder: this index does not remove it
                index = dataclasses.replace(index, temporary_dir=None)
                end = ScanEnd(index, [(type(w), str(w)) for w in index.problems()], None)
        del caught
        with self._cond:
            if end.index is not None:
                self.source.attach_index(end.index)
            self.fraction = 1.0
            self.end = end
            self._cond.notify_all()
            if self._listener is not None and not isinstance(end.error, Cancelled):
                self._listener[1](end)


#: the scan's niceness (Linux: per thread; inherited by a thread of this process that
#: decompresses, not by the decompressing process, which runs at the caller's)
SCAN_NICENESS = 5


def _lower_priority() -> None:
    """Let the scan yield the CPU to the window and to the reads the user waits for (the
    helper's main thread), on a machine with few cores: it is background work."""
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid)
                       + SCAN_NICENESS)
    except OSError:
        pass


__all__ = ["BackgroundIndex", "ScanEnd"]
