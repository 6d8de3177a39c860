"""Image parameters of a cleaned image: one numba kernel fills every DL1 column at once.

Hillas moments (camera frame in m, telescope frame in deg) with ctapipe's uncertainty
propagation (derivatives of the second moments with Poisson pixel variances), timing
(charge-weighted line of peak time along the major axis), leakage, concentration, morphology
(islands) and intensity/peak-time statistics. An empty image, or one with no positive
charge, gives NaN (counts 0); a one-pixel image has length = width = 0 and NaN angles.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import njit
from ..results import IMAGE_PARAMETER_NAMES, INTEGER_PARAMETERS

_N = len(IMAGE_PARAMETER_NAMES)
_I = {name: i for i, name in enumerate(IMAGE_PARAMETER_NAMES)}
H_INT, H_SKEW, H_KURT = _I["hillas_intensity"], _I["hillas_skewness"], _I["hillas_kurtosis"]
H_LON, H_LAT, H_R, H_PHI = (
    _I["hillas_fov_lon"],
    _I["hillas_fov_lat"],
    _I["hillas_r"],
    _I["hillas_phi"],
)
H_LEN, H_LEN_U = _I["hillas_length"], _I["hillas_length_uncertainty"]
H_WID, H_WID_U = _I["hillas_width"], _I["hillas_width_uncertainty"]
H_PSI, H_PSI_U = _I["hillas_psi"], _I["hillas_psi_uncertainty"]
C_X, C_Y, C_R, C_PHI = (_I[f"camera_frame_hillas_{n}"] for n in ("x", "y", "r", "phi"))
C_LEN, C_WID, C_PSI = (_I[f"camera_frame_hillas_{n}"] for n in ("length", "width", "psi"))
T_INT, T_SLOPE, T_DEV = _I["timing_intercept"], _I["timing_slope"], _I["timing_deviation"]
L_P1, L_P2 = _I["leakage_pixels_width_1"], _I["leakage_pixels_width_2"]
L_I1, L_I2 = _I["leakage_intensity_width_1"], _I["leakage_intensity_width_2"]
CON_COG, CON_CORE, CON_PIX = (_I[f"concentration_{n}"] for n in ("cog", "core", "pixel"))
M_NPIX, M_NISL = _I["morphology_n_pixels"], _I["morphology_n_islands"]
M_SMALL, M_MED, M_LARGE = (_I[f"morphology_n_{n}_islands"] for n in ("small", "medium", "large"))
S_INT = _I["intensity_max"]  # max, min, mean, std, skewness, kurtosis follow in this order
S_TIME = _I["peak_time_max"]


@njit(cache=True)
def _hillas(x, y, w, size):
    """cog_x, cog_y, length, width, psi (rad), skewness, kurtosis, σ_length, σ_width, σ_psi."""
    out = np.full(10, np.nan)
    n = x.shape[0]
    cx = 0.0
    cy = 0.0
    for i in range(n):
        cx += w[i] * x[i]
        cy += w[i] * y[i]
    cx /= size
    cy /= size
    sxx = 0.0
    syy = 0.0
    sxy = 0.0
    for i in range(n):
        dx = x[i] - cx
        dy = y[i] - cy
        sxx += w[i] * dx * dx
        syy += w[i] * dy * dy
        sxy += w[i] * dx * dy
    sxx /= size
    syy /= size
    sxy /= size
    half = 0.5 * (sxx + syy)
    root = math.sqrt(0.25 * (sxx - syy) ** 2 + sxy * sxy)
    lam1 = max(half + root, 0.0)
    lam2 = max(half - root, 0.0)
    length = math.sqrt(lam1)
    width = math.sqrt(lam2)
    out[0] = cx
    out[1] = cy
    out[2] = length
    out[3] = width
    if length == 0.0:
        return out
    psi = 0.5 * math.atan2(2.0 * sxy, sxx - syy)
    if psi > 0.5 * math.pi:
        psi -= math.pi
    out[4] = psi
    cp = math.cos(psi)
    sp = math.sin(psi)
    m3 = 0.0
    m4 = 0.0
    a = 0.5 * (1.0 + math.cos(2 * psi))
    b = 0.5 * (1.0 - math.cos(2 * psi))
    c = math.sin(2 * psi)
    denom = (sxx - syy) ** 2 + 4.0 * sxy * sxy
    s_len = 0.0
    s_wid = 0.0
    s_psi = 0.0
    for i in range(n):
        dx = x[i] - cx
        dy = y[i] - cy
        lon = dx * cp + dy * sp
        m3 += w[i] * lon**3
        m4 += w[i] * lon**4
        da = (dx * dx - sxx) / size
        db = (dy * dy - syy) / size
        dc = (dx * dy - sxy) / size
        wi = abs(w[i])
        s_len += (a * da + b * db + c * dc) ** 2 * wi
        s_wid += (b * da + a * db - c * dc) ** 2 * wi
        if denom > 0:
            s_psi += (((sxx - syy) * dc - sxy * (da - db)) / denom) ** 2 * wi
    out[5] = (m3 / size) / length**3
    out[6] = (m4 / size) / length**4
    out[7] = math.sqrt(s_len) / (2.0 * length)
    out[8] = math.sqrt(s_wid) / (2.0 * width) if width > 0 else np.nan
    out[9] = math.sqrt(s_psi) if denom > 0 else np.nan
    return out


@njit(cache=True)
def _stats(v):
    """max, min, mean, std, skewness, excess kurtosis (NaN where undefined)."""
    out = np.full(6, np.nan)
    n = v.shape[0]
    if n == 0:
        return out
    mean = v.mean()
    m2 = 0.0
    m3 = 0.0
    m4 = 0.0
    for i in range(n):
        d = v[i] - mean
        m2 += d * d
        m3 += d**3
        m4 += d**4
    m2 /= n
    m3 /= n
    m4 /= n
    out[0] = v.max()
    out[1] = v.min()
    out[2] = mean
    out[3] = math.sqrt(m2)
    if m2 > 0:
        out[4] = m3 / m2**1.5
        out[5] = m4 / (m2 * m2) - 3.0
    return out


@njit(cache=True)
def _islands(mask, indptr, indices):
    """Sizes of the connected groups of masked pixels."""
    n = mask.shape[0]
    label = np.full(n, -1, dtype=np.int32)
    stack = np.empty(n, dtype=np.int32)
    sizes = np.zeros(n, dtype=np.int32)
    n_isl = 0
    for p in range(n):
        if not mask[p] or label[p] >= 0:
            continue
        top = 0
        stack[0] = p
        label[p] = n_isl
        count = 0
        while top >= 0:
            q = stack[top]
            top -= 1
            count += 1
            for k in range(indptr[q], indptr[q + 1]):
                r = indices[k]
                if mask[r] and label[r] < 0:
                    label[r] = n_isl
                    top += 1
                    stack[top] = r
        sizes[n_isl] = count
        n_isl += 1
    return sizes[:n_isl]


@njit(cache=True)
def parameters_kernel(
    pix_x, pix_y, pixel_width, image, peak_time, mask, border1, border2, indptr, indices, deg_m
):
    out = np.full(_N, np.nan)
    idx = np.nonzero(mask)[0]
    npix = idx.shape[0]
    sizes = _islands(mask, indptr, indices)
    out[M_NPIX] = npix
    out[M_NISL] = sizes.shape[0]
    out[M_SMALL] = np.sum(sizes <= 2)
    out[M_MED] = np.sum((sizes > 2) & (sizes <= 50))
    out[M_LARGE] = np.sum(sizes > 50)
    if npix == 0:
        return out
    x = pix_x[idx]
    y = pix_y[idx]
    w = image[idx].astype(np.float64)
    t = peak_time[idx].astype(np.float64)
    size = w.sum()
    st = _stats(w)
    for j in range(6):
        out[S_INT + j] = st[j]
    tt = t[np.isfinite(t)]
    st = _stats(tt)
    for j in range(6):
        out[S_TIME + j] = st[j]
    if not size > 0:
        return out
    out[H_INT] = size
    # camera frame (m)
    hc = _hillas(x, y, w, size)
    out[C_X] = hc[0]
    out[C_Y] = hc[1]
    out[C_R] = math.hypot(hc[0], hc[1])
    out[C_PHI] = math.degrees(math.atan2(hc[1], hc[0]))
    out[C_LEN] = hc[2]
    out[C_WID] = hc[3]
    out[C_PSI] = math.degrees(hc[4])
    # telescope frame (deg): fov_lon = y / f, fov_lat = x / f
    ht = _hillas(y * deg_m, x * deg_m, w, size)
    out[H_LON] = ht[0]
    out[H_LAT] = ht[1]
    out[H_R] = math.hypot(ht[0], ht[1])
    out[H_PHI] = math.degrees(math.atan2(ht[1], ht[0]))
    out[H_LEN] = ht[2]
    out[H_WID] = ht[3]
    out[H_PSI] = math.degrees(ht[4])
    out[H_SKEW] = ht[5]
    out[H_KURT] = ht[6]
    out[H_LEN_U] = ht[7]
    out[H_WID_U] = ht[8]
    out[H_PSI_U] = math.degrees(ht[9])
    # leakage
    n1 = 0
    n2 = 0
    i1 = 0.0
    i2 = 0.0
    for j in range(npix):
        p = idx[j]
        if border1[p]:
            n1 += 1
            i1 += w[j]
        if border2[p]:
            n2 += 1
            i2 += w[j]
    out[L_P1] = n1 / npix
    out[L_P2] = n2 / npix
    out[L_I1] = i1 / size
    out[L_I2] = i2 / size
    # concentration (camera frame)
    cog = 0.0
    core = 0.0
    cp = math.cos(hc[4]) if np.isfinite(hc[4]) else 1.0
    sp = math.sin(hc[4]) if np.isfinite(hc[4]) else 0.0
    for j in range(npix):
        dx = x[j] - hc[0]
        dy = y[j] - hc[1]
        if dx * dx + dy * dy < pixel_width[idx[j]] ** 2:
            cog += w[j]
        if hc[2] > 0 and hc[3] > 0:
            lo = dx * cp + dy * sp
            tr = -dx * sp + dy * cp
            if (lo / hc[2]) ** 2 + (tr / hc[3]) ** 2 <= 1.0:
                core += w[j]
    out[CON_COG] = cog / size
    out[CON_CORE] = core / size if hc[2] > 0 and hc[3] > 0 else np.nan
    out[CON_PIX] = w.max() / size
    # timing along the major axis (telescope frame, deg)
    if np.isfinite(ht[4]):
        cpt = math.cos(ht[4])
        spt = math.sin(ht[4])
        sw = 0.0
        sl = 0.0
        stt = 0.0
        sll = 0.0
        slt = 0.0
        n_ok = 0
        for j in range(npix):
            if not np.isfinite(t[j]) or w[j] <= 0:
                continue
            lo = (y[j] * deg_m - ht[0]) * cpt + (x[j] * deg_m - ht[1]) * spt
            sw += w[j]
            sl += w[j] * lo
            stt += w[j] * t[j]
            sll += w[j] * lo * lo
            slt += w[j] * lo * t[j]
            n_ok += 1
        det = sw * sll - sl * sl
        if n_ok >= 2 and det > 1e-12 * sw * sw:
            slope = (sw * slt - sl * stt) / det
            intercept = (stt - slope * sl) / sw
            out[T_SLOPE] = slope
            out[T_INT] = intercept
            res = 0.0
            for j in range(npix):
                if not np.isfinite(t[j]) or w[j] <= 0:
                    continue
                lo = (y[j] * deg_m - ht[0]) * cpt + (x[j] * deg_m - ht[1]) * spt
                res += (t[j] - (intercept + slope * lo)) ** 2
            out[T_DEV] = math.sqrt(res / n_ok)
    return out


def parameters_to_dict(values: np.ndarray) -> dict:
    """Kernel output → {name: float or int} in IMAGE_PARAMETER_NAMES order."""
    vals = values.tolist()
    return {
        n: (int(v) if n in INTEGER_PARAMETERS else v) for n, v in zip(IMAGE_PARAMETER_NAMES, vals)
    }


def image_parameters(ctx, image, peak_time, mask) -> dict:
    """All DL1 parameters of ``image`` (p.e.) cleaned with ``mask`` on the camera of ``ctx``."""
    indptr, indices = ctx.csr
    b1, b2 = ctx.border
    if peak_time is None:
        peak_time = np.full(len(image), np.nan, dtype=np.float32)
    values = parameters_kernel(
        ctx.pix_x,
        ctx.pix_y,
        ctx.pixel_width,
        np.ascontiguousarray(image, dtype=np.float32),
        np.ascontiguousarray(peak_time, dtype=np.float32),
        np.ascontiguousarray(mask, dtype=np.bool_),
        b1,
        b2,
        indptr,
        indices,
        ctx.deg_per_m,
    )
    return parameters_to_dict(values)
