"""Ring geometry fits: Kundu–Chaudhuri and Taubin, as ctapipe 0.28's MuonRingFitter.

Every fit takes pixel positions in the telescope frame (deg), the pixel charges and a pixel
mask, and returns ``(radius, center_lon, center_lat, radius_err, center_lon_err,
center_lat_err)`` in deg (NaN where there is nothing to fit). The three fits are bound to
the names of ``ctaviewer.config.RING_FITTERS``:

- ``kundu_chaudhuri``: the charge-weighted analytic circle of Kundu & Chaudhuri (1993);
  errors from ctapipe's naive estimate (no correlation, radius error half the centre's);
- ``taubin``: Taubin's loss ``Σ (w (d² − r²))² / |Σ w d²|`` minimised, unweighted (w = 1),
  from r = 1.1°, centre (0, 0);
- ``kundu_chaudhuri_taubin`` (ctapipe's default): the charge-weighted Taubin loss started
  from the Kundu–Chaudhuri circle.

ctapipe minimises the Taubin loss with iminuit's MIGRAD, bounded to |centre| < 2 max(fov_lon)
and 0 < r < 2 max(fov_lon). Here the Nelder–Mead of :mod:`.minimize` minimises it within
the same bounds, in units of MIGRAD's initial step (0.1 × 2 max(fov_lon)), on the loss
divided by its starting value (weights scaled) so that the tolerances are relative; the
errors are √(2 diag H⁻¹) of the numerical Hessian H of the loss at the minimum (MIGRAD's
errors for errordef = 1).
"""

from __future__ import annotations

import math

import numpy as np

from ..config import RING_FITTERS
from .minimize import TAUBIN, nelder_mead, taubin_loss

NAN_RING = (math.nan,) * 6

#: ctapipe's starting radius of the plain Taubin fit (deg): the Cherenkov angle of muons
#: above 15 GeV at La Palma
TAUBIN_START_RADIUS = 1.1

#: the simplex stops below this span of the scaled parameters (1e-7 × 2 max(fov_lon)) ...
XATOL = 1e-6
#: ... and of the loss relative to its starting value
FATOL = 1e-12
MAX_ITER = 20000
_NO_CONSTS = np.zeros(1)


def kundu_chaudhuri(x, y, weights, nan_errors: bool = False):
    """Weighted analytic circle fit of points (x, y); see the module documentation."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if len(x) < 3:
        return NAN_RING
    with np.errstate(all="ignore"):
        wsum = w.sum()
        mx = (x * w).sum() / wsum
        my = (y * w).sum() / wsum
        a1 = (w * (x - mx) * x).sum()
        a2 = (w * (y - my) * x).sum()
        b1 = (w * (x - mx) * y).sum()
        b2 = (w * (y - my) * y).sum()
        r2 = x**2 + y**2
        c1 = 0.5 * (w * (x - mx) * r2).sum()
        c2 = 0.5 * (w * (y - my) * r2).sum()
        cx = (b2 * c1 - b1 * c2) / (a1 * b2 - a2 * b1)
        cy = (a2 * c1 - a1 * c2) / (a2 * b1 - a1 * b2)
        radius = math.sqrt((w * ((cx - x) ** 2 + (cy - y) ** 2)).sum() / wsum) \
            if wsum != 0 else math.nan
    if nan_errors:
        return radius, cx, cy, math.nan, math.nan, math.nan
    return (radius, cx, cy, *naive_errors(x, y, w, radius, cx, cy))


def naive_errors(x, y, w, radius, cx, cy):
    """ctapipe's naive error estimate of a weighted circle fit: (radius, x, y) errors."""
    with np.errstate(all="ignore"):
        wsum = w.sum()
        d2 = (x - cx) ** 2 + (y - cy) ** 2
        delta = d2 - radius**2
        partial = np.sqrt(d2 + radius**2 / 4)
        dmean = (delta * w).sum() / wsum
        pmean = (partial * w).sum() / wsum
        dvar = (((delta - dmean) ** 2) * w).sum() / wsum
        pvar = (((partial - pmean) ** 2) * w).sum() / wsum
        err = math.sqrt(dvar) / math.sqrt(pvar) / wsum / 2 / math.sqrt(2)
    return err / 2, err, err


def _hessian_errors(fun, p, steps) -> tuple[float, ...]:
    """√(2 diag H⁻¹) of ``fun`` at ``p`` (central second differences)."""
    n = len(p)
    hess = np.empty((n, n))
    f0 = fun(p)
    for i in range(n):
        for j in range(i, n):
            if i == j:
                up, down = p.copy(), p.copy()
                up[i] += steps[i]
                down[i] -= steps[i]
                hess[i, i] = (fun(up) - 2 * f0 + fun(down)) / steps[i] ** 2
            else:
                pp, pm, mp, mm = p.copy(), p.copy(), p.copy(), p.copy()
                pp[i] += steps[i]
                pp[j] += steps[j]
                pm[i] += steps[i]
                pm[j] -= steps[j]
                mp[i] -= steps[i]
                mp[j] += steps[j]
                mm[i] -= steps[i]
                mm[j] -= steps[j]
                hess[i, j] = hess[j, i] = (fun(pp) - fun(pm) - fun(mp) + fun(mm)) \
                    / (4 * steps[i] * steps[j])
    try:
        cov = 2.0 * np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return (math.nan,) * n
    return tuple(float(math.sqrt(v)) if v > 0 else math.nan for v in np.diag(cov))


def taubin(x, y, weights, start=None, max_fov=None):
    """Minimise Taubin's loss over the points (x, y) with ``weights``, from ``start``
    (r, xc, yc) or ctapipe's default start; ``max_fov`` (deg) bounds the result (ctapipe:
    twice the largest pixel fov_lon of the camera)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    if len(x) < 3:
        return NAN_RING
    if max_fov is None:
        max_fov = 2 * float(np.max(np.abs(x)))
    if not (math.isfinite(max_fov) and max_fov > 0):
        return NAN_RING
    r0, xc0, yc0 = start if start is not None else (TAUBIN_START_RADIUS, 0.0, 0.0)
    if not all(math.isfinite(v) for v in (r0, xc0, yc0)):
        r0, xc0, yc0 = TAUBIN_START_RADIUS, 0.0, 0.0
    step = 0.1 * max_fov
    scales = np.full(3, step)
    lower = np.array([-max_fov, -max_fov, 0.0]) / step
    upper = np.array([max_fov, max_fov, max_fov]) / step
    p0 = np.clip(np.array([xc0, yc0, r0]) / step, lower, upper)
    value0 = taubin_loss(p0 * scales, x, y, w)
    if not (math.isfinite(value0) and value0 > 0):
        return NAN_RING
    w_scaled = w / value0  # the loss scales with the weights: 1 at the start
    q, value, _ = nelder_mead(TAUBIN, p0, lower, upper, scales, x, y, w_scaled, w_scaled,
                              _NO_CONSTS, XATOL, FATOL, MAX_ITER)
    if not math.isfinite(value):
        return NAN_RING
    p = q * scales
    xc, yc, r = (float(v) for v in p)
    xc_err, yc_err, r_err = _hessian_errors(lambda v: taubin_loss(v, x, y, w), p,
                                            np.full(3, 1e-4 * step))
    return r, xc, yc, r_err, xc_err, yc_err


@RING_FITTERS.implement("kundu_chaudhuri")
def fit_kundu_chaudhuri(fov_lon, fov_lat, image, mask, max_fov):
    return kundu_chaudhuri(fov_lon[mask], fov_lat[mask], image[mask])


@RING_FITTERS.implement("taubin")
def fit_taubin(fov_lon, fov_lat, image, mask, max_fov):
    n = int(np.count_nonzero(mask))
    return taubin(fov_lon[mask], fov_lat[mask], np.ones(n), None, max_fov)


@RING_FITTERS.implement("kundu_chaudhuri_taubin")
def fit_kundu_chaudhuri_taubin(fov_lon, fov_lat, image, mask, max_fov):
    x, y, w = fov_lon[mask], fov_lat[mask], image[mask]
    r, cx, cy, *_ = kundu_chaudhuri(x, y, w, nan_errors=True)
    return taubin(x, y, w, (r, cx, cy), max_fov)
