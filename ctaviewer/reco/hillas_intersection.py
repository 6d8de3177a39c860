"""Stereo geometry from Hillas axes, after ctapipe's HillasReconstructor.

Every good image defines a plane through its telescope holding the image's major axis (two
points on the axis, taken to the horizontal frame with that telescope's pointing). The shower
direction is the weighted sum of the pairwise plane intersections (the cross product of the
plane normals, which also weights pairs by the sine of their opening angle), weights being
``intensity × length / width`` as in ctapipe (or intensity, or equal). The core is the
weighted least-squares intersection of the planes' traces on the ground; h_max the point
closest to all lines of sight through the image centroids.

Uncertainties propagate each image's Hillas ψ uncertainty: a great circle whose axis turns
by σψ about the centroid moves by σψ × (centroid–source distance) at the source, and its
ground trace by σψ × (telescope–core distance) at the core; the Fisher matrices of these
constraints give the per-event direction and core covariance.

Frames: horizontal unit vectors are (north, east, up); ground positions (north, west, up)
are converted to it by flipping y. Heights are above the array's ground plane (m).
"""

from __future__ import annotations

import math

import numpy as np

from ..coords import altaz_to_cartesian, fov_to_altaz
from ..results import StereoResult

AXIS_STEP_DEG = 0.1  # second point on the Hillas axis, as ctapipe
PSI_UNCERT_FALLBACK_DEG = 10.0


def _unit(v):
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def _weights(p: dict, weighting: str) -> float:
    if weighting == "equal":
        return 1.0
    if weighting == "intensity":
        return p["hillas_intensity"]
    return p["hillas_intensity"] * p["hillas_length"] / p["hillas_width"]


class Axes:
    """The good images of one event as Hillas axes in the horizontal frame."""

    def __init__(self, pointing, parameters: dict, weighting: str):
        tel_ids = tuple(sorted(parameters))
        self.tel_ids = tel_ids
        self.lon = np.array([parameters[t]["hillas_fov_lon"] for t in tel_ids])
        self.lat = np.array([parameters[t]["hillas_fov_lat"] for t in tel_ids])
        self.psi = np.deg2rad([parameters[t]["hillas_psi"] for t in tel_ids])
        psi_u = np.array([parameters[t]["hillas_psi_uncertainty"] for t in tel_ids])
        ok = np.isfinite(psi_u) & (psi_u > 0)
        self.psi_u = np.deg2rad(np.where(ok, psi_u, PSI_UNCERT_FALLBACK_DEG))
        self.w = np.array([_weights(parameters[t], weighting) for t in tel_ids], dtype=np.float64)
        self.intensity = np.array([parameters[t]["hillas_intensity"] for t in tel_ids])
        self.pnt = np.array([pointing.of(t) for t in tel_ids], dtype=np.float64)
        alt1, az1 = fov_to_altaz(self.lon, self.lat, self.pnt[:, 0], self.pnt[:, 1])
        self.alt2, self.az2 = fov_to_altaz(
            self.lon + AXIS_STEP_DEG * np.cos(self.psi),
            self.lat + AXIS_STEP_DEG * np.sin(self.psi),
            self.pnt[:, 0],
            self.pnt[:, 1],
        )
        self.alt1, self.az1 = alt1, az1
        #: unit vectors (north, east, up) to the centroid and to a second point on the axis
        self.v1 = altaz_to_cartesian(alt1, az1)
        self.v2 = altaz_to_cartesian(self.alt2, self.az2)
        #: normals of the planes through each telescope holding its image axis
        self.normals = _unit(np.cross(self.v1, self.v2))

    def __len__(self) -> int:
        return len(self.tel_ids)


def reconstruct(subarray, pointing, parameters: dict, weighting: str, min_telescopes: int = 2):
    """(StereoResult, {tel_id: impact distance m}) from per-telescope parameter dicts.

    ``parameters`` holds only the telescopes that passed the quality query; with fewer than
    ``min_telescopes`` (or degenerate geometry) the result is invalid (NaN), never dropped.
    """
    tel_ids = tuple(sorted(parameters))
    if len(tel_ids) < max(2, min_telescopes):
        return StereoResult(tel_ids=tel_ids), {}
    axes = Axes(pointing, parameters, weighting)
    normals, w = axes.normals, axes.w
    # direction: weighted sum of pairwise crossings, each taken on the upper hemisphere
    i, j = np.triu_indices(len(axes), 1)
    cross = np.cross(normals[i], normals[j])
    cross *= np.where(cross[:, 2] < 0, -1.0, 1.0)[:, None]
    total = (cross * (w[i] * w[j])[:, None]).sum(axis=0)
    if not np.all(np.isfinite(total)) or np.linalg.norm(total) == 0:
        return StereoResult(tel_ids=tel_ids), {}
    return complete(subarray, axes, total / np.linalg.norm(total))


def complete(subarray, axes: Axes, d: np.ndarray):
    """StereoResult and impacts for the direction ``d`` (unit vector north, east, up):
    uncertainties, core, h_max and goodness of fit from the image axes."""
    tel_ids, n = axes.tel_ids, len(axes)
    normals, w, v1, psi_u, intensity = axes.normals, axes.w, axes.v1, axes.psi_u, axes.intensity
    alt = math.degrees(math.asin(min(max(d[2], -1.0), 1.0)))
    az = math.degrees(math.atan2(d[1], d[0])) % 360.0

    # direction uncertainty: Fisher matrix in the tangent plane (e_alt, e_az) at d
    e_az = _unit(np.array([-d[1], d[0], 0.0])) if abs(d[2]) < 1 else np.array([0.0, 1.0, 0.0])
    e_alt = np.cross(d, e_az)
    cog_sep = np.arccos(np.clip(v1 @ d, -1.0, 1.0))
    sig_dir = np.hypot(psi_u * cog_sep, np.deg2rad(0.01))  # floor: 0.01 deg
    g = np.column_stack([normals @ e_alt, normals @ e_az])
    fisher = (g.T * (1.0 / sig_dir**2)) @ g
    resid = np.arcsin(np.clip(np.abs(normals @ d), 0.0, 1.0))
    gof = math.degrees(math.sqrt(np.sum(w * resid**2) / np.sum(w)))
    try:
        cov_dir = np.linalg.inv(fisher)
        alt_u = math.degrees(math.sqrt(max(cov_dir[0, 0], 0.0)))
        az_u = math.degrees(math.sqrt(max(cov_dir[1, 1], 0.0))) / max(
            math.cos(math.radians(alt)), 1e-6
        )
        ang_u = math.degrees(math.sqrt(max(np.trace(cov_dir), 0.0)))
    except np.linalg.LinAlgError:
        alt_u = az_u = ang_u = math.nan

    # core: weighted intersection of the planes' ground traces
    pos = subarray.positions[[subarray.tel_index(t) for t in tel_ids]]
    pos_neu = pos * np.array([1.0, -1.0, 1.0])
    nh = normals[:, :2]
    nh_norm = np.linalg.norm(nh, axis=1)
    ok = nh_norm > 1e-9
    core_x = core_y = core_ux = core_uy = math.nan
    impact: dict[int, float] = {}
    if ok.sum() >= 2:
        a = nh[ok] / nh_norm[ok, None]
        b = np.einsum("ij,ij->i", normals[ok], pos_neu[ok]) / nh_norm[ok]
        ww = w[ok]
        m = (a.T * ww) @ a
        if abs(np.linalg.det(m)) > 1e-12 * np.trace(m) ** 2:
            c = np.linalg.solve(m, (a.T * ww) @ b)
            core_n, core_e = c
            dist = np.hypot(pos_neu[ok, 0] - core_n, pos_neu[ok, 1] - core_e)
            sig = np.maximum(psi_u[ok] * dist, 1.0)  # floor: 1 m
            fisher_c = (a.T * (1.0 / sig**2)) @ a
            try:
                cov_c = np.linalg.inv(fisher_c)
                core_ux = math.sqrt(max(cov_c[0, 0], 0.0))
                core_uy = math.sqrt(max(cov_c[1, 1], 0.0))
            except np.linalg.LinAlgError:
                pass
            core_x, core_y = float(core_n), float(-core_e)
            rel = subarray.positions * np.array([1.0, -1.0, 1.0]) - np.array([core_n, core_e, 0.0])
            perp = rel - (rel @ d)[:, None] * d[None, :]
            dist_axis = np.sqrt(np.einsum("ij,ij->i", perp, perp))
            impact = dict(zip(subarray.tel_ids.tolist(), dist_axis.tolist()))

    # h_max: the point closest to the lines of sight through the centroids
    proj = np.eye(3)[None, :, :] - v1[:, :, None] * v1[:, None, :]
    a3 = np.einsum("i,ijk->jk", w, proj)
    b3 = np.einsum("i,ijk,ik->j", w, proj, pos_neu)
    h_max = h_max_u = math.nan
    try:
        p = np.linalg.solve(a3, b3)
        h_max = float(p[2])
        if n > 2:
            r = np.einsum("ijk,ik->ij", proj, p[None, :] - pos_neu)
            s2 = np.sum(w * np.sum(r**2, axis=1)) / np.sum(w) * n / (n - 2)
            h_max_u = float(math.sqrt(max(np.linalg.inv(a3 / np.sum(w) * n)[2, 2] * s2, 0.0)))
    except np.linalg.LinAlgError:
        pass

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
        h_max=h_max,
        h_max_uncert=h_max_u,
        is_valid=bool(np.isfinite(alt) and np.isfinite(az)),
        average_intensity=float(np.mean(intensity)),
        goodness_of_fit=gof,
        tel_ids=tel_ids,
    )
    return result, impact
