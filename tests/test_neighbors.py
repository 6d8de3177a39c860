"""The pixel-neighbour kernels answer as scipy's k-d tree does (the question they replaced
it for): on every camera of the shared files, on regular grids and on random layouts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.spatial import cKDTree

from ctaviewer.instrument.neighbors import (
    nearest_neighbour_stats,
    nearest_pixel,
    neighbors_csr,
)

from .conftest import data_dir


def tree_neighbors(x, y, shape):
    """The k-d tree version: k nearest (self included), closer than radius × the nearest."""
    n = len(x)
    k, p, radius = (5, 1, 1.5) if shape == "square" else (7, 2, 1.4)
    tree = cKDTree(np.column_stack([x, y]))
    dist, cand = tree.query(tree.data, k=min(k, n), p=p)
    dist, cand = dist[:, 1:], cand[:, 1:]
    rows, cols = np.nonzero(dist < radius * dist[:, :1])
    m = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cand[rows, cols])),
                   shape=(n, n)).tocsr()
    m = ((m + m.T) > 0).tocsr()
    m.sort_indices()
    return m.indptr, m.indices


def tree_stats(x, y):
    tree = cKDTree(np.column_stack([x, y]))
    centre = int(np.argmin(np.hypot(x - x.mean(), y - y.mean())))
    dist, idx = tree.query([x[centre], y[centre]], k=min(9, len(x)))
    return float(dist[1]), int(np.sum(dist[1:] < 1.1 * dist[1])), idx[1], centre


def assert_same_neighbors(x, y, shape):
    indptr, indices = neighbors_csr(x, y, shape)
    want_ptr, want_idx = tree_neighbors(x, y, shape)
    np.testing.assert_array_equal(indptr, want_ptr)
    np.testing.assert_array_equal(indices, want_idx)
    assert indptr.dtype == indices.dtype == np.int32
    d0, n_close, _, centre = tree_stats(x, y)
    got = nearest_neighbour_stats(x, y)
    assert got[0] == d0 and got[2] == n_close
    return indptr


def hex_grid(n_side):
    i, j = np.meshgrid(np.arange(-n_side, n_side + 1), np.arange(-n_side, n_side + 1))
    x = (i + 0.5 * j).ravel() * 0.05
    y = (j * np.sqrt(3) / 2).ravel() * 0.05
    keep = np.hypot(x, y) < n_side * 0.05
    return x[keep], y[keep]


def test_hexagonal_grid_has_six_neighbours_inside():
    x, y = hex_grid(12)
    indptr = assert_same_neighbors(x, y, "hexagon")
    counts = np.diff(indptr)
    centre = int(np.argmin(np.hypot(x, y)))
    assert counts[centre] == 6 and counts.max() == 6 and counts.min() >= 2


def test_square_grid_has_four_neighbours_inside():
    i, j = np.meshgrid(np.arange(40), np.arange(30))
    x, y = i.ravel() * 0.006, j.ravel() * 0.006
    counts = np.diff(assert_same_neighbors(x, y, "square"))
    assert counts.max() == 4 and counts.min() == 2  # corners
    assert np.sum(counts == 4) == 38 * 28


@pytest.mark.parametrize("seed", range(4))
def test_random_layouts(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-1, 1, (2, 3000))
    assert_same_neighbors(x, y, "hexagon")
    assert_same_neighbors(x, y, "square")


def test_tiny_cameras():
    assert_same_neighbors(np.array([0.0, 0.1]), np.array([0.0, 0.0]), "hexagon")
    assert_same_neighbors(np.array([0.0, 0.1, 0.3]), np.array([0.0, 0.0, 0.0]), "square")
    indptr, indices = neighbors_csr(np.zeros(1), np.zeros(1), "hexagon")
    assert list(indptr) == [0, 0] and len(indices) == 0


def test_every_camera_of_the_shared_files():
    from ctaviewer.io.simtel import SimTelSource

    folder = data_dir() / "simtel"
    if not folder.is_dir():
        pytest.skip(f"test data {folder} not available (set CTAVIEWER_TEST_DATA)")
    seen = set()
    for name in ("calibration_7cameras.simtel.gz", "stress_40k_pixels.simtel.zst"):
        for tel in SimTelSource(folder / name).subarray.tels.values():
            g = tel.camera.geometry
            if (g.name, g.n_pixels) in seen:
                continue
            seen.add((g.name, g.n_pixels))
            assert_same_neighbors(g.pix_x, g.pix_y, g.pix_shape)
            assert np.array_equal(g.neighbors[1], tree_neighbors(g.pix_x, g.pix_y,
                                                                 g.pix_shape)[1])
    assert len(seen) == 8


def test_nearest_pixel_as_the_tree_with_an_upper_bound():
    x, y = hex_grid(10)
    rng = np.random.default_rng(5)
    qx, qy = rng.uniform(-0.6, 0.6, (2, 5000))
    limit = 0.025
    dist, idx = cKDTree(np.column_stack([x, y])).query(np.column_stack([qx, qy]),
                                                       distance_upper_bound=limit)
    want = np.where(np.isfinite(dist), idx, -1)
    got = nearest_pixel(x, y, qx, qy, limit)
    np.testing.assert_array_equal(got, want)
    assert np.sum(got == -1) > 100 and np.sum(got >= 0) > 1000
