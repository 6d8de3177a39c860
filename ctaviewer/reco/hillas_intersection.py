"""Stereo geometry as ctapipe 0.28's HillasReconstructor computes it (the default).

Every good image defines a plane through its telescope holding the image axis: the centroid
and a point a tenth of the camera radius along psi, taken to the horizontal frame with that
telescope's pointing; the plane's normal is their cross product (not normalised).

- Direction: the average of the pairwise crossings of the planes (cross products of the
  normals, on the upper hemisphere), each pair weighted by the product of the two images'
  weights (``intensity × length / width``, or as configured); ``alt_uncert`` and
  ``az_uncert`` both hold the mean angle between the result and the crossings (deg).
- Core: each image axis, seen in the frame of the array pointing, gives a direction
  ``core_psi`` in the tilted frame; the lines through the telescopes along these directions
  are intersected (unweighted least squares) in the tilted frame (``core_tilted_x/y``) and
  the point is projected on the ground along the pointing (``core_x/y``).
- h_max: the point closest to the lines of sight through the centroids (unweighted), its
  height above sea level (the array's reference height plus the height above it).

Uncertainties of the core and h_max, the angular-distance uncertainty and the goodness of
fit are not estimated (NaN), as in ctapipe; ``hillas_weighted`` estimates them. Geometries
no shower can have are marked invalid with the reason (``geometry.implausible``).
"""

from __future__ import annotations

import math

import numpy as np

from ..results import StereoResult
from .geometry import (
    ImageAxes,
    Reconstruction,
    cross3,
    finish,
    good_axes,
    invalid,
    line_intersection,
    reference_height,
    stack3,
    tilted_matrix,
    tilted_to_ground,
    vector_altaz,
)


def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(n, 1)`` (the pairs i < j in row order) from two short lists: numpy
    builds them from an n × n mask, ~4x slower for the few telescopes of an event."""
    i = [a for a in range(n) for _ in range(a + 1, n)]
    j = [b for a in range(n) for b in range(a + 1, n)]
    return np.array(i, dtype=np.intp), np.array(j, dtype=np.intp)


def direction(normals: np.ndarray, w: np.ndarray):
    """(unit direction, mean angle in deg between it and the pairwise crossings) or None."""
    i, j = _pairs(len(normals))
    crossing = cross3(normals[i], normals[j])
    crossing[crossing[:, 2] < 0] *= -1.0
    pw = w[i] * w[j]
    total = (crossing * pw[:, None]).sum(axis=0)
    norm = float(np.linalg.norm(total))
    if not (np.isfinite(norm) and norm > 0 and pw.sum() > 0):
        return None
    d = total / norm
    length = np.linalg.norm(crossing, axis=1)
    ok = length > 0  # a pair of identical planes has no crossing
    cos = np.clip((crossing[ok] @ d) / length[ok], -1.0, 1.0)
    spread = math.degrees(float(np.mean(np.arccos(cos)))) if ok.any() else math.nan
    return d, spread


def tilted_core(axes: ImageAxes, psi: np.ndarray, array_alt: float, array_az: float):
    """Intersection (x, y) in the tilted frame of the lines through the telescopes along
    ``psi`` (unweighted), NaN when they are parallel."""
    m = tilted_matrix(array_alt, array_az)
    origins = axes.positions @ m.T
    dirs = stack3(np.cos(psi), np.sin(psi), np.zeros(len(psi)))  # np.column_stack's
    p = line_intersection(dirs, origins)
    return float(p[0]), float(p[1])


def h_max_above_ground(axes: ImageAxes, weights=None) -> float:
    """Height above the ground frame's origin of the point closest to the lines of sight
    through the image centroids."""
    return float(line_intersection(axes.v1, axes.positions, weights)[2])


def reconstruct(
    subarray, pointing, parameters: dict, weighting: str, min_telescopes: int = 2
) -> Reconstruction:
    """Reconstruction from the parameter dicts of the telescopes that passed the quality
    query; with fewer than ``min_telescopes`` (or an impossible geometry) invalid, never
    dropped."""
    axes = good_axes(subarray, pointing, parameters, weighting, min_telescopes)
    if isinstance(axes, Reconstruction):
        return axes
    tel_ids = axes.tel_ids
    a_alt, a_az = pointing.array_alt, pointing.array_az
    psi = axes.core_psi(a_alt, a_az)
    core_psi = dict(zip(tel_ids, np.degrees(psi).tolist()))
    found = direction(axes.normals, axes.w)
    if found is None:
        return invalid(tel_ids, "no direction (the image axes do not cross)")
    d, spread = found
    alt, az = vector_altaz(d)
    tx, ty = tilted_core(axes, psi, a_alt, a_az)
    core_x, core_y = tilted_to_ground(tx, ty, a_alt, a_az)
    result = StereoResult(
        alt=alt,
        az=az,
        alt_uncert=spread,
        az_uncert=spread,
        core_x=core_x,
        core_y=core_y,
        core_tilted_x=tx,
        core_tilted_y=ty,
        h_max=h_max_above_ground(axes) + reference_height(subarray),
        is_valid=True,
        average_intensity=float(np.mean(axes.intensity)),
        tel_ids=tel_ids,
    )
    return finish(result, axes, core_psi, subarray, computed=("alt_uncert",))
