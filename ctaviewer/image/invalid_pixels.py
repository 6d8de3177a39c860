"""Values for broken pixels, selectable by name through ``INVALID_PIXEL_HANDLERS`` (declared
in :mod:`ctaviewer.config.calibration`; this module binds the functions).

``neighbor_average`` is ctapipe's NeighborAverage (its CameraCalibrator's default): the
charge and peak time of each broken pixel become the mean of its neighbours that are not
broken themselves, 0 where it has none. ``none`` keeps what the extractor gave.
"""

from __future__ import annotations

import numpy as np

from .._numba import njit
from ..config.calibration import INVALID_PIXEL_HANDLERS


@njit(cache=True)
def neighbor_average_kernel(image, peak_time, broken, indptr, indices):
    """Copies of ``image`` and ``peak_time`` with each broken pixel set to the mean of its
    good neighbours (0 without any). NaN peak times of neighbours are left out of the mean."""
    img = image.copy()
    pt = peak_time.copy()
    for p in range(image.shape[0]):
        if not broken[p]:
            continue
        n = 0
        total = 0.0
        n_t = 0
        total_t = 0.0
        for k in range(indptr[p], indptr[p + 1]):
            q = indices[k]
            if broken[q]:
                continue
            n += 1
            total += image[q]
            if np.isfinite(peak_time[q]):
                n_t += 1
                total_t += peak_time[q]
        img[p] = total / n if n > 0 else 0.0
        pt[p] = total_t / n_t if n_t > 0 else (0.0 if n == 0 else np.nan)
    return img, pt


@INVALID_PIXEL_HANDLERS.implement("neighbor_average")
def neighbor_average(image, peak_time, broken, ctx):
    """Broken pixels get the mean charge and peak time of their good neighbours."""
    indptr, indices = ctx.csr
    return neighbor_average_kernel(
        np.ascontiguousarray(image, dtype=np.float32),
        np.ascontiguousarray(peak_time, dtype=np.float32),
        np.ascontiguousarray(broken, dtype=np.bool_),
        indptr,
        indices,
    )


@INVALID_PIXEL_HANDLERS.implement("none")
def keep(image, peak_time, broken, ctx):
    """Broken pixels keep the values the extractor gave them."""
    return image, peak_time


def handle_invalid(name: str, image, peak_time, broken, ctx):
    """(image, peak_time) after handler ``name``; unchanged when ``broken`` is None."""
    if broken is None:
        return image, peak_time
    return INVALID_PIXEL_HANDLERS.get(name).function(image, peak_time, broken, ctx)
