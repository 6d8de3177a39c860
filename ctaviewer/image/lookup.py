"""Table lookup over a large index array (the camera view's colour map: one value per
screen pixel, looked up from one colour per camera pixel)."""

from __future__ import annotations

import numpy as np

from .._numba import njit


@njit(cache=True, nogil=True)
def _gather(table, index, out):
    flat_index = index.ravel()
    flat_out = out.ravel()
    for i in range(flat_index.size):
        flat_out[i] = table[flat_index[i]]


def index_dtype(n_entries: int) -> np.dtype:
    """The narrowest unsigned index type for a table of ``n_entries`` (less memory to read)."""
    return np.dtype(np.uint16 if n_entries <= 1 << 16 else np.uint32)


def gather(table: np.ndarray, index: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out[...] = table[index]`` without temporaries; ``index`` and ``out`` C-contiguous,
    of one shape, every index valid (not checked)."""
    if index.shape != out.shape or not (index.flags.c_contiguous and out.flags.c_contiguous):
        raise ValueError("index and out must be C-contiguous arrays of one shape")
    _gather(table, index, out)
    return out
