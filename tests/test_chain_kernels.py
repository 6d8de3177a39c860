"""The chain's faster kernels give exactly (bit for bit) what a plain, sequential
formulation of the same sums gives, on cameras of every neighbour count, with and without
broken pixels and local weights."""

from __future__ import annotations

import numpy as np
import pytest

from ctaviewer.image import extract_kernels as k
from ctaviewer.instrument import CameraGeometry
from ctaviewer.io.toy import hex_grid


def _neighbor_peaks_reference(wf, indptr, indices, local_weight, broken):
    """Each pixel's summed waveform built one neighbour at a time in float32, in
    ``indices`` order; the first index of its maximum."""
    out = np.empty(len(wf), dtype=np.int64)
    for p in range(len(wf)):
        acc = (local_weight * wf[p]).astype(np.float32)
        for q in indices[indptr[p]:indptr[p + 1]]:
            if not broken[q]:
                acc = (acc + wf[q]).astype(np.float32)
        out[p] = int(np.argmax(acc))
    return out


def _camera(n_rings):
    x, y = hex_grid(n_rings, 0.05)
    geom = CameraGeometry.from_positions("test", x, y)
    indptr, indices = geom.neighbors
    return np.asarray(indptr, np.int32), np.asarray(indices, np.int32)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("local_weight", [0.0, 1.0, 0.37])
def test_neighbor_peaks_match_sequential_sums(seed, local_weight):
    indptr, indices = _camera(4)
    n_pix = len(indptr) - 1
    assert (np.diff(indptr) == 6).any() and (np.diff(indptr) < 6).any()
    rng = np.random.default_rng(seed)
    # rounding-sensitive values: mixed magnitudes, ties and negative samples
    wf = (rng.normal(0, 1, (n_pix, 23)) * 10.0 ** rng.integers(-2, 4, (n_pix, 1)))
    wf = wf.astype(np.float32)
    wf[: n_pix // 4, 5:9] = 3.0  # plateaus: the first of equal maxima wins
    broken = np.zeros(n_pix, dtype=np.bool_)
    lw = np.float32(local_weight)
    for b in (broken, rng.random(n_pix) < 0.1):
        expected = _neighbor_peaks_reference(wf, indptr, indices, lw, b)
        got = k.neighbor_peaks(wf, indptr, indices, lw, b)
        np.testing.assert_array_equal(got, expected)
