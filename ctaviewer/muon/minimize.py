"""A bounded Nelder–Mead minimiser in numba, for the few-parameter fits of the muon analysis.

scipy's minimisers were measured first: L-BFGS-B gives the same minima, but its steps call
the threaded BLAS, which on a loaded 2-core machine (two batch workers, or the window
beside its helper) made each step take milliseconds, and each minimiser step pays Python
overhead besides. This one runs whole inside numba, with the objective chosen by number
(``objective``), so that it is compiled and cached once.

The simplex starts from ``x0`` with a step of 1 in each (scaled) parameter, uses the
standard coefficients (reflection 1, expansion 2, contraction ½, shrink ½), keeps every
vertex within ``lower``/``upper`` by clipping, and stops when the simplex spans less than
``xatol`` in every parameter and ``fatol`` in value; it then restarts once from its best
vertex (a collapsed simplex can stop short of the minimum) and keeps the better end.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import njit

TAUBIN = 0
INTENSITY = 1


@njit(cache=True)
def taubin_loss(p, x, y, w):
    """Taubin's loss Σ (w (d² − r²))² / |Σ w d²| at (xc, yc, r) = p."""
    xc, yc, r = p[0], p[1], p[2]
    upper = 0.0
    lower = 0.0
    for i in range(len(x)):
        dx = x[i] - xc
        dy = y[i] - yc
        d2 = dx * dx + dy * dy
        v = w[i] * (d2 - r * r)
        upper += v * v
        lower += w[i] * d2
    if lower == 0.0:
        return np.inf
    return upper / abs(lower)


@njit(cache=True)
def _chord(radius, rho, phi):
    """Effective chord length across a circle of ``radius`` seen from a point at ``rho``
    radii from its centre, along azimuth ``phi`` (Vacanti et al. 1994, eq. 6 and 7)."""
    s = math.sin(phi)
    c = math.cos(phi)
    disc = 1.0 - rho * rho * s * s
    if disc < 0:
        return 0.0
    if rho <= 1.0:
        return radius * (math.sqrt(disc) + rho * c)
    if abs(s) < 1.0 / rho and c > 0:
        return 2.0 * radius * math.sqrt(disc)
    return 0.0


@njit(cache=True)
def profile(mirror_radius, hole_radius, impact, phi, radius, pixel_diameter, oversampling):
    """(angles, chord lengths) around the ring, smoothed over ``oversampling`` samples
    (as scipy.ndimage.correlate1d with ones, mode "wrap")."""
    n_on_ring = int(2.0 * math.pi * radius / pixel_diameter)
    n = n_on_ring * oversampling
    ang = np.empty(n)
    raw = np.empty(n)
    for i in range(n):
        a = (-math.pi + 2.0 * math.pi * i / (n - 1) if n > 1 else -math.pi) - phi
        ang[i] = a
        length = _chord(mirror_radius, impact / mirror_radius, a)
        if hole_radius != 0:
            length -= _chord(hole_radius, impact / hole_radius, a)
        raw[i] = length
    smooth = np.empty(n)
    half = oversampling // 2
    for i in range(n):
        acc = 0.0
        for j in range(oversampling):
            acc += raw[(i + j - half) % n]
        smooth[i] = acc / oversampling
    return ang, smooth


@njit(cache=True)
def predict(px, py, mirror_radius, hole_radius, impact, phi, cx, cy, radius, width,
            pixel_diameter, oversampling, min_lambda, max_lambda, area_ratio):
    """Expected photo-electrons per pixel at optical efficiency 1 (angles in rad, lengths
    in m); see ``intensity_fit``."""
    ang_prof, prof = profile(mirror_radius, hole_radius, impact, phi, radius,
                             pixel_diameter, oversampling)
    n = len(px)
    out = np.zeros(n)
    if len(ang_prof) == 0:
        return out
    alpha = 7.2973525693e-3  # the fine-structure constant
    factor = alpha * (1.0 / min_lambda - 1.0 / max_lambda) * (pixel_diameter / radius) \
        * 0.5 * math.sin(2.0 * radius) * area_ratio
    delta = pixel_diameter / 2.0
    sig = max(width, 1e-300) * math.sqrt(2.0)
    last = len(ang_prof) - 1
    for i in range(n):
        dx = px[i] - cx
        dy = py[i] - cy
        a = math.atan2(dy, dx) - phi
        if a <= ang_prof[0]:  # np.interp: clamped at both ends
            p = prof[0]
        elif a >= ang_prof[last]:
            p = prof[last]
        else:
            k = np.searchsorted(ang_prof, a, side="right") - 1
            t = (a - ang_prof[k]) / (ang_prof[k + 1] - ang_prof[k])
            p = prof[k] + t * (prof[k + 1] - prof[k])
        d = math.sqrt(dx * dx + dy * dy)
        gauss = 0.5 * (math.erf((d + delta - radius) / sig)
                       - math.erf((d - delta - radius) / sig))
        out[i] = p * factor * gauss
    return out


@njit(cache=True)
def intensity_nll(p, px, py, image, pedestal, c):
    """ctapipe's Gaussian-approximation −ln L of the charges at (impact_x, impact_y, width,
    efficiency) = p; ``c`` holds (spe_width, mirror_radius, hole_radius, cx, cy, radius,
    pixel_diameter, oversampling, min_lambda, max_lambda, area_ratio)."""
    impact = math.sqrt(p[0] * p[0] + p[1] * p[1])
    phi = math.atan2(p[1], p[0])
    pred = predict(px, py, c[1], c[2], impact, phi, c[3], c[4], c[5], p[2], c[6],
                   int(c[7]), c[8], c[9], c[10])
    spe2 = 1.0 + c[0] * c[0]
    total = 0.0
    for i in range(len(px)):
        mu = pred[i] * p[3]
        theta = 2.0 * (pedestal[i] ** 2 + mu * spe2)
        total += math.log(math.pi * theta) / 2.0 + (image[i] - mu) ** 2 / theta
    return total


@njit(cache=True)
def objective(kind, q, scales, x, y, w, extra, consts):
    """The objective ``kind`` at the scaled parameters ``q`` (p = q × scales)."""
    p = q * scales
    if kind == TAUBIN:
        return taubin_loss(p, x, y, w)
    return intensity_nll(p, x, y, w, extra, consts)


@njit(cache=True)
def _clip(v, lower, upper):
    for k in range(len(v)):
        if v[k] < lower[k]:
            v[k] = lower[k]
        elif v[k] > upper[k]:
            v[k] = upper[k]
    return v


@njit(cache=True)
def _simplex(kind, q0, lower, upper, scales, x, y, w, extra, consts, xatol, fatol,
             max_iter):
    n = len(q0)
    sim = np.empty((n + 1, n))
    fs = np.empty(n + 1)
    sim[0] = _clip(q0.copy(), lower, upper)
    for k in range(n):
        v = sim[0].copy()
        v[k] += 1.0
        if v[k] > upper[k]:
            v[k] = sim[0][k] - 1.0
        sim[k + 1] = _clip(v, lower, upper)
    for k in range(n + 1):
        fs[k] = objective(kind, sim[k], scales, x, y, w, extra, consts)
    n_iter = 0
    converged = False
    while n_iter < max_iter:
        order = np.argsort(fs)
        sim = sim[order]
        fs = fs[order]
        span = 0.0
        fspan = 0.0
        for k in range(1, n + 1):
            fspan = max(fspan, abs(fs[k] - fs[0]))
            for j in range(n):
                span = max(span, abs(sim[k, j] - sim[0, j]))
        if span <= xatol and fspan <= fatol:
            converged = True
            break
        n_iter += 1
        centroid = np.zeros(n)
        for k in range(n):
            centroid += sim[k]
        centroid /= n
        xr = _clip(centroid + (centroid - sim[n]), lower, upper)
        fr = objective(kind, xr, scales, x, y, w, extra, consts)
        if fr < fs[0]:
            xe = _clip(centroid + 2.0 * (centroid - sim[n]), lower, upper)
            fe = objective(kind, xe, scales, x, y, w, extra, consts)
            if fe < fr:
                sim[n] = xe
                fs[n] = fe
            else:
                sim[n] = xr
                fs[n] = fr
            continue
        if fr < fs[n - 1]:
            sim[n] = xr
            fs[n] = fr
            continue
        if fr < fs[n]:  # outside contraction
            xc = _clip(centroid + 0.5 * (xr - centroid), lower, upper)
            fc = objective(kind, xc, scales, x, y, w, extra, consts)
            if fc <= fr:
                sim[n] = xc
                fs[n] = fc
                continue
        else:  # inside contraction
            xc = _clip(centroid + 0.5 * (sim[n] - centroid), lower, upper)
            fc = objective(kind, xc, scales, x, y, w, extra, consts)
            if fc < fs[n]:
                sim[n] = xc
                fs[n] = fc
                continue
        for k in range(1, n + 1):  # shrink towards the best vertex
            sim[k] = _clip(sim[0] + 0.5 * (sim[k] - sim[0]), lower, upper)
            fs[k] = objective(kind, sim[k], scales, x, y, w, extra, consts)
    best = np.argmin(fs)
    return sim[best].copy(), fs[best], converged


@njit(cache=True)
def nelder_mead(kind, q0, lower, upper, scales, x, y, w, extra, consts, xatol, fatol,
                max_iter):
    """(best scaled parameters, value, converged) of objective ``kind`` from ``q0``."""
    q, f, ok = _simplex(kind, q0, lower, upper, scales, x, y, w, extra, consts, xatol,
                        fatol, max_iter)
    q2, f2, ok2 = _simplex(kind, q, lower, upper, scales, x, y, w, extra, consts, xatol,
                           fatol, max_iter)
    if f2 <= f:
        return q2, f2, ok2
    return q, f, ok
