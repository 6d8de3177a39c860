"""Image parameters of a cleaned image: one numba kernel fills every DL1 column at once.

The definitions are ctapipe 0.28's (its ImageProcessor in the telescope frame):

- An image is parametrised when it has at least 2 pixels after cleaning and a positive total
  charge; otherwise every parameter is NaN and every count -1 (ctapipe's defaults).
- Hillas moments in the telescope frame (deg: ``fov_lon = y / f``, ``fov_lat = x / f``), psi
  from ``fov_lon`` towards ``fov_lat`` in (-90°, 90°]. Eigenvalues of the covariance within
  ``HILLAS_ATOL`` of 0 count as 0, as ctapipe; so does one below ``HILLAS_RTOL`` times the
  other, which is rounding noise of an exactly collinear image (ctapipe's absolute tolerance
  alone lets some lines of pixels through with a width of ~1e-8°).
- Length and width uncertainties: derivatives of the second moments with Poisson pixel
  variances. psi uncertainty and transverse centroid uncertainty: a least-squares line of the
  transverse offsets against the longitudinal ones, pixels weighted by charge / pixel area
  (deg²); the psi uncertainty is the slope's error and residual slope, inflated by
  ``1 + tan²(π/2 · width/length)`` for round images.
- Timing: a straight line of peak time against the longitudinal coordinate (deg). By default
  the unweighted least-trimmed-squares fit of ctapipe (5 random starts, 85 % of the pixels
  kept, the deviation taken over all pixels). ctapipe draws the random starts from one
  generator shared by the whole process, so its result for an image can depend on the images
  processed before; here every image starts the same generator (numpy's PCG64) from seed 0,
  so a result never depends on processing order or threads. ``timing_fit="weighted"`` gives the
  charge-weighted least-squares line instead.
- Leakage, concentration (telescope frame; ``concentration_core`` is 0 for width 0),
  morphology (islands), intensity and peak-time statistics (peak times that are not finite
  are left out of the statistics and the fits).

The camera-frame Hillas variant (m) is computed beside them.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import njit
from ..config.parameters import TIMING_FITS
from ..results import IMAGE_PARAMETER_NAMES, INTEGER_PARAMETERS, NOT_COMPUTED

#: eigenvalues of the image covariance (deg², or m² in the camera frame) within this of 0
#: count as 0 (ctapipe's HILLAS_ATOL)
HILLAS_ATOL = float(np.finfo(np.float64).eps)
#: a minor eigenvalue below this fraction of the major one is rounding noise of a line
HILLAS_RTOL = 1e3 * float(np.finfo(np.float64).eps)
LTS_SAMPLES = 5  # random starts (ctapipe's timing_parameters)
LTS_FRACTION = 0.85  # share of the pixels each trimmed fit keeps
LTS_MAX_ITERATIONS = 20
LTS_EPS = 1e-12  # convergence of the residual sum of squares
LINE_DET_EPS = 2 * float(np.finfo(np.float64).eps)  # singular normal equations

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
H_TRANS_U = _I["hillas_transverse_cog_uncertainty"]
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
_COUNTS = np.array(sorted(_I[n] for n in INTEGER_PARAMETERS), dtype=np.int64)
TIMING_LTS, TIMING_WEIGHTED = 0, 1


@njit(cache=True)
def _eigen_clip(lam, scale):
    """An eigenvalue within the tolerances of 0 is 0 (``scale``: the major eigenvalue)."""
    if abs(lam) <= HILLAS_ATOL or abs(lam) <= HILLAS_RTOL * abs(scale):
        return 0.0
    return lam


@njit(cache=True)
def _hillas(x, y, w, area, size):
    """Hillas moments of the pixels (x, y) with charges w and areas (units of x², for the
    psi fit): cog_x, cog_y, length, width, psi (rad), skewness, kurtosis, σ_length,
    σ_width, σ_psi (rad), σ_transverse-cog."""
    out = np.full(11, np.nan)
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
    lam1 = half + root
    lam2 = _eigen_clip(half - root, lam1)
    lam1 = _eigen_clip(lam1, lam1)
    # a negative eigenvalue (negative charges in the image) has no square root: NaN
    length = math.sqrt(lam1) if lam1 >= 0 else np.nan
    width = math.sqrt(lam2) if lam2 >= 0 else np.nan
    out[0] = cx
    out[1] = cy
    out[2] = length
    out[3] = width
    if not length != 0.0:
        return out
    # angle of the major axis in (-pi/2, pi/2]; a round image (equal eigenvalues) has the
    # second axis of the eigen-decomposition as its major axis, pi/2
    if root == 0.0:
        psi = 0.5 * math.pi
    else:
        psi = 0.5 * math.atan2(2.0 * sxy, sxx - syy)
    out[4] = psi
    cp = math.cos(psi)
    sp = math.sin(psi)
    m3 = 0.0
    m4 = 0.0
    # line of the transverse against the longitudinal offsets, weights charge / area
    s_w = 0.0
    s_l = 0.0
    s_ll = 0.0
    s_t = 0.0
    s_lt = 0.0
    for i in range(n):
        dx = x[i] - cx
        dy = y[i] - cy
        lon = dx * cp + dy * sp
        tr = -dx * sp + dy * cp
        m3 += w[i] * lon**3
        m4 += w[i] * lon**4
        wi = w[i] / area[i]
        s_w += wi
        s_l += wi * lon
        s_ll += wi * lon * lon
        s_t += wi * tr
        s_lt += wi * lon * tr
    out[5] = (m3 / size) / length**3
    out[6] = (m4 / size) / length**4
    det = s_ll * s_w - s_l * s_l
    if det != 0.0 and np.isfinite(det):
        c00 = s_w / det
        c11 = s_ll / det
        c01 = -s_l / det
        p0 = c00 * s_lt + c01 * s_t
        inflate = 1.0 + math.tan(width / length * 0.5 * math.pi) ** 2
        out[9] = np.sqrt(c00 + p0 * p0) * inflate
        sin_p0 = math.sin(p0)
        out[10] = np.sqrt(c11 * (1.0 + sin_p0 * sin_p0))
    # uncertainties of length and width (derivatives of the second moments)
    cos2 = math.cos(2.0 * psi)
    a = 0.5 * (1.0 + cos2)
    b = 0.5 * (1.0 - cos2)
    c = math.sin(2.0 * psi)
    s_len = 0.0
    s_wid = 0.0
    for i in range(n):
        dx = x[i] - cx
        dy = y[i] - cy
        da = (dx * dx - sxx) / size
        db = (dy * dy - syy) / size
        dc = (dx * dy - sxy) / size
        s_len += (a * da + b * db + c * dc) ** 2 * w[i]
        s_wid += (b * da + a * db - c * dc) ** 2 * w[i]
    out[7] = np.sqrt(s_len) / (2.0 * length)
    out[8] = np.sqrt(s_wid) / (2.0 * width) if width != 0.0 else np.nan
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


# ---------------------------------------------------------------------- random starts
# numpy's PCG64 and numba's ``Generator.integers`` (Lemire's bounded 32-bit draws from the
# generator's buffered 32-bit halves), ported so that the kernel draws exactly what ctapipe's
# numba code draws from ``np.random.default_rng(0)``. A Generator object passed into a numba
# function costs ~20 µs per call to unbox; this state is 6 integers.
_MASK32 = np.uint64(0xFFFFFFFF)
_PCG_MULT_HI = np.uint64(2549297995355413924)
_PCG_MULT_LO = np.uint64(4865540595714422341)


def _pcg64_state(seed: int) -> np.ndarray:
    """(state high, state low, increment high, increment low, has 32 bits, 32 bits) of
    ``np.random.PCG64(seed)``."""
    s = np.random.PCG64(seed).state
    state, inc = s["state"]["state"], s["state"]["inc"]
    words = (state >> 64, state & 0xFFFFFFFFFFFFFFFF, inc >> 64, inc & 0xFFFFFFFFFFFFFFFF,
             s["has_uint32"], s["uinteger"])
    out = np.array(words, dtype=np.uint64)
    out.setflags(write=False)
    return out


#: the generator every image's timing fit starts from (seed 0)
LTS_RNG_START = _pcg64_state(0)


@njit(cache=True)
def _mul_hi(a, b):
    """High 64 bits of the 128-bit product of two uint64."""
    a0 = a & _MASK32
    a1 = a >> np.uint64(32)
    b0 = b & _MASK32
    b1 = b >> np.uint64(32)
    t = a1 * b0 + ((a0 * b0) >> np.uint64(32))
    w1 = (t & _MASK32) + a0 * b1
    return a1 * b1 + (t >> np.uint64(32)) + (w1 >> np.uint64(32))


@njit(cache=True)
def _next64(st):
    """PCG64 (XSL-RR 128/64): advance the 128-bit LCG, output from the new state."""
    lo = st[1] * _PCG_MULT_LO
    hi = _mul_hi(st[1], _PCG_MULT_LO) + st[0] * _PCG_MULT_LO + st[1] * _PCG_MULT_HI
    lo2 = lo + st[3]
    hi2 = hi + st[2] + (np.uint64(1) if lo2 < lo else np.uint64(0))
    st[0] = hi2
    st[1] = lo2
    x = hi2 ^ lo2
    rot = hi2 >> np.uint64(58)
    return (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))


@njit(cache=True)
def _next32(st):
    if st[4] != 0:
        st[4] = np.uint64(0)
        return st[5]
    v = _next64(st)
    st[4] = np.uint64(1)
    st[5] = v >> np.uint64(32)
    return v & _MASK32


@njit(cache=True)
def _integers(st, n):
    """A uniform integer in [0, n) as numba's ``Generator.integers(0, n)`` draws it."""
    rng = np.uint64(n - 1)
    if rng == 0:
        return 0
    excl = rng + np.uint64(1)
    m = _next32(st) * excl
    left = m & _MASK32
    if left < excl:
        threshold = (_MASK32 - rng) % excl
        while left < threshold:
            m = _next32(st) * excl
            left = m & _MASK32
    return np.int64(m >> np.uint64(32))


# ---------------------------------------------------------------------- timing fits
@njit(cache=True)
def _line(x, y, idx, m):
    """Unweighted least-squares line through the points ``idx[:m]``: (slope, intercept),
    NaN when the normal equations are singular."""
    sx = 0.0
    sxx = 0.0
    sy = 0.0
    sxy = 0.0
    for k in range(m):
        i = idx[k]
        sx += x[i]
        sxx += x[i] * x[i]
        sy += y[i]
        sxy += x[i] * y[i]
    det = sxx * m - sx * sx
    if not det >= LINE_DET_EPS:
        return np.nan, np.nan
    slope = (m * sxy - sx * sy) / det
    intercept = (sxx * sy - sx * sxy) / det
    return slope, intercept


@njit(cache=True)
def _rss(x, y, idx, m, slope, intercept):
    s = 0.0
    for k in range(m):
        i = idx[k]
        r = y[i] - (x[i] * slope + intercept)
        s += r * r
    return s


@njit(cache=True)
def _lts(x, y, rng_start):
    """Least-trimmed-squares line (ctapipe's algorithm): from ``LTS_SAMPLES`` random pairs,
    refit repeatedly on the ``LTS_FRACTION`` of points closest to the line; keep the fit with
    the smallest trimmed residual sum; the pairs are drawn from the PCG64 state
    ``rng_start``. (slope, intercept), NaN with fewer than 2 points."""
    n = x.shape[0]
    if n < 2:
        return np.nan, np.nan
    st = rng_start.copy()
    keep = np.int64(LTS_FRACTION * n)
    pair = np.empty(2, dtype=np.int64)
    resid = np.empty(n)
    best_slope = np.nan
    best_intercept = np.nan
    best_error = np.inf
    for _ in range(LTS_SAMPLES):
        pair[0] = _integers(st, n)
        pair[1] = _integers(st, n - 1)
        if pair[1] >= pair[0]:
            pair[1] += 1
        slope, intercept = _line(x, y, pair, 2)
        if np.isnan(slope):
            continue
        error = _rss(x, y, pair, 2, slope, intercept)
        for _it in range(LTS_MAX_ITERATIONS):
            for i in range(n):
                r = y[i] - (x[i] * slope + intercept)
                resid[i] = r * r
            sample = np.argsort(resid)[:keep]
            slope, intercept = _line(x, y, sample, keep)
            last_error = error
            error = _rss(x, y, sample, keep, slope, intercept)
            if abs(last_error - error) < LTS_EPS:
                break
        if error < best_error:
            best_error = error
            best_slope = slope
            best_intercept = intercept
    return best_slope, best_intercept


@njit(cache=True)
def _weighted_line(x, y, w):
    """Charge-weighted least-squares line: (slope, intercept), NaN when degenerate."""
    sw = 0.0
    sl = 0.0
    stt = 0.0
    sll = 0.0
    slt = 0.0
    n_ok = 0
    for j in range(x.shape[0]):
        if w[j] <= 0:
            continue
        sw += w[j]
        sl += w[j] * x[j]
        stt += w[j] * y[j]
        sll += w[j] * x[j] * x[j]
        slt += w[j] * x[j] * y[j]
        n_ok += 1
    det = sw * sll - sl * sl
    if n_ok < 2 or not det > 1e-12 * sw * sw:
        return np.nan, np.nan
    slope = (sw * slt - sl * stt) / det
    return slope, (stt - slope * sl) / sw


# ---------------------------------------------------------------------- all parameters
@njit(cache=True)
def parameters_kernel(
    pix_x,
    pix_y,
    pixel_width,
    pix_area,
    image,
    peak_time,
    mask,
    border1,
    border2,
    indptr,
    indices,
    deg_m,
    timing_fit,
    rng_start,
):
    out = np.full(_N, np.nan)
    for k in _COUNTS:
        out[k] = NOT_COMPUTED
    idx = np.nonzero(mask)[0]
    npix = idx.shape[0]
    w = image[idx].astype(np.float64)
    size = w.sum()
    # ctapipe's image check: at least 2 pixels and a positive total charge
    if npix < 2 or not size > 0:
        return out
    sizes = _islands(mask, indptr, indices)
    out[M_NPIX] = npix
    out[M_NISL] = sizes.shape[0]
    out[M_SMALL] = np.sum(sizes <= 2)
    out[M_MED] = np.sum((sizes > 2) & (sizes <= 50))
    out[M_LARGE] = np.sum(sizes > 50)
    x = pix_x[idx]
    y = pix_y[idx]
    t = peak_time[idx].astype(np.float64)
    st = _stats(w)
    for j in range(6):
        out[S_INT + j] = st[j]
    finite = np.isfinite(t)
    st = _stats(t[finite])
    for j in range(6):
        out[S_TIME + j] = st[j]
    out[H_INT] = size
    # camera frame (m)
    area_m = pix_area[idx]
    hc = _hillas(x, y, w, area_m, size)
    out[C_X] = hc[0]
    out[C_Y] = hc[1]
    out[C_R] = math.hypot(hc[0], hc[1])
    out[C_PHI] = math.degrees(math.atan2(hc[1], hc[0]))
    out[C_LEN] = hc[2]
    out[C_WID] = hc[3]
    out[C_PSI] = math.degrees(hc[4])
    # telescope frame (deg): fov_lon = y / f, fov_lat = x / f
    lon = y * deg_m
    lat = x * deg_m
    ht = _hillas(lon, lat, w, area_m * (deg_m * deg_m), size)
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
    out[H_TRANS_U] = ht[10]
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
    # concentration (telescope frame)
    cog = 0.0
    core = 0.0
    ellipse = ht[3] > 0  # width 0 (or NaN): no ellipse, concentration_core 0
    cpt = math.cos(ht[4]) if ellipse else 1.0
    spt = math.sin(ht[4]) if ellipse else 0.0
    for j in range(npix):
        dx = lon[j] - ht[0]
        dy = lat[j] - ht[1]
        pw = pixel_width[idx[j]] * deg_m
        if dx * dx + dy * dy < pw * pw:
            cog += w[j]
        if ellipse:
            lo = dx * cpt + dy * spt
            tr = -dx * spt + dy * cpt
            if lo * lo / (ht[2] * ht[2]) + tr * tr / (ht[3] * ht[3]) <= 1.0:
                core += w[j]
    out[CON_COG] = cog / size
    out[CON_CORE] = core / size
    out[CON_PIX] = w.max() / size
    # timing along the major axis (telescope frame, deg)
    if np.isfinite(ht[4]):
        cpt = math.cos(ht[4])
        spt = math.sin(ht[4])
        n_ok = 0
        for j in range(npix):
            if finite[j]:
                n_ok += 1
        lo = np.empty(n_ok)
        tt = np.empty(n_ok)
        ww = np.empty(n_ok)
        k = 0
        for j in range(npix):
            if finite[j]:
                lo[k] = (lon[j] - ht[0]) * cpt + (lat[j] - ht[1]) * spt
                tt[k] = t[j]
                ww[k] = w[j]
                k += 1
        if timing_fit == TIMING_WEIGHTED:
            slope, intercept = _weighted_line(lo, tt, ww)
        else:
            slope, intercept = _lts(lo, tt, rng_start)
        if np.isfinite(slope):
            out[T_SLOPE] = slope
            out[T_INT] = intercept
            res = 0.0
            for j in range(n_ok):
                res += (tt[j] - (intercept + slope * lo[j])) ** 2
            out[T_DEV] = math.sqrt(res / n_ok)
    return out


#: positions of the counts in IMAGE_PARAMETER_NAMES (ints in the dictionaries)
_COUNT_POSITIONS = tuple(
    i for i, n in enumerate(IMAGE_PARAMETER_NAMES) if n in INTEGER_PARAMETERS
)
_TIMING_FIT_CODES = {"lts": TIMING_LTS, "weighted": TIMING_WEIGHTED}


def parameters_to_dict(values: np.ndarray) -> dict:
    """Kernel output → {name: float or int} in IMAGE_PARAMETER_NAMES order (the counts
    converted in place: this runs twice per telescope event)."""
    vals = values.tolist()
    for i in _COUNT_POSITIONS:
        vals[i] = int(vals[i])
    return dict(zip(IMAGE_PARAMETER_NAMES, vals))


def image_parameters(ctx, image, peak_time, mask, timing_fit: str = "lts") -> dict:
    """All DL1 parameters of ``image`` (p.e.) cleaned with ``mask`` on the camera of ``ctx``.

    ``timing_fit``: "lts" (ctapipe's unweighted least-trimmed-squares line, the default) or
    "weighted" (charge-weighted least squares). Without ``peak_time`` (a true image) the
    context's all-NaN peak times stand in.
    """
    if timing_fit not in TIMING_FITS:
        raise ValueError(f"timing_fit must be one of {list(TIMING_FITS)}, got {timing_fit!r}")
    indptr, indices = ctx.csr
    b1, b2 = ctx.border
    if peak_time is None:
        peak_time = ctx.no_peak_time
        if len(peak_time) != len(image):
            peak_time = np.full(len(image), np.nan, dtype=np.float32)
    values = parameters_kernel(
        ctx.pix_x,
        ctx.pix_y,
        ctx.pixel_width,
        ctx.pix_area,
        np.ascontiguousarray(image, dtype=np.float32),
        np.ascontiguousarray(peak_time, dtype=np.float32),
        np.ascontiguousarray(mask, dtype=np.bool_),
        b1,
        b2,
        indptr,
        indices,
        ctx.deg_per_m,
        _TIMING_FIT_CODES.get(timing_fit, TIMING_LTS),
        LTS_RNG_START,
    )
    return parameters_to_dict(values)
