"""Stereo direction from the Hillas axes intersected in the nominal frame, after ctapipe's
HillasIntersection.

Every image axis (centroid and a second point along ψ, taken through the telescope's own
pointing) is expressed in the nominal frame, the field-of-view frame around the array
pointing; every pair of axes crosses in one point, and the direction is the mean of these
points weighted by the two images' weights and the sine of their opening angle (parallel
axes say nothing). Core, h_max and uncertainties then follow as in ``hillas_weighted``.
"""

from __future__ import annotations

import numpy as np

from ..coords import altaz_to_fov, fov_to_altaz
from .geometry import Reconstruction, good_axes, invalid, sky_vector
from .weighted_planes import complete

MIN_SIN = 1e-6


def reconstruct(
    subarray, pointing, parameters: dict, weighting: str, min_telescopes: int = 2
) -> Reconstruction:
    """Reconstruction from the good images; invalid (NaN, with the reason) below
    ``min_telescopes`` or when implausible."""
    axes = good_axes(subarray, pointing, parameters, weighting, min_telescopes)
    if isinstance(axes, Reconstruction):
        return axes
    tel_ids = axes.tel_ids
    a_alt, a_az = pointing.array_alt, pointing.array_az
    x1, y1 = altaz_to_fov(axes.alt1, axes.az1, a_alt, a_az)
    x2, y2 = altaz_to_fov(axes.alt2, axes.az2, a_alt, a_az)
    ux, uy = x2 - x1, y2 - y1
    norm = np.hypot(ux, uy)
    ux, uy = ux / norm, uy / norm
    i, j = np.triu_indices(len(axes), 1)
    sin = ux[i] * uy[j] - uy[i] * ux[j]
    ok = np.abs(sin) > MIN_SIN
    if not ok.any():
        return invalid(tel_ids, "no direction (the image axes are parallel)")
    i, j, sin = i[ok], j[ok], sin[ok]
    # p_i + s u_i = p_j + t u_j  →  s = ((p_j - p_i) × u_j) / (u_i × u_j)
    s = ((x1[j] - x1[i]) * uy[j] - (y1[j] - y1[i]) * ux[j]) / sin
    px, py = x1[i] + s * ux[i], y1[i] + s * uy[i]
    weight = axes.w[i] * axes.w[j] * np.abs(sin)
    lon = np.sum(weight * px) / np.sum(weight)
    lat = np.sum(weight * py) / np.sum(weight)
    if not (np.isfinite(lon) and np.isfinite(lat)):
        return invalid(tel_ids, "no direction (the image axes do not cross)")
    alt, az = fov_to_altaz(lon, lat, a_alt, a_az)
    return complete(subarray, pointing, axes, sky_vector(alt, az))
