"""Fast coordinate transforms on plain arrays, in degrees and metres.

Conventions (those of sim_telarray and ctapipe):

- Ground frame: x points north, y west, z up (metres).
- Horizontal (alt/az) frame: azimuth from north towards east.
- Telescope (field-of-view) frame: ``fov_lat`` grows with altitude, ``fov_lon`` with azimuth,
  both in degrees, as astropy's ``SkyOffsetFrame`` centred on the pointing.
- Camera frame: ``x = f * fov_lat``, ``y = f * fov_lon`` (radians × focal length, metres),
  for a camera whose pixel positions have been de-rotated (see ``CameraGeometry``).

Astropy is never used here: these functions run per event and per pixel. The test suite
checks them against astropy's frames.
"""

from __future__ import annotations

import numpy as np


def altaz_to_cartesian(alt_deg, az_deg):
    """Unit vectors in the (north, east, up) frame."""
    alt = np.deg2rad(alt_deg)
    az = np.deg2rad(az_deg)
    cos_alt = np.cos(alt)
    return np.stack([cos_alt * np.cos(az), cos_alt * np.sin(az), np.sin(alt)], axis=-1)


def altaz_to_ground_vector(alt_deg, az_deg):
    """Unit vectors in the ground frame (north, west, up) pointing to (alt, az)."""
    v = altaz_to_cartesian(alt_deg, az_deg)
    v[..., 1] *= -1.0
    return v


def altaz_to_fov(alt_deg, az_deg, pointing_alt_deg, pointing_az_deg):
    """Offsets (fov_lon, fov_lat) in degrees of (alt, az) from the pointing direction."""
    alt = np.deg2rad(alt_deg)
    daz = np.deg2rad(np.asarray(az_deg) - pointing_az_deg)
    b0 = np.deg2rad(pointing_alt_deg)
    cos_alt = np.cos(alt)
    x1 = cos_alt * np.cos(daz)
    y1 = cos_alt * np.sin(daz)
    z1 = np.sin(alt)
    x2 = np.cos(b0) * x1 + np.sin(b0) * z1
    z2 = -np.sin(b0) * x1 + np.cos(b0) * z1
    lon = np.rad2deg(np.arctan2(y1, x2))
    lat = np.rad2deg(np.arcsin(np.clip(z2, -1.0, 1.0)))
    return lon, lat


def fov_to_altaz(fov_lon_deg, fov_lat_deg, pointing_alt_deg, pointing_az_deg):
    """Inverse of :func:`altaz_to_fov`: (alt, az) in degrees, az in [0, 360)."""
    lon = np.deg2rad(fov_lon_deg)
    lat = np.deg2rad(fov_lat_deg)
    b0 = np.deg2rad(pointing_alt_deg)
    x2 = np.cos(lat) * np.cos(lon)
    y2 = np.cos(lat) * np.sin(lon)
    z2 = np.sin(lat)
    x1 = np.cos(b0) * x2 - np.sin(b0) * z2
    z1 = np.sin(b0) * x2 + np.cos(b0) * z2
    alt = np.rad2deg(np.arcsin(np.clip(z1, -1.0, 1.0)))
    az = np.mod(pointing_az_deg + np.rad2deg(np.arctan2(y2, x1)), 360.0)
    return alt, az


def camera_to_fov(x_m, y_m, focal_length_m):
    """Camera-frame positions (m) to field-of-view offsets (fov_lon, fov_lat) in degrees."""
    scale = np.rad2deg(1.0) / focal_length_m
    return np.asarray(y_m) * scale, np.asarray(x_m) * scale


def fov_to_camera(fov_lon_deg, fov_lat_deg, focal_length_m):
    """Inverse of :func:`camera_to_fov`: camera-frame (x, y) in metres."""
    scale = focal_length_m / np.rad2deg(1.0)
    return np.asarray(fov_lat_deg) * scale, np.asarray(fov_lon_deg) * scale


def angular_separation(alt1_deg, az1_deg, alt2_deg, az2_deg):
    """Great-circle distance in degrees (Vincenty formula, stable at all separations)."""
    lat1, lon1 = np.deg2rad(alt1_deg), np.deg2rad(az1_deg)
    lat2, lon2 = np.deg2rad(alt2_deg), np.deg2rad(az2_deg)
    dlon = lon2 - lon1
    num1 = np.cos(lat2) * np.sin(dlon)
    num2 = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dlon)
    den = np.sin(lat1) * np.sin(lat2) + np.cos(lat1) * np.cos(lat2) * np.cos(dlon)
    return np.rad2deg(np.arctan2(np.hypot(num1, num2), den))


def camera_to_altaz(x_m, y_m, focal_length_m, pointing_alt_deg, pointing_az_deg):
    """Camera-frame positions (m) of a telescope to the (alt, az) they look at, in degrees."""
    lon, lat = camera_to_fov(x_m, y_m, focal_length_m)
    return fov_to_altaz(lon, lat, pointing_alt_deg, pointing_az_deg)


def altaz_to_camera(alt_deg, az_deg, focal_length_m, pointing_alt_deg, pointing_az_deg):
    """Inverse of :func:`camera_to_altaz`: camera-frame (x, y) in metres."""
    lon, lat = altaz_to_fov(alt_deg, az_deg, pointing_alt_deg, pointing_az_deg)
    return fov_to_camera(lon, lat, focal_length_m)


def telescope_to_nominal(fov_lon_deg, fov_lat_deg, tel_alt, tel_az, array_alt, array_az):
    """Offsets in one telescope's frame to the nominal frame around the array pointing (deg)."""
    alt, az = fov_to_altaz(fov_lon_deg, fov_lat_deg, tel_alt, tel_az)
    return altaz_to_fov(alt, az, array_alt, array_az)


def cross(a, b) -> np.ndarray:
    """Cross products of 3-vectors along the last axis: the same operations, in the same
    order, as ``np.cross`` (so bit for bit its results), without its per-call overhead
    (~20 µs, which the stereo step pays several times per event)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
