"""The muon intensity fit of single-mirror telescopes: impact parameter, ring width and
optical efficiency (ctapipe 0.28's MuonIntensityFitter, after Chalme-Calvet et al. 2013).

The model: a muon crossing the mirror plane at ``impact`` (m) from the mirror centre, in
direction ``phi``, lights each azimuth of its ring in proportion to the chord of the mirror
(radius √(area/π)) seen along that azimuth from the impact point, less the chord of the
central hole (Vacanti et al. 1994, eq. 6 and 7); the chord profile is sampled at
``oversampling`` points per pixel along the ring and smoothed over as many. A pixel gets

    profile(azimuth) × α (1/λ_min − 1/λ_max) × (pixel / radius) × sin(2 radius) / 2
        × [Φ(d + pixel/2) − Φ(d − pixel/2)] × (area of a circle / area of the pixel shape)

photo-electrons times the optical efficiency, where d is the pixel's distance from the ring
centre and Φ the cumulative Gaussian of the ring (mean the radius, σ the ring width), all
angles in radians. The likelihood of the charges is ctapipe's Gaussian approximation
(de Naurois & Rolland 2009): θ = 2 (σ_ped² + μ (1 + σ_spe²)), −ln L = Σ ln(π θ) / 2 +
(s − μ)² / θ over the pixels within 40 % of the radius from the ring; the ring centre and
radius stay fixed at the geometry fit's.

ctapipe minimises with iminuit's MIGRAD from impact = mirror radius / 2, phi = 0, width = 3
pixel radii (equivalent focal length), efficiency 0.1, with phi in [−π, π] and the others
non-negative. Here the same function (a numba kernel) is minimised by the Nelder–Mead of
:mod:`.minimize`, over the impact point in Cartesian form (impact_x, impact_y) instead of
(impact, phi): the two describe the same muons, but at impact 0 the polar form has a saddle
where phi no longer matters, and descents from phi = 0 often stopped there (ctapipe's
MIGRAD does so on one ring of muons_lst, event 400, at a likelihood 394 above the minimum
found here). Each parameter is divided by MIGRAD's initial step (0.5 m, 0.5 m, 0.001 radius,
0.05) so that they weigh alike; the fit starts from ctapipe's start and from the azimuth of
the ring's light centroid (where the chord, and so the light, is largest), the lower minimum
is kept. ``is_valid`` is the simplex' convergence; ``parameters_at_limit`` is true where the
ring width or the efficiency ends within 1 % of its initial step of 0.
"""

from __future__ import annotations

import math

import numpy as np

from .minimize import INTENSITY, nelder_mead, predict

#: (area of a circle) / (area of the pixel) of the pixel shapes, ctapipe's corrections
AREA_RATIO = {"hexagon": math.pi / 2 / math.sqrt(3), "square": math.pi / 4, "circle": 1.0}

#: stop when the simplex spans less than this in every scaled parameter ...
XATOL = 1e-4
#: ... and less than this in −ln L (MIGRAD stops at an expected decrease below 1e-4)
FATOL = 1e-5
MAX_ITER = 20000


def fit_intensity(fov_lon, fov_lat, image, mask, *, cx, cy, radius, mirror_radius,
                  hole_radius, pixel_diameter, pixel_shape, equivalent_focal_length,
                  pixel_area_m2, pedestal, spe_width, oversampling, min_lambda_nm,
                  max_lambda_nm) -> dict:
    """The intensity fit of one ring (positions, centre, radius and pixel size in deg; the
    pixel area of the camera in m²): ``muonefficiency_*`` values as ctapipe names them."""
    rad = math.pi / 180.0
    px = np.ascontiguousarray(fov_lon[mask] * rad, dtype=np.float64)
    py = np.ascontiguousarray(fov_lat[mask] * rad, dtype=np.float64)
    img = np.ascontiguousarray(image[mask], dtype=np.float64)
    ped = np.full(len(img), float(pedestal))
    radius_rad = radius * rad
    pixel_radius = math.sqrt(pixel_area_m2 / math.pi) / equivalent_focal_length
    scales = np.array([0.5, 0.5, 0.001 * radius_rad, 0.05])
    consts = np.array([spe_width, mirror_radius, hole_radius, cx * rad, cy * rad, radius_rad,
                       pixel_diameter * rad, oversampling, min_lambda_nm * 1e-9,
                       max_lambda_nm * 1e-9, AREA_RATIO[pixel_shape]], dtype=np.float64)
    lower = np.array([-np.inf, -np.inf, 0.0, 0.0])
    upper = np.full(4, np.inf)
    azimuth = np.arctan2(py - cy * rad, px - cx * rad)
    phi_data = math.atan2(float((img * np.sin(azimuth)).sum()),
                          float((img * np.cos(azimuth)).sum()))
    best = None
    for phi0 in (0.0, phi_data):
        impact0 = mirror_radius / 2
        start = np.array([impact0 * math.cos(phi0), impact0 * math.sin(phi0),
                          3 * pixel_radius, 0.1]) / scales
        q, value, ok = nelder_mead(INTENSITY, start, lower, upper, scales, px, py, img, ped,
                                   consts, XATOL, FATOL, MAX_ITER)
        if best is None or (math.isfinite(value) and value < best[1]):
            best = (q, value, ok)
    q, value, ok = best
    ix, iy, width, eff = (float(v) for v in q * scales)
    impact = math.hypot(ix, iy)
    return {
        "muonefficiency_width": math.degrees(width),
        "muonefficiency_impact": impact,
        "muonefficiency_impact_x": ix,
        "muonefficiency_impact_y": iy,
        "muonefficiency_optical_efficiency": eff,
        "muonefficiency_is_valid": bool(ok and math.isfinite(value)),
        "muonefficiency_parameters_at_limit": bool(q[2] < 0.01 or q[3] < 0.01),
        "muonefficiency_likelihood_value": float(value),
    }


def expected_image(fov_lon, fov_lat, *, cx, cy, radius, width, impact_x, impact_y,
                   optical_efficiency, mirror_radius, hole_radius, pixel_diameter,
                   pixel_shape, oversampling=3, min_lambda_nm=300.0, max_lambda_nm=600.0):
    """The model's expected p.e. of pixels at (fov_lon, fov_lat) (deg) for a fitted ring."""
    rad = math.pi / 180.0
    pred = predict(np.ascontiguousarray(fov_lon * rad, dtype=np.float64),
                   np.ascontiguousarray(fov_lat * rad, dtype=np.float64),
                   float(mirror_radius), float(hole_radius), math.hypot(impact_x, impact_y),
                   math.atan2(impact_y, impact_x), cx * rad, cy * rad, radius * rad,
                   width * rad, pixel_diameter * rad, int(oversampling),
                   min_lambda_nm * 1e-9, max_lambda_nm * 1e-9, AREA_RATIO[pixel_shape])
    return pred * optical_efficiency
