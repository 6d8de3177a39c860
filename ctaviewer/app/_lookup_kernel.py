"""The numba kernel behind :mod:`ctaviewer.app.table_lookup` (imported only from there)."""

from __future__ import annotations

from .._numba import njit


@njit(cache=True, nogil=True)
def gather_kernel(table, index, out):
    flat_index = index.ravel()
    flat_out = out.ravel()
    for i in range(flat_index.size):
        flat_out[i] = table[flat_index[i]]
