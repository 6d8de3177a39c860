"""Table lookup over a large index array: the camera view's colours, one per screen pixel,
looked up from one colour per camera pixel, at every repaint.

A numba kernel does it 2-4x faster than numpy's fancy indexing, but importing numba and
loading the kernel from its cache takes ~0.6 s, which must not land on the GUI thread at
start-up or at the first paint. So the kernel is loaded in a background thread on first
use, and numpy does the lookups until it is ready.
"""

from __future__ import annotations

import threading

import numpy as np


def index_dtype(n_entries: int) -> np.dtype:
    """The narrowest unsigned index type for a table of ``n_entries`` (less memory to read)."""
    return np.dtype(np.uint16 if n_entries <= 1 << 16 else np.uint32)


class _LazyKernel:
    """The numba kernel, loaded once per process in a daemon thread when first asked for."""

    def __init__(self):
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.function = None  # set by the loading thread once the kernel is callable

    def start(self) -> threading.Thread:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._load, daemon=True,
                                                name="ctaviewer-lookup-kernel")
                self._thread.start()
            return self._thread

    def _load(self) -> None:
        from ._lookup_kernel import gather_kernel

        table = np.zeros(2, dtype=np.uint32)
        for dtype in (np.uint16, np.uint32):  # the two index types index_dtype gives
            for writeable in (True, False):  # a cached map is read-only: another type
                index = np.zeros((1, 1), dtype=dtype)
                index.flags.writeable = writeable
                gather_kernel(table, index, np.zeros((1, 1), np.uint32))
        self.function = gather_kernel


_KERNEL = _LazyKernel()


def warm_up(wait: bool = False) -> None:
    """Start loading the numba kernel in the background (``wait``: until it is loaded)."""
    thread = _KERNEL.start()
    if wait:
        thread.join()


def gather(table: np.ndarray, index: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out[...] = table[index]``; ``index`` and ``out`` C-contiguous, of one shape, every
    index valid (not checked). Never waits for numba: numpy until the kernel is loaded."""
    if index.shape != out.shape or not (index.flags.c_contiguous and out.flags.c_contiguous):
        raise ValueError("index and out must be C-contiguous arrays of one shape")
    kernel = _KERNEL.function
    if kernel is None:
        _KERNEL.start()
        np.take(table, index, out=out)
    else:
        kernel(table, index, out)
    return out
