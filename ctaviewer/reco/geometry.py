"""What every stereo reconstruction shares: the image axes in the horizontal frame, the
ground and tilted frames, impact distances, and the plausibility check of a result.

Frames (ctapipe's): the ground frame has x north, y west, z up (m, relative to the array's
reference point, whose height above sea level is ``SubarrayDescription.location``); the
tilted frame is the ground frame rotated so that its z axis is the array pointing; sky
directions are unit vectors (north, west, up), as ctapipe's ``altaz_to_righthanded_cartesian``.
"""

from __future__ import annotations

import math
import threading
import weakref
from typing import NamedTuple

import numpy as np

from ..coords import altaz_to_fov, cross, fov_to_altaz
from ..results import StereoResult

#: the second point that, with the centroid, fixes an image axis lies this fraction of the
#: camera radius along psi (ctapipe's HillasReconstructor)
AXIS_STEP_CAMERA_RADII = 0.1
#: a direction farther than this many field-of-view radii from the pointing of every
#: telescope used puts the source a whole field of view beyond the camera edge: implausible
DIRECTION_LIMIT_FOV_RADII = 3.0
#: height above the ground (m) below which the air emits all the Cherenkov light a telescope
#: records (the atmosphere above ~30 km holds ~1 % of its mass)
EMISSION_TOP_M = 30_000.0


class Reconstruction(NamedTuple):
    """What a reconstructor returns: the geometry, the impact distance (m) of every
    telescope of the subarray (empty when invalid), and the direction of each image axis
    used in the tilted frame (``core_psi``, deg, ctapipe's ``parameters.core.psi``)."""

    geometry: StereoResult
    impact: dict
    core_psi: dict


# ---------------------------------------------------------------------- vectors, frames
def stack3(x, y, z) -> np.ndarray:
    """x, y, z (arrays of one shape, or scalars) as the last axis of one array: what
    ``np.stack(..., axis=-1)`` gives, without its overhead (~5 µs a call, several calls per
    image in the stereo step)."""
    out = np.empty(np.shape(x) + (3,), dtype=np.result_type(x, y, z))
    out[..., 0] = x
    out[..., 1] = y
    out[..., 2] = z
    return out


def cross3(a, b) -> np.ndarray:
    """``coords.cross``: the same operations in the same order (so the same bits), its
    three components written into one array instead of stacked."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:  # broadcasting: as coords.cross does it
        return cross(a, b)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return stack3(a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0)


def sky_vector(alt_deg, az_deg):
    """Unit vectors (north, west, up) towards (alt, az)."""
    alt = np.deg2rad(alt_deg)
    az = np.deg2rad(az_deg)
    cos_alt = np.cos(alt)
    return stack3(cos_alt * np.cos(az), -cos_alt * np.sin(az), np.sin(alt))


def vector_altaz(v) -> tuple[float, float]:
    """(alt, az) in degrees of a (north, west, up) vector, az in [0, 360)."""
    v = np.asarray(v, dtype=np.float64)
    alt = math.degrees(math.atan2(v[2], math.hypot(v[0], v[1])))
    az = math.degrees(math.atan2(-v[1], v[0])) % 360.0
    return alt, az


def tilted_matrix(alt_deg: float, az_deg: float) -> np.ndarray:
    """Rotation from the ground frame to the tilted frame of the pointing (alt, az); its
    last row is the pointing direction in the ground frame."""
    alt, az = math.radians(alt_deg), math.radians(az_deg)
    cos_z, sin_z = math.sin(alt), math.cos(alt)
    cos_az, sin_az = math.cos(az), math.sin(az)
    return np.array(
        [
            [cos_z * cos_az, -cos_z * sin_az, -sin_z],
            [sin_az, cos_az, 0.0],
            [sin_z * cos_az, -sin_z * sin_az, cos_z],
        ]
    )


def tilted_to_ground(x: float, y: float, alt_deg: float, az_deg: float) -> tuple[float, float]:
    """The ground point (x, y) below the tilted-frame point (x, y, 0), projected along the
    pointing direction (ctapipe's ``project_to_ground``)."""
    m = tilted_matrix(alt_deg, az_deg)
    g = m.T @ np.array([x, y, 0.0])
    return float(g[0] - m[2, 0] * g[2] / m[2, 2]), float(g[1] - m[2, 1] * g[2] / m[2, 2])


def tilted_line_on_ground(psi_deg: float, position, alt_deg: float, az_deg: float):
    """The line through a telescope along ``core_psi`` in the tilted frame (the line the
    hillas_intersection core lies on), projected on the ground along the pointing: (point,
    unit direction) in ground (x north, y west) metres."""
    m = tilted_matrix(alt_deg, az_deg)
    p = m @ np.asarray(position, dtype=np.float64)
    a = math.radians(psi_deg)
    p0 = np.array(tilted_to_ground(p[0], p[1], alt_deg, az_deg))
    p1 = np.array(tilted_to_ground(p[0] + math.cos(a), p[1] + math.sin(a), alt_deg, az_deg))
    d = p1 - p0
    return p0, d / np.linalg.norm(d)


def line_intersection(directions: np.ndarray, origins: np.ndarray, weights=None) -> np.ndarray:
    """The point closest (least squares) to the lines ``origins + s * directions``
    (directions unit vectors); NaN when the lines are parallel."""
    n = directions.shape[1]
    proj = np.eye(n)[None, :, :] - directions[:, :, None] * directions[:, None, :]
    if weights is not None:
        proj = proj * np.asarray(weights, dtype=np.float64)[:, None, None]
    a = proj.sum(axis=0)
    b = np.einsum("ijk,ik->j", proj, origins)
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return np.full(n, np.nan)


def impact_distances(subarray, core_x: float, core_y: float, alt: float, az: float) -> dict:
    """Distance (m) of every telescope of the subarray from the shower axis through the
    ground point (core_x, core_y, 0) towards (alt, az)."""
    d = sky_vector(alt, az)
    rel = subarray.positions - np.array([core_x, core_y, 0.0])
    perp = rel - (rel @ d)[:, None] * d[None, :]
    dist = np.sqrt(np.einsum("ij,ij->i", perp, perp))
    return dict(zip(subarray.tel_ids.tolist(), dist.tolist()))


def reference_height(subarray) -> float:
    """Height above sea level (m) of the ground frame's origin (ctapipe's reference
    location), NaN when the file gives none."""
    loc = subarray.location
    return float(loc.height_m) if loc is not None else math.nan


# ---------------------------------------------------------------------- cameras
_RADII: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_RADII_LOCK = threading.Lock()


def _camera_radii(geometry) -> tuple[float, float]:
    """(ctapipe's guess_radius: mean distance of the border pixels from the mean pixel
    position, outer radius of the pixels' edges) in m, cached per geometry."""
    with _RADII_LOCK:
        hit = _RADII.get(geometry)
    if hit is not None:
        return hit
    border = geometry.border_mask(1)
    x, y = np.asarray(geometry.pix_x), np.asarray(geometry.pix_y)
    guess = float(np.mean(np.hypot(x[border] - x.mean(), y[border] - y.mean())))
    radii = (guess, float(geometry.radius))
    with _RADII_LOCK:
        _RADII[geometry] = radii
    return radii


def camera_radius_deg(subarray, tel_id: int) -> float:
    """ctapipe's camera radius of a telescope (guess_radius) in deg of the telescope frame."""
    desc = subarray.tels[int(tel_id)]
    return _camera_radii(desc.camera.geometry)[0] * math.degrees(1.0) / desc.optics.focal_length


def fov_radius_deg(subarray, tel_id: int) -> float:
    """Field-of-view radius of a telescope (deg): the outermost pixel edge."""
    desc = subarray.tels[int(tel_id)]
    return _camera_radii(desc.camera.geometry)[1] * math.degrees(1.0) / desc.optics.focal_length


# ---------------------------------------------------------------------- image axes
def _weights(p: dict, weighting: str) -> float:
    if weighting == "equal":
        return 1.0
    if weighting == "intensity":
        return p["hillas_intensity"]
    return p["hillas_intensity"] * p["hillas_length"] / p["hillas_width"]


class ImageAxes:
    """The good images of one event as Hillas axes in the horizontal frame.

    Each axis is fixed by the image centroid and a second point ``AXIS_STEP_CAMERA_RADII``
    camera radii along psi, both taken from the telescope frame to the horizontal frame with
    the telescope's own pointing (as ctapipe's HillasReconstructor).
    """

    def __init__(self, subarray, pointing, parameters: dict, weighting: str):
        tel_ids = tuple(sorted(parameters))
        self.tel_ids = tel_ids
        par = [parameters[t] for t in tel_ids]
        self.lon = np.array([p["hillas_fov_lon"] for p in par], dtype=np.float64)
        self.lat = np.array([p["hillas_fov_lat"] for p in par], dtype=np.float64)
        self.psi = np.deg2rad([p["hillas_psi"] for p in par])
        self.psi_u = np.deg2rad([p["hillas_psi_uncertainty"] for p in par])
        self.intensity = np.array([p["hillas_intensity"] for p in par], dtype=np.float64)
        self.w = np.array([_weights(p, weighting) for p in par], dtype=np.float64)
        self.pnt = np.array([pointing.of(t) for t in tel_ids], dtype=np.float64)
        self.radius = np.array([camera_radius_deg(subarray, t) for t in tel_ids])
        self.fov_radius = np.array([fov_radius_deg(subarray, t) for t in tel_ids])
        step = AXIS_STEP_CAMERA_RADII * self.radius
        self.alt1, self.az1 = fov_to_altaz(self.lon, self.lat, self.pnt[:, 0], self.pnt[:, 1])
        self.alt2, self.az2 = fov_to_altaz(
            self.lon + step * np.cos(self.psi),
            self.lat + step * np.sin(self.psi),
            self.pnt[:, 0],
            self.pnt[:, 1],
        )
        #: unit vectors (north, west, up) to the centroid and to the second point
        self.v1 = sky_vector(self.alt1, self.az1)
        self.v2 = sky_vector(self.alt2, self.az2)
        #: normals of the planes through each telescope holding its image axis (not unit:
        #: their length is the sine of the angle between the two points, as in ctapipe)
        self.normals = cross3(self.v1, self.v2)
        self.positions = subarray.positions[[subarray.tel_index(t) for t in tel_ids]]

    def __len__(self) -> int:
        return len(self.tel_ids)

    def core_psi(self, array_alt: float, array_az: float) -> np.ndarray:
        """Direction (rad) of each image axis in the frame of the array pointing, from the x
        (fov_lat) towards the y (fov_lon) axis, in (-pi/2, pi/2] (ctapipe's corrected psi):
        the direction of the shower's ground trace in the tilted frame."""
        lon1, lat1 = altaz_to_fov(self.alt1, self.az1, array_alt, array_az)
        lon2, lat2 = altaz_to_fov(self.alt2, self.az2, array_alt, array_az)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.arctan((lon1 - lon2) / (lat1 - lat2))


# ---------------------------------------------------------------------- plausibility
def implausible(result: StereoResult, axes: ImageAxes, impact: dict, computed=()) -> str:
    """Why a reconstructed geometry cannot be a shower the telescopes saw ("" if it can).

    - the direction is farther than ``DIRECTION_LIMIT_FOV_RADII`` field-of-view radii from
      the pointing of every telescope used;
    - a telescope used is farther from the shower axis than the distance from which its
      field of view can hold light emitted below ``EMISSION_TOP_M`` (the slant depth of that
      height times the tangent of the angle the direction limit allows, plus the camera's);
    - an uncertainty the method computes (``computed``: StereoResult field names) is not
      finite, or wider than those limits.
    """
    alt, az = result.alt, result.az
    if not (math.isfinite(alt) and math.isfinite(az)):
        return "no direction (the image axes do not cross)"
    towards = sky_vector(alt, az)  # the same for every telescope: computed once
    sep = np.array(
        [
            _separation(alt, az, a, z, towards)
            for a, z in zip(axes.pnt[:, 0].tolist(), axes.pnt[:, 1].tolist())
        ]
    )
    limit = DIRECTION_LIMIT_FOV_RADII * axes.fov_radius
    if np.all(sep > limit):
        i = int(np.argmin(sep - limit))
        return (
            f"direction {sep[i]:.1f}° from the pointing of telescope {axes.tel_ids[i]}, beyond "
            f"{limit[i]:.1f}° ({DIRECTION_LIMIT_FOV_RADII:g} field-of-view radii)"
        )
    if not (math.isfinite(result.core_x) and math.isfinite(result.core_y)):
        return "no core (the image axes are parallel on the ground)"
    slant = EMISSION_TOP_M / max(math.sin(math.radians(alt)), 1e-3)
    reach = slant * np.tan(np.minimum(np.deg2rad(limit + axes.fov_radius), 0.5 * math.pi - 1e-3))
    for t, r in zip(axes.tel_ids, reach.tolist()):
        b = impact.get(t, math.nan)
        if not b <= r:
            return (
                f"core {_km(b)} from the axis of telescope {t}, farther than the {_km(r)} from "
                "which its field of view can see a shower"
            )
    for name in computed:
        u = getattr(result, name)
        if name.startswith("core"):
            if not (math.isfinite(u) and u <= float(np.max(reach))):
                return f"{name} {_km(u)}: beyond the reach of the telescopes"
        elif name != "az_uncert":  # az is undefined at the zenith: its error may be huge
            if not (math.isfinite(u) and u <= float(np.max(limit))):
                return f"{name} {u:.3g}°: wider than the field of view"
    return ""


def _separation(alt1, az1, alt2, az2, a=None) -> float:
    """Angle (deg) between two directions; ``a``: ``sky_vector(alt1, az1)`` if known."""
    a = sky_vector(alt1, az1) if a is None else a
    b = sky_vector(alt2, az2)
    return math.degrees(math.atan2(np.linalg.norm(cross3(a, b)), float(a @ b)))


def _km(m: float) -> str:
    if not math.isfinite(m):
        return f"{m} m"
    return f"{m / 1000:.1f} km" if abs(m) >= 1000 else f"{m:.0f} m"


def invalid(tel_ids, reason: str) -> Reconstruction:
    """A failed reconstruction: every value NaN, ``is_valid`` False, and why."""
    return Reconstruction(StereoResult(tel_ids=tuple(tel_ids), invalid_reason=reason), {}, {})


def too_few(tel_ids, min_telescopes: int) -> Reconstruction | None:
    """The invalid result for fewer than ``min_telescopes`` (at least 2) good images."""
    need = max(2, min_telescopes)
    if len(tel_ids) >= need:
        return None
    n = len(tel_ids)
    return invalid(
        tel_ids, f"{n} telescope{'' if n == 1 else 's'} passed the quality query ({need} needed)"
    )


def bad_width(parameters: dict, weighting: str) -> str:
    """Why the image weights cannot be formed ("" if they can): ctapipe refuses an event
    with an image of width 0 or NaN, whose weight intensity × length / width is infinite."""
    if weighting != "intensity_length_width":
        return ""
    for t in sorted(parameters):
        w = parameters[t]["hillas_width"]
        if not w > 0:
            return f"image of telescope {t} has width {w:g}: no weight intensity × length / width"
    return ""


def good_axes(
    subarray, pointing, parameters: dict, weighting: str, min_telescopes: int
) -> ImageAxes | Reconstruction:
    """The image axes of the telescopes that passed the quality query, or the invalid
    result when there are too few of them or their weights cannot be formed."""
    tel_ids = tuple(sorted(parameters))
    failed = too_few(tel_ids, min_telescopes)
    if failed is not None:
        return failed
    reason = bad_width(parameters, weighting)
    if reason:
        return invalid(tel_ids, reason)
    return ImageAxes(subarray, pointing, parameters, weighting)


def finish(
    result: StereoResult, axes: ImageAxes, core_psi: dict, subarray, computed=()
) -> Reconstruction:
    """Impacts and the plausibility check of a computed geometry (``computed``: the
    uncertainty fields the method fills, checked for being finite and not huge)."""
    impact = {}
    if math.isfinite(result.core_x) and math.isfinite(result.core_y):
        impact = impact_distances(subarray, result.core_x, result.core_y, result.alt, result.az)
    reason = implausible(result, axes, impact, computed)
    if reason:
        return Reconstruction(
            StereoResult(tel_ids=result.tel_ids, invalid_reason=reason), {}, core_psi
        )
    return Reconstruction(result, impact, core_psi)
