"""Stereo geometry from the same image planes as ``hillas_intersection``, with the core on
the ground and every uncertainty estimated (an alternative to ctapipe's method).

- Direction: the pairwise crossings of the planes with unit normals, so that a pair counts
  with the product of the image weights times the sine of the planes' opening angle.
- Core: the weighted least-squares intersection of the planes' traces on the ground (each
  plane holds the shower axis, so its trace passes through the core).
- h_max: the point closest to the lines of sight through the centroids, weighted, above sea
  level.
- Uncertainties propagate each image's psi uncertainty: a plane turned by σψ about the
  centroid moves by σψ × (centroid–source distance) at the source and its ground trace by
  σψ × (telescope–core distance) at the core; the Fisher matrices of these constraints give
  the direction and core covariances (the tilted-frame core and its uncertainties follow by
  rotation). The goodness of fit is the weighted RMS angle between the planes and the
  direction.

``nominal_intersection`` completes its direction with the same core, h_max and uncertainties.
"""

from __future__ import annotations

import math

import numpy as np

from ..results import StereoResult
from .geometry import (
    ImageAxes,
    Reconstruction,
    finish,
    good_axes,
    invalid,
    reference_height,
    tilted_matrix,
    vector_altaz,
)
from .hillas_intersection import h_max_above_ground

#: psi uncertainty (deg) assumed for an image whose own is not finite
PSI_UNCERT_FALLBACK_DEG = 10.0
#: floors of the per-image errors: direction (deg) and core (m)
DIRECTION_FLOOR_DEG = 0.01
CORE_FLOOR_M = 1.0
COMPUTED = ("ang_distance_uncert", "core_uncert_x", "core_uncert_y")


def _unit(v):
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def reconstruct(
    subarray, pointing, parameters: dict, weighting: str, min_telescopes: int = 2
) -> Reconstruction:
    """Reconstruction from the parameter dicts of the telescopes that passed the quality
    query; invalid (NaN, with the reason) below ``min_telescopes`` or when implausible."""
    axes = good_axes(subarray, pointing, parameters, weighting, min_telescopes)
    if isinstance(axes, Reconstruction):
        return axes
    tel_ids = axes.tel_ids
    normals, w = _unit(axes.normals), axes.w
    i, j = np.triu_indices(len(axes), 1)
    cross = np.cross(normals[i], normals[j])
    cross[cross[:, 2] < 0] *= -1.0
    total = (cross * (w[i] * w[j])[:, None]).sum(axis=0)
    norm = float(np.linalg.norm(total))
    if not (np.isfinite(norm) and norm > 0):
        return invalid(tel_ids, "no direction (the image axes do not cross)")
    return complete(subarray, pointing, axes, total / norm)


def complete(subarray, pointing, axes: ImageAxes, d: np.ndarray) -> Reconstruction:
    """The reconstruction for the direction ``d`` (unit vector north, west, up): core,
    h_max, uncertainties and goodness of fit from the image axes."""
    tel_ids = axes.tel_ids
    normals, w, v1 = _unit(axes.normals), axes.w, axes.v1
    psi_u = np.where(np.isfinite(axes.psi_u) & (axes.psi_u > 0), axes.psi_u,
                     math.radians(PSI_UNCERT_FALLBACK_DEG))
    alt, az = vector_altaz(d)
    core_psi = dict(zip(tel_ids, np.degrees(axes.core_psi(pointing.array_alt,
                                                          pointing.array_az)).tolist()))

    # direction uncertainty: Fisher matrix in the tangent plane (e_alt, e_az) at d
    horiz = math.hypot(d[0], d[1])
    e_az = np.array([d[1], -d[0], 0.0]) / horiz if horiz > 0 else np.array([0.0, -1.0, 0.0])
    e_alt = np.cross(e_az, d)
    cog_sep = np.arccos(np.clip(v1 @ d, -1.0, 1.0))
    sig_dir = np.hypot(psi_u * cog_sep, math.radians(DIRECTION_FLOOR_DEG))
    g = np.column_stack([normals @ e_alt, normals @ e_az])
    fisher = (g.T * (1.0 / sig_dir**2)) @ g
    resid = np.arcsin(np.clip(np.abs(normals @ d), 0.0, 1.0))
    gof = math.degrees(math.sqrt(np.sum(w * resid**2) / np.sum(w)))
    alt_u = az_u = ang_u = math.nan
    try:
        cov_dir = np.linalg.inv(fisher)
        alt_u = math.degrees(math.sqrt(max(cov_dir[0, 0], 0.0)))
        az_u = math.degrees(math.sqrt(max(cov_dir[1, 1], 0.0))) / max(
            math.cos(math.radians(alt)), 1e-6
        )
        ang_u = math.degrees(math.sqrt(max(np.trace(cov_dir), 0.0)))
    except np.linalg.LinAlgError:
        pass

    # core: weighted intersection of the planes' ground traces n_x x + n_y y = n . p
    pos = axes.positions
    nh = normals[:, :2]
    nh_norm = np.linalg.norm(nh, axis=1)
    ok = nh_norm > 1e-9
    core_x = core_y = core_ux = core_uy = math.nan
    tx = ty = tux = tuy = math.nan
    if ok.sum() >= 2:
        a = nh[ok] / nh_norm[ok, None]
        b = np.einsum("ij,ij->i", normals[ok], pos[ok]) / nh_norm[ok]
        m = (a.T * w[ok]) @ a
        if abs(np.linalg.det(m)) > 1e-12 * np.trace(m) ** 2:
            core_x, core_y = (float(v) for v in np.linalg.solve(m, (a.T * w[ok]) @ b))
            dist = np.hypot(pos[ok, 0] - core_x, pos[ok, 1] - core_y)
            sig = np.maximum(psi_u[ok] * dist, CORE_FLOOR_M)
            try:
                cov_c = np.linalg.inv((a.T * (1.0 / sig**2)) @ a)
                core_ux = math.sqrt(max(cov_c[0, 0], 0.0))
                core_uy = math.sqrt(max(cov_c[1, 1], 0.0))
            except np.linalg.LinAlgError:
                cov_c = None
            rot = tilted_matrix(pointing.array_alt, pointing.array_az)[:2, :2]
            tx, ty = (float(v) for v in rot @ np.array([core_x, core_y]))
            if cov_c is not None:
                cov_t = rot @ cov_c @ rot.T
                tux, tuy = (math.sqrt(max(v, 0.0)) for v in np.diag(cov_t))

    # h_max: the point closest to the lines of sight through the centroids, weighted
    h_rel = h_max_above_ground(axes, w)
    h_max_u = math.nan
    n = len(axes)
    if n > 2 and math.isfinite(h_rel):
        proj = np.eye(3)[None, :, :] - v1[:, :, None] * v1[:, None, :]
        a3 = np.einsum("i,ijk->jk", w, proj)
        b3 = np.einsum("i,ijk,ik->j", w, proj, pos)
        p = np.linalg.solve(a3, b3)
        r = np.einsum("ijk,ik->ij", proj, p[None, :] - pos)
        s2 = np.sum(w * np.sum(r**2, axis=1)) / np.sum(w) * n / (n - 2)
        h_max_u = float(math.sqrt(max(np.linalg.inv(a3 / np.sum(w) * n)[2, 2] * s2, 0.0)))

    result = StereoResult(
        alt=alt,
        az=az,
        alt_uncert=alt_u,
        az_uncert=az_u,
        ang_distance_uncert=ang_u,
        core_x=core_x,
        core_y=core_y,
        core_uncert_x=core_ux,
        core_uncert_y=core_uy,
        core_tilted_x=tx,
        core_tilted_y=ty,
        core_tilted_uncert_x=tux,
        core_tilted_uncert_y=tuy,
        h_max=h_rel + reference_height(subarray),
        h_max_uncert=h_max_u,
        is_valid=True,
        average_intensity=float(np.mean(axes.intensity)),
        goodness_of_fit=gof,
        tel_ids=tel_ids,
    )
    return finish(result, axes, core_psi, subarray, computed=COMPUTED)
