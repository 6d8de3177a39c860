"""Ring parameters of a fitted ring (ctapipe 0.28's muon ``features`` and the processor's
``_calculate_muon_parameters``): containment, completeness, intensity ratio, mean squared
error, ring intensity and the charge around it, and the radial light distribution.

Positions and radii in the telescope frame (deg), charges in p.e.; ``clean`` is the image
cleaning mask (for dual-mirror telescopes, the muon analysis' own cleaning). Where ctapipe
would divide by a zero weight sum (and raise, or give NaN) the value is NaN.
"""

from __future__ import annotations

import math

import numpy as np


def containment(radius: float, center_distance: float, camera_radius: float) -> float:
    """Fraction of the ring inside a circular camera of ``camera_radius`` (deg)."""
    if center_distance <= abs(camera_radius - radius):
        return 1.0
    if center_distance > radius + camera_radius:
        return 0.0
    a = (radius**2 - camera_radius**2 + center_distance**2) / (2 * center_distance)
    ratio = a / radius
    return math.acos(ratio) / math.pi if -1.0 <= ratio <= 1.0 else math.nan


def completeness(fov_lon, fov_lat, image, cx, cy, threshold: float, bins: int = 30) -> float:
    """Share of ``bins`` azimuth bins around the centre whose summed charge (every pixel)
    exceeds ``threshold``."""
    angle = np.arctan2(fov_lat - cy, fov_lon - cx)
    hist, _ = np.histogram(angle, bins=bins, range=(-np.pi, np.pi), weights=image)
    return float(np.count_nonzero(hist > threshold)) / bins


def intensity_ratio(fov_lon, fov_lat, image, cx, cy, radius, width) -> float:
    """Share of the charge of the given pixels within ``radius ± width / 2`` of the centre
    (``width`` per pixel)."""
    r = np.hypot(cx - fov_lon, cy - fov_lat)
    inside = (r >= radius - 0.5 * width) & (r <= radius + 0.5 * width)
    total = image.sum()
    return float(image[inside].sum() / total) if total != 0 else math.nan


def mean_squared_error(fov_lon, fov_lat, image, cx, cy, radius) -> float:
    """Charge-weighted mean of (distance from the centre − radius)² (deg²)."""
    total = image.sum()
    if len(image) == 0 or total == 0:
        return math.nan
    r = np.hypot(cx - fov_lon, cy - fov_lat)
    return float(((r - radius) ** 2 * image).sum() / total)


def ring_intensity(fov_lon, fov_lat, image, clean, cx, cy, radius, integration_width,
                   outer_width):
    """(ring_intensity, intensity_outside_ring, n_pixels_in_ring,
    mean_intensity_outside_ring): the charge within ``radius × integration_width`` of the
    ring, the cleaned charge outside it, the cleaned pixels inside it, and the mean charge of
    the band out to ``radius × (integration_width + outer_width)``."""
    dist = np.abs(np.hypot(fov_lon - cx, fov_lat - cy) - radius)
    in_ring = dist < radius * integration_width
    band = ~in_ring & (dist < radius * (integration_width + outer_width))
    n_band = int(np.count_nonzero(band))
    return (
        float(image[in_ring].sum()),
        float(image[~in_ring & clean].sum()),
        int(np.count_nonzero(in_ring & clean)),
        float(image[band].sum() / n_band) if n_band else math.nan,
    )


def radial_distribution(fov_lon, fov_lat, image, cx, cy):
    """(std dev (deg), skewness, excess kurtosis) of the charge-weighted distances of every
    pixel from the ring centre."""
    total = image.sum()
    if total == 0:
        return math.nan, math.nan, math.nan
    r = np.hypot(fov_lon - cx, fov_lat - cy)
    mean = (r * image).sum() / total
    d = r - mean
    var = (d**2 * image).sum() / total
    std = math.sqrt(var) if var >= 0 else math.nan
    with np.errstate(all="ignore"):
        skew = float((d**3 * image).sum() / total / std**3)
        kurt = float((d**4 * image).sum() / total / std**4 - 3.0)
    return std, skew, kurt
