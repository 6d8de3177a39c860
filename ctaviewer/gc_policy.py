"""When Python's cyclic garbage collector runs: the whole policy, in one place.

Memory is freed by reference counting as objects go; the cyclic collector only looks for
reference cycles, and each full pass walks every tracked object while holding the GIL. Its
schedule matters in three situations:

- **Batch jobs** (worker processes, ``process`` and ``train`` on the command line):
  reading, importing and writing allocate many short-lived containers, so ``batch_gc``
  raises the thresholds while jobs run and skips the last full pass at interpreter exit.
- **Objects that live as long as the process** (numba's compiled kernels after the warm-up,
  the application's modules, classes and widgets once the first file is shown):
  ``freeze_once`` moves them out of the collector's reach, once per moment.
- **A GUI application**: automatic collection would run in whichever thread crosses a
  threshold; garbage holding Qt objects then has its C++ destructors run in a worker thread,
  which takes Qt's locks while the GUI thread holds the GIL and waits for them: a deadlock
  (seen in the test suite). ``ManualCollector`` switches automatic collection off and
  applies the same generation thresholds when the GUI thread calls ``check`` (every
  ``GUI_INTERVAL_MS``, from a Qt timer: ``app.gui_gc``, as pyqtgraph's
  ``GarbageCollector`` does). Where automatic collection is off, ``collect_if_disabled``
  collects on the calling thread (the test suite does, between tests).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import threading

#: cyclic-GC thresholds while batch jobs run (see ``batch_gc``)
BATCH_THRESHOLD = (10_000, 20, 20)
#: milliseconds between the GUI thread's collection checks (``ManualCollector.check``)
GUI_INTERVAL_MS = 250

#: the moments ``freeze_once`` is called at
WARM_UP = "warm-up"  # the processing chain and its numba kernels are loaded
FIRST_FILE_SHOWN = "first file shown"  # the application's start-up objects all exist

_LOCK = threading.Lock()
_FROZEN: set[str] = set()
_FREEZE_AT_EXIT = False


@contextlib.contextmanager
def batch_gc():
    """Garbage-collector settings for running batch jobs (workers, the command line).

    With Python's default thresholds (700, 10, 10) the cyclic collector ran ~900 times per
    four files and took 10-15 % of the run; ``BATCH_THRESHOLD`` keeps it under 3 %. The
    previous thresholds come back on exit. It also registers ``gc.freeze`` to run at
    interpreter exit: shutdown then skips a last collection over every object left (0.1-0.4
    s after a job has loaded numba, h5py and the instruments); nothing else changes.
    """
    global _FREEZE_AT_EXIT
    old = gc.get_threshold()
    gc.set_threshold(*BATCH_THRESHOLD)
    with _LOCK:
        if not _FREEZE_AT_EXIT:
            atexit.register(gc.freeze)
            _FREEZE_AT_EXIT = True
    try:
        yield
    finally:
        gc.set_threshold(*old)


def freeze_once(moment: str) -> bool:
    """``gc.freeze()`` the first time ``moment`` (``WARM_UP``, ``FIRST_FILE_SHOWN``) is
    reached in this process: every object that exists then is taken to live as long as the
    process and kept out of full collections (~100 ms each over the application's ~150k
    start-up objects). Only once per moment: objects made later (a file opened and closed
    again) must stay collectable. Returns whether it froze."""
    with _LOCK:
        if moment in _FROZEN:
            return False
        _FROZEN.add(moment)
    gc.freeze()
    return True


class ManualCollector:
    """The automatic collector's generation thresholds, applied only when ``check`` is
    called: on the thread that calls it (the GUI thread), never in another."""

    def __init__(self, threshold: tuple[int, int, int] | None = None):
        self.threshold = tuple(threshold or gc.get_threshold())

    def start(self) -> None:
        """Switch automatic collection off; from now on ``check`` collects."""
        gc.disable()

    def check(self) -> int | None:
        """Collect the generations whose counts passed their thresholds, as the automatic
        collector would have; the oldest generation collected, or None."""
        n0, n1, n2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if n0 <= t0:
            return None
        gc.collect(0)
        if n1 <= t1:
            return 0
        gc.collect(1)
        if n2 <= t2:
            return 1
        gc.collect(2)
        return 2


def collect_if_disabled() -> bool:
    """Where automatic collection is off (a ``ManualCollector`` runs), collect every
    generation now on the calling thread. Returns whether it collected."""
    if gc.isenabled():
        return False
    gc.collect()
    return True


__all__ = ["BATCH_THRESHOLD", "FIRST_FILE_SHOWN", "GUI_INTERVAL_MS", "WARM_UP",
           "ManualCollector", "batch_gc", "collect_if_disabled", "freeze_once"]
