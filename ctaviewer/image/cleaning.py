"""Image cleaning, selectable by name through ``CLEANERS`` (options declared in
:mod:`ctaviewer.config.cleaning`; this module binds the functions).

``tailcuts`` follows ctapipe's tailcuts_clean (picture/boundary thresholds, minimum number
of picture neighbours, keep or drop isolated picture pixels), optionally followed by ctapipe's
time-delta cleaning (a pixel needs a neighbour in the image whose peak time differs by less
than ``time_limit_ns``) and by ``n_dilation_rings`` rings of dilation.
"""

from __future__ import annotations

import numpy as np

from .._numba import njit
from ..config.cleaning import CLEANERS


@njit(cache=True)
def tailcuts_kernel(image, indptr, indices, picture, boundary, min_neighbors, keep_isolated):
    n = image.shape[0]
    above_pic = image >= picture
    in_pic = above_pic.copy()
    if not keep_isolated and min_neighbors > 0:
        for p in range(n):
            if above_pic[p]:
                c = 0
                for k in range(indptr[p], indptr[p + 1]):
                    if above_pic[indices[k]]:
                        c += 1
                in_pic[p] = c >= min_neighbors
    out = np.zeros(n, dtype=np.bool_)
    for p in range(n):
        if image[p] < boundary:
            continue
        pic_nb = False
        bound_nb = False
        for k in range(indptr[p], indptr[p + 1]):
            q = indices[k]
            if in_pic[q]:
                pic_nb = True
            if image[q] >= boundary:
                bound_nb = True
        if pic_nb:
            out[p] = True
        elif in_pic[p] and (keep_isolated or bound_nb):
            out[p] = True
    return out


@njit(cache=True)
def time_constraint_kernel(mask, peak_time, indptr, indices, time_limit, min_neighbors):
    """Keep pixels with >= min_neighbors image neighbours within time_limit (ns)."""
    n = mask.shape[0]
    out = mask.copy()
    for p in range(n):
        if not mask[p]:
            continue
        c = 0
        for k in range(indptr[p], indptr[p + 1]):
            q = indices[k]
            if mask[q] and abs(peak_time[p] - peak_time[q]) < time_limit:
                c += 1
        if c < min_neighbors:
            out[p] = False
    return out


@njit(cache=True)
def dilate_kernel(mask, indptr, indices):
    """Add every pixel that has a neighbour in the mask."""
    n = mask.shape[0]
    out = mask.copy()
    for p in range(n):
        if mask[p]:
            continue
        for k in range(indptr[p], indptr[p + 1]):
            if mask[indices[k]]:
                out[p] = True
                break
    return out


@CLEANERS.implement("tailcuts")
def tailcuts(image, peak_time, ctx, cfg) -> np.ndarray:
    """Tail-cuts cleaning of ``image`` (p.e.) with the thresholds in ``cfg``."""
    indptr, indices = ctx.csr
    image = np.ascontiguousarray(image, dtype=np.float32)
    mask = tailcuts_kernel(
        image,
        indptr,
        indices,
        np.float32(cfg.picture_threshold),
        np.float32(cfg.boundary_threshold),
        np.int64(cfg.min_picture_neighbors),
        bool(cfg.keep_isolated_pixels),
    )
    if cfg.time_limit_ns is not None and peak_time is not None:
        t = np.ascontiguousarray(peak_time, dtype=np.float32)
        if np.isfinite(t[mask]).all():
            mask = time_constraint_kernel(
                mask, t, indptr, indices, np.float32(cfg.time_limit_ns), np.int64(1)
            )
    for _ in range(int(cfg.n_dilation_rings)):
        mask = dilate_kernel(mask, indptr, indices)
    return mask


def clean(name: str, image, peak_time, ctx, cfg) -> np.ndarray:
    return CLEANERS.get(name).function(image, peak_time, ctx, cfg)
