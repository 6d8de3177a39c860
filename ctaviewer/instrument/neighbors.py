"""Pixel neighbourhoods of a camera, found by numba kernels over the pixel positions.

A k-d tree (scipy.spatial) answered these questions before; importing it cost every process
~40 MB and 0.25-0.5 s of start-up for a question asked once per camera type. Pixels sorted
by x give the same answers: a pixel's candidates lie in the strip of x within the distance
searched, which on a camera's grid holds a few columns of pixels.

The kernels answer exactly as the tree's k-nearest query did: distances are
``sqrt(dx² + dy²)`` (or ``|dx| + |dy|``), a pixel's nearest other pixel sets its scale, and of
the pixels closer than ``radius`` × that scale the ``k`` nearest are kept (equal distances in
index order).
"""

from __future__ import annotations

import numpy as np

from .._numba import njit


@njit(cache=True)
def _distance(dx, dy, p):
    if p == 1:
        return abs(dx) + abs(dy)
    return np.sqrt(dx * dx + dy * dy)


@njit(cache=True)
def _nearest_other(i, x, y, xs, order, at, p):
    """Distance from pixel ``i`` to its nearest other pixel (inf when there is none)."""
    best = np.inf
    n = xs.shape[0]
    for step in (-1, 1):
        m = at[i] + step
        while 0 <= m < n:
            dx = xs[m] - x[i]
            if abs(dx) > best:
                break
            j = order[m]
            d = _distance(dx, y[j] - y[i], p)
            if d < best:
                best = d
            m += step
    return best


@njit(cache=True)
def close_pairs(x, y, k, p, radius):
    """(rows, cols): for every pixel, its up to ``k`` nearest other pixels among those
    closer than ``radius`` × its nearest-neighbour distance (``p`` 1: L1, 2: Euclidean)."""
    n = x.shape[0]
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    at = np.empty(n, dtype=np.int64)
    for m in range(n):
        at[order[m]] = m
    rows = np.empty(n * k, dtype=np.int64)
    cols = np.empty(n * k, dtype=np.int64)
    n_pairs = 0
    cand_d = np.empty(64, dtype=np.float64)
    cand_j = np.empty(64, dtype=np.int64)
    for i in range(n):
        limit = radius * _nearest_other(i, x, y, xs, order, at, p)
        n_cand = 0
        for step in (-1, 1):
            m = at[i] + step
            while 0 <= m < n:
                dx = xs[m] - x[i]
                if not abs(dx) < limit:
                    break
                j = order[m]
                d = _distance(dx, y[j] - y[i], p)
                if d < limit:
                    if n_cand == cand_d.shape[0]:
                        cand_d = np.concatenate((cand_d, np.empty(n_cand, np.float64)))
                        cand_j = np.concatenate((cand_j, np.empty(n_cand, np.int64)))
                    cand_d[n_cand] = d
                    cand_j[n_cand] = j
                    n_cand += 1
                m += step
        # the k nearest candidates, equal distances in index order (a selection sort: a
        # handful of candidates per pixel)
        for r in range(min(k, n_cand)):
            best = r
            for c in range(r + 1, n_cand):
                if cand_d[c] < cand_d[best] or (cand_d[c] == cand_d[best]
                                                  and cand_j[c] < cand_j[best]):
                    best = c
            cand_d[r], cand_d[best] = cand_d[best], cand_d[r]
            cand_j[r], cand_j[best] = cand_j[best], cand_j[r]
            rows[n_pairs] = i
            cols[n_pairs] = cand_j[r]
            n_pairs += 1
    return rows[:n_pairs], cols[:n_pairs]


def neighbors_csr(x: np.ndarray, y: np.ndarray, shape: str) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric neighbour lists as CSR arrays ``(indptr, indices)`` (int32, indices sorted):
    on a square grid the 4 direct neighbours (L1 distance under 1.5 × the nearest), else
    the 6 of a hexagonal grid (distance under 1.4 × the nearest); a pair found from either
    side counts for both, so irregular layouts stay symmetric."""
    n = len(x)
    if n < 2:
        return np.zeros(n + 1, dtype=np.int32), np.zeros(0, dtype=np.int32)
    k, p, radius = (4, 1, 1.5) if shape == "square" else (6, 2, 1.4)
    rows, cols = close_pairs(np.ascontiguousarray(x, dtype=np.float64),
                             np.ascontiguousarray(y, dtype=np.float64), min(k, n - 1), p,
                             radius)
    keys = np.unique(np.concatenate([rows * n + cols, cols * n + rows]))
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(keys // n, minlength=n), out=indptr[1:])
    return indptr, (keys % n).astype(np.int32)


def nearest_neighbour_stats(x: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    """Typical nearest-neighbour distance, its direction (deg) and how many pixels lie
    there (within 1.1 × that distance, of the 8 nearest), seen from the pixel closest to
    the camera centre (it has a full ring of neighbours)."""
    n = len(x)
    if n < 2:
        return 1.0, 0.0, 0
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    centre = int(np.argmin(np.hypot(x - x.mean(), y - y.mean())))
    dx, dy = x - x[centre], y - y[centre]
    dist = np.sqrt(dx * dx + dy * dy)
    dist[centre] = np.inf
    nearest = np.argsort(dist, kind="stable")[: min(8, n - 1)]
    d0 = dist[nearest[0]]
    n_close = int(np.sum(dist[nearest] < 1.1 * d0))
    j = nearest[0]
    angle = np.rad2deg(np.arctan2(y[j] - y[centre], x[j] - x[centre]))
    return float(d0), float(angle), n_close


def x_order(pix_x: np.ndarray) -> np.ndarray:
    """The pixels in order of x: what ``nearest_pixel_sorted`` searches (made once per
    camera by a caller that asks many times)."""
    return np.argsort(pix_x, kind="mergesort")


def nearest_pixel(pix_x, pix_y, x, y, limit):
    """Index of the pixel nearest to each point (x, y), or -1 where none is within
    ``limit``."""
    return nearest_pixel_sorted(pix_x, pix_y, x_order(pix_x), x, y, limit)


@njit(cache=True)
def nearest_pixel_sorted(pix_x, pix_y, order, x, y, limit):
    """``nearest_pixel`` with the pixels' x order given (``x_order``): a strip search
    around each point's x."""
    n = pix_x.shape[0]
    xs = pix_x[order]
    out = np.full(x.shape[0], -1, dtype=np.int64)
    for q in range(x.shape[0]):
        start = np.searchsorted(xs, x[q])
        best = limit
        for step in (-1, 1):
            m = start if step == 1 else start - 1
            while 0 <= m < n:
                dx = xs[m] - x[q]
                if abs(dx) > best:
                    break
                j = order[m]
                dy = pix_y[j] - y[q]
                d = np.sqrt(dx * dx + dy * dy)
                if d < best or (d == best and out[q] >= 0 and j < out[q]):
                    best = d
                    out[q] = j
                m += step
    return out


__all__ = ["close_pairs", "nearest_neighbour_stats", "nearest_pixel", "nearest_pixel_sorted",
           "neighbors_csr", "x_order"]
